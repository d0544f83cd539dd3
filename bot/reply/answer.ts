/**
 * The answer line, the first thing a reply says.
 * - Eligibility (`answerLine`): the verdict word (locale) and the deciding reason from the rule data —
 *   a passing path's text for "eligible", the failing condition's text otherwise; a measure whose period
 *   is over says so first.
 * - Information (`answerSentence`): the sentence unit of the clause that answers the question, chosen by
 *   a scoring function at sentence level; enumerations and numbers stay whole.
 * Pure: the texts come from the rule data, the clause and the locale.
 *
 * @example
 * answerLine({ verdict: 'eligible', reasons: [{ zh: '符合。' }, { zh: '前50名院校不看社保缴费。' }], title: { zh: '名校' } }, zh).text
 * // '符合条件：前50名院校不看社保缴费。'
 * answerSentence('一是…。二是在温哥华、硅谷设立引才工作站。', '引才工作站在哪里').sentence
 * // '二是在温哥华、硅谷设立引才工作站。'
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import type { Locale } from '../locales/locale.ts';
import { isEnumeration, sentenceUnits } from '../../text/sentences.ts';
import type { AnswerLine, Verdict } from './blocks.ts';
import { formatDate, formatMonth } from './format.ts';

/** A text of the rule data (eligibility Text fits). */
export interface RuleText {
  zh: string;
  en?: string;
}

/** What `answerLine` needs of a verdict (eligibility/evaluate.ts Verdict fits). */
export interface VerdictLike {
  verdict: Verdict;
  /** Reasons as evaluate() orders them: for eligible [outcome, ...pass texts]; otherwise [...fail/pass texts, outcome]. */
  reasons: RuleText[];
  title: RuleText;
  validity?: { status: 'in_force' | 'not_yet' | 'expired'; validFrom?: string; validTo?: string };
}

/** Options of the answer line. */
export interface AnswerLineOptions {
  /** Target length in characters. Range 30–120, default 60. A reason longer than this is cut to its first sentence, never inside one. */
  maxChars?: number;
  /** Replaces `{value}` in a reason ("您目前为{value}个月"): the deciding condition's value as displayed. */
  value?: string;
  /** The date the rules were judged on, when it is not today (said after the line). */
  judgedOn?: string | null;
  /** need_more_info: the labels of the conditions still open, said instead of the rule's generic outcome. */
  pending?: string[];
}

const len = (s: string) => [...s].length;

/** The first sentence unit of a text when the text is longer than `max` (whole units only). */
function shorten(text: string, max: number): string {
  if (len(text) <= max) return text;
  return sentenceUnits(text)[0] ?? text;
}

const isMonthEnd = (iso: string) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCDate() === 1;
};

/** The period of a measure in the locale's words: months when it runs whole months, else dates. */
function period(from: string | undefined, to: string, locale: Locale): { from?: string; to: string } {
  const whole = (!from || from.length < 10 || from.endsWith('-01')) && (to.length < 10 || isMonthEnd(to));
  const f = (d: string) => (whole ? formatMonth(d, locale) : formatDate(d, locale));
  return { from: from ? f(from) : undefined, to: f(to) };
}

/** The time-truth sentence of a measure that is over (or not yet in force), else null. */
export function timeTruth(validity: VerdictLike['validity'], locale: Locale): string | null {
  if (!validity) return null;
  if (validity.status === 'expired' && validity.validTo) {
    const p = period(validity.validFrom, validity.validTo, locale);
    return p.from ? locale.t('answer.expired_period', { from: p.from, to: p.to }) : locale.t('answer.expired_since', { to: p.to });
  }
  if (validity.status === 'not_yet' && validity.validFrom)
    return locale.t('answer.not_yet', { from: formatDate(validity.validFrom, locale) });
  return null;
}

