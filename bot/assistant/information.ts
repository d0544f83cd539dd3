/**
 * Answering an information question: the best clause (the named district's documents first) as blocks —
 * the answering sentence first (bot/reply/answer.ts, with the answer cues), the clean quote containing it
 * whole, the measure's time truth in the answer line, notes, and up to two related clauses; below the
 * retrieval confidence, or when no top clause speaks of the subject asked (落户…), it abstains.
 *
 * @example
 * const reply = informationReply(ctx, kit, question, await search(question), asOf, 'zh');
 */
import type { SearchHit, SearchResult } from '../../retrieval/types.ts';
import type { NoteBlock } from '../reply/blocks.ts';
import { informationBlocks } from '../reply/build.ts';
import { formatDate } from '../reply/format.ts';
import type { ReplyKit } from '../reply/kit.ts';
import { cleanQuote } from '../../text/quote.ts';
import { measureEnded, pick, RELATED_MIN_SHARE, SUBJECTS, type ReplyContext } from './context.ts';
import type { Lang } from './lang.ts';
import {
  abstain,
  ageNoteBlock,
  ASSISTANT_NOTE_PRIORITIES,
  citationOf,
  clauseRef,
  shortQuote,
  supersededNote,
  windowValidity,
} from './reply.ts';
import type { Reply } from './types.ts';

/** Priority of a passed deadline of the measure (time notes come first; 0–100). */
const DEADLINE_PRIORITY = 5;

export function informationReply(
  ctx: ReplyContext,
  kit: ReplyKit,
  question: string,
  res: SearchResult,
  asOf: string,
  lang: Lang,
  /** The district the question is about (default: the first one it names). */
  askedDistrict?: string,
): Reply {
  const { deps, docs, districtIn } = ctx;
  const locale = kit.locales[lang];
  const district = askedDistrict ?? districtIn(question);
  const hits = res.hits;
  if (!hits.length || res.confidence < deps.options.abstainBelow) return abstain(kit, question, lang, 'out_of_scope');
  // Prefer the named district's documents; otherwise keep the ranking.
  const inDistrict = (h: SearchHit) => (docs.get(h.chunk.docId)?.district === district ? 1 : 0);
  const ordered = district ? [...hits].sort((a, b) => inDistrict(b) - inDistrict(a) || b.score - a.score) : hits;
  // Subject guard: a question about settlement (落户/户口…) is only answered by a clause that speaks
  // of it; a clause that merely shares other words (职称, 人才引进) would answer a different question.
  for (const [asked, said] of SUBJECTS) {
    if (!asked.test(question)) continue;
    const speaking = ordered.slice(0, 3).filter((h) => said.test(h.chunk.text));
    if (!speaking.length) return abstain(kit, question, lang, 'out_of_scope');
  }
  const best = ordered[0]!;
  const d = docs.get(best.chunk.docId);
  // Time truth: the measure's own period (from the rules citing this clause) first, else the document's.
  const citing = deps.rules.filter((r) => r.citeChunkIds.includes(best.chunk.id));
  const ruleWindow = citing.map((r) => windowValidity(r, asOf)).find((w) => !!w);
  const docWindow =
    d?.validTo && d.validTo < asOf
      ? ({ status: 'expired', validFrom: d.validFrom, validTo: d.validTo } as const)
      : d?.validFrom && d.validFrom > asOf
        ? ({ status: 'not_yet', validFrom: d.validFrom, validTo: d.validTo } as const)
        : undefined;
  const validity = ruleWindow ?? docWindow;
  const notes: NoteBlock[] = [];
  for (const r of citing) {
    for (const dl of r.deadlines) {
      if (dl.date < asOf)
        notes.push({
          kind: 'time',
          priority: DEADLINE_PRIORITY,
          text: locale.t('notes.deadline_passed', { label: pick(dl.label, lang), date: formatDate(dl.date, locale) }),
        });
    }
  }
  const repealed = supersededNote(ctx, best.chunk.docId, lang);
  if (repealed) notes.push(repealed);
  if (!validity) {
    const age = ageNoteBlock(kit, d?.date, asOf, deps.options.docMaxAgeYears, lang);
    if (age) notes.push(age);
  }
  if (d?.level === 'district' && d.district && !district)
    notes.push({
      kind: 'district',
      priority: ASSISTANT_NOTE_PRIORITIES.other,
      text: locale.t('notes.district_measure_other', { district: d.district }),
    });
  const others = ordered
    .slice(1)
    .filter((h) => h.score >= best.score * RELATED_MIN_SHARE && h.chunk.id !== best.chunk.id)
    .slice(0, 2);
  const related = others.map((h) => {
    const ref = clauseRef(kit, h.chunk, docs.get(h.chunk.docId));
    return {
      citation: {
        docId: h.chunk.docId,
        clauseId: h.chunk.id,
        title: ref.doc.title,
        docNumber: ref.doc.docNumber ?? null,
        clause: ref.label,
        date: ref.doc.date ?? null,
      },
      heading: h.chunk.heading ?? cleanQuote(h.chunk.text, { heading: h.chunk.heading }).heading,
    };
  });
  const blocks = informationBlocks({
    query: question,
    locale,
    clause: clauseRef(kit, best.chunk, d),
    scorer: kit.scorer,
    answer: { openEnds: kit.openEnds },
    validity,
    notes,
    related,
  });
  const citations = [
    citationOf(ctx, best.chunk, blocks.quote?.text ?? shortQuote(best.chunk, 220), best.score),
    ...others.map((h) => citationOf(ctx, h.chunk, shortQuote(h.chunk), h.score)),
  ];
  const expired = citing.some((r) => measureEnded(r, asOf)) || (!!d?.validTo && d.validTo < asOf);
  return {
    question,
    answer: '',
    blocks,
    grounded: true,
    citations,
    eligibility: null,
    followUp: null,
    route: 'information',
    lang,
    expired,
  };
}
