/**
 * Answering an information question: the best clause (the named district's documents first), trimmed to
 * the relevant sentences, its source, the measure's time truth, and up to two related clauses; below the
 * retrieval confidence, or when no top clause speaks of the subject asked (落户…), it abstains.
 *
 * @example
 * const reply = informationReply(ctx, question, await search(question), asOf, 'zh');
 */
import type { SearchHit, SearchResult } from '../../retrieval/types.ts';
import { clauseLabel, sourceLine, validityNote } from './compose.ts';
import { dedupe, measureEnded, measureWindow, pick, RELATED_MIN_SHARE, shortTitle, SUBJECTS, type ReplyContext } from './context.ts';
import type { Lang } from './lang.ts';
import { abstain } from './reply.ts';
import type { Reply } from './types.ts';
import { supersessionNote } from '../../retrieval/import/supersession.ts';

export function informationReply(ctx: ReplyContext, question: string, res: SearchResult, asOf: string, lang: Lang): Reply {
  const { deps, docs, citation, sourceDoc, timeNotes, districtIn } = ctx;
  const district = districtIn(question);
  const hits = res.hits;
  if (!hits.length || res.confidence < deps.options.abstainBelow) return abstain(ctx, question, lang, 'out_of_scope');
  // Prefer the named district's documents; otherwise keep the ranking.
  const inDistrict = (h: SearchHit) => (docs.get(h.chunk.docId)?.district === district ? 1 : 0);
  const ordered = district ? [...hits].sort((a, b) => inDistrict(b) - inDistrict(a) || b.score - a.score) : hits;
  // Subject guard: a question about settlement (落户/户口…) is only answered by a clause that speaks
  // of it; a clause that merely shares other words (职称, 人才引进) would answer a different question.
  for (const [asked, said] of SUBJECTS) {
    if (!asked.test(question)) continue;
    const speaking = ordered.slice(0, 3).filter((h) => said.test(h.chunk.text));
    if (!speaking.length) return abstain(ctx, question, lang, 'out_of_scope');
  }
  const best = ordered[0]!;
  const top = citation(best.chunk, question, best.score);
  const lines = [`「${top.text}」`, sourceLine(sourceDoc(best.chunk.docId), best.chunk.clause, lang)];
  // Time truth: the measure's own period (from the rules citing this clause) first, else the document's age.
  const windowNotes: string[] = [];
  const deadlineNotes: string[] = [];
  for (const r of deps.rules) {
    if (!r.citeChunkIds.includes(best.chunk.id)) continue;
    const w = measureWindow(r);
    const n = validityNote(w.from, w.to, asOf, lang);
    if (n) windowNotes.push(n);
    for (const dl of r.deadlines) {
      if (dl.date < asOf)
        deadlineNotes.push(lang === 'en' ? `${pick(dl.label, lang)}: ${dl.date} (passed).` : `${pick(dl.label, lang)}（${dl.date}）已过。`);
    }
  }
  const notes = [...(windowNotes.length ? windowNotes : timeNotes(best.chunk.docId, asOf, lang)), ...deadlineNotes];
  const repealed = supersessionNote(best.chunk.docId, deps.documents, lang); // issue #13: name the newer document
  if (repealed) notes.unshift(repealed);
  const d = docs.get(best.chunk.docId);
  if (d?.level === 'district' && d.district && !district) {
    notes.push(lang === 'en' ? `This is a ${d.district} district measure.` : `这是${d.district}区的区级措施，其他区请以所在区政策为准。`);
  }
  if (notes.length) lines.push(...dedupe(notes).map((n) => `※ ${n}`));
  const citations = [top];
  const others = ordered
    .slice(1)
    .filter((h) => h.score >= best.score * RELATED_MIN_SHARE && h.chunk.id !== best.chunk.id)
    .slice(0, 2);
  if (others.length) {
    lines.push('', lang === 'en' ? 'Related:' : '相关条款：');
    for (const h of others) {
      const c = citation(h.chunk, question, h.score, 60);
      citations.push(c);
      lines.push(`· 《${shortTitle(h.chunk.title)}》${clauseLabel(h.chunk.clause, lang)}：${c.text}`);
    }
  }
  const expired =
    deps.rules.some((r) => r.citeChunkIds.includes(best.chunk.id) && measureEnded(r, asOf)) || (!!d?.validTo && d.validTo < asOf);
  return {
    question,
    answer: lines.join('\n'),
    grounded: true,
    citations,
    eligibility: null,
    followUp: null,
    route: 'information',
    lang,
    expired,
  };
}