/** The deciding reason of a verdict in the locale's language, or null when the rule data has none in it. */
function decidingReason(v: VerdictLike, lang: Locale['lang']): string | null {
  const pick = (t: RuleText | undefined) => (t ? (lang === 'en' ? (t.en ?? null) : t.zh) : null);
  if (v.verdict === 'eligible') return pick(v.reasons[1]) ?? pick(v.reasons[0]);
  return pick(v.reasons[0]);
}

/** The eligibility answer line: time truth first when the measure is over, then verdict and deciding reason. */
export function answerLine(v: VerdictLike, locale: Locale, opts: AnswerLineOptions = {}): AnswerLine {
  const max = opts.maxChars ?? 60;
  const title = (locale.lang === 'en' ? v.title.en : v.title.zh) || locale.t('answer.this_measure');
  let reason = decidingReason(v, locale.lang);
  if (reason && opts.value !== undefined) reason = reason.replaceAll('{value}', opts.value);
  if (reason?.includes('{value}')) reason = null;
  const generic = locale.t(`answer.${v.verdict}_generic`, { title });
  const pending = v.verdict === 'need_more_info' && opts.pending?.length ? opts.pending : null;
  const line = pending
    ? locale.t('answer.need_more_info_line', { count: pending.length, labels: pending.join(locale.t('values.list_separator')) })
    : reason
      ? locale.t('answer.line', { verdict: locale.t(`verdict.${v.verdict}`), reason: shorten(reason, max) })
      : generic;
  const truth = timeTruth(v.validity, locale);
  const judged = opts.judgedOn ? locale.t('answer.judged_on', { date: formatDate(opts.judgedOn, locale) }) : '';
  if (truth) {
    // The period is over: that comes first; the verdict follows only while the line stays short.
    const text = len(truth) + len(line) <= max ? `${truth}${locale.lang === 'en' ? ' ' : ''}${line}` : truth;
    return { text: `${text}${judged}`, verdict: v.verdict, expired: v.validity?.status === 'expired' };
  }
  return { text: `${line}${judged}`, verdict: v.verdict };
}

/**
 * Scores a sentence against a query; higher is better. The retrieval's own term scoring can be passed in.
 * `answers` (set by `cueScorer`) says whether a text gives the kind of answer the query asks for (an
 * amount, places, a date), null when the query asks for no kind: the answer line keeps that part.
 */
export type SentenceScorer = ((sentence: string, query: string) => number) & {
  answers?: (text: string, query: string) => boolean | null;
};

const TOKEN = /\p{Script=Han}|[A-Za-z]+|\d+(?:[.,]\d+)*/gu;

/**
 * Default scorer: the query's character bigrams (Han), words and numbers found in the sentence, minus a
 * small length penalty (`lengthPenalty` per character, default 0.002) so that of two equal matches the
 * shorter sentence wins.
 */
export function bigramScorer(lengthPenalty = 0.002): SentenceScorer {
  // One reply scores many sentences and runs against the same query: its terms are computed once.
  let lastQuery: string | null = null;
  let terms = new Set<string>();
  return (sentence, query) => {
    if (query !== lastQuery) {
      lastQuery = query;
      terms = queryTerms(query);
    }
    const s = sentence.toLowerCase();
    let hits = 0;
    for (const term of terms) if (s.includes(term)) hits += 1;
    return hits - lengthPenalty * len(sentence);
  };
}

/** The query's terms of `bigramScorer`: Han character bigrams, Latin words and numbers. */
function queryTerms(query: string): Set<string> {
  const q = (query.toLowerCase().match(TOKEN) ?? []) as string[];
  const terms = new Set<string>();
  for (let i = 0; i < q.length; i++) {
    const a = q[i]!;
    const b = q[i + 1];
    if (/\p{Script=Han}/u.test(a)) {
      if (b && /\p{Script=Han}/u.test(b)) terms.add(a + b);
    } else terms.add(a);
  }
  return terms;
}

