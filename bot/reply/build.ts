/**
 * Builders: the decision (or the best clause) in, `ReplyBlocks` out. The assistant calls
 * `eligibilityBlocks` with the leading verdict of `decide()` and `informationBlocks` with the best search
 * hit; the channels render the result. Pure: everything needed is passed in.
 *
 * @example
 * const blocks = eligibilityBlocks({ verdict, catalog, sources, locale: locales.zh, quote, followUp });
 * renderTelegram(blocks, locales.zh, { quoted: new Set() }).messages
 */
import type { Locale } from '../locales/locale.ts';
import { cleanQuote, trimQuote } from '../../text/quote.ts';
import { answerLine, answerSentence, timeTruth, type SentenceScorer, type VerdictLike } from './answer.ts';
import type { Citation, ConditionBlock, FactSource, FollowUpBlock, NoteBlock, QuoteBlock, RelatedBlock, ReplyBlocks } from './blocks.ts';
import { displayValue, type FactDisplay } from './format.ts';

/** Note priorities (lower is shown first; at most two are shown before 详情). Each 0–100. */
export interface NotePriorities {
  /** Deadlines and dates the evaluator computed. Default 5. */
  time: number;
  /** Notes of the rule data, in their order from this value on. Default 50. */
  rule: number;
  /** Document age, district and other notes the assistant adds. Default 70. */
  other: number;
}
export const DEFAULT_NOTE_PRIORITIES: NotePriorities = { time: 5, rule: 50, other: 70 };

/** What the builder needs of an evaluated condition (eligibility ConditionTrace fits). */
export interface ConditionLike {
  id: string;
  status: 'pass' | 'fail' | 'unknown';
  fact: string;
  value?: unknown;
  clause: string;
  label?: string;
  labelEn?: string;
  skipped?: boolean;
  applicability?: boolean;
  /** Met by assumption (the rule's `assume: true`), not by a fact of the person. */
  assumed?: boolean;
}

/** What the builder needs of a verdict (eligibility/evaluate.ts Verdict fits). */
export interface EligibilityVerdictLike extends VerdictLike {
  ruleId: string;
  conditions: ConditionLike[];
  notes: string[];
  notesEn: string[];
}

/** A fact source as the assistant records it (bot/assistant/types.ts FactSource of the understanding stage). */
export interface RecordedSource {
  text: string;
  span?: [number, number];
  button?: boolean;
}

/** The block form of a recorded source: a span of words, or a button / bare answer. */
export function toFactSource(s: RecordedSource | undefined): FactSource | null {
  if (!s) return null;
  if (s.span && !s.button) return { kind: 'words', text: s.text, span: s.span };
  return { kind: 'button', text: s.text };
}

/** A clause to quote: the chunk, its document and its unique label. */
export interface ClauseRef {
  chunk: { id: string; docId: string; text: string; heading?: string };
  doc: { title: string; titleEn?: string; docNumber?: string | null; date?: string | null };
  /** Unique within the document (text/quote.ts `uniqueClauseLabels`). */
  label: string;
}

export function citationOf(ref: ClauseRef): Citation {
  return {
    docId: ref.chunk.docId,
    clauseId: ref.chunk.id,
    title: ref.doc.title,
    ...(ref.doc.titleEn ? { titleEn: ref.doc.titleEn } : {}),
    docNumber: ref.doc.docNumber ?? null,
    clause: ref.label,
    date: ref.doc.date ?? null,
  };
}

/** Options of the quote. */
export interface QuoteOptions {
  /** Target quote length in characters (text/quote.ts `trimQuote`). Range 40–2000, default 160. */
  maxChars?: number;
}

/** The quote block of a clause, trimmed around `answer` (kept whole; searched in the cleaned body). */
export function quoteBlock(ref: ClauseRef, answer: string | null, opts: QuoteOptions = {}): QuoteBlock {
  const clean = cleanQuote(ref.chunk.text, { heading: ref.chunk.heading });
  const found = answer && clean.body.includes(answer) ? answer : null;
  return {
    heading: clean.heading,
    text: trimQuote(clean.body, found, { maxChars: opts.maxChars }),
    answer: found,
    citation: citationOf(ref),
  };
}

