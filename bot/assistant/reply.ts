/**
 * Building the reply from the Decision: the verdict line, one ✓ / ✗ / ？ line per condition with the
 * person's fact (or the date judged on), the quoted clause, notes, the other rules of the goal, and the
 * one follow-up question. The wording itself is the replies issue's; this stage only lays it out.
 *
 * @example
 * const { reply } = eligibilityReply(ctx, decision.lead, facts, question, asOf, 'zh', notes);
 */
import { toEligibilitySummary, type Verdict } from '../../eligibility/evaluate.ts';
import { formatFactValue, type Facts } from '../../eligibility/facts.ts';
import { questionFor } from '../../eligibility/questions.ts';
import type { Chunk } from '../../retrieval/types.ts';
import { abstainText, ageNote, displayValue, sourceLine } from './compose.ts';
import { choiceList, dedupe, pick, type ReplyContext } from './context.ts';
import type { Decision } from './decide.ts';
import type { Lang } from './lang.ts';
import type { Citation, DecisionSummary, FactSource, FollowUp, Reply, Route } from './types.ts';
import { supersessionNote } from '../../retrieval/import/supersession.ts';

export function eligibilityReply(
  ctx: ReplyContext,
  v: Verdict,
  facts: Facts,
  question: string,
  asOf: string,
  lang: Lang,
  extraNotes: string[],
): { reply: Reply; followUp: FollowUp | null } {
  const { deps, docs, chunksById, citation, sourceDoc, say } = ctx;
  const lines: string[] = [];
  const head: Record<Verdict['verdict'], string> =
    lang === 'en'
      ? {
          eligible: 'Result: eligible.',
          not_eligible: 'Result: not eligible for now.',
          need_more_info: 'I need a little more information.',
          not_applicable: 'Result: this measure does not apply.',
        }
      : {
          eligible: '结论：符合。',
          not_eligible: '结论：暂不符合。',
          need_more_info: '还需要了解一些情况才能判断。',
          not_applicable: '结论：本项措施不适用。',
        };
  const reasons = v.reasons.map((r) => pick(r, lang)).filter(Boolean);
  lines.push(`${head[v.verdict]}${reasons[0] && v.verdict !== 'need_more_info' ? ' ' + reasons[0] : ''}`);
  lines.push(lang === 'en' ? `(${pick(v.title, lang)})` : `（${pick(v.title, lang)}）`);
  for (const c of v.conditions.filter((c) => !c.skipped)) {
    // A condition met without any fact (a deadline still open) is no line: nothing of the person to show.
    if (c.status === 'pass' && c.value === undefined && c.fact) continue;
    // A date condition judged on the evaluation date (no date given) says so; it is not the person's fact.
    if (
      c.fact &&
      facts[c.fact] === undefined &&
      c.value !== undefined &&
      typeof c.value === 'string' &&
      /^\d{4}-\d{2}/.test(c.value) &&
      deps.sentences?.judgedOnValue
    ) {
      const mark = c.status === 'pass' ? '✓' : c.status === 'fail' ? '✗' : '？';
      const label = (lang === 'en' ? c.labelEn : c.label) ?? c.label ?? c.id;
      lines.push(`${mark} ${label}${lang === 'en' ? ': ' : '：'}${say('judgedOnValue', lang, { date: c.value })}`);
      continue;
    }
    // A precondition the rule assumes when unknown (assume_applies) is shown as assumed, not as a question.
    const assumed = c.status === 'unknown' && c.applicability && v.verdict !== 'need_more_info';
    const mark = c.status === 'pass' ? '✓' : c.status === 'fail' ? '✗' : assumed ? '·' : '？';
    const label = (lang === 'en' ? c.labelEn : c.label) ?? c.label ?? c.id;
    const value = assumed
      ? lang === 'en'
        ? 'assumed'
        : '假定符合'
      : c.value === undefined
        ? lang === 'en'
          ? 'unknown'
          : '未知'
        : displayValue(c.value, deps.catalog[c.fact], lang, (x) => formatFactValue(x, lang));
    lines.push(`${mark} ${label}${lang === 'en' ? ': ' : '：'}${value}`);
  }
  for (const r of reasons.slice(1)) if (v.verdict !== 'need_more_info') lines.push(r);
  const citeChunk = v.cite.chunkIds.map((id) => chunksById.get(id)).find((c): c is Chunk => !!c);
  const citations: Citation[] = [];
  if (citeChunk) {
    const cit = citation(citeChunk, question + v.cite.quote, 1, 260);
    citations.push(cit);
    lines.push('', `「${cit.text}」`, sourceLine(sourceDoc(citeChunk.docId), citeChunk.clause, lang));
  }
  const notes = [...(lang === 'en' ? v.notesEn : v.notes), ...extraNotes];
  if (citeChunk) {
    const repealed = supersessionNote(citeChunk.docId, deps.documents, lang); // issue #13: name the newer document
    if (repealed) notes.unshift(repealed);
    const d = docs.get(citeChunk.docId);
    if (d && v.validity.status === 'in_force') {
      const age = ageNote(sourceDoc(citeChunk.docId), asOf, deps.options.docMaxAgeYears, lang);
      if (age) notes.push(age);
    }
    if (d?.level === 'district' && d.district) {
      notes.push(lang === 'en' ? `This is a ${d.district} district measure.` : `这是${d.district}区的区级措施。`);
    }
  }
  if (notes.length) lines.push('', ...dedupe(notes).map((n) => `※ ${n}`));
  let followUp: FollowUp | null = null;
  if (v.verdict === 'need_more_info' && v.missing[0]) {
    followUp = questionFor(v.missing[0], deps.catalog, lang);
    lines.push('', followUp.question + choiceList(followUp, lang));
  }
  const reply: Reply = {
    question,
    answer: lines.join('\n'),
    grounded: citations.length > 0,
    citations,
    eligibility: toEligibilitySummary(v, facts),
    followUp,
    route: 'eligibility',
    lang,
  };
  return { reply, followUp };
}