/** Longest answer line of an information reply (characters), the issue's "at most about 60". */
export const ANSWER_LINE_CHARS = 60;
/** A sentence unit shorter than this (characters) is never an answer line on its own. */
const MIN_UNIT_CHARS = 6;
/** Per-character cost of an answer line among runs of clause parts (scorer units: one query bigram = 1). */
export const LINE_LENGTH_PENALTY = 0.06;
/** Bonus of a run of clause parts that ends its sentence: Chinese policy sentences put the predicate last. */
export const LINE_END_BONUS = 1;

/** Options of `answerSentence`. */
export interface AnswerSentenceOptions {
  /**
   * Target length in characters. Range 30–200, default `ANSWER_LINE_CHARS` (60). A longer best unit is
   * narrowed to its best ；-part unless it is an enumeration (`sentence`), and the answer line (`line`) to
   * its best run of clause parts (between ，；：) within this length.
   */
  maxChars?: number;
  /**
   * Endings of a clause part that cannot end an answer line: the part opens a condition or a subject
   * that the next part completes ("对于…的，", "…申请后，"). From corpus/answer-cues.yaml `open_ends`.
   */
  openEnds?: readonly string[];
  /** Per-character cost of the answer line when choosing among runs of parts (scorer units). Range 0–0.5, default `LINE_LENGTH_PENALTY`. */
  lineLengthPenalty?: number;
  /** Bonus of a run that ends the sentence (its main predicate). Range 0–5, default `LINE_END_BONUS`. */
  lineEndBonus?: number;
}

/** The answering sentence: verbatim text of the clause (so the quote can be trimmed around it), and its score. */
export interface AnswerSentence {
  /** The sentence unit (or its best ；-part) that answers: what the quote must contain whole. */
  sentence: string;
  score: number;
  /**
   * The answer line: `sentence` itself when it fits `maxChars` or is an enumeration, else the run of its
   * clause parts (split at ，；：, never inside brackets, quotes or numbers) that answers best within
   * `maxChars`, trailing ，；： dropped. Always a verbatim substring of `sentence`.
   */
  line: string;
}

/**
 * An enumeration the answer line keeps whole: two or more item markers, or a lead-in ending in ：/:
 * followed by items separated by ；/;. (A list joined by 、 lies inside one clause part, so no run of
 * parts can cut it; `isEnumeration` also counts those, for the quote.)
 */
function isItemList(sentence: string): boolean {
  if (!isEnumeration(sentence)) return false;
  const markers = sentence.match(/[（(][一二三四五六七八九十\d]+[）)]|[①-⑳]|[一二三四五六七八九十]+是/gu) ?? [];
  const colon = sentence.search(/[：:]/u);
  return markers.length >= 2 || (colon >= 0 && /[；;]/u.test(sentence.slice(colon + 1)));
}

const OPEN = '《（(“‘「【[';
const CLOSE = '》）)”’」】]';

/**
 * The clause parts of a sentence: pieces ending at ，；：(and , ; : not between digits), each with its
 * punctuation; a comma inside 《》（）“” or 【】 does not split, so a title, an aside or a quotation stays whole.
 */
