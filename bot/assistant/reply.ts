/**
 * Building the reply from the Decision: blocks (bot/reply/blocks.ts) — the answer line from the rule
 * data, each condition with the person's fact and its source, the deciding part of the clause, notes with
 * kinds and priorities, the one follow-up question. `finishReply` renders the blocks once as plain text
 * (`Reply.answer`) in the conversation's context and records what was quoted; every channel renders the
 * blocks itself. No wording here: it comes from the rule data, the fact catalog and bot/locales/*.yaml.
 *
 * @example
 * const { reply } = eligibilityReply(ctx, kit, decision.lead, facts, question, asOf, 'zh', notes);
 * const { reply: shown, state } = finishReply(kit, reply, previousState, nextState);
 */
import { toEligibilitySummary, type Verdict } from '../../eligibility/evaluate.ts';
import type { Facts } from '../../eligibility/facts.ts';
import { questionFor } from '../../eligibility/questions.ts';
import type { Rule } from '../../eligibility/rules.ts';
import type { Chunk, DocumentMeta } from '../../retrieval/types.ts';
import { supersessionNote } from '../../retrieval/import/supersession.ts';
import { cleanQuote, trimQuote } from '../../text/quote.ts';
import { blocksToJson, type NoteBlock, type ReplyBlocks } from '../reply/blocks.ts';
import { eligibilityBlocks, verdictNotes, type ClauseRef, type ConditionLike, type EligibilityVerdictLike } from '../reply/build.ts';
import { formatDate } from '../reply/format.ts';
import type { ReplyKit } from '../reply/kit.ts';
import { renderTerminal } from '../reply/render-terminal.ts';
import { classifyScope } from '../reply/scope.ts';
import { measureWindow, pick, type ReplyContext } from './context.ts';
import type { Decision } from './decide.ts';
import type { Lang } from './lang.ts';
import type { Citation, ConversationState, DecisionSummary, FactSource, FollowUp, Reply, Route } from './types.ts';

/** Priorities of the notes the assistant adds (lower is shown first; 0–100, see bot/reply/build.ts NotePriorities). */
export const ASSISTANT_NOTE_PRIORITIES = {
  /** The document was repealed by a newer one. */
  superseded: 1,
  /** A correction said back ("已按您后面的说法更正…"). */
  corrected: 8,
  /** What the confidence gate did not assume (a doubted fact, asked for instead). */
  doubted: 9,
  /** Another measure of the same goal. */
  otherRule: 60,
  /** What the understanding stage inferred (a university's rank, studied abroad). */
  understood: 65,
  /** District and document-age notes. */
  other: 70,
} as const;

/** Target length of an eligibility quote: the deciding provision of the clause (characters; 40–2000). */
export const ELIGIBILITY_QUOTE_CHARS = 60;

/** Whole years between two YYYY-MM-DD dates (floor). */
export function yearsBetween(from: string, to: string): number {
  const [a, b] = [from, to].map((d) => d.split('-').map(Number)) as [number[], number[]];
  let years = b[0]! - a[0]!;
  if (b[1]! < a[1]! || (b[1] === a[1] && b[2]! < a[2]!)) years--;
  return years;
}

/** The document-age note (DOC_MAX_AGE_YEARS), or null while the document is younger. */
export function ageNoteBlock(kit: ReplyKit, date: string | undefined, asOf: string, maxAgeYears: number, lang: Lang): NoteBlock | null {
  if (!date || maxAgeYears <= 0 || yearsBetween(date, asOf) < maxAgeYears) return null;
  const locale = kit.locales[lang];
  return {
    kind: 'age',
    priority: ASSISTANT_NOTE_PRIORITIES.other,
    text: locale.t('notes.document_age', { date: formatDate(date, locale), years: maxAgeYears }),
  };
}

/** The supersession note (issue #13) as a block, when a newer document repeals this one. */
export function supersededNote(ctx: ReplyContext, docId: string, lang: Lang): NoteBlock | null {
  const text = supersessionNote(docId, ctx.deps.documents, lang);
  return text ? { kind: 'time', priority: ASSISTANT_NOTE_PRIORITIES.superseded, text } : null;
}

/** A clause to quote: the chunk, its document and its label unique within the document. */
export function clauseRef(kit: ReplyKit, chunk: Chunk, doc: (DocumentMeta & { id: string }) | undefined): ClauseRef {
  return {
    chunk,
    doc: { title: doc?.title ?? chunk.title, docNumber: doc?.docNumber ?? chunk.docNumber ?? null, date: doc?.date ?? null },
    label: kit.labels.get(chunk.id) ?? chunk.clause,
  };
}

/** The `ask --json` citation of a clause: its text as quoted (cleaned, trimmed around `answer`). */
export function citationOf(ctx: ReplyContext, chunk: Chunk, text: string, score: number): Citation {
  const d = ctx.docs.get(chunk.docId);
  return {
    docId: chunk.docId,
    title: chunk.title,
    docNumber: chunk.docNumber ?? null,
    clause: chunk.clause,
    text,
    score: Math.round(score * 1000) / 1000,
    date: d?.date,
    district: d?.district ?? null,
  };
}