/** A verdict in a word or two, for the one-line-per-rule lists. */
export function verdictWord(v: Verdict['verdict'], lang: Lang): string {
  const words: Record<Verdict['verdict'], string> =
    lang === 'en'
      ? {
          eligible: 'eligible',
          not_eligible: 'not eligible for now',
          need_more_info: 'more information needed',
          not_applicable: 'does not apply',
        }
      : { eligible: '符合', not_eligible: '暂不符合', need_more_info: '还需了解情况', not_applicable: '不适用' };
  return words[v];
}

/** The other rules of the goal, one line each, after the leading rule. */
export function appendOthers(ctx: ReplyContext, reply: Reply, d: Decision, lang: Lang) {
  const { say } = ctx;
  if (!d.others.length) return;
  const lines = d.others.slice(0, 3).map((o) => `· ${pick(o.title, lang)}：${verdictWord(o.verdict, lang)}`);
  const intro = say('others', lang, {});
  reply.answer += `\n\n${intro}\n${lines.join('\n')}`;
}

export function abstain(_ctx: ReplyContext, question: string, lang: Lang, r: Route): Reply {
  return { question, answer: abstainText(lang), grounded: false, citations: [], eligibility: null, followUp: null, route: r, lang };
}

/** The Decision as carried on the Reply (JSON-safe). */
export function decisionJson(d: Decision, facts: Facts, sources: Record<string, FactSource>): DecisionSummary {
  const used: Record<string, FactSource> = {};
  for (const k of Object.keys(facts)) if (sources[k]) used[k] = sources[k]!;
  return {
    lead: d.lead.ruleId,
    verdicts: d.verdicts.map((v) => ({ ruleId: v.ruleId, verdict: v.verdict, missing: v.missing })),
    judgedOn: d.judgedOn,
    situationDate: d.situationDate,
    followUpFact: d.followUpFact,
    sources: used,
  };
}