export function clauseParts(sentence: string): string[] {
  const chars = [...sentence];
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  chars.forEach((ch, i) => {
    cur += ch;
    if (OPEN.includes(ch)) depth += 1;
    else if (CLOSE.includes(ch)) depth = Math.max(0, depth - 1);
    const digitsAround = /\d/u.test(chars[i - 1] ?? '') && /\d/u.test(chars[i + 1] ?? '');
    if (depth === 0 && /[，；：,;:]/u.test(ch) && !digitsAround) {
      out.push(cur);
      cur = '';
    }
  });
  if (cur.trim()) out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

/**
 * The answer line within a long sentence: the contiguous run of clause parts, at most `max` characters
 * (trailing ，；： dropped; a run ending in a lead-in's ： is not one), with the best score — among the runs
 * that give the kind of answer asked (`scorer.answers`) when some do. A part longer than `max` on its own
 * is taken whole when no run fits: the line is never cut inside a part.
 */
function answerSpan(sentence: string, query: string, score: SentenceScorer, max: number, opts: AnswerSentenceOptions): string {
  const parts = clauseParts(sentence);
  if (parts.length < 2) return sentence;
  const openEnds = opts.openEnds ?? [];
  const penalty = opts.lineLengthPenalty ?? LINE_LENGTH_PENALTY;
  const endBonus = opts.lineEndBonus ?? LINE_END_BONUS;
  const strip = (t: string) => t.replace(/[，；：、,;:]+$/u, '');
  const open = (part: string) => /[：:]$/u.test(part) || openEnds.some((e) => strip(part).endsWith(e));
  type Run = { text: string; last: boolean; open: boolean };
  const runs: Run[] = [];
  for (let i = 0; i < parts.length; i++) {
    let text = '';
    for (let j = i; j < parts.length; j++) {
      text += parts[j];
      const line = strip(text);
      if (len(line) > max) break;
      const last = j === parts.length - 1;
      runs.push({ text: last ? text : line, last, open: !last && open(parts[j]!) });
    }
  }
  if (!runs.length)
    runs.push(...parts.map((p, i) => ({ text: i === parts.length - 1 ? p : strip(p), last: i === parts.length - 1, open: false })));
  // Preference: a closed run giving the kind of answer asked; else an open one that gives it (the answer
  // matters more than the grammar); else any closed run; else any.
  const answers = (r: Run) => score.answers?.(r.text, query) === true;
  const tiers = [runs.filter((r) => answers(r) && !r.open), runs.filter(answers), runs.filter((r) => !r.open), runs];
  const pool = tiers.find((t) => t.length)!;
  const value = (r: Run) => score(r.text, query) - penalty * len(r.text) + (r.last ? endBonus : 0);
  let best = pool[0]!;
  let bestValue = value(best);
  for (const r of pool.slice(1)) {
    const v = value(r);
    if (v > bestValue) [best, bestValue] = [r, v];
  }
  return best.text;
}

/**
 * The sentence unit of `clauseText` that answers `query` (best `score`, the earlier one on ties). When it
 * is longer than `maxChars` and not an enumeration, its best part between ；/; is taken instead. The
 * result is a verbatim substring of `clauseText`. Null for an empty clause.
 */
export function answerSentence(
  clauseText: string,
  query: string,
  score: SentenceScorer = bigramScorer(),
  opts: AnswerSentenceOptions = {},
): AnswerSentence | null {
  const max = opts.maxChars ?? ANSWER_LINE_CHARS;
  const chosen = bestSentence(clauseText, query, score, max);
  if (!chosen) return null;
  const whole = len(chosen.sentence) <= max || isItemList(chosen.sentence);
  return { ...chosen, line: whole ? chosen.sentence : answerSpan(chosen.sentence, query, score, max, opts) };
}

function bestSentence(clauseText: string, query: string, score: SentenceScorer, max: number): Omit<AnswerSentence, 'line'> | null {
  // A lead-in ("其中：") or a scrap of a few characters answers nothing, whatever it scores.
  const all = sentenceUnits(clauseText);
  const substantive = all.filter((u) => !/[：:]\s*$/u.test(u) && len(u) >= MIN_UNIT_CHARS);
  const units = substantive.length ? substantive : all;
  let best: Omit<AnswerSentence, 'line'> | null = null;
  for (const u of units) {
    const s = score(u, query);
    if (!best || s > best.score) best = { sentence: u, score: s };
  }
  if (!best || len(best.sentence) <= max || isEnumeration(best.sentence)) return best;
  const parts =
    best.sentence
      .match(/[^；;]+[；;]?/gu)
      ?.map((p) => p.trim())
      .filter(Boolean) ?? [];
  if (parts.length < 2) return best;
  let part: Omit<AnswerSentence, 'line'> | null = null;
  for (const p of parts) {
    const s = score(p, query);
    if (!part || s > part.score) part = { sentence: p, score: s };
  }
  return part && clauseText.includes(part.sentence) ? part : best;
}

/** One kind of answer (`corpus/answer-cues.yaml`): the question words, the answer pattern, the bonus. */
export interface AnswerCue {
  kind: string;
  question: string[];
  answer: RegExp;
  bonus: number;
}

const CueFile = z
  .object({
    open_ends: z.array(z.string().min(1)).default([]),
    kinds: z.record(
      z.string(),
      z
        .object({
          question: z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
          answer: z.string().min(1),
          bonus: z.number().min(0).max(10),
        })
        .strict(),
    ),
  })
  .strict();

/** The answer-cue table: the kinds of answer, and the part endings that cannot end an answer line. */
export interface AnswerCueFile {
  kinds: AnswerCue[];
  openEnds: string[];
}

/** Validates the answer-cue table; an error names the file, the kind and the field. */
export function parseAnswerCues(text: string, file: string): AnswerCue[] {
  return parseAnswerCueFile(text, file).kinds;
}

/** Validates the whole answer-cue file (kinds and `open_ends`); an error names the file, the kind and the field. */
export function parseAnswerCueFile(text: string, file: string): AnswerCueFile {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new Error(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]}).`);
  }
  const r = CueFile.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${file}: field "${i.path.join('.')}": ${i.message}.`);
  }
  const kinds = Object.entries(r.data.kinds).map(([kind, k]) => {
    let answer: RegExp;
    try {
      answer = new RegExp(k.answer, 'u');
    } catch (e) {
      throw new Error(`${file}: kinds.${kind}.answer is not a valid regular expression (${(e as Error).message}).`);
    }
    return { kind, question: k.question.map((q) => q.toLowerCase()), answer, bonus: k.bonus };
  });
  return { kinds, openEnds: r.data.open_ends };
}