/** A short quote of a clause (related clauses' citations): its cleaned body, trimmed from the start. */
export function shortQuote(chunk: Chunk, maxChars = 60): string {
  return trimQuote(cleanQuote(chunk.text, { heading: chunk.heading }).body, null, { maxChars });
}

/** The measure's period as a validity (rule validity narrowed by its date conditions) on `asOf`. */
export function windowValidity(rule: Rule, asOf: string): Verdict['validity'] | undefined {
  const w = measureWindow(rule);
  if (w.to && w.to < asOf) return { status: 'expired', validFrom: w.from, validTo: w.to } as Verdict['validity'];
  if (w.from && w.from > asOf) return { status: 'not_yet', validFrom: w.from, validTo: w.to } as Verdict['validity'];
  return undefined;
}

/**
 * The verdict as the block builder takes it: conditions met without any fact of the person (a deadline
 * still open) are left out; the ids of date conditions judged on the evaluation date (no date given).
 */
function builderVerdict(v: Verdict, facts: Facts): { verdict: EligibilityVerdictLike; judged: Set<string> } {
  const judged = new Set<string>();
  const conditions: ConditionLike[] = v.conditions.map((c) => {
    if (facts[c.fact as keyof Facts] === undefined && typeof c.value === 'string' && /^\d{4}-\d{2}/.test(c.value)) judged.add(c.id);
    // (An assumed condition — `assume: true` in the rule — stays: the reply says what was assumed.)
    return { ...c, skipped: c.skipped || (c.status === 'pass' && c.value === undefined && !c.assumed) };
  });
  return { verdict: { ...v, conditions }, judged };
}

/** Builds the eligibility reply (blocks; `answer` is filled by `finishReply`). */
export function eligibilityReply(
  ctx: ReplyContext,
  kit: ReplyKit,
  v: Verdict,
  facts: Facts,
  question: string,
  asOf: string,
  lang: Lang,
  extraNotes: NoteBlock[],
  opts: { sources?: Record<string, FactSource>; judgedOn?: string | null } = {},
): { reply: Reply; followUp: FollowUp | null } {
  const { deps, docs, chunksById, say } = ctx;
  const locale = kit.locales[lang];
  const rule = deps.rules.find((r) => r.id === v.ruleId);
  const citeChunk = [...(rule?.citeChunkIds ?? []), ...v.cite.chunkIds].map((id) => chunksById.get(id)).find((c): c is Chunk => !!c);
  const doc = citeChunk ? docs.get(citeChunk.docId) : undefined;
  const notes: NoteBlock[] = [...extraNotes];
  if (citeChunk) {
    const repealed = supersededNote(ctx, citeChunk.docId, lang);
    if (repealed) notes.push(repealed);
    if (v.validity.status === 'in_force') {
      const age = ageNoteBlock(kit, doc?.date, asOf, deps.options.docMaxAgeYears, lang);
      if (age) notes.push(age);
    }
    if (doc?.level === 'district' && doc.district)
      notes.push({
        kind: 'district',
        priority: ASSISTANT_NOTE_PRIORITIES.other,
        text: locale.t('notes.district_measure', { district: doc.district }),
      });
  }
  let followUp: FollowUp | null = null;
  if (v.verdict === 'need_more_info' && v.missing[0]) followUp = questionFor(v.missing[0], deps.catalog, lang);
  const { verdict, judged } = builderVerdict(v, facts);
  // The answer line says when the measure's period (narrowed by its date conditions) is over.
  const window = rule && v.validity.status === 'in_force' ? windowValidity(rule, asOf) : undefined;
  const sources: Record<string, { text: string; span?: [number, number]; button?: boolean }> = { ...(opts.sources ?? {}) };
  const blocks = eligibilityBlocks({
    verdict: window ? { ...verdict, validity: window } : verdict,
    ruleNotes: rule?.notes,
    assumeApplies: rule?.assumeApplies,
    catalog: deps.catalog,
    sources,
    locale,
    clause: citeChunk ? clauseRef(kit, citeChunk, doc) : null,
    ruleQuote: v.cite.quote,
    followUp,
    extraNotes: notes,
    judgedOn: opts.judgedOn ?? null,
    scorer: kit.scorer,
    quote: { maxChars: ELIGIBILITY_QUOTE_CHARS },
  });
  // The provision that decided, without the clause's heading: the answer line and the conditions say
  // what it is about (measured: 17 characters of a median ~300; the heading stays in information quotes).
  if (blocks.quote) blocks.quote.heading = null;
  // Only the answer line takes the narrowed period; the evaluator's notes stay as they are.
  if (window) blocks.notes = [...verdictNotes({ verdict, ruleNotes: rule?.notes, assumeApplies: rule?.assumeApplies, locale }), ...notes];
  // A date judged on the evaluation date is said as such, not as the person's fact; the evaluator's note
  // saying the same of that condition ("<label>：未提供日期，按今天计算") is then left out.
  const saidOnLine: string[] = [];
  for (const c of blocks.conditions) {
    if (!judged.has(c.id) || typeof c.value !== 'string') continue;
    const text = say('judgedOnValue', lang, { date: formatDate(c.value, locale) });
    if (text) {
      c.display = text;
      c.source = { kind: 'button', text };
      saidOnLine.push(c.label);
    }
  }
  if (saidOnLine.length)
    blocks.notes = blocks.notes.filter(
      (n) => n.kind !== 'time' || !saidOnLine.some((l) => n.text.startsWith(`${l}：`) || n.text.startsWith(`${l}:`)),
    );
  const citations: Citation[] = citeChunk && blocks.quote ? [citationOf(ctx, citeChunk, blocks.quote.text, 1)] : [];
  const reply: Reply = {
    question,
    answer: '',
    blocks,
    grounded: citations.length > 0,
    citations,
    eligibility: toEligibilitySummary(v, facts),
    followUp,
    route: 'eligibility',
    lang,
  };
  return { reply, followUp };
}

