/**
 * The understanding stage: one message (plus what the conversation already knows) → typed fact spans
 * with their role, the person's goals and the situation date. Pure; the words it looks for are the cue
 * tables of `corpus/lang/*.yaml` (eligibility/cues.ts), the fact reading itself is the extractor.
 *
 * Steps: normalize → resolve dates as people write them (two-digit years, 22.5, 当年/那年 against the
 * conversation's reference year, 去年年底, 上半年) → clauses with a role each (self, comparison,
 * hypothetical, reported) → segments split at corrections ("哦不对") → facts of the self clauses,
 * later segment wins → cue facts (domestic study, not working, fact phrases) → spans.
 *
 * Spans are offsets into `Understanding.text` (the normalized, date-resolved message shown back).
 *
 * @example
 * const u = understand('曼大毕业的 想落户', { asOf: '2026-12-01' }, { cues, extract });
 * u.goals // ['settlement']; u.facts.worldRank // 40 (with a rankings table)
 */
import type { CueTables } from './cues.ts';
import { normalizeMessage, type Ambiguity, type Extraction } from './extract.ts';
import { findDates, findYear, type DateLang } from './find-dates.ts';
import { askingNegation, deniesWithin, statesNo } from './negation.ts';
import { NumberInterval, type Facts } from './facts.ts';
import type { FactCatalog } from './rules.ts';
import { alt, escapeRe as escapeRegex } from '../text/regex.ts';
import { normalizeAsciiKey } from './universities.ts';

/** `measure`: a clause naming a measure ("疫情补缴那个政策"); like the other roles but `self`/`negated`, no fact of the person. */
export type Role = 'self' | 'comparison' | 'hypothetical' | 'negated' | 'reported' | 'measure';

export interface FactSpan {
  fact: string;
  value: unknown;
  /** [start, end) in `Understanding.text`. */
  span: [number, number];
  text: string;
  role: Role;
}

/**
 * A fact read without confidence: the confidence gate of the decision stage (bot/assistant/decide.ts)
 * gives no confident verdict that rests on it, and asks for it instead.
 * - `year`: a month without a year that took the as-of year;
 * - `vague`: a value in a clause that hedges it (几个月, 有些; cue table `doubt.vague`), or a part of a
 *   year (上半年) read as its months;
 * - `university`: a university named (…大学, …University) that the rankings table did not resolve, while
 *   the rank comes from elsewhere;
 * - `date`: a date the person named that no fact took (`fact` is `*date`): a condition may not stand in
 *   today's date for it.
 */
export interface Doubt {
  fact: string;
  why: 'year' | 'vague' | 'university' | 'date';
  /** The person's words it is about. */
  text: string;
}

export interface Correction {
  fact: string;
  from: unknown;
  to: unknown;
}

export interface Understanding {
  /** The normalized message with dates resolved (what spans point into). */
  text: string;
  /** Clauses that are not about the person (comparison, hypothetical, reported). */
  otherText: string[];
  /** Periods named by what happened then, and the dates they were read as (cue table `eras`). */
  eras: { text: string; value: string }[];
  /** University names in the message, at home or abroad (a place inside one — 浙大, 墨尔本大学 — is no place asked about). */
  nameText: string[];
  /** Every fact mention, with its role. Only `self` and `negated` spans are facts about the person. */
  spans: FactSpan[];
  /** The person's facts from this message (later statements win). */
  facts: Facts;
  goals: string[];
  /** The message says the person wants or asks whether they can (想, 打算, 能…吗; cue table `intent`). */
  intent: boolean;
  /** The message asks about a measure in general (要求, 条件, 多少…; cue table `information`). */
  asksInformation: boolean;
  /**
   * Clauses that state a fact about the person and hold no information cue: "格罗宁根毕业，全职，需要交满
   * 几个月社保" states two things about the asker besides its question, so it is the person's case.
   */
  statements: number;
  /** The facts those clauses state (a rule with two of its conditions among them is the person's case). */
  statedFacts: string[];
  /**
   * Districts the message asks about whether they have a measure ("徐汇有没有", "我在闵行 有啥补贴"): named
   * in a clause about the person, in a message with a word of cue table `existence`.
   */
  districtsAsked: string[];
  /**
   * Districts named in the person's own words (or before a comparison), asked about or not ("徐汇区的人才安居
   * 政策是怎样的", "嘉定人才房"); not those named for comparison, as where the person works or inside a
   * university's name.
   */
  districtsNamed: string[];
  /**
   * A list of people in the message ("A：QS 30；B：QS 80"): their labels and the one asked about (null when
   * the question names none of them: "他们仨能落户吗" — the bot asks which one). Null without a list.
   */
  people: { labels: string[]; asked: string | null } | null;
  /**
   * The message states facts of another person beside the asker's own, in that person's clauses ("我是曼彻斯特大学
   * 她是诺丁汉大学"): a later message asking of them by he or she ("她能落户吗") is read with this one.
   */
  speaksOfAnother: boolean;
  /**
   * A case the person supposes and asks about ("假如我是QS第45的学校毕业，在上海全职，能落户吗"): the facts of
   * its clauses (role hypothetical), none of them the person's. The decision may judge them as supposed,
   * and says so; empty when the message asks nothing or states the same facts as the person's own.
   */
  supposed: Facts;
  /** The message asks for an amount (cue table `amountAsked`: 多少, how much). */
  asksAmount: boolean;
  /** The message is put as a question (ends with a question word of the cue table `questionEnd`). */
  question: boolean;
  /** The person's clause that asks (the last one with a question ending or an intent word), or null. */
  askingText: string | null;
  /** The date the question is about (YYYY-MM-DD), when the message puts it on a past situation. */
  situationDate: string | null;
  /** The asking clause itself is put at the situation date ("当时能…吗"), not only a past event. */
  situationAsked: boolean;
  /**
   * Whose case the message states: another person's it asks for (`other`: "我同事华威大学毕业…他能落户吗"), the
   * person's own (`self`: "那我呢？我是香港大学硕士"), or null when it says neither.
   */
  subject: 'self' | 'other' | null;
  /** The year the conversation is about after this message (for 当年 / a month without a year later). */
  referenceYear: number | null;
  corrections: Correction[];
  /** Facts read without confidence (see `Doubt`). */
  doubts: Doubt[];
  notes: string[];
  ambiguities: Ambiguity[];
  evidence: Record<string, string>;
}

export type ExtractPort = (
  text: string,
  opts: { asOf: string; openFact?: string | null; contextYear?: number | null; topicFacts?: string[]; messageText?: string },
) => Extraction;

export interface UnderstandContext {
  asOf: string;
  /** The year named earlier in the conversation. */
  referenceYear?: number | null;
  /** The fact the bot asked for last. */
  openFact?: string | null;
  /** The facts of the rule the conversation is checking (a count said without the measure's name belongs to it). */
  topicFacts?: string[];
  /** Facts the previous message gave (a correction "不对，是145" replaces one of them). */
  lastFacts?: string[];
  /** Facts known so far in the conversation (to say back what a correction replaced). */
  known?: Record<string, unknown>;
}

export interface UnderstandDeps {
  cues: CueTables;
  extract: ExtractPort;
  catalog: FactCatalog;
  /** How dates are written (`corpus/lang/dates.yaml`). */
  dates: DateLang;
}

const CLAUSE_END = /[，,。；;！!？?\n]/u;

/** Characters after an A-not-A question ("算不算全职") read as what it asks ("全职", "疫情原因"). */
const A_NOT_A_WORDS = 6;

/** Characters around a value within which a hedge word (cue table `doubt.vague`: 大概, 记不清) doubts it. */
const HEDGE_WINDOW = 8;