/** Reads `corpus/answer-cues.yaml` (or another file of that format). */
export function loadAnswerCues(file: string): AnswerCue[] {
  return parseAnswerCues(readFileSync(file, 'utf8'), file);
}

/** Reads the whole answer-cue file: kinds and `open_ends`. */
export function loadAnswerCueFile(file: string): AnswerCueFile {
  return parseAnswerCueFile(readFileSync(file, 'utf8'), file);
}

/** The kinds of answer a question asks for (its question words found in it). */
export function questionKinds(cues: readonly AnswerCue[], query: string): AnswerCue[] {
  const q = query.toLowerCase();
  return cues.filter((c) => c.question.some((w) => q.includes(w)));
}

/**
 * A scorer that adds each asked kind's bonus to the base score of a sentence matching that kind's answer
 * pattern: "工作站设在哪些地方" prefers the sentence with 温哥华、硅谷、法兰克福, "最高多少" the one with 10万元.
 */
export function cueScorer(base: SentenceScorer, cues: readonly AnswerCue[]): SentenceScorer {
  // The kinds asked depend on the query only: found once per query, not per sentence scored.
  let lastQuery: string | null = null;
  let lastKinds: AnswerCue[] = [];
  const kindsOf = (query: string) => {
    if (query !== lastQuery) {
      lastQuery = query;
      lastKinds = questionKinds(cues, query);
    }
    return lastKinds;
  };
  const scorer = (sentence: string, query: string) => {
    let score = base(sentence, query);
    for (const c of kindsOf(query)) if (c.answer.test(sentence)) score += c.bonus;
    return score;
  };
  const answers = (text: string, query: string) => {
    const kinds = kindsOf(query);
    return kinds.length ? kinds.some((c) => c.answer.test(text)) : null;
  };
  return Object.assign(scorer, { answers });
}