/** The other rules of the goal, as notes after the leading rule's ("另可参考：…（暂不符合）"). */
export function otherRuleNotes(kit: ReplyKit, d: Decision, lang: Lang): NoteBlock[] {
  const t = kit.locales[lang].t;
  return d.others.slice(0, 3).map((o, i) => ({
    kind: 'rule',
    priority: ASSISTANT_NOTE_PRIORITIES.otherRule + i,
    text: t('notes.other_rule', { title: pick(o.title, lang), verdict: t(`verdict.${o.verdict}`) }),
  }));
}

/**
 * The profile question's answer: the intro (corpus/lang `matchIntro`), every measure with its verdict
 * (best first), then the leading measure's own answer line — the list is the answer, so it is never
 * hidden behind 详情.
 */
export function matchAnswer(ctx: ReplyContext, kit: ReplyKit, d: Decision, lang: Lang, leadLine: string): string {
  const t = kit.locales[lang].t;
  const items = d.verdicts.map((v) => t('notes.match_item', { title: pick(v.title, lang), verdict: t(`verdict.${v.verdict}`) }));
  return [ctx.say('matchIntro', lang, {}), ...items, leadLine].filter(Boolean).join('\n');
}

/** A reply of one line (help, greeting, out of scope, abstention, a message without words), optionally with a question. */
export function lineReply(
  question: string,
  lang: Lang,
  kind: ReplyBlocks['kind'],
  text: string,
  route: Route,
  followUp: FollowUp | null = null,
): Reply {
  const blocks: ReplyBlocks = {
    version: 1,
    kind,
    lang,
    answer: { text },
    conditions: [],
    quote: null,
    notes: [],
    related: [],
    followUp: followUp ? { fact: followUp.fact, question: followUp.question, choices: followUp.choices ?? [] } : null,
  };
  return { question, answer: '', blocks, grounded: false, citations: [], eligibility: null, followUp, route, lang };
}

/**
 * The one abstention: an out-of-scope kind found only when nothing relevant is in the library
 * (`when: abstain` in corpus/out-of-scope.yaml), else the locale's abstention line.
 */
export function abstain(kit: ReplyKit, question: string, lang: Lang, r: Route): Reply {
  const scope = kit.scope ? classifyScope(kit.scope, question, lang) : null;
  if (scope) return lineReply(question, lang, 'out_of_scope', scope.reply, r);
  return lineReply(question, lang, 'abstain', kit.locales[lang].t('abstain.line'), r);
}

/**
 * Renders the reply's blocks once as plain text (`answer`: the terminal default view in this
 * conversation's context) and records in the state what it showed: the clause quoted in full, and the
 * blocks (the next turn shows what changed). `blocks` becomes its JSON form.
 */
export function finishReply(
  kit: ReplyKit,
  reply: Reply,
  before: ConversationState | undefined,
  after: ConversationState,
): { reply: Reply; state: ConversationState } {
  if (!reply.blocks) return { reply, state: after };
  const lang = reply.lang ?? reply.blocks.lang;
  // (blocksToJson validates and orders the blocks: its result is a valid ReplyBlocks, not parsed again.)
  const blocks = blocksToJson(reply.blocks) as ReplyBlocks;
  const quoted = new Set(before?.quoted ?? []);
  const previous = before?.lastBlocks ?? null;
  const { text } = renderTerminal(blocks, kit.locales[lang], { quoted, previous });
  const shownInFull = blocks.quote && !quoted.has(blocks.quote.citation.clauseId);
  const state: ConversationState = {
    ...after,
    quoted: shownInFull ? [...quoted, blocks.quote!.citation.clauseId] : [...quoted],
    lastBlocks: blocks,
  };
  return { reply: { ...reply, blocks, answer: text }, state };
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