/** Clauses of `t` with their offsets. */
function clausesOf(t: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let start = 0;
  for (let i = 0; i <= t.length; i++) {
    // (An English full stop ends a clause when a space follows: "…in Dec 2022. Does it affect…", "…(not covid). On
    // 1 Oct…"; not "2022.05". A dash between spaces does too: "My friend works in Changning — does Changning…".)
    if (
      i === t.length ||
      CLAUSE_END.test(t[i]!) ||
      (t[i] === '—' && t[i - 1] === ' ' && t[i + 1] === ' ') ||
      // (…and an ellipsis, a pause: "之前用过2次…哦不，是3次".)
      t[i] === '…' ||
      (t[i] === '.' && t[i + 1] === '.') ||
      (t[i] === '.' && /\s/u.test(t[i + 1] ?? '') && /[\p{L}\d)）"'”’]/u.test(t[i - 1] ?? ''))
    ) {
      const raw = t.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      const s = raw.trim();
      if (s) out.push({ text: s, start: start + lead, end: start + lead + s.length });
      while (t[i + 1] === '.' || t[i + 1] === '…') i++;
      start = i + 1;
    }
  }
  return out;
}

/** A clause that corrects what came before: it holds a correction marker, or is one of the words that correct alone ("哦不"). */
const correctsAlone = (cl: string, cues: CueTables) => cues.correctionsAlone.includes(cl.replace(/[\p{P}\s]+/gu, ' ').trim());
const correctsHere = (cl: string, cues: CueTables) => has(cl, cues.corrections) || correctsAlone(cl, cues);

/** `has`, with Latin words matched as whole words ("i", "me", "my" — not inside "entitled"). */
const wordPatterns = new Map<string, RegExp>();
const hasWord = (text: string, ws: string[]) =>
  ws.some((w) => {
    if (!/^[a-z' ]+$/.test(w)) return text.includes(w);
    let re = wordPatterns.get(w);
    if (!re) wordPatterns.set(w, (re = new RegExp(`(?<![a-z'])${escapeRegex(w)}(?![a-z'])`)));
    return re.test(text);
  });
/** The districts a text names by another name (`districtNames`: "Jing'an" → 静安), as whole words, in table order. */
function otherDistrictNames(t: string, cues: CueTables): string[] {
  return patternsOf(cues)
    .districtNames.filter((d) => t.includes(d.name) && d.re.test(t))
    .map((d) => cues.districtNames[d.name]!);
}
const anyOf = (ws: string[]) => (ws.length ? new RegExp(ws.map(escapeRegex).join('|'), 'g') : null);
const has = (text: string, ws: string[]) => ws.some((w) => text.includes(w));
/** The day a date stands for: a month (YYYY-MM) is its 1st day. */
const dayOf = (value: string) => (value.includes('/') ? value : value.length === 7 ? `${value}-01` : value.slice(0, 10));

/**
 * The words of `cl` that deny a stem: a negation, then up to three modal words, then the stem
 * ("不愿意做承诺" for the stem 承诺); undefined when no stem is denied.
 */
function deniedStem(cl: string, stems: string[], cues: CueTables): string | undefined {
  for (const stem of stems)
    for (let i = cl.indexOf(stem); i >= 0; i = cl.indexOf(stem, i + 1)) {
      let start = i;
      for (let k = 0; k < 3; k++) {
        const modal = cues.negationModals.find((w) => cl.startsWith(w, start - w.length));
        if (!modal) break;
        start -= modal.length;
      }
      const neg = cues.negation.find((w) => cl.startsWith(w, start - w.length) && !askingNegation(cl, start - w.length, w));
      if (neg) return cl.slice(start - neg.length, i + stem.length);
    }
  return undefined;
}

/**
 * Resolves dates as people write them, in place: returns the rewritten text and the last year named.
 * "22年6月" → "2022年6月", "22.5"/"2022.05" → "2022年5月", "去年年底" → "2025年12月" (asOf 2026),
 * "当年11月" → "<reference>年11月", "2022年上半年" → "2022年1月至6月".
 */
/** The date patterns of one set of cue tables, compiled once. */
interface DatePatterns {
  parts: string[];
  twoDigit: RegExp;
  offsets: RegExp | null;
  reference: RegExp | null;
  afterReference: RegExp;
  yearPart: RegExp | null;
  /** An English part of a year and its year ("mid-2022", "the first half of 2022", "2022 H1"); null without any. */
  englishPart: RegExp | null;
  /** An English quarter and its year ("the 3rd quarter of 2022"); null without any. */
  englishQuarter: RegExp | null;
  /** The `eras` phrases, longest first; null without any. */
  eras: RegExp | null;
  /** Each other name of a district (`districtNames`) as a whole word. */
  districtNames: { name: string; re: RegExp }[];
  /** The label of a part of a list of people (`people.label`). */
  personLabel: RegExp | null;
  /** Where a list of people splits into parts (after ；;。 or a line break, before a bullet, `people.labelAfterComma`). */
  partSplit: RegExp;
  /** "，" + a joiner + "，" left by a space ("2022.05 和 2022.06"); null without joiners. */
  joinedByWord: RegExp | null;
  /** A `withNumber` word and "，" before a number ("软科，58"); null without any. */
  beforeNumber: RegExp | null;
  /** The others and not-self phrases with a self word before them ("我侄子", "我是公司人事"), to strip. */
  notTheSelf: RegExp | null;
  /** Two values said either-or ("2次还是3次"; `doubt.alternatives`); null without any. */
  alternatives: RegExp | null;
}
const compiled = new WeakMap<CueTables, DatePatterns>();
function patternsOf(cues: CueTables): DatePatterns {
  const hit = compiled.get(cues);
  if (hit) return hit;
  const parts = Object.keys(cues.yearParts).sort((a, b) => b.length - a.length);
  const partRe = parts.length ? `(?:${parts.map(escapeRegex).join('|')})` : '(?!)';
  const before = cues.years.twoDigitBefore.map(escapeRegex).join('|') || '(?!)';
  const offs = Object.keys(cues.years.offset).sort((a, b) => b.length - a.length);
  const enParts = Object.keys(cues.englishYearParts).sort((a, b) => b.length - a.length);
  const enQuarters = Object.keys(cues.englishQuarters).sort((a, b) => b.length - a.length);
  /** A part of a year before its year ("the first half of 2022"), or after it ("2022 H1"). */
  const partPattern = (words: string[]) =>
    new RegExp(
      `\\b(?:the\\s+)?(${words.map((w) => escapeRegex(w).replace(/ /g, '[\\s-]+')).join('|')})[\\s-]*(?:of\\s+)?(?:the\\s+year\\s+)?((?:19|20)\\d{2})\\b|\\b((?:19|20)\\d{2})\\s+(${words.map(escapeRegex).join('|')})\\b`,
      'gi',
    );
  const refs = cues.years.reference;
  const eraPhrases = Object.keys(cues.eras).sort((a, b) => b.length - a.length);
  const notSelfWords = [...cues.roles.others, ...cues.roles.notSelf];
  const p: DatePatterns = {
    parts,
    twoDigit: new RegExp(
      `(?<![\\d.])([0-4]\\d)\\s*年(?=\\s*(\\d{1,2}(?:\\s*[到至~\\-—–、,，和]\\s*\\d{1,2})*\\s*月|${partRe})|[^\\d，,。]{1,6}\\d{1,2}(?:\\s*[到至~-]\\s*\\d{1,2})?\\s*月|\\s*(?:[，,、 ]|$|${before}))`,
      'g',
    ),
    offsets: offs.length
      ? new RegExp(offs.map((w) => (/^[a-z\s]+$/.test(w) ? `\\b${escapeRegex(w)}\\b` : escapeRegex(w))).join('|'), 'gi')
      : null,
    reference: refs.length ? new RegExp(`(\\d{4})\\s*[年届]|${refs.map(escapeRegex).join('|')}`, 'gi') : null,
    afterReference: new RegExp(`^\\s*(?:\\d{1,2}\\s*月|${partRe})`),
    yearPart: parts.length ? new RegExp(`(\\d{4})\\s*年?\\s*(${parts.map(escapeRegex).join('|')})`, 'g') : null,
    englishQuarter: enQuarters.length ? partPattern(enQuarters) : null,
    englishPart: enParts.length ? partPattern(enParts) : null,
    eras: eraPhrases.length ? new RegExp(eraPhrases.map(escapeRegex).join('|'), 'gi') : null,
    districtNames: Object.keys(cues.districtNames).map((name) => ({ name, re: new RegExp(`\\b${escapeRegex(name)}\\b`) })),
    personLabel: cues.people.label ? new RegExp(cues.people.label, 'u') : null,
    partSplit: new RegExp(
      `(?<=[；;。\\n])|(?=\\s[-*•·]\\s*[^\\s：:]{1,10}\\s*[：:])${cues.people.labelAfterComma ? `|(?=${cues.people.labelAfterComma})` : ''}`,
      'u',
    ),
    joinedByWord: cues.joiners.length ? new RegExp(`，(${cues.joiners.map(escapeRegex).join('|')})，`, 'g') : null,
    beforeNumber: cues.withNumber.length ? new RegExp(`(${cues.withNumber.map(escapeRegex).join('|')})，(?=\\d)`, 'gi') : null,
    notTheSelf: notSelfWords.length
      ? new RegExp(`(?:${cues.roles.self.map(escapeRegex).join('|')})?的?(?:${alt(notSelfWords)})`, 'g')
      : null,
    alternatives: cues.doubt.alternatives.length
      ? new RegExp(
          `(\\d+(?:\\.\\d+)?)\\s*([^\\d\\s，,]{0,2}?)\\s*(?:${cues.doubt.alternatives.map(escapeRegex).join('|')})\\s*(\\d+(?:\\.\\d+)?)\\s*([^\\d\\s，,]{0,2})`,
          'gi',
        )
      : null,
  };
  compiled.set(cues, p);
  return p;
}

export function resolveDates(
  t: string,
  asOf: string,
  cues: CueTables,
  referenceYear: number | null,
  dates: DateLang,
): { text: string; referenceYear: number | null; approx: string[]; eras: { text: string; value: string }[] } {
  const ay = Number(asOf.slice(0, 4));
  const P = patternsOf(cues);
  let s = t;
  // Periods people name by what happened then ("封控那几个月"): the dates they stand for (cue table `eras`).
  const eras: { text: string; value: string }[] = [];
  if (P.eras)
    s = s.replace(P.eras, (m) => {
      const value = cues.eras[m.toLowerCase()]!;
      if (!eras.some((e) => e.text === m)) eras.push({ text: m, value });
      return value;
    });
  // A year written with an apostrophe ("May '22", "class of '22") in the table's two-digit range is 20NN.
  const [lo, hi] = cues.years.twoDigitYears;
  s = s.replace(/(?<![\w'’‘])['’‘](\d{2})\b/g, (m, yy: string) => (Number(yy) >= lo && Number(yy) <= hi ? `20${yy}` : m));
  // English month ranges with a dash share the year too: "May-Aug 2022" → "May 2022 to Aug 2022".
  s = s.replace(dates.patterns.englishSharedYearRange, (_m, a: string, b: string, y: string) => `${a} ${y} to ${b} ${y}`);
  // English month lists share the year written after the last: "May and June 2022" → "May 2022 and June 2022".
  s = s.replace(dates.patterns.englishSharedYearList, (_m, a: string, j: string, b: string, y: string) => `${a} ${y} ${j} ${b} ${y}`);
  // Two-digit years before a month or a part of the year, or standing alone as "22年，…" (00–49 → 20xx).
  const durationBefore = cues.years.durationBefore;
  s = s.replace(P.twoDigit, (m, yy: string, month: string | undefined, off: number, whole: string) => {
    // "交了10年" is a duration, not 2010 (unless a month follows).
    if (!month && durationBefore.some((w) => whole.slice(Math.max(0, off - w.length), off) === w)) return m;
    return `20${yy}年`;
  });
  // Any other two-digit year in the table's range ("22年封控", "22年我们公司…") is a year too, unless a
  // duration word stands before it ("交了22年") or after it ("10年以上"): a month written later in the
  // message then belongs to it.
  s = s.replace(/(?<![\d.])(\d{2})\s*年(?!\s*\d)/g, (m, yy: string, off: number, whole: string) => {
    const n = Number(yy);
    if (n < lo || n > hi) return m;
    if (durationBefore.some((w) => whole.slice(Math.max(0, off - w.length), off) === w)) return m;
    const after = whole.slice(off + m.length);
    if (cues.years.durationAfter.some((w) => after.startsWith(w))) return m;
    return `20${yy}年`;
  });
  // A class year ("22届") names a year too (2022届), for 那年 later.
  s = s.replace(/(?<![\d.])([0-4]\d)\s*届/g, '20$1届');
  // A range of year-months written with a dash: "2022年5月-2022年7月" → "2022年5月至2022年7月".
  s = s.replace(/(\d{4}年\d{1,2}月)\s*[-~—–]\s*(?=\d{4}年\d{1,2}月)/g, '$1至');
  // Months written back to back ("5月6月") are a list: "5月、6月".
  s = s.replace(/(\d{1,2})\s*月\s*(?=\d{1,2}\s*月)/g, '$1月、');
  // Dotted or slashed dates with a day: 23.01.01, 2022.5.3, 2023/1/1.
  s = s.replace(
    /(?<![\d./])(20\d{2}|[1-4]\d)[./](0?[1-9]|1[0-2])[./](0?[1-9]|[12]\d|3[01])(?![\d/%万]|\.\d)/g,
    (_m, y: string, mo: string, d: string) => `${y.length === 2 ? '20' + y : y}年${Number(mo)}月${Number(d)}日`,
  );
  // Month/year as English forms write it: 12/2022, 05/2022; quarters: Q3 2022 → its three months.
  // A month and day with a slash and no year ("12/31补齐的"): that day, of the year the message is about.
  s = s.replace(
    /(?<![\d./])(0?[1-9]|1[0-2])\/(0?[1-9]|[12]\d|3[01])(?![\d/]|\.\d)/g,
    (_m, mo: string, d: string) => `${Number(mo)}月${Number(d)}日`,
  );
  // (A full stop may end the sentence after it: "back-paid in 11/2022.")
  s = s.replace(/(?<![\d./])(0?[1-9]|1[0-2])\/(20\d{2})(?![\d/]|\.\d)/g, (_m, mo: string, y: string) => `${y}年${Number(mo)}月`);
  s = s.replace(/\bQ([1-4])\s*(20\d{2})\b/gi, (_m, q: string, y: string) => `${y}年${Number(q) * 3 - 2}月至${Number(q) * 3}月`);
  // Dotted or slashed year-months: 2022.05, 22.5, 2022/5 (a month 1–12 only).
  s = s.replace(
    /(?<![\d./])(20\d{2}|[1-4]\d)[./](0?[1-9]|1[0-2])(?![\d/%万]|\.\d)/g,
    (_m, y: string, mo: string) => `${y.length === 2 ? '20' + y : y}年${Number(mo)}月`,
  );
  // Relative year words ("去年", "前年", "last year") → the year, counted from asOf.
  if (P.offsets)
    s = s.replace(P.offsets, (w) => {
      const y = ay + cues.years.offset[w.toLowerCase()]!;
      return /[a-z]/i.test(w) ? String(y) : `${y}年`;
    });
  // Reference words: the last year named before them, else the conversation's.
  let ref = referenceYear;
  if (P.reference) {
    s = s.replace(P.reference, (m, y: string | undefined, off: number, whole: string) => {
      if (y) {
        ref = Number(y);
        return m;
      }
      if (ref === null) return m;
      // "当时"/"那会儿" are a year only before a month or a part of the year.
      const after = whole.slice(off + m.length);
      if (m.endsWith('年')) return `${ref}年`;
      if (/year$/i.test(m)) return String(ref);
      if (P.afterReference.test(after)) return `${m}${ref}年`;
      return m;
    });
  }
  // The year after the one named last: "22年10月没交，第二年1月补的" → 2023年1月.
  for (const w of cues.years.next) {
    for (let i = s.toLowerCase().indexOf(w); i >= 0; i = s.toLowerCase().indexOf(w, i + 1)) {
      const before = [...s.slice(0, i).matchAll(/(\d{4})\s*年/g)].pop();
      const y = before ? Number(before[1]) : ref;
      if (y === null || y === undefined) continue;
      s = `${s.slice(0, i)}${y + 1}年${s.slice(i + w.length)}`;
    }
  }
  // The month named last: "22年4月的社保晚交了，当月就补了" → 2022年4月.
  for (const w of cues.years.sameMonth) {
    for (let i = s.indexOf(w); i >= 0; i = s.indexOf(w, i + 1)) {
      const before = [...s.slice(0, i).matchAll(/(\d{4})\s*年\s*(\d{1,2})\s*月/g)].pop();
      if (!before) continue;
      s = `${s.slice(0, i)}${before[1]}年${before[2]}月${s.slice(i + w.length)}`;
    }
  }
  // A part of a year without its year, after a year was named ("2022年上半年领过1次，下半年9月再参加"):
  // that year's part.
  for (const part of cues.years.partsOfNamedYear) {
    for (let i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length)) {
      if (/\d\s*年?\s*$/.test(s.slice(Math.max(0, i - 2), i))) continue;
      const before = [...s.slice(0, i).matchAll(/(\d{4})\s*年/g)].pop();
      const y = before ? Number(before[1]) : ref;
      if (y === null || y === undefined) continue;
      s = `${s.slice(0, i)}${y}年${s.slice(i)}`;
      i += String(y).length + 1;
    }
  }
  // Parts of a year after a year: 2022年上半年 → 2022年1月至6月 (approximate: "some months of" it); in English
  // before it: "mid-2022", "the first half of 2022", "H1 2022".
  const approx: string[] = [];
  // (A quarter is exact; a part of several months is approximate, as 上半年 is.)
  const englishParts = (re: RegExp | null, table: Record<string, [number, number]>, approximate: boolean) => {
    if (!re) return;
    s = s.replace(re, (m, p1: string | undefined, y1: string | undefined, y2: string | undefined, p2: string | undefined) => {
      const part = table[(p1 ?? p2 ?? '').toLowerCase().replace(/[\s-]+/g, ' ')];
      const y = y1 ?? y2;
      if (!part || !y) return m;
      const [a, b] = part;
      if (a === b) return `${y}年${a}月`;
      if (approximate) approx.push(`${y}年${a}月至${b}月`);
      return `${y}年${a}月至${b}月`;
    });
  };
  englishParts(P.englishQuarter, cues.englishQuarters, false);
  englishParts(P.englishPart, cues.englishYearParts, true);
  if (P.yearPart) {
    s = s.replace(P.yearPart, (_m, y: string, p: string, off: number, whole: string) => {
      const [a, b] = cues.yearParts[p]!;
      // Months named right after the part ("上半年4到6月") say which: they win.
      if (/^\s*\d{1,2}\s*(?:[到至~\-—–、]\s*\d{1,2}\s*)?月/.test(whole.slice(off + _m.length))) return `${y}年`;
      if (a === b) return `${y}年${a}月`;
      approx.push(`${y}年${a}月至${b}月`);
      return `${y}年${a}月至${b}月`;
    });
  }
  s = s.replace(/(\d{4}年\d{1,2}月)\s*[-~—–]\s*(?=\d{4}年\d{1,2}月)/g, '$1至');
  const years = [...s.matchAll(/(\d{4})\s*[年届]/g)].map((m) => Number(m[1])).filter((y) => y >= 2000 && y <= 2100);
  return { text: s, referenceYear: years.length ? years[years.length - 1]! : ref, approx, eras };
}

/**
 * The role of one clause: the first marker found (hypothetical, reported, comparison), else self. Another
 * person (roles.others) is reported, unless the message asks for them (`askedFor`): then they are the case.
 */
/**
 * A list of people ("A：QS 30，全职；B：QS 80", "名单：Amy 墨尔本大学 全职；Bob …。Bob能走名校落户吗"): the parts
 * (split at ；;。 or a line break) that start with a label of cue table `people`, and the label asked about —
 * one after an asking word ("我问的是小张："), or the one label named again. Null when fewer
 * than two people are listed.
 */
function peopleIn(text: string, cues: CueTables): { parts: { label: string; start: number; end: number }[]; asked: string | null } | null {
  const P = cues.people;
  const re = patternsOf(cues).personLabel;
  if (!re) return null;
  const parts: { label: string; start: number; end: number; asked: boolean; labelAt: number }[] = [];
  let at = 0;
  // (A bullet before a label starts a part too, "… - A: Bristol MSc - B: …", where a list is run together.)
  // (…or a comma before a label of `people.labelAfterComma`: "A是UCLA的，B是UC Irvine的".)
  for (const seg of text.split(patternsOf(cues).partSplit)) {
    // (A bullet or a number before the label is no part of it: "- A: University of Bristol MSc".)
    const bullet = /^[\s\-*•·，,]*(?:\d+[.)、]\s*)?/u.exec(seg)![0].length;
    let body = seg.slice(bullet);
    const before = P.askedBefore.find((w) => body.startsWith(w));
    const list = before ? undefined : P.listBefore.find((w) => body.toLowerCase().startsWith(w));
    if (before || list) body = body.slice((before ?? list)!.length).replace(/^[\s：:]+/u, '');
    // (…or after a short opening that ends with a colon: "两个人问一下：A是UCLA的".)
    const intro = /^[^：:]{1,20}[：:]\s*/u.exec(body);
    const direct = re.exec(body);
    const m = direct ?? (intro ? re.exec(body.slice(intro[0].length)) : null);
    const label = m?.slice(1).find((g) => !!g);
    if (label && !P.notLabels.includes(label.toLowerCase())) {
      const bodyAt = at + seg.length - body.length + (direct ? 0 : intro![0].length);
      parts.push({ label, start: at, end: at + seg.length, asked: !!before, labelAt: bodyAt + m![0].indexOf(label) });
    }
    at += seg.length;
  }
  const labels = [...new Set(parts.map((p) => p.label))];
  if (labels.length < 2) return null;
  // (…or the label the text names again, other than where a part opens with it, the last one named: "…。Bob能走
  // 名校落户吗", "员工B是复旦本科，B能落户吗", "Can A apply for hukou?" then "And what about B?".)
  const namedAgain = (l: string, own: typeof parts) => {
    const wordy = /^[A-Za-z]+$/u.test(l);
    let at = -1;
    for (let i = text.indexOf(l); i >= 0; i = text.indexOf(l, i + 1))
      if (
        !own.some((p) => p.labelAt === i) &&
        (!wordy || (!/[A-Za-z]/u.test(text[i - 1] ?? '') && !/[A-Za-z]/u.test(text[i + l.length] ?? '')))
      )
        at = i;
    return at;
  };
  const again = labels
    .map((l) => {
      const own = parts.filter((p) => p.label === l);
      return { l, at: Math.max(namedAgain(l, own), own.length > 1 ? own[own.length - 1]!.start : -1) };
    })
    .filter((x) => x.at >= 0)
    .sort((a, b) => b.at - a.at);
  const asked = parts.find((p) => p.asked)?.label ?? again[0]?.l ?? null;
  return { parts, asked };
}

/**
 * What each A-not-A question of `t` asks about ("算不算全职我也说不清" → "全职我也说不清", the Han characters
 * after it, at most A_NOT_A_WORDS): a one-character negation word between a character and its repeat.
 */
function askedByANotA(t: string, negation: string[]): string[] {
  const out: string[] = [];
  for (const n of negation.filter((w) => w.length === 1))
    for (let i = t.indexOf(n); i >= 0; i = t.indexOf(n, i + 1)) {
      if (!askingNegation(t, i, n)) continue;
      const words = /^\p{Script=Han}+/u.exec(t.slice(i + n.length + 1))?.[0];
      if (words) out.push(words.slice(0, A_NOT_A_WORDS));
    }
  return out;
}

/** The text ends with a question word of cue table `questionEnd` (吗, 呢), end punctuation aside, or opens with one of `questionStart`. */
function endsAsQuestion(t: string, cues: CueTables): boolean {
  if (/[?？]\s*$/u.test(t)) return true;
  const bare = t.replace(/[\s?？。.!！~～]+$/u, '');
  if (cues.questionEnd.some((q) => bare.endsWith(q))) return true;
  // (…or opens with a question word: "was a third one still subsidised", the "?" split off with the clause.)
  const first = /^[a-z]+/i.exec(bare.trimStart())?.[0]?.toLowerCase();
  return !!first && cues.questionStart.includes(first);
}

/** The length of the longest run of characters two strings share ("30" and "130": 2). */
function commonRun(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (a[i + k] !== undefined && a[i + k] === b[j + k]) k++;
      if (k > best) best = k;
    }
  return best;
}

/** True when `rest` holds only the words that may stand around a situation date ("那会儿的事", "back in"). */
function onlyLeadWords(rest: string, cues: CueTables): boolean {
  let t = ` ${rest} `;
  for (const w of cues.situationLead)
    t = /^[a-z ]+$/.test(w) ? t.replace(new RegExp(`(?<=\\s)${escapeRegex(w)}(?=\\s)`, 'g'), ' ') : t.split(w).join(' ');
  return t.replace(/[\s,，。]+/g, '') === '';
}

function roleOf(clause: string, cues: CueTables, askedFor = false, generalAsk = false): Role {
  const c = clause.toLowerCase();
  if (has(c, cues.roles.hypothetical)) return 'hypothetical';
  if (has(c, cues.roles.reported) || (!askedFor && has(c, cues.roles.others))) return 'reported';
  if (has(c, cues.roles.hires) && !hasWord(c, cues.roles.self)) return 'reported';
  // (Not a comparison word inside a hedge: "QS好像200多名" — 好像 is "it seems", not "like".)
  if (
    has(
      cues.roles.notComparison.reduce((t, w) => t.split(w).join(' '), c),
      cues.roles.comparison,
    )
  )
    return 'comparison';
  // (…unless that clause is the question itself: "当时能用名校直接落户那个政策吗" asks about the person.)
  if (has(c, cues.roles.measure) && !has(c, cues.intent) && !endsAsQuestion(c, cues)) return 'measure';
  // A kind of people, not the person ("51到100名的留学生", "2022届毕业生回学校认定"): describes who a measure is for.
  if (generalAsk && has(c, cues.roles.category) && !hasWord(c, cues.roles.self) && !has(c, cues.intent) && !endsAsQuestion(c, cues))
    return 'measure';
  return 'self';
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A bare quantity with a unit ("六个月了") answers the fact whose catalog unit it carries. */
function unitFact(text: string, catalog: FactCatalog): string | undefined {
  const bare = text.replace(/[\s。.!！~～了吧啦呀]+$/u, '').toLowerCase();
  // "六个月了", "5 months", "only 2 months so far"
  if (bare.length > 24 || !/^\D{0,12}\d+(?:\.\d+)?\s*[\p{L}]{1,8}(?:\s+\p{L}{1,6}){0,2}$/u.test(bare)) return undefined;
  for (const [fact, spec] of Object.entries(catalog)) {
    const unit = (spec as { unit?: { zh?: string; en?: string } }).unit;
    if (unit?.zh && bare.endsWith(unit.zh)) return fact;
    if (unit?.en) {
      const en = unit.en.toLowerCase().replace(/s$/, '');
      if (new RegExp(`\\d\\s*${en}s?\\b`, 'u').test(bare)) return fact;
    }
  }
  return undefined;
}

/** Understands one message. Never throws on odd input (empty, 20 000 characters, emoji, digits only). */
export function understand(message: string, ctx: UnderstandContext, deps: UnderstandDeps): Understanding {
  const { cues, catalog } = deps;
  // In chat a space between two words of Chinese separates clauses ("全职4个月 社保也半年"), but not one
  // after a date written with a dot or a slash ("2023.07 提交的居转户").
  // A line break ends a clause (a pasted list: "- A: Bristol MSc, SI 7 months⏎- B: …⏎Can A apply?").
  const lines = (typeof message === 'string' ? message : '').replace(/\s*[\r\n]+\s*/g, '; ').trim();
  const normalized = normalizeMessage(lines).replace(
    /(?<=[\p{Script=Han}])\s+(?=[\p{Script=Han}\d])|(?<=[\p{Script=Han}\d])(?<!\d{2,4}[./]\d{1,2})\s+(?=[\p{Script=Han}])/gu,
    '，',
  );
  // …except around a joining word: "2022.05 和 2022.06" is one list; nor between a ranking's name and its
  // number ("软科 58").
  const P = patternsOf(cues);
  const joinedWords = P.joinedByWord ? normalized.replace(P.joinedByWord, '$1') : normalized;
  const joined = P.beforeNumber ? joinedWords.replace(P.beforeNumber, '$1 ') : joinedWords;
  // Every extraction of this message, with the university names it found (for `nameText`).
  const namesSeen: string[] = [];
  const workplacesSeen: string[] = [];
  const extractHere = (t: string, o: { asOf: string; openFact?: string | null; contextYear?: number | null }) => {
    const x = safeExtract(deps.extract, t, { ...o, topicFacts: ctx.topicFacts, messageText: text });
    namesSeen.push(...(x.names ?? []));
    workplacesSeen.push(...(x.workplaces ?? []));
    return x;
  };
  const dated = resolveDates(joined, ctx.asOf, cues, ctx.referenceYear ?? null, deps.dates);
  const text = dated.text;
  const lower = text.toLowerCase();
  const spans: FactSpan[] = [];
  const notes: string[] = [];
  const ambiguities: Ambiguity[] = [];
  const evidence: Record<string, string> = {};
  const corrections: Correction[] = [];
  const doubts: Doubt[] = [];
  let facts: Record<string, unknown> = {};

  // Asked on someone's behalf ("我老公…，他能落户吗"): the other person is the case, so what is said about
  // them is the case's facts (cue tables roles.others and roles.askedFor); hearsay stays reported.
  const askedFor =
    has(lower, cues.roles.askedFor) ||
    // "帮我老公问", "替同事问一下": a word of `askFor`, one of the others, then an asking word close after.
    cues.roles.others.some((o) =>
      cues.roles.askFor.some((b) => {
        const i = lower.indexOf(b + o);
        return i >= 0 && has(lower.slice(i + b.length + o.length, i + b.length + o.length + 3), cues.roles.asks);
      }),
    ) ||
    // Only one of the others is spoken of, and the message asks: "我弟弟22届的…，有补贴吗".
    (has(lower, cues.roles.others) &&
      !has(lower, cues.roles.reported) &&
      // (The asker's job and company are not about them: "我是公司人事，有个同事…".)
      // ("我侄子…": the 我 of a relative's name is no self word either.)
      // (English self words as whole words: "I work in Pudong", not the "i" of "entitled".)
      !hasWord(P.notTheSelf ? lower.replace(P.notTheSelf, '') : lower, cues.roles.self) &&
      // (Not a question whether a measure exists, beside a friend's workplace: "My friend works in Changning — does
      // Changning have anything like…", unless of a relative spoken for.)
      (has(lower, cues.roles.proxies) || !has(lower, cues.existence)) &&
      (endsAsQuestion(lower, cues) ||
        has(lower, cues.intent) ||
        clausesOf(lower).some((c) => endsAsQuestion(c.text, cues)) ||
        // (…or one of the relatives a person speaks for, even without a question: "我儿子利物浦大学的", "我老公
        // 格拉斯哥大学硕士" open a conversation about their case.)
        has(lower, cues.roles.proxies)));
  // (The message asks for information, not whether the person can: a kind of people it names is no case.)
  const generalAsk = has(lower, cues.information) && !has(lower, cues.intent);
  const clauses = clausesOf(text).map((c) => ({ ...c, role: roleOf(c.text, cues, askedFor, generalAsk) }));
  // A hypothetical or reported clause carries on over a comma ("要是我考上港大，毕业后在上海工作")
  // until the sentence ends or the person speaks of themselves again (cue table roles.selfAgain).
  for (let i = 1; i < clauses.length; i++) {
    const prev = clauses[i - 1]!;
    const cur = clauses[i]!;
    const sep = text.slice(prev.end, cur.start);
    const lc = cur.text.toLowerCase();
    const selfAgain = cues.roles.selfAgain.some((w) => lc.startsWith(w) || (w.length >= 3 && lc.includes(w)));
    if (cur.role === 'self' && (prev.role === 'hypothetical' || prev.role === 'reported') && /^[\s,，、]*$/u.test(sep) && !selfAgain)
      cur.role = prev.role;
  }
  const thirdIn = (t: string) => cues.roles.thirdPerson.some((w) => (/[a-z']$/.test(w) ? hasWord(t, [w]) : t.includes(w)));
  // Asked for someone else ("帮同事问一下：他是UIUC的硕士…"), a clause of the asker's own ("我是国内985毕业的，自己
  // 没有留学经历") is about the asker, not the case — unless it also speaks of the other person.
  if (askedFor)
    for (const c of clauses) {
      if (c.role !== 'self') continue;
      const lc = c.text.toLowerCase();
      const own = cues.roles.plural.reduce((t, w) => t.split(w).join(' '), P.notTheSelf ? lc.replace(P.notTheSelf, ' ') : lc);
      if (
        hasWord(own, cues.roles.self) &&
        !thirdIn(lc) &&
        !has(lc, cues.roles.others) &&
        !has(lc, cues.intent) &&
        !endsAsQuestion(lc, cues)
      )
        c.role = 'reported';
    }
  // A clause that joins the asker — or the case asked for — with another person and says both ("我和我老公都在
  // 民营企业上班", "my wife and I both work full-time") is about the case too (cue tables roles.together, joined).
  for (const c of clauses) {
    const lc = c.text.toLowerCase();
    if (c.role !== 'reported' || has(lc, cues.roles.reported) || !hasWord(lc, cues.roles.together) || !hasWord(lc, cues.roles.joined))
      continue;
    const own = P.notTheSelf ? lc.replace(P.notTheSelf, ' ') : lc;
    if (askedFor || hasWord(own, cues.roles.self)) c.role = 'self';
  }
  // A hire the message goes on to ask about by he or she ("宝山区的单位引进了1名紧缺急需人才，安居资助他能拿吗")
  // is the case, not a kind of people a measure is for.
  const asksOfHim = (c: { text: string; role: Role }) => {
    const lc = c.text.toLowerCase();
    return (
      (c.role === 'self' || c.role === 'reported') &&
      (has(lc, cues.intent) || endsAsQuestion(lc, cues)) &&
      thirdIn(lc) &&
      !hasWord(lc, cues.roles.self)
    );
  };
  const hireOnly = (c: { text: string; role: Role }) => {
    const lc = c.text.toLowerCase();
    return c.role === 'reported' && has(lc, cues.roles.hires) && !has(lc, cues.roles.reported) && !has(lc, cues.roles.others);
  };
  if (clauses.some(hireOnly) && clauses.some(asksOfHim))
    for (const c of clauses)
      if (hireOnly(c) || (c.role === 'reported' && asksOfHim(c) && !has(c.text.toLowerCase(), cues.roles.reported))) c.role = 'self';
  // A clause that opens with he or she, after another person was spoken of, is about that person while the
  // message asks about the speaker: "我老婆是复旦毕业的，我是悉尼大学硕士，我是全职，她在做自由职业，我能落户吗".
  const another = (c: { text: string; role: Role }) => c.role === 'reported' || has(c.text.toLowerCase(), cues.roles.others);
  if (!askedFor && clauses.some(another))
    for (let i = 1; i < clauses.length; i++) {
      const cur = clauses[i]!;
      const lc = cur.text.toLowerCase();
      // (Latin words as whole words: "he", not "health".)
      const opens = cues.roles.thirdPerson.some((w) => lc.startsWith(w) && (!/[a-z']$/.test(w) || !/[a-z']/.test(lc[w.length] ?? '')));
      if (cur.role !== 'self' || !opens || hasWord(lc, cues.roles.self)) continue;
      if (clauses.slice(0, i).some(another)) cur.role = 'reported';
    }
  // A list of people: the parts of those not asked about are reported (cue table `people`).
  const people = peopleIn(text, cues);
  if (people)
    for (const c of clauses) {
      const part = people.parts.find((p) => c.start >= p.start && c.end <= p.end);
      if (part && part.label !== people.asked) c.role = 'reported';
    }
  // Segments: a correction marker starts a new segment whose facts replace the earlier ones.
  const segments: (typeof clauses)[] = [[]];
  for (const c of clauses) {
    const cl = c.text.toLowerCase();
    // (Not a marker in a clause that asks or hedges: "LSE应该是前50吧？" believes, it corrects nothing.)
    // (A word that corrects alone, "哦不", ends as 不 does a question: it is none.)
    if (segments[segments.length - 1]!.length && correctsHere(cl, cues) && (!endsAsQuestion(cl, cues) || correctsAlone(cl, cues)))
      segments.push([]);
    segments[segments.length - 1]!.push(c);
  }
  const openUnit = unitFact(text, catalog);
  let openFact = openUnit ?? ctx.openFact ?? null;
  // A message that is only the time of the story ("22年10月那会儿的事") sets the situation date; it does
  // not answer an open date question (when the contributions were back-paid).
  const storyTime =
    has(lower, cues.situation) &&
    clauses.length === 1 &&
    (() => {
      const ds = findDates(deps.dates, text, ctx.asOf, ctx.referenceYear ?? undefined);
      return ds.length === 1 && onlyLeadWords((text.slice(0, ds[0]!.index) + text.slice(ds[0]!.end)).toLowerCase(), cues);
    })();
  const dateTypes = new Set(['date', 'month', 'month_list']);
  if (storyTime && openFact && dateTypes.has(catalog[openFact]?.type ?? '')) openFact = null;
  // A date next to another date fact's words ("22年12月补的") answers that fact, not the open question.
  if (openFact && dateTypes.has(catalog[openFact]?.type ?? '')) {
    const other = Object.entries(cues.dateFacts).find(([f, ws]) => f !== openFact && has(lower, ws));
    if (other) openFact = other[0];
  }
  const locate = (needle: string, from: number, to: number): [number, number] | undefined => {
    if (!needle) return undefined;
    const i = text.indexOf(needle, from);
    if (i >= 0 && i < to) return [i, i + needle.length];
    const j = lower.indexOf(needle.toLowerCase(), from);
    return j >= 0 && j < to ? [j, j + needle.length] : undefined;
  };
  const contextYear = dated.referenceYear;

  for (const seg of segments) {
    const self = seg.filter((c) => c.role === 'self');
    const others = seg.filter((c) => c.role !== 'self');
    // Mentions in comparison / hypothetical / reported clauses: spans only, never facts.
    for (const c of others) {
      const x = extractHere(c.text, { asOf: ctx.asOf, openFact: null, contextYear });
      for (const [fact, value] of Object.entries(x.facts)) {
        const at = locate(x.evidence[fact]?.split(':')[0] ?? '', c.start, c.end) ?? [c.start, c.end];
        spans.push({ fact, value, span: at, text: text.slice(at[0], at[1]), role: c.role });
      }
    }
    if (!self.length) continue;
    // After a correction marker only the corrected value counts: "哦不对是130" → "130", read alone
    // as the fact just stated (or the one the bot asked about / the conversation last gave).
    const corrected = segments.indexOf(seg) > 0 || (correctsHere(self[0]!.text.toLowerCase(), cues) && !!ctx.lastFacts?.length);
    let segSelf = self;
    if (corrected) {
      // (Punctuation before the value goes too: "oops, typo: it's 94".)
      const stripFillers = (r: string) => {
        let rest = r.replace(/^[\p{P}\s]+/u, '');
        for (const f of cues.fillers) if (rest.toLowerCase().startsWith(f)) rest = rest.slice(f.length);
        return rest.trim();
      };
      const first = self[0]!.text;
      const w = cues.corrections.find((x) => first.toLowerCase().includes(x));
      // The corrected value: the rest of the marker's clause, else the next clause ("更正一下，是4个月").
      const tries: { value: string; used: number }[] = [
        { value: w ? stripFillers(first.slice(first.toLowerCase().indexOf(w) + w.length)) : stripFillers(first), used: 1 },
      ];
      if (self[1]) tries.push({ value: stripFillers(self[1].text), used: 2 });
      // "刚算了下是6个月": the corrected value is the number with its unit.
      const fromNumber = (t: { value: string; used: number }) => {
        const i = t.value.search(/\d/);
        return i > 0 ? [{ value: t.value.slice(i), used: t.used }] : [];
      };
      tries.push(...tries.flatMap(fromNumber));
      // (The value rejected beside it is not the correction: "it's 94 not 49", "是94不是49".)
      const rejected = cues.correctionRejected.length
        ? new RegExp(`(?:${cues.correctionRejected.map(escapeRegex).join('|')})\\s*\\d+(?:\\.\\d+)?`, 'giu')
        : null;
      if (rejected) for (const t of tries) t.value = t.value.replace(rejected, ' ').trim();
      // (…else the clause after a remark: "不对，我刚翻了记录，是2次" — tried last.)
      const third = self[2] ? { value: stripFillers(self[2].text), used: 3 } : undefined;
      if (third?.value) tries.push(third, ...fromNumber(third));
      // (…or a fact said earlier in the conversation: "打错了，是Waterloo" two messages after the university.)
      // (Of the facts said before, a corrected number most likely replaces the one it shares digits with:
      // "学校QS第30 … 社保2个月" → "哦不对 是130" corrects the rank, not the months.)
      // (Only a bare number, "是130": one with a unit, "是8个月", or a date names its fact by that.)
      const said = tries.find((t) => /\d/.test(t.value))?.value ?? '';
      const bareNumber = /^\D{0,3}(\d+)\D{0,2}$/.exec(said.replace(/\s+/g, ''));
      const saidDigits = bareNumber && !unitFact(said, catalog) && !findDates(deps.dates, said, ctx.asOf).length ? bareNumber[1]! : '';
      const shared = (f: string) => {
        const type = catalog[f]?.type;
        if (!saidDigits || f === openFact || (type !== 'number' && type !== 'integer')) return 0;
        const before = String(facts[f] ?? ctx.known?.[f] ?? '').match(/\d+/)?.[0] ?? '';
        const run = before ? commonRun(before, saidDigits) : 0;
        return run >= 2 ? run : 0;
      };
      // (…and the facts the message gave before the marker, the last first: "22年6月交的材料…哦记错了，是22年8月"
      // corrects the application's date; "之前用过2次…哦不，我查了下是3次" the count.)
      const segStart = self[0]!.start;
      const before = spans
        .filter((sp) => sp.role === 'self' && sp.span[1] <= segStart)
        .sort((a, b) => b.span[0] - a.span[0])
        .map((sp) => sp.fact);
      const candidates = [...new Set([openFact, ...before, ...(ctx.lastFacts ?? []), ...Object.keys(ctx.known ?? {})])]
        .filter((f): f is string => !!f)
        .map((f, i) => ({ f, i, s: shared(f) }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .map((x) => x.f);
      let value = '';
      let used = 0;
      let one: Extraction | undefined;
      search: for (const t of tries) {
        for (const f of candidates.length ? candidates : [null]) {
          const x = t.value ? extractHere(t.value, { asOf: ctx.asOf, openFact: f, contextYear }) : undefined;
          if (x && Object.keys(x.facts).length) {
            ({ value, used } = t);
            one = x;
            break search;
          }
        }
      }
      if (one) {
        const c = self[used - 1]!;
        for (const [fact, v] of Object.entries(one.facts)) {
          const at = locate(value, c.start, c.end) ?? [c.start, c.end];
          spans.push({ fact, value: v, span: at, text: text.slice(at[0], at[1]), role: 'self' });
          const before = facts[fact] ?? ctx.known?.[fact];
          if (before !== undefined && !sameValue(before, v)) corrections.push({ fact, from: before, to: v });
          facts[fact] = v;
          evidence[fact] = value;
        }
        notes.push(...one.notes);
        for (const d of one.doubts ?? []) doubts.push(d);
        segSelf = self.slice(used);
      }
      if (!segSelf.length) continue;
    }
    const segText = segSelf.map((c) => c.text).join('，');
    const x = extractHere(segText, { asOf: ctx.asOf, openFact, contextYear });
    // The bare answer to the open question may stand in one clause of several ("哦 其实已经6个月了 上周刚满").
    if (openFact && x.facts[openFact as keyof Facts] === undefined && segSelf.length > 1)
      for (const c of segSelf) {
        const one = extractHere(c.text, { asOf: ctx.asOf, openFact, contextYear });
        const v = one.facts[openFact as keyof Facts];
        if (v !== undefined) {
          (x.facts as Record<string, unknown>)[openFact] = v;
          x.evidence[openFact] = one.evidence[openFact] ?? c.text;
          break;
        }
      }
    notes.push(...x.notes);
    ambiguities.push(...x.ambiguities);
    for (const d of x.doubts ?? []) doubts.push(d);
    const from = segSelf[0]!.start;
    const to = segSelf[segSelf.length - 1]!.end;
    const uniSpan = x.evidence.university ? locate(x.evidence.university, from, to) : undefined;
    for (const [fact, value] of Object.entries(x.facts)) {
      const ev = x.evidence[fact] ?? '';
      let at = locate(ev, from, to) ?? locate(ev.split(':')[0]!.trim(), from, to);
      // Facts read from the university (rank, country, studied abroad) point at the university's name.
      if (
        !at &&
        uniSpan &&
        ['worldRank', 'rankingSystem', 'rankingEdition', 'universityCountry', 'studiedAbroad', 'university'].includes(fact)
      )
        at = uniSpan;
      // A date fact read across clauses ("2022年5月的社保，因为疫情晚交了"): the date's words.
      if (!at && dateTypes.has(catalog[fact]?.type ?? '')) {
        const first = String(Array.isArray(value) ? value[0] : value);
        for (const c of segSelf) {
          const d = findDates(deps.dates, c.text, ctx.asOf, contextYear ?? undefined).find(
            (x) => x.value === first || first.startsWith(x.value),
          );
          if (d) {
            at = [c.start + d.index, c.start + d.end];
            break;
          }
        }
      }
      // Else the clause that gives the fact on its own.
      if (!at) {
        for (const c of segSelf) {
          const one = extractHere(c.text, { asOf: ctx.asOf, openFact, contextYear });
          if (one.facts[fact] !== undefined) {
            at = [c.start, c.end];
            break;
          }
        }
      }
      if (!at && segSelf.length === 1) at = [segSelf[0]!.start, segSelf[0]!.end];
      if (!at) continue; // no source in the person's words: not a fact about them
      const negated = value === false && deniesWithin(lower, at[0] - 4, at[1], cues.negation);
      spans.push({ fact, value, span: at, text: text.slice(at[0], at[1]), role: negated ? 'negated' : 'self' });
      if (facts[fact] !== undefined && !sameValue(facts[fact], value)) corrections.push({ fact, from: facts[fact], to: value });
      facts[fact] = value;
      evidence[fact] = ev;
    }
    // A later segment answers the same fact as the earlier one ("QS第30，哦不对是130").
    openFact = Object.keys(x.facts).find((f) => catalog[f]?.type === 'number' || catalog[f]?.type === 'integer') ?? openFact;
    // Cue facts: domestic study, not working, fact phrases.
    for (const c of self) {
      const cl = c.text.toLowerCase();
      // A negation word just before the phrase flips it — except for a phrase that already says "no".
      const mark = (fact: string, value: boolean, word: string, override: boolean, negatable = true) => {
        if (!override && facts[fact] !== undefined) return;
        const i = cl.indexOf(word);
        // (A phrase found only once university names are left out spans its whole clause.)
        const at: [number, number] = i >= 0 ? [c.start + i, c.start + i + word.length] : [c.start, c.end];
        const neg = negatable && i >= 0 && deniesWithin(cl, i - 3, i, cues.negation);
        const v = neg ? !value : value;
        spans.push({ fact, value: v, span: at, text: text.slice(at[0], at[1]), role: neg || !v ? 'negated' : 'self' });
        if (facts[fact] !== undefined && !sameValue(facts[fact], v)) corrections.push({ fact, from: facts[fact], to: v });
        facts[fact] = v;
        evidence[fact] = word;
      };
      const domestic = [...cues.domestic.universities, ...cues.domestic.markers].find((w) => containsWord(cl, w, cues.domestic.partOfName));
      // A domestic university is not study abroad, unless the message names an overseas one too.
      if (domestic && !(facts.studiedAbroad === true && facts.universityCountry && facts.universityCountry !== 'China')) {
        facts.studiedAbroad = undefined;
        mark('studiedAbroad', false, domestic, true);
      }
      // Working in another city now ("现在人在深圳上班", "I work in London"): not full-time in Shanghai.
      // (The university names are left out first: London in "King's College London" is no place of work.)
      const we = cues.workElsewhere;
      const unnamed = namesSeen.reduce((t, n) => t.split(normalizeAsciiKey(n)).join(''), normalizeAsciiKey(cl));
      const place = we.places.find((w) => unnamed.includes(w));
      // (A later clause saying they work in Shanghai now wins: "在伦敦工作了两年 现在回上海全职".)
      const laterYes = spans.some(
        (sp) => sp.fact === 'employedFullTimeInShanghai' && sp.value === true && sp.role === 'self' && sp.span[0] >= c.end,
      );
      // …or still studying there ("还在香港读博"): not working in Shanghai either.
      const studyingThere = has(cl, we.study) && has(cl, we.now);
      if (place && (has(cl, we.work) || studyingThere) && !has(cl, we.shanghai) && !has(cl, we.past) && !laterYes) {
        facts.employedFullTimeInShanghai = undefined;
        mark('employedFullTimeInShanghai', false, place, true, false);
      }
      // …also with the university names left out, for a phrase that says "still" ("还在多伦多大学读研" is
      // "还在读研"; not "研究生在莫纳什读的", which would read as 在读).
      const notWorking = cues.notWorking.find(
        (w) => cl.includes(w) || (cues.workElsewhere.now.some((n) => w.startsWith(n)) && unnamed.includes(w)),
      );
      // (Not when a later clause says they work in Shanghai now: "那会儿还没找到工作，现在在上海全职了".)
      if (notWorking && !laterYes) {
        facts.employedFullTimeInShanghai = undefined;
        mark('employedFullTimeInShanghai', false, notWorking, true);
      }
      // Date facts: a date in the same clause as one of the fact's words ("23年3月补的" → backPaidOn).
      // A year alone ("22年已经享受过2次培训") gives way to a month of that year named later ("22年12月还能再报").
      // (Not in a clause that refuses something: "不想承诺年底补缴" names no date it was done.)
      const refuses = Object.values(cues.facts).some((f) => deniedStem(cl, f.denied, cues) !== undefined);
      // (Of several date facts whose words the clause holds, the one with the longest word takes the date:
      // "回学校参加了技能等级认定" dates the assessment, not a training by its 参加.)
      const wordOf = (ws: string[]) => ws.filter((w) => cl.includes(w)).reduce((a, w) => (w.length > a.length ? w : a), '');
      const longest = Math.max(0, ...Object.values(cues.dateFacts).map((ws) => wordOf(ws).length));
      for (const [fact, ws] of refuses ? [] : Object.entries(cues.dateFacts)) {
        const known = facts[fact];
        const yearOnly = typeof known === 'string' && /^\d{4}$/.test(known);
        if ((known !== undefined && !yearOnly) || !has(cl, ws) || wordOf(ws).length < longest) continue;
        // (Of several dates, the one nearest the fact's word: "graduated in July 2022 … went back there in Nov 2022
        // for the skill level assessment" dates the assessment in November.)
        const word = wordOf(ws).toLowerCase();
        const at0 = word ? cl.indexOf(word) : -1;
        // (A span of months dates an event of the person's own — the application, the training — somewhere in it:
        // "2022年7月至12月参加了线上培训" is "2022-07/2022-12". Not a span that is the months of a list fact: "4到6月
        // 没交社保，后来补了" names no date of the back payment.)
        const listedHere = spans.some((sp) => catalog[sp.fact]?.type === 'month_list' && sp.span[0] < c.end && sp.span[1] > c.start);
        const spanOk = cues.situationFacts.includes(fact) && !listedHere;
        const d = findDates(deps.dates, c.text, ctx.asOf, contextYear ?? undefined)
          .filter((x) => !x.to || (spanOk && x.to > x.value))
          .map((x) => (x.to ? { ...x, value: `${x.value}/${x.to}` } : x))
          .sort((a, b) => (at0 < 0 ? 0 : Math.abs(a.index - at0) - Math.abs(b.index - at0)))[0];
        if (!d || (yearOnly && !d.value.startsWith(known))) continue;
        if (yearOnly) {
          const i = spans.findIndex((sp) => sp.fact === fact);
          if (i >= 0) spans.splice(i, 1);
        }
        const at: [number, number] = [c.start + d.index, c.start + d.end];
        spans.push({ fact, value: d.value, span: at, text: text.slice(at[0], at[1]), role: 'self' });
        facts[fact] = d.value;
        evidence[fact] = d.text;
      }
      for (const [fact, cue] of Object.entries(cues.facts)) {
        const yes = cue.true.find((w) => cl.includes(w));
        // (A "no" word inside a longer "yes" phrase says yes: "不是没补" holds 没补.)
        // (…and one that is the middle of an A-not-A question asks: "补没补我也不清楚", "有没有补".)
        const no =
          cue.false.find((w) => statesNo(cl, w, cues.negation) && !(yes && yes.length > w.length && yes.includes(w))) ??
          deniedStem(cl, cue.denied, cues);
        if (no) mark(fact, false, no, true, false);
        else if (yes) mark(fact, true, yes, false);
      }
    }
  }
  // A district by another name ("I work in Baoshan").
  if (facts.workDistrict === undefined)
    for (const c of clauses) {
      if (c.role !== 'self') continue;
      const cl = c.text.toLowerCase();
      const name = patternsOf(cues).districtNames.find((d) => cl.includes(d.name) && d.re.test(cl))?.name;
      if (!name) continue;
      const i = cl.indexOf(name);
      const at: [number, number] = [c.start + i, c.start + i + name.length];
      facts.workDistrict = cues.districtNames[name];
      spans.push({ fact: 'workDistrict', value: facts.workDistrict, span: at, text: text.slice(at[0], at[1]), role: 'self' });
      evidence.workDistrict = text.slice(at[0], at[1]);
      break;
    }
  // A district named as the owner of a measure ("宝山那个安居资助", "宝山区人社局出的") is not where the
  // person works; another district the person names ("我是徐汇的") is.
  const district = facts.workDistrict;
  if (typeof district === 'string' && cues.districts.length) {
    // (Within its clause: "我们公司在宝山，有个员工…" — 有个 opens the next clause.)
    const owner = (i: number, d: string) => has(lower.slice(i + d.length, i + d.length + 6).split(CLAUSE_END)[0]!, cues.owner);
    const mentions: { d: string; i: number }[] = [];
    for (const d of cues.districts) for (let i = lower.indexOf(d); i >= 0; i = lower.indexOf(d, i + 1)) mentions.push({ d, i });
    const own = mentions.filter((m) => !owner(m.i, m.d) && clauses.some((c) => c.role === 'self' && c.start <= m.i && m.i < c.end));
    if (mentions.some((m) => m.d === district && owner(m.i, m.d)) && !own.some((m) => m.d === district)) {
      const other = own[own.length - 1];
      if (other) {
        facts.workDistrict = other.d;
        spans.push({ fact: 'workDistrict', value: other.d, span: [other.i, other.i + other.d.length], text: other.d, role: 'self' });
        evidence.workDistrict = other.d;
      } else facts.workDistrict = undefined;
    }
  }
  // (…but a company of "the district" in the person's words is in the one district named: "宝山区那个骨干人才
  // 奖励，我们公司是区里的重点企业".)
  if (facts.workDistrict === undefined && cues.districtAnaphora.length) {
    const named = [...new Set(cues.districts.filter((d) => lower.includes(d)))];
    const c = clauses.find((x) => x.role === 'self' && has(x.text.toLowerCase(), cues.districtAnaphora));
    if (named.length === 1 && c) {
      const w = cues.districtAnaphora.find((a) => c.text.toLowerCase().includes(a))!;
      const i = c.text.toLowerCase().indexOf(w);
      const at: [number, number] = [c.start + i, c.start + i + w.length];
      facts.workDistrict = named[0];
      spans.push({ fact: 'workDistrict', value: named[0], span: at, text: text.slice(at[0], at[1]), role: 'self' });
      evidence.workDistrict = text.slice(at[0], at[1]);
    }
  }
  facts = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));

  // Goals: any goal word anywhere in the message (a comparison still tells what the person wants).
  const goals = Object.entries(cues.goals)
    .filter(([, ws]) => has(lower, ws))
    .map(([g]) => g);
  const intent = has(lower, cues.intent);
  // (Not after a negation: "不是什么人才" describes the person, it asks nothing.)
  const asksInformation = cues.information.some((w) => {
    for (let i = lower.indexOf(w); i >= 0; i = lower.indexOf(w, i + 1))
      if (!cues.negation.some((n) => lower.slice(Math.max(0, i - n.length), i) === n)) return true;
    return false;
  });

  const asking = (c: { text: string }) => has(c.text.toLowerCase(), cues.information);
  const stated = new Set<number>();
  const statedFacts = new Set<string>();
  for (const sp of spans) {
    if (sp.role !== 'self' && sp.role !== 'negated') continue;
    const i = clauses.findIndex((c) => sp.span[0] >= c.start && sp.span[1] <= c.end);
    if (i >= 0 && !asking(clauses[i]!)) {
      stated.add(i);
      statedFacts.add(sp.fact);
    }
  }

  // A plan's date is the person's ("下个月要给员工办居转户", "明年3月打算回学校考"): the date of the event a rule asks
  // about (cue table `situationFacts`), said in a clause of a plan (roles.plans), not of a supposition (如果).
  for (const sp of spans) {
    if (sp.role !== 'hypothetical' || !cues.situationFacts.includes(sp.fact) || facts[sp.fact] !== undefined) continue;
    const c = clauses.find((x) => x.start <= sp.span[0] && sp.span[1] <= x.end);
    const cl = c?.text.toLowerCase() ?? '';
    const supposes = cues.roles.hypothetical.some((w) => cl.includes(w) && !cues.roles.plans.some((p) => p.includes(w) && cl.includes(p)));
    if (!c || !has(cl, cues.roles.plans) || supposes) continue;
    sp.role = 'self';
    facts[sp.fact] = sp.value;
    evidence[sp.fact] = sp.text;
    statedFacts.add(sp.fact);
  }
  // The situation date: a date in a clause that puts the message on a past situation.
  let situationDate: string | null = null;
  let situationAsked = false;
  // Only when the question itself is put in the past ("那会儿办许可能先承诺吗": the situation word in
  // the asking clause) and nothing says now ("现在申请…"): a past event alone is no situation date.
  // (A question is one by its ending, its first word or an A-not-A question: "…103号文那条管不管".)
  const someClauseAsks = clauses.some(
    (o) =>
      o.role === 'self' &&
      (has(o.text.toLowerCase(), cues.intent) ||
        endsAsQuestion(o.text.toLowerCase(), cues) ||
        askedByANotA(o.text, cues.negation).length > 0),
  );
  const asksInPast = (c: string) => has(c, cues.intent) || endsAsQuestion(c, cues) || someClauseAsks || hasWord(c, cues.questionWords);
  const present = has(lower, cues.present);
  // The last such clause is the asking one; its 那会儿/当时 points at the nearest date before it that is an
  // event, not a deadline ("年底前").
  // Nor the months a fact lists (missed contributions: "当时疫情9月10月社保没交上" is about the founding date).
  const listed = spans.filter((sp) => catalog[sp.fact]?.type === 'month_list' || sp.fact === 'backPaidOn');
  const event = (c: { text: string; start: number }) =>
    findDates(deps.dates, c.text, ctx.asOf, contextYear ?? undefined).filter(
      (x) =>
        /^\d{4}-\d{2}/.test(x.value) &&
        !cues.deadlineAfter.some((w) => c.text.slice(x.end).trimStart().startsWith(w)) &&
        !listed.some(
          (sp) =>
            (sp.span[0] < c.start + x.end && sp.span[1] > c.start + x.index) ||
            (Array.isArray(sp.value) && sp.value.includes(x.value.slice(0, 7))),
        ),
    );
  /** A date of the clause with only lead words around it ("2022年8月那会儿", "back in Sept 2022" before the rest). */
  const leadDate = (c: { text: string; start: number }, wholeClause: boolean) => {
    const d = event(c)[0];
    if (!d || d.value.slice(0, 7) >= ctx.asOf.slice(0, 7)) return undefined;
    const rest = (wholeClause ? c.text.slice(0, d.index) + c.text.slice(d.end) : c.text.slice(0, d.index)).toLowerCase();
    return onlyLeadWords(rest, cues) ? d : undefined;
  };
  /**
   * A past date a situation word follows directly ("2022年9月那会儿我刚回国", "2022年8月那会儿，因为疫情…没按时缴"):
   * the time of the story, even when it is also the month of a fact.
   */
  const storyDate = (c: { text: string; start: number }) =>
    findDates(deps.dates, c.text, ctx.asOf, contextYear ?? undefined).find(
      (x) =>
        /^\d{4}-\d{2}/.test(x.value) &&
        x.value.slice(0, 7) < ctx.asOf.slice(0, 7) &&
        cues.situation.some((w) => c.text.slice(x.end).trimStart().startsWith(w)),
    );
  const asksHere = (c: { text: string }) => has(c.text.toLowerCase(), cues.intent) || endsAsQuestion(c.text.toLowerCase(), cues);
  // First, a past date as a clause of its own just before the question ("In August 2022, could we…"), or opening
  // the message that then asks ("2022年11月，新设HR机构，因疫情欠缴，能先办许可吗"), or opening the asking
  // clause itself ("back in Sept 2022 could we get the licence first…").
  const firstSelf = clauses.findIndex((c) => c.role === 'self');
  if (!situationDate && !present)
    for (let i = 0; i < clauses.length; i++) {
      const c = clauses[i]!;
      if (c.role !== 'self') continue;
      const next = clauses[i + 1];
      const later = clauses.slice(i + 1).some((o) => o.role === 'self' && asksHere(o));
      const d =
        (next?.role === 'self' && asksHere(next)) || (i === firstSelf && later)
          ? leadDate(c, true)
          : asksHere(c)
            ? leadDate(c, false)
            : undefined;
      if (d) {
        situationDate = dayOf(d.value);
        situationAsked = true;
        break;
      }
    }
  // (The date of the event asked about — the application, the training — comes before a story's date: "set up
  // in Sept 2022 … applied for the licence in Oct 2022 … was that ok?" is judged on October.)
  const eventDates = cues.situationFacts.map((f) => facts[f]).filter((v): v is string => typeof v === 'string');
  const eventMonth = eventDates.find((v) => /^\d{4}-\d{2}/.test(v));
  const eventAsked = typeof eventMonth === 'string' && eventMonth < ctx.asOf.slice(0, 7);
  // (A year alone, "二二年线上培训补贴拿过一次了 那年还能再拿吗", is a situation of that year, after any story
  // date of a month: decide judges both ends of it.)
  const applied = eventMonth ?? eventDates.find((v) => /^\d{4}$/.test(v));
  for (const c of present || situationDate || eventAsked ? [] : [...clauses].reverse()) {
    // (A date that the clause is only a time for — "2022年8月那会儿" — sets the time of the story even
    // before the question comes, in this message or the next.)
    // (…or a supposition put then: "2022年5月20日那天…，要是那天去申请，能用…吗".)
    if (
      (c.role !== 'self' && c.role !== 'hypothetical') ||
      !has(c.text, cues.situation) ||
      !(asksInPast(c.text.toLowerCase()) || leadDate(c, true) || storyDate(c))
    )
      continue;
    const d = event(c)[0] ?? storyDate(c);
    const before = clauses.filter((o) => o.role === 'self' && o.end <= c.start);
    // (The months of a fact only when no other date was named: "22年9月的时候疫情欠了社保，当时能用吗".)
    // (A clause that is only a time, "22年9月的时候", is what 那时候 points at, before an event after it:
    // "22年9月的时候 我是22届 打算12月回学校考 那时候能享受补贴吗" asks about September.)
    const nearby =
      d ??
      before
        .map((o) => leadDate(o, true))
        .filter((x) => !!x)
        .pop() ??
      // (…then a date a situation word follows, "22年8月那会儿我老婆在公司上班", over a later event's
      // "上半年已经领过一次".)
      before
        .map((o) => storyDate(o))
        .filter((x) => !!x)
        .pop() ??
      before.flatMap((o) => event(o)).pop() ??
      [...before, c]
        .flatMap((o) => findDates(deps.dates, o.text, ctx.asOf, contextYear ?? undefined))
        .filter((x) => /^\d{4}-\d{2}/.test(x.value) && x.value.slice(0, 7) < ctx.asOf.slice(0, 7))
        .pop() ??
      // (…else a past year alone, when the question itself is put then: "2021年的时候我从QS 35的学校回来…那时候
      // 就能直接落户了吗" — decide judges the year on both ends. Not the year of a story event only: "去年新成立
      // 的机构…能先办许可吗" asks about now.)
      (asksHere(c)
        ? [...before, c]
            .map((o) =>
              findDates(deps.dates, o.text, ctx.asOf, contextYear ?? undefined).length ? undefined : findYear(deps.dates, o.text),
            )
            .filter((x) => !!x && x.value < ctx.asOf.slice(0, 4))
            .pop()
        : undefined);
    if (nearby) {
      const cl = c.text.toLowerCase();
      // (…or a later clause puts the question then: "…那天我已经…，要是那天去申请，能用…吗".)
      const later = clauses.filter((o) => o.start > c.start && (o.role === 'self' || o.role === 'hypothetical'));
      const askedLater =
        later.some((o) => has(o.text, cues.situation)) &&
        later.some((o) => has(o.text.toLowerCase(), cues.intent) || endsAsQuestion(o.text.toLowerCase(), cues));
      situationAsked = has(cl, cues.intent) || cues.questionEnd.some((q) => cl.endsWith(q)) || askedLater;
      situationDate = dayOf(nearby.value);
      break;
    }
  }
  // A past date of the event asked about — the application, the training, the assessment (cue table
  // `situationFacts`) — asked about then ("22年11月申请许可 … 行吗", "22年11月回学校参加了认定 能享受补贴吗"):
  // the situation.
  if (
    !situationDate &&
    !present &&
    typeof applied === 'string' &&
    applied < ctx.asOf.slice(0, Math.min(7, applied.length)) &&
    // (…or given as an answer during the check of a rule that asks it: "22年11月考的".)
    (asksInPast(lower) || has(lower, cues.situation) || !!ctx.topicFacts?.some((f) => cues.situationFacts.includes(f)))
  ) {
    situationDate = dayOf(applied);
    // (…asked then when the asking clause says so: "…那时候能按世界名校政策办吗".)
    situationAsked = clauses.some((c) => c.role === 'self' && asksHere(c) && has(c.text.toLowerCase(), cues.situation));
  }
  // (…and a planned one the question is about: "下个月要给员工办居转户" is judged on next month.)
  if (!situationDate && eventMonth && eventMonth.slice(0, 7) > ctx.asOf.slice(0, 7)) situationDate = dayOf(eventMonth);
  const otherText = clauses.filter((c) => c.role !== 'self').map((c) => c.text);
  const nameText = [
    ...new Set([
      ...spans.filter((sp) => sp.fact === 'university').map((sp) => sp.text),
      ...namesSeen,
      ...cues.domestic.universities.filter((w) => containsWord(text.toLowerCase(), w, cues.domestic.partOfName)),
    ]),
  ].sort((a, b) => b.length - a.length);
  // The districts asked about: named in the person's words of a message that asks whether a measure exists
  // or what it gives ("嘉定区人才安居补贴多少钱"), or before the comparison of a comparison clause ("嘉定有没有
  // 宝山那样的人才安居资助": 嘉定, not 宝山).
  const beforeComparison = (t: string) => {
    const at = cues.roles.comparison.map((w) => ({ w, i: t.indexOf(w) })).filter((x) => x.i >= 0);
    const first = at.sort((a, b) => a.i - b.i || b.w.length - a.w.length)[0];
    const head = first ? t.slice(0, first.i) : t;
    // (…without the district the comparison word follows: "宝山那样" — not one before a word that precedes
    // what it compares: "嘉定有没有像宝山那样".)
    const follows = !!first && cues.roles.comparisonAfter.includes(first.w);
    const compared = follows ? cues.districts.find((d) => head.endsWith(d) || head.endsWith(`${d}区`)) : undefined;
    return compared ? head.slice(0, head.lastIndexOf(compared)) : head;
  };
  // Each clause's own words: the person's, or those before the comparison of a comparison clause.
  const ownWords = clauses.map((c) => {
    const t = c.text.toLowerCase();
    return c.role === 'self' ? t : c.role === 'comparison' ? beforeComparison(t) : '';
  });
  const districtsInOwnWords = cues.districts.filter((d) => ownWords.some((w) => w.includes(d)) && !nameText.some((n) => n.includes(d)));
  // (…by another name too: "I run a small consultancy in Jing'an", "does Changning have anything like rent subsidies" —
  // but not where the person works when another district is named too: "We're a company in Xuhui — does that
  // housing grant from Baoshan apply to our new hires?" asks about Baoshan's measure.)
  const englishNamed = [...new Set(ownWords.flatMap((w) => otherDistrictNames(w, cues)))];
  for (const d of englishNamed) {
    const another = [...districtsInOwnWords, ...englishNamed].some((x) => x !== d);
    if (!districtsInOwnWords.includes(d) && !(another && facts.workDistrict === d)) districtsInOwnWords.push(d);
  }
  const districtsAsked = has(lower, cues.existence) || asksInformation ? districtsInOwnWords : [];
  // (Not where the person works: "骨干人才专项激励 我在浦东上班 能申请吗" asks about the measure the library holds.)
  // …by another name too, in a clause without a work word ("Is there a rent subsidy in Jing'an district?").
  const otherNames = clauses.flatMap((c) => {
    const t = c.text.toLowerCase();
    if (c.role !== 'self' || has(t, cues.workElsewhere.work)) return [];
    return otherDistrictNames(t, cues);
  });
  const namedAll = [...new Set([...districtsInOwnWords, ...otherNames])];
  const districtsNamed = namedAll.filter(
    (d) => !workplacesSeen.includes(d) && !(namedAll.length > 1 && facts.workDistrict === d && !has(lower, cues.existence)),
  );

  // Alternatives ("领了2次还是3次", "QS 60还是65"): a number fact read from one of two values said as
  // either-or is the interval of both — the rule then decides only when both give the same answer.
  if (P.alternatives) {
    for (const c of clauses) {
      if (c.role !== 'self') continue;
      for (const m of c.text.matchAll(P.alternatives)) {
        // (The same unit, or none before the "or": "2还是3次"; not "2022年或者3月".)
        if (m[2] && !m[4]!.startsWith(m[2])) continue;
        // (Nor calendar months or days: "1月至6月领过1次" dates a count, it is no count of 1 to 6.)
        const unit = m[2] || m[4] || '';
        if (cues.doubt.calendarUnits.some((w) => unit.startsWith(w))) continue;
        const [a, b] = [Number(m[1]), Number(m[3])].sort((x, y) => x - y) as [number, number];
        if (a === b) continue;
        const at: [number, number] = [c.start + m.index!, c.start + m.index! + m[0].length];
        for (const sp of spans) {
          const type = catalog[sp.fact]?.type;
          if ((type !== 'number' && type !== 'integer') || sp.role !== 'self' || typeof sp.value !== 'number') continue;
          if (!(sp.span[0] < at[1] && sp.span[1] > at[0])) continue;
          // The unit the fact counts in: the value is one of the two, or one of them in years as months.
          const k = [1, 12].find((f) => sp.value === a * f || sp.value === b * f);
          if (!k) continue;
          const v = { min: a * k, max: b * k };
          sp.value = v;
          if (facts[sp.fact] !== undefined) facts[sp.fact] = v;
        }
      }
    }
  }

  // Doubts (the decision stage's confidence gate): values a self clause hedges (几个月) or that stand for
  // a part of a year (上半年 → 1月至6月), and dates the person named that no fact took.
  const selfSpans = spans.filter((sp) => sp.role === 'self' || sp.role === 'negated');
  for (const c of clauses) {
    if (c.role !== 'self') continue;
    const cl = c.text.toLowerCase();
    const hedged = has(cl, cues.doubt.vague) || dated.approx.some((a) => c.text.includes(a));
    if (!hedged) continue;
    // A hedge word doubts the values near it, not every value of a long clause ("爱丁堡大学毕业的然后…社保的话
    // 交了大概四个月吧": the months, not the university's rank); a part of a year doubts its own dates.
    const at = (ws: string[]) =>
      ws.flatMap((w) => {
        const found: number[] = [];
        for (let i = cl.indexOf(w); i >= 0; i = cl.indexOf(w, i + w.length)) found.push(c.start + i);
        return found;
      });
    const hedgeAt = at(cues.doubt.vague);
    // (A part of a year doubts the values it dates, not a count beside it: "上半年已经领过一次".)
    const inPart = (sp: FactSpan) =>
      dated.approx.some((a) => {
        const i = c.text.indexOf(a);
        return i >= 0 && sp.span[0] < c.start + i + a.length && sp.span[1] > c.start + i;
      });
    const nearAny = (sp: FactSpan, hs: number[]) => hs.some((h) => h >= sp.span[0] - HEDGE_WINDOW && h <= sp.span[1] + HEDGE_WINDOW);
    const hedgedAt = (sp: FactSpan) => nearAny(sp, hedgeAt);
    // (A date span, "2022-07/2022-12" of 下半年, already is the part of the year: only a hedge doubts it.)
    const isSpan = (sp: FactSpan) => typeof sp.value === 'string' && sp.value.includes('/');
    const near = (sp: FactSpan) => (inPart(sp) && !isSpan(sp)) || hedgedAt(sp);
    // An interval ("80左右" → 75–85) already carries its vagueness: the rule decides only when it lies in one band.
    for (const sp of selfSpans)
      if (
        sp.span[0] < c.end &&
        sp.span[1] > c.start &&
        near(sp) &&
        typeof sp.value !== 'boolean' &&
        sp.fact !== 'university' &&
        !NumberInterval.safeParse(sp.value).success
      )
        doubts.push({ fact: sp.fact, why: 'vague', text: c.text });
  }
  // An A-not-A question the person says they cannot answer ("算不算全职我也说不清"): the facts its words
  // would state are doubted, whatever another clause seemed to say ("在上海上班").
  for (const c of clauses) {
    if (c.role !== 'self' || !has(c.text.toLowerCase(), cues.doubt.unsure)) continue;
    for (const asked of askedByANotA(c.text, cues.negation)) {
      for (const fact of Object.keys(safeExtract(deps.extract, asked, { asOf: ctx.asOf, messageText: text }).facts))
        if (catalog[fact]?.type === 'boolean') doubts.push({ fact, why: 'vague', text: c.text });
    }
  }
  for (const c of clauses) {
    if (c.role !== 'self') continue;
    for (const d of findDates(deps.dates, c.text, ctx.asOf, contextYear ?? undefined)) {
      // "现在", "目前" are today: what a fallback to today stands for.
      if (!/^\d{4}-\d{2}/.test(d.value) || has(d.text.toLowerCase(), cues.present)) continue;
      const at: [number, number] = [c.start + d.index, c.start + d.end];
      // Taken by a fact (a date fact, a class year, a count of months from it).
      // (…or the time of a count the same clause gives: "上半年已经领过一次".)
      const taken = selfSpans.some(
        (sp) =>
          (sp.span[0] < at[1] && sp.span[1] > at[0]) ||
          (sp.span[0] >= c.start && sp.span[1] <= c.end && ['number', 'integer'].includes(catalog[sp.fact]?.type ?? '')),
      );
      const isSituation = !!situationDate?.startsWith(d.value.slice(0, 7));
      // (…or the date of an event the story tells, when the question is put at another: "set up in mid-2022 …
      // In August 2022, could we…" — the founding date is no condition's.)
      const storyEvent = !!situationDate && has(c.text.toLowerCase(), cues.situation);
      if (!taken && !isSituation && !storyEvent) doubts.push({ fact: DATE_NAMED, why: 'date', text: d.text });
    }
  }
  // The supposed case: the facts of hypothetical clauses, when the message asks (a question or intent)
  // and the person states none of them as their own. (A denied supposition, "如果没在上海工作", is none.)
  const asksSomething = endsAsQuestion(lower, cues) || has(lower, cues.intent) || clauses.some((c) => endsAsQuestion(c.text, cues));
  const supposed = {} as Facts;
  if (asksSomething)
    for (const sp of spans)
      if (sp.role === 'hypothetical' && facts[sp.fact] === undefined) (supposed as Record<string, unknown>)[sp.fact] = sp.value;
  const kept = doubts.filter(
    (d, i) =>
      (d.fact === DATE_NAMED || d.fact === 'worldRank' || facts[d.fact] !== undefined) &&
      doubts.findIndex((e) => e.fact === d.fact && e.why === d.why) === i,
  );
  return {
    text,
    otherText,
    eras: dated.eras,
    nameText,
    spans,
    facts: facts as Facts,
    goals,
    intent,
    asksInformation,
    statements: stated.size,
    statedFacts: [...statedFacts],
    districtsAsked,
    districtsNamed,
    supposed,
    asksAmount: has(lower, cues.amountAsked),
    people: people ? { labels: [...new Set(people.parts.map((p) => p.label))], asked: people.asked } : null,
    speaksOfAnother: spans.some(
      (sp) =>
        sp.role === 'reported' &&
        clauses.some(
          (c) => c.role === 'reported' && sp.span[0] >= c.start && sp.span[1] <= c.end && !has(c.text.toLowerCase(), cues.roles.reported),
        ),
    ),
    question: endsAsQuestion(lower, cues) || /[?？]/.test(lower),
    askingText:
      [...clauses]
        .reverse()
        .find((c) => c.role === 'self' && (endsAsQuestion(c.text.toLowerCase(), cues) || has(c.text.toLowerCase(), cues.intent)))?.text ??
      null,
    situationDate,
    situationAsked,
    // (The person's own only in a clause that states a fact of theirs with a self word: "我是香港大学硕士" — not
    // "我刚问了他，是七个月" or "我也不太确定" of a relative's case.)
    subject: askedFor
      ? 'other'
      : !has(lower, cues.roles.others) &&
          clauses.some((c) => {
            const lc = c.text.toLowerCase();
            const own = cues.roles.plural.reduce((t, w) => t.split(w).join(' '), P.notTheSelf ? lc.replace(P.notTheSelf, ' ') : lc);
            return (
              c.role === 'self' &&
              hasWord(own, cues.roles.self) &&
              !thirdIn(lc) &&
              spans.some((sp) => sp.role === 'self' && sp.span[0] >= c.start && sp.span[1] <= c.end)
            );
          })
        ? 'self'
        : null,
    referenceYear: dated.referenceYear,
    // (One per fact, from what it was to what it is now: "全职…兼职…全职offer还没下来" corrected it once, to no.)
    corrections: corrections
      .filter((c, i) => corrections.findIndex((d) => d.fact === c.fact) === i)
      .map((c) => ({ ...c, to: facts[c.fact as keyof Facts] ?? c.to }))
      .filter((c) => !sameValue(c.from, c.to)),
    doubts: kept,
    notes,
    ambiguities,
    evidence,
  };
}

/** The `Doubt.fact` of a date the person named that no fact took. */
export const DATE_NAMED = '*date';

function safeExtract(
  extract: ExtractPort,
  text: string,
  opts: { asOf: string; openFact?: string | null; contextYear?: number | null; topicFacts?: string[]; messageText?: string },
): Extraction {
  try {
    return extract(text, opts);
  } catch {
    return { facts: {} as Facts, notes: [], ambiguities: [], evidence: {} };
  }
}

/** Exposed for tests. */
export const _internal = { clausesOf, roleOf, unitFact, anyOf };

/** `w` occurs in `t` other than directly before one of `partOf` (北大 in 北大毕业, not in 西北大学). */
function containsWord(t: string, w: string, partOf: string[]): boolean {
  for (let i = t.indexOf(w); i >= 0; i = t.indexOf(w, i + 1)) {
    const after = t.slice(i + w.length);
    if (!partOf.some((p) => after.startsWith(p))) return true;
  }
  return false;
}