/** Input of `eligibilityBlocks`. */
export interface EligibilityInput {
  verdict: EligibilityVerdictLike;
  /** The rule's notes (rule data), to tell them from the evaluator's. */
  ruleNotes?: { zh: string; en?: string }[];
  /** True when the rule assumes its precondition (`assume_applies`): an unknown precondition is shown as assumed. */
  assumeApplies?: boolean;
  catalog: Record<string, FactDisplay>;
  /** For each fact, where it came from. */
  sources: Record<string, RecordedSource | undefined>;
  locale: Locale;
  /** The rule's clause (`quote` of the rule is the answering text inside it). */
  clause: ClauseRef | null;
  ruleQuote?: string;
  followUp?: { fact: string; question: string; choices?: { label: string; value: string }[] } | null;
  /** Other notes the assistant adds (district, document age…). */
  extraNotes?: NoteBlock[];
  related?: RelatedBlock[];
  judgedOn?: string | null;
  /** Scores clause sentences against the deciding reason, to quote the part of the clause that decided (default: bigram overlap). */
  scorer?: SentenceScorer;
  /** The deciding reason must share at least this score with a part of the clause to be quoted instead of the rule's quote. Range 0–20, default 3. */
  minReasonMatch?: number;
  priorities?: NotePriorities;
  quote?: QuoteOptions;
  answer?: { maxChars?: number };
}

/** The conditions as shown: skipped ones left out, values displayed, sources attached, assumptions marked. */
export function conditionBlocks(
  input: Pick<EligibilityInput, 'verdict' | 'catalog' | 'sources' | 'locale' | 'assumeApplies'>,
): ConditionBlock[] {
  const { locale } = input;
  return input.verdict.conditions
    .filter((c) => !c.skipped)
    .map((c) => {
      const assumed =
        (c.status === 'unknown' && c.applicability && input.assumeApplies) || (c.status === 'pass' && c.assumed && c.value === undefined);
      const display = c.value === undefined ? null : displayValue(c.value, input.catalog[c.fact], locale);
      const label = (locale.lang === 'en' ? c.labelEn : c.label) ?? c.id;
      return {
        id: c.id,
        fact: c.fact,
        ...(c.value !== undefined ? { value: c.value } : {}),
        ...(display ? { display } : {}),
        label,
        status: assumed ? 'assumed' : c.status,
        source: toFactSource(input.sources[c.fact]),
        clause: c.clause,
      } satisfies ConditionBlock;
    });
}

/**
 * The notes of a verdict with kinds and priorities: the evaluator's own notes first (deadlines, dates),
 * then the rule's notes in their order. The assumption note and the validity note are dropped when the
 * reply already says the same (an assumed condition line; the time truth in the answer line).
 */
export function verdictNotes(
  input: Pick<EligibilityInput, 'verdict' | 'ruleNotes' | 'assumeApplies' | 'locale' | 'priorities'>,
): NoteBlock[] {
  const p = input.priorities ?? DEFAULT_NOTE_PRIORITIES;
  const v = input.verdict;
  const en = input.locale.lang === 'en';
  const texts = en ? v.notesEn : v.notes;
  const ruleTexts = new Set((input.ruleNotes ?? []).map((n) => (en ? (n.en ?? n.zh) : n.zh)));
  let skip = 0;
  if (input.assumeApplies && v.conditions.some((c) => c.applicability && c.status === 'unknown')) skip += 1;
  if (v.validity && v.validity.status !== 'in_force') skip += 1;
  const out: NoteBlock[] = [];
  let r = 0;
  texts.forEach((text, i) => {
    if (ruleTexts.has(text)) out.push({ kind: 'rule', priority: Math.min(100, p.rule + r++), text });
    else if (i >= skip) out.push({ kind: 'time', priority: p.time, text });
  });
  // An English reply never shows a Chinese note: the evaluator's English form falls back to Chinese only for notes without one.
  return en ? out.filter((n) => !/\p{Script=Han}/u.test(n.text)) : out;
}

function followUpBlock(f: EligibilityInput['followUp']): FollowUpBlock | null {
  return f ? { fact: f.fact, question: f.question, choices: f.choices ?? [] } : null;
}

/**
 * The part of the rule's clause to quote: the clause unit that best matches the deciding reason (the
 * 51–100 provision when that band decided), else the rule's verified quote. Matched on the Chinese texts,
 * whatever the reply language, because the clause is Chinese.
 */
export function decidingQuote(
  input: Pick<EligibilityInput, 'verdict' | 'clause' | 'ruleQuote' | 'scorer' | 'minReasonMatch'>,
): string | null {
  const v = input.verdict;
  const reason = (v.verdict === 'eligible' ? (v.reasons[1] ?? v.reasons[0]) : v.reasons[0])?.zh;
  if (!input.clause || !reason) return input.ruleQuote ?? null;
  const body = cleanQuote(input.clause.chunk.text, { heading: input.clause.chunk.heading }).body;
  const best = answerSentence(body, reason, input.scorer, { maxChars: 40 });
  return best && best.score >= (input.minReasonMatch ?? 3) ? best.sentence : (input.ruleQuote ?? null);
}

/**
 * The open conditions of a need-more-info reply, one per fact: alternative bands of one fact (前50名 /
 * 51–100名) are one thing to check, said as "A或B" (`values.or_separator`).
 */
export function pendingLabels(conditions: readonly ConditionBlock[], locale: Locale): string[] {
  const byFact = new Map<string, string[]>();
  for (const c of conditions) if (c.status === 'unknown') byFact.set(c.fact, [...(byFact.get(c.fact) ?? []), c.label]);
  return [...byFact.values()].map((labels) => [...new Set(labels)].join(locale.t('values.or_separator')));
}

/** The blocks of an eligibility reply from the leading verdict of the decision. */
export function eligibilityBlocks(input: EligibilityInput): ReplyBlocks {
  const { verdict: v, locale } = input;
  const conditions = conditionBlocks(input);
  const deciding = conditions.find((c) => (v.verdict === 'eligible' ? c.status === 'pass' : c.status === 'fail') && c.display);
  return {
    version: 1,
    kind: 'eligibility',
    lang: locale.lang,
    ruleId: v.ruleId,
    answer: answerLine(v, locale, {
      value: deciding?.display,
      judgedOn: input.judgedOn,
      maxChars: input.answer?.maxChars,
      pending: pendingLabels(conditions, locale),
    }),
    conditions,
    quote: input.clause ? quoteBlock(input.clause, decidingQuote(input), { maxChars: input.quote?.maxChars ?? 90 }) : null,
    notes: [...verdictNotes(input), ...(input.extraNotes ?? [])],
    related: input.related ?? [],
    followUp: followUpBlock(input.followUp),
  };
}

/** Input of `informationBlocks`. */
export interface InformationInput {
  query: string;
  locale: Locale;
  /** The best clause. */
  clause: ClauseRef;
  /** The same scoring as retrieval, at sentence level (default: bigram overlap). */
  scorer?: SentenceScorer;
  /** The measure's period from the rules citing the clause, when known. */
  validity?: VerdictLike['validity'];
  notes?: NoteBlock[];
  related?: RelatedBlock[];
  quote?: QuoteOptions;
  /** The answer line: its length and the part endings that cannot end it (bot/reply/answer.ts `AnswerSentenceOptions`). */
  answer?: { maxChars?: number; openEnds?: readonly string[] };
}

/** Target length of an information quote around the answering sentence (characters; 40–2000). */
export const INFORMATION_QUOTE_CHARS = 90;
/**
 * Target length of the quote when the answer line is a span of a longer sentence (characters; 40–2000):
 * the quote then gives that sentence whole — the proof of the line — with little or no context around it.
 */
export const SPAN_QUOTE_CHARS = 40;

/** The blocks of an information reply: the answering sentence first, the quote (containing it whole) after. */
export function informationBlocks(input: InformationInput): ReplyBlocks {
  const { locale } = input;
  const body = cleanQuote(input.clause.chunk.text, { heading: input.clause.chunk.heading }).body;
  const best = answerSentence(body, input.query, input.scorer, { maxChars: input.answer?.maxChars, openEnds: input.answer?.openEnds });
  const sentence = best?.sentence ?? null;
  const truth = timeTruth(input.validity, locale);
  // The answer line is the answering span (≤ maxChars); the quote keeps the whole sentence around it.
  const line = best ? locale.t('answer.information', { sentence: best.line }) : '';
  return {
    version: 1,
    kind: 'information',
    lang: locale.lang,
    answer: {
      text: [truth, line].filter(Boolean).join(locale.lang === 'en' ? ' ' : ''),
      ...(truth ? { expired: input.validity?.status === 'expired' } : {}),
    },
    conditions: [],
    // The answer line already says the answering sentence (or its answering span): the quote gives the
    // sentence whole, with little context.
    quote: quoteBlock(input.clause, sentence, {
      maxChars: input.quote?.maxChars ?? (best && best.line !== best.sentence ? SPAN_QUOTE_CHARS : INFORMATION_QUOTE_CHARS),
    }),
    notes: input.notes ?? [],
    related: input.related ?? [],
    followUp: null,
  };
}

/** A reply of one answer line and nothing else (out of scope, help, greeting, abstention). */
export function lineBlocks(kind: 'out_of_scope' | 'abstain' | 'help' | 'greeting', text: string, locale: Locale): ReplyBlocks {
  return { version: 1, kind, lang: locale.lang, answer: { text }, conditions: [], quote: null, notes: [], related: [], followUp: null };
}
