/**
 * Deterministic fact extraction from a user message (Chinese, traditional Chinese or English): no model,
 * only normalization (traditional → simplified, Chinese numerals → digits), patterns and negation cues.
 * Relative dates ("去年12月", "年底前", "last December") are resolved against `asOf`. Contradictory
 * statements in one message leave the fact unknown and add a note.
 *
 * @example
 * extractFacts('我QS排名第六十，全职在上海，社保交了半年', { asOf: '2022-09-01' }).facts
 * // { worldRank: 60, rankingSystem: 'QS', employedFullTimeInShanghai: true, socialInsuranceMonths: 6 }
 */
import { toSimplified } from '../text/chinese.ts';
import { monthRange, monthsBetween, yearMonth } from './dates.ts';
import { findDates, findYear } from './find-dates.ts';
import type { Facts, RankingSystem } from './facts.ts';
import { fill, type ExtractLang } from './extract-lang.ts';
import { normalizeNumerals } from './numerals.ts';
import { askingNegation } from './negation.ts';
import {
  describeBestRank,
  findUniversityMentions,
  longerUniversityName,
  lookupUniversity,
  narrowByCountry,
  pickByCountry,
  type University,
  type UniversityTable,
} from './universities.ts';
import { escapeRe } from '../text/regex.ts';

/** A question the assistant should ask because the message was ambiguous (e.g. which 东北大学). */
export interface Ambiguity {
  fact: string;
  text: string;
  question: string;
  /** Button-ready choices (label, value = the canonical name). */
  choices: { label: string; value: string }[];
  candidates: { value: string; label: string; worldRank?: number; rankingSystem?: string; rankingEdition?: string; note?: string }[];
}

/** What extractFacts found. */
export interface Extraction {
  facts: Facts;
  /** Chinese notes for the user or the log: contradictions, assumptions, lookups. */
  notes: string[];
  ambiguities: Ambiguity[];
  /** Every university name found in the message, as written (a place inside one is no place asked about). */
  names?: string[];
  /** Districts named as where the person works ("我在浦东上班", "嘉定的公司"), not as a measure's owner. */
  workplaces?: string[];
  /** For each fact, the text that produced it (debugging, `policybot facts`). */
  evidence: Record<string, string>;
  /**
   * Facts read without confidence: a month without a year that took the as-of year (`year`), or a
   * university named that the table did not resolve while no rank was stated (`university`, fact
   * worldRank). The decision stage gives no confident verdict on them (bot/assistant/decide.ts gate).
   */
  doubts?: { fact: string; why: 'year' | 'university'; text: string }[];
}

/** Options of extractFacts. */
export interface ExtractOptions {
  /** Today (YYYY-MM-DD), for relative dates. */
  asOf: string;
  /** The extractor's words, compiled once (`loadExtractLang`, corpus/lang/extract.yaml). */
  lang: ExtractLang;
  /** Rankings table for university names (without it a named university leaves worldRank unknown). */
  universities?: UniversityTable;
  /** The fact the assistant just asked about: bare answers ("是的", "6个月", "60") are read as that fact. */
  expect?: string;
  /** Same as `expect` (the name the assistant uses). */
  openFact?: string | null;
  /** The facts of the rule the conversation is checking: a count said without the measure's name is its count. */
  topicFacts?: string[];
  /** The year the conversation is about (from earlier messages), for months given without a year. */
  contextYear?: number;
  /**
   * Words that make a rank approximate, before or after it ("大概第60名", "80左右"; cue table `doubt.approxBefore`
   * / `doubt.approxAfter`): such a rank is read as ±5. Without them a rank is read as said.
   */
  approximate?: { before: string[]; after: string[] };
  /** The whole message when `text` is one clause of it (what the message is about: contributions or not). */
  messageText?: string;
}

/** Normalizes a message for matching: NFKC, simplified characters, Arabic numerals. */
const EN_NUMBERS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  eighteen: 18,
  twenty: 20,
  thirty: 30,
  fifty: 50,
  hundred: 100,
};

/** English number words before units, and "half a year" / "a year and a half" → months. */
function englishNumbers(s: string): string {
  return (
    s
      .replace(/\b(?:a\s+)?year\s+and\s+a\s+half\b/gi, '18 months')
      .replace(/\bhalf\s+a\s+year\b/gi, '6 months')
      .replace(/\b(?:a|one)\s+year\b/gi, '12 months')
      .replace(
        /\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty|fifty|hundred)(?=[\s-]+(?:months?|years?|times?|subsidies)\b|\s*-?\s*(?:th|st|nd|rd)?\b)/gi,
        (w) => String(EN_NUMBERS[w.toLowerCase()]),
      )
      // "used it once in 2022", "claimed twice already": counts (not "once I find a job").
      .replace(/\b(once|twice)\b(?=\s*(?:in\b|before\b|already\b|so far\b|this\b|last\b|that\b|[,.;:?!—–-]|$))/gi, (w) =>
        w.toLowerCase() === 'once' ? '1 time' : '2 times',
      )
      .replace(/\btop[\s-]+(fifty|hundred|thirty|twenty|ten)\b/gi, (_m, w: string) => `top ${EN_NUMBERS[w.toLowerCase()]}`)
  );
}

export function normalizeMessage(text: string): string {
  return normalizeNumerals(toSimplified(englishNumbers(text.normalize('NFKC'))))
    .replace(/[“”"‘’]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Characters before a back-payment word searched for a word that puts it in the future ("committing to back-pay"). */
const FUTURE_WINDOW = 16;

/** Characters before a round band ("五十几名") searched for an approximate word (大概), and how far it widens the band down. */
const APPROX_WINDOW = 4;
const APPROX_SPREAD = 5;

/** Characters before a "前N" band searched for a word that says the rank falls short of it (`ranks.shortOf`). */
const SHORT_OF_WINDOW = 8;

/** Characters before a district searched for a home word (`district.homeBefore`: "住在宝山"). */
const HOME_WINDOW = 6;

/** Characters before a mention searched for a Chinese negation (`negation` in corpus/lang/extract.yaml). */
const NEG_WINDOW_ZH = 16;

/** True when the words just before `index` in `clause` negate what follows. */
function negated(L: ExtractLang, clause: string, index: number): boolean {
  const before = clause.slice(Math.max(0, index - NEG_WINDOW_ZH), index).replace(/\s+/g, '');
  const m = L.negZh.exec(before);
  // (Not the middle of an A-not-A question: "能不能承诺", "是不是全职" ask, they deny nothing.)
  if (m && !askingNegation(before + clause.slice(index, index + 1), m.index, m[1]!)) return true;
  return L.negEn.test(clause.slice(Math.max(0, index - 40), index));
}

/** Splits into clauses (Chinese and English punctuation, and the words of `clauses.words`). */
function clauses(L: ExtractLang, t: string): string[] {
  return t
    .split(L.clauseSplit)
    .map((s) => s.trim())
    .filter(Boolean);
}

interface Signal<T> {
  value: T;
  evidence: string;
  /** Said of the present ("现在在上海全职了"): it wins over a conflicting statement about the past. */
  now?: boolean;
  /** Dropped when the message names a university abroad ("本科国内读的，硕士在墨尔本大学"). */
  weak?: boolean;
  /** Said in a clause that opens with a contrast ("不过是兼职"): it qualifies what came before, and wins. */
  contrast?: boolean;
  /** Where it was said (clause, then position): the order of statements. */
  order?: number;
}

/** A date fact's value: a year, a month or a day ("2022", "2022-08", "2022-08-15"). */
const DATE_VALUE = /^\d{4}(?:-\d{2}){0,2}$/;

const asOfParts = (asOf: string) => {
  const [y, m, d] = asOf.split('-').map(Number) as [number, number, number];
  return { y, m, d };
};

// ── rank patterns ─────────────────────────────────────────────────────────────

interface RankMention {
  value: number | { min?: number; max?: number };
  system?: RankingSystem;
  index: number;
  evidence: string;
}

/** Ranking systems named in a clause, with their positions. */
function systemsIn(L: ExtractLang, clause: string): { system: RankingSystem; index: number }[] {
  const out: { system: RankingSystem; index: number }[] = [];
  for (const { system, re: g } of L.systems) {
    g.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = g.exec(clause))) {
      out.push({ system, index: m.index });
      if (m[0].length === 0) g.lastIndex++;
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** The approximate-rank patterns over the cue words, one group each: marker + rank, and rank + marker. */
function approximateRankPatterns(L: ExtractLang, words: ExtractOptions['approximate']): string[] {
  const alt = (ws: string[]) => ws.map(escapeRe).join('|');
  const out: string[] = [];
  if (words?.before.length) out.push(L.ranks.approximateBefore.replace('{words}', () => alt(words.before)));
  if (words?.after.length) out.push(L.ranks.approximateAfter.replace('{words}', () => alt(words.after)));
  return out;
}

function findRanks(L: ExtractLang, clause: string, messageHasContext: boolean, approximate?: ExtractOptions['approximate']): RankMention[] {
  const out: RankMention[] = [];
  const taken: [number, number][] = [];
  const add = (value: RankMention['value'], m: RegExpExecArray, neg = false) => {
    const s = m.index;
    const e = m.index + m[0].length;
    if (taken.some(([a, b]) => s < b && e > a)) return;
    taken.push([s, e]);
    let v = value;
    if (neg) {
      // "不是前50" → rank > 50; "不在100名以外" → within 100
      if (typeof v === 'object' && v.max !== undefined && (v.min === undefined || v.min <= 1)) v = { min: v.max + 1 };
      else if (typeof v === 'object' && v.min !== undefined && v.max === undefined) v = { max: v.min - 1 };
      else return;
    }
    out.push({ value: v, index: s, evidence: m[0] });
  };
  const ctx = L.rankContext.test(clause) || messageHasContext;
  const R = L.ranks;
  let m: RegExpExecArray | null;
  /** A compiled scan, from the start of the clause. */
  const scan = (r: RegExp) => {
    r.lastIndex = 0;
    return r;
  };
  // 51-100名 / 51到100名 / ranked 51-100
  for (const r = scan(R.range); (m = r.exec(clause)); ) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const named = R.rangeNamed.test(m[0]);
    if (!(a < b && b <= 2000 && (named || ctx)) || R.rangeUnit.test(clause.slice(m.index + m[0].length))) continue;
    if (/\d{4}/.test(m[1]!) && Number(m[1]) > 1900) continue;
    add({ min: a, max: b }, m);
  }
  // 八十几名 / 80多名 / 100多名 → 81–89 / 101–199
  // (without 名 only where the message is about ranks: "学校排名七十多")
  for (const r = scan(ctx ? R.roundWithContext : R.round); (m = r.exec(clause)); ) {
    const n = Number(m[1]);
    // (Said with an approximate word, "大概五十几名": it may be n itself, or a little less — not for a round
    // hundred, "大概一百多名" is past 100.)
    const before = clause.slice(Math.max(0, m.index - APPROX_WINDOW), m.index);
    const approx = n % 100 !== 0 && !!approximate?.before.some((w) => before.includes(w));
    add({ min: approx ? Math.max(1, n - APPROX_SPREAD) : n + 1, max: n % 100 === 0 ? n + 99 : n + 9 }, m);
  }
  // 100名以外 / 100名开外 / 100名之后 / outside the top 100
  for (const r = scan(R.outside); (m = r.exec(clause)); ) {
    if (!ctx && !R.rankWord.test(m[0])) continue;
    add({ min: Number(m[1]) + 1 }, m, negated(L, clause, m.index));
  }
  for (const r = scan(R.outsideEn); (m = r.exec(clause)); ) {
    add({ min: Number(m[1]) + 1 }, m);
  }
  // 前50 / 前五十名 / 前50强 / top 50 / top-30
  for (const r = scan(R.top); (m = r.exec(clause)); ) {
    const after = clause.slice(m.index + m[0].length, m.index + m[0].length + 3);
    if (R.topNotRank.test(after)) continue;
    // ("前100名校落户政策": the measure's name, not the person's rank — nor is any number inside it.)
    if (R.topMeasure.test(clause.slice(m.index + m[0].length))) {
      taken.push([m.index, m.index + m[0].length]);
      continue;
    }
    if (!ctx && !R.topNamed.test(m[0])) continue;
    // ("就差1名进前50", "差一点进前100": short of the band, so outside it.)
    const shortOf = R.shortOf.test(clause.slice(Math.max(0, m.index - SHORT_OF_WINDOW), m.index));
    add({ min: 1, max: Number(m[1]) }, m, shortOf || negated(L, clause, m.index));
  }
  // 100名以内 / within the top 100
  for (const r = scan(R.within); (m = r.exec(clause)); ) {
    if (!ctx) continue;
    add({ min: 1, max: Number(m[1]) }, m, negated(L, clause, m.index));
  }
  for (const r = scan(R.withinEn); (m = r.exec(clause)); ) add({ min: 1, max: Number(m[1]) }, m);
  // "ranked around 80" / "about 80th": an approximate rank, read as ±5 so that only a clear band decides
  for (const r = scan(R.approximateEn); (m = r.exec(clause)); ) {
    const n = Number(m[1]);
    add({ min: Math.max(1, n - 5), max: n + 5 }, m, false);
  }
  // "排名80左右" / "大概第60名上下" / "约100名": the same approximate rank, read as ±5 (only with rank context;
  // the markers are the cue table's `doubt.approxBefore` / `doubt.approxAfter`)
  for (const pattern of ctx ? approximateRankPatterns(L, approximate) : [])
    for (const r = new RegExp(pattern, 'gi'); (m = r.exec(clause)); ) {
      const n = Number(m[1]);
      add({ min: Math.max(1, n - 5), max: n + 5 }, m, false);
    }
  // 第60名 / 排名60 / 排第60 / 排名是第六十 / ranked 75th / #75 / no. 12 / 75th in QS
  for (const r = scan(R.ordinal); (m = r.exec(clause)); ) {
    const n = Number(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? m[7]);
    if ((m[1] || m[7]) && !ctx) continue;
    add(n, m, false);
  }
  // "QS 60" / "QS60名" / "USNews 45"
  for (const r = scan(R.systemRank); (m = r.exec(clause)); ) {
    if (R.systemRankArticle.test(m[0]) && !R.systemRankThe.test(m[0])) continue;
    const n = Number(m[1]);
    if (n >= 1900) continue;
    add(n, m, false);
  }
  // "60名" with ranking context
  for (const r = scan(R.bare); (m = r.exec(clause)); ) {
    if (!ctx) continue;
    add(Number(m[1]), m, false);
  }
  // Two ranks either-or ("40几还是50几"): one mention, the span of both.
  out.sort((a, b) => a.index - b.index);
  for (let i = 0; i + 1 < out.length; i++) {
    const [a, b] = [out[i]!, out[i + 1]!];
    if (!R.eitherOr.test(clause.slice(a.index + a.evidence.length, b.index))) continue;
    const [a1, a2] = intervalOf(a.value);
    const [b1, b2] = intervalOf(b.value);
    const lo = Math.min(a1, b1);
    const hi = Math.max(a2, b2);
    out.splice(i, 2, {
      value: hi === Infinity ? { min: lo } : { min: lo, max: hi },
      index: a.index,
      evidence: clause.slice(a.index, b.index + b.evidence.length),
    });
    i--;
  }
  const systems = systemsIn(L, clause);
  for (const r of out) {
    // the system named just after the rank ("#120 in THE", "60名（QS）"), else the nearest before it, else one
    // shortly after
    const end = r.index + r.evidence.length;
    const justAfter = systems.find((s) => s.index >= end && R.systemJustAfter.test(clause.slice(end, s.index)));
    const before = systems.filter((s) => s.index <= r.index).pop();
    const after = systems.find((s) => s.index > r.index && s.index - r.index < 12);
    r.system = justAfter?.system ?? before?.system ?? after?.system;
  }
  return out;
}

function intervalOf(v: RankMention['value']): [number, number] {
  return typeof v === 'number' ? [v, v] : [v.min ?? 1, v.max ?? Infinity];
}

// ── the extractor ─────────────────────────────────────────────────────────────

/** A global copy of a pattern, made once (for scanning every match). */
const globals = new WeakMap<RegExp, RegExp>();
function globalOf(re: RegExp): RegExp {
  let g = globals.get(re);
  if (!g) globals.set(re, (g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)));
  return g;
}

/**
 * An HR agency founded at most this many months before the time a message is about is newly set up (103号 十一
 * 新设立的人力资源服务机构). Range 6–24; 12 reads "set up in Oct 2022 … applied in Nov 2022" as new.
 */
const NEW_AGENCY_MONTHS = 12;

/** Characters before a clause searched for the contrast word the clause split dropped ("，不过是兼职"). */
const CONTRAST_WINDOW = 4;
/** Positions per clause in the order of boolean statements (longer than any clause). */
const ORDER_STRIDE = 100_000;

/** Characters before a talent category searched for its denial ("不属于什么高层次紧缺人才"). */
const NOT_TALENT_WINDOW = 12;

/** Characters before a district searched for a move word ("跳槽到了上海"). */
const MOVED_WINDOW = 12;

/** Characters before a date within which another event's word (成立, set up) makes it that event's date. */
const OTHER_EVENT_WINDOW = 40;

/**
 * Extracts facts from one message. Deterministic; `asOf` resolves relative dates.
 *
 * @example
 * extractFacts('没有留学经历', { asOf: '2022-09-01' }).facts // { studiedAbroad: false }
 */
export function extractFacts(text: string, opts: ExtractOptions): Extraction {
  const notes: string[] = [];
  const ambiguities: Ambiguity[] = [];
  const evidence: Record<string, string> = {};
  const facts: Record<string, unknown> = {};
  const doubts: NonNullable<Extraction['doubts']> = [];
  const { y: ay } = asOfParts(opts.asOf);
  const L = opts.lang;
  const t = normalizeMessage(text);
  const cls = clauses(L, t);
  const bools = new Map<string, Signal<boolean>[]>();
  const say = (fact: string, value: boolean, ev: string, now = false, weak = false, contrast = false, order = 0) => {
    if (!bools.has(fact)) bools.set(fact, []);
    bools.get(fact)!.push({ value, evidence: ev, now, weak, contrast, order });
  };
  const set = (fact: string, value: unknown, ev: string) => {
    // A coarser date that holds the one already read says the same, it does not correct it: "2022年8月份申请
    // … 我是今年准备办的" (asOf 2022) stays 2022-08.
    const known = facts[fact];
    if (typeof known === 'string' && typeof value === 'string' && DATE_VALUE.test(value)) {
      if (known.length > value.length && known.startsWith(value) && DATE_VALUE.test(known)) return;
    }
    facts[fact] = value;
    evidence[fact] = ev;
  };
  /**
   * A group of `factPatterns` (corpus/lang/extract.yaml), in order: each pattern found in each clause is
   * reported as its value, or its negation. A match inside a longer match of the same fact is part of that
   * statement, not one of its own ("不是重点企业骨干" holds 骨干).
   */
  const runCues = (group: ExtractLang['factPatterns'][string] | undefined) => {
    const hits: {
      fact: string;
      value: boolean;
      ev: string;
      now: boolean;
      weak: boolean;
      contrast: boolean;
      clause: number;
      at: [number, number];
    }[] = [];
    for (const p of group ?? [])
      cls.forEach((c, clause) => {
        const g = p.re;
        g.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = g.exec(c))) {
          // "企业职工线上职业培训补贴", "骨干人才激励": the name of a measure, not a statement about the person.
          if (m[0].length && L.policyNameAfter.test(c.slice(m.index + m[0].length))) continue;
          const neg = p.negatable && negated(L, c, m.index);
          const ev = (neg ? c.slice(Math.max(0, m.index - 4), m.index) : '') + m[0];
          const at: [number, number] = [m.index, m.index + m[0].length];
          hits.push({
            fact: p.fact,
            value: neg ? !p.value : p.value,
            ev,
            now: L.misc.presentTime.test(c),
            weak: p.yieldsToForeignUniversity,
            // (The clause split drops the contrast word itself: it is read just before the clause.)
            // (…not one of another time: "但是之前是兼职", "不过下个月转全职".)
            contrast:
              clause > 0 &&
              L.misc.contrastBefore.test(t.slice(Math.max(0, t.indexOf(c) - CONTRAST_WINDOW), t.indexOf(c))) &&
              !L.misc.otherTime.test(c),
            clause,
            at,
          });
          if (m[0].length === 0) g.lastIndex++;
        }
      });
    const inside = (h: (typeof hits)[number]) =>
      hits.some(
        (o) =>
          o !== h &&
          o.fact === h.fact &&
          o.clause === h.clause &&
          o.at[0] <= h.at[0] &&
          h.at[1] <= o.at[1] &&
          o.at[1] - o.at[0] > h.at[1] - h.at[0],
      );
    for (const h of hits) if (!inside(h)) say(h.fact, h.value, h.ev, h.now, h.weak, h.contrast, h.clause * ORDER_STRIDE + h.at[0]);
  };
  const contextYear =
    (() => {
      const m = L.dates.patterns.yearNamed.exec(t) ?? /\b(20\d{2})\b/.exec(t);
      return m && Number(m[1]) >= 2000 && Number(m[1]) <= 2100 ? Number(m[1]) : undefined;
    })() ?? opts.contextYear;

  // ── study abroad ──
  runCues(L.factPatterns.studiedAbroad);
  // ── employment ──
  runCues(L.factPatterns.employed);
  // A new hire, or a full-time start within weeks on an offer taken ("offer签了下个月入职": said back).
  for (const c of cls) {
    if (L.otherCity.test(c)) continue;
    const m = L.misc.newHire.exec(c);
    if (m && !negated(L, c, m.index)) say('employedFullTimeInShanghai', true, m[0]);
    const soon = L.misc.startsSoon.exec(c);
    if (soon && !negated(L, c, soon.index)) {
      say('employedFullTimeInShanghai', true, soon[0]);
      notes.push(fill(L.notes.startsSoon, { said: soon[0] }));
    }
  }
  runCues(L.factPatterns.notEmployed);
  for (const c of cls) {
    if (L.misc.fullTime.test(c) && L.otherCity.test(c) && !L.misc.shanghai.test(c)) {
      const others = (bools.get('employedFullTimeInShanghai') ?? []).filter(
        (x) => !c.includes(x.evidence.replace(L.misc.fullTimeEvidence, '$1')),
      );
      bools.set('employedFullTimeInShanghai', others);
      say('employedFullTimeInShanghai', false, c);
      notes.push(fill(L.notes.workElsewhere, { clause: c }));
    }
  }
  // ── social insurance months ── (extract.yaml `socialInsurance`)
  const S = L.socialInsurance;
  /**
   * The count a qualifier makes of n: fewer → at most n − 1, more → at least n + 1, at least → n, and "n个多月" /
   * "半年多" → n full months paid, the next one under way ("五个多月，还没到半年" is short of six); "两年多" → at
   * least 25.
   */
  const qualified = (n: number, before: string | undefined, unit: string, after: string | undefined) => {
    const q = before?.toLowerCase();
    // ("快半年", "快6个月": almost, the last month not complete: 5; "快一年": 6 to 11 months.)
    if (q && S.almost.includes(q)) return S.yearUnit.test(unit) ? { min: n - 6, max: n - 1 } : n - 1;
    if (q && S.fewer.test(q)) return { max: n - 1 };
    if (q && S.more.includes(q)) return { min: n + 1 };
    // ("两年多" is more than two years: at least 25 months.)
    if (after && S.moreAfter.includes(after) && S.yearUnit.test(unit)) return { min: n + 1 };
    if (S.moreUnit.includes(unit) || (after && S.moreAfter.includes(after))) return n;
    if ((q && S.atLeast.includes(q)) || (after && S.atLeastAfter.includes(after))) return { min: n };
    return n; // "满5个月" reports the count reached: 5
  };
  const whole = opts.messageText ?? t;
  /**
   * An English "since <month>" in a clause ("paid every month since Feb 2026", "full-time since Sept"): [the words,
   * year, month] of the first past month after the word, like a match of `socialInsurance.since`.
   */
  const sinceDate = (c: string): [string, string, string] | undefined => {
    const w = S.sinceEn.exec(c);
    if (!w) return undefined;
    // (Read with the word before it, which makes a month alone a date: "since August" — the last August, not one of
    // a year the message named for something else: "got her MSc last year, … paid since August".)
    const from = c.slice(w.index);
    const d = findDates(L.dates, from, opts.asOf).find(
      (x) => x.index <= w[0].length && x.end > w[0].length && /^\d{4}-\d{2}/.test(x.value) && x.value.slice(0, 7) <= opts.asOf.slice(0, 7),
    );
    if (!d) return undefined;
    return [from.slice(0, d.end).trim(), d.value.slice(0, 4), d.value.slice(5, 7)];
  };
  /**
   * The first count of months or years in a clause that is a duration — not a date ("2022年5月", "5月",
   * "2026年在上海找了份工作…刚交了2个月社保": the 2 months), nor a shortfall ("差1个月").
   */
  const countIn = (c: string): RegExpExecArray | null => {
    const re = globalOf(S.count);
    re.lastIndex = 0;
    for (let m = re.exec(c); m; m = re.exec(c)) {
      const unit = m[3]!;
      if (S.monthUnit.test(unit) && S.monthAfterYear.test(c.slice(0, m.index + (m[1]?.length ?? 0)))) continue;
      if (S.monthOfYear.test(unit) && !S.countMarker.test(m[0])) continue;
      if (S.calendarYearUnit.test(unit) && Number(m[2]) >= 1900) continue;
      if (S.shortBy.test(c.slice(0, m.index))) continue;
      return m;
    }
    return null;
  };
  /** "3月开始交的社保": [the words, year, month] of the last such month up to asOf. */
  const monthAlone = (c: string): [string, string, string] | undefined => {
    const m = S.sinceMonth.exec(c);
    const mo = m ? Number(m[1]) : 0;
    if (!m || mo < 1 || mo > 12) return undefined;
    const { y, m: am } = asOfParts(opts.asOf);
    return [m[0], String(mo <= am ? y : y - 1), String(mo)];
  };
  /**
   * The start the message names for contributions paid without a break ("去年10月入职…SI一直在交"): [the words,
   * year, month] of the first past month in a clause with a start word (入职, started), the later end of a span.
   */
  const startOf = (own: string): [string, string, string] | undefined => {
    for (const c of [own, ...cls.filter((x) => x !== own)]) {
      if (!S.startWord.test(c)) continue;
      const d = findDates(L.dates, c, opts.asOf, contextYear).find(
        (x) => /^\d{4}-\d{2}/.test(x.value) && x.value.slice(0, 7) <= opts.asOf.slice(0, 7),
      );
      if (!d) continue;
      const v = d.to && d.to.slice(0, 7) <= opts.asOf.slice(0, 7) ? d.to : d.value;
      return [d.text, v.slice(0, 4), v.slice(5, 7)];
    }
    return undefined;
  };
  /**
   * The months paid from a start ([the words, year, month]) to asOf, give or take the month under way: set as
   * the count, and returned.
   */
  const paidSince = (since: ArrayLike<string>): number => {
    const n = Math.max(0, monthsBetween(yearMonth(Number(since[1]), Number(since[2])), opts.asOf));
    set('socialInsuranceMonths', n >= 1 ? { min: n - 1, max: n } : 0, since[0]!);
    return n;
  };
  const siMentioned = S.mentioned.test(t);
  for (const c of cls) {
    // (…or, during a check that counts months paid, a count of months: "HR checked and it's actually 6 months".)
    const countsMonths = siMentioned || !!opts.topicFacts?.includes('socialInsuranceMonths');
    if (!S.clause.test(c) && !(countsMonths && S.countWord.test(c))) continue;
    // (A question restates a condition; it does not replace a count stated before it: "社保交了4个月，
    // 能直接落户吗还是要先满半年".)
    if (facts.socialInsuranceMonths !== undefined && L.misc.asking.test(c)) continue;
    if (!S.noneAtAllNotWith.test(c) && S.noneAtAll.test(c)) {
      set('socialInsuranceMonths', 0, c);
      continue;
    }
    if (S.missedOrBack.test(c)) continue;
    // (How many months are needed, asked, is no count paid: "是不是要满6个月才能落".)
    if (L.misc.countAsked.test(c)) continue;
    let m: RegExpExecArray | null;
    // ("从入职就开始交社保": since the job started, "2026年3月份入职".)
    const jobStart = S.sinceJob.test(c) ? S.jobStart.exec(whole) : null;
    // (An English "since" dates contributions only in a clause that speaks of them: "full-time since March, 5 months
    // of social insurance so far" counts 5.)
    const siHere = S.clause.test(c);
    // (…and a count the clause gives wins over one counted from a start: "since March,5 months of social insurance".)
    const estimate = countIn(c)
      ? undefined
      : ((siHere ? sinceDate(c) : undefined) ?? (siHere && S.sinceThen.test(c) ? startOf(c) : undefined));
    const since = S.since.exec(c) ?? monthAlone(c) ?? jobStart ?? estimate;
    if (since) {
      // "社保从去年10月开始交", "social insurance every month since Feb 2026": the months from then to today,
      // give or take the month under way.
      const n = paidSince(since);
      notes.push(fill(L.notes.monthsSince, { said: since[0], n: String(n) }));
    } else if ((m = S.shortOfTotal.exec(c))) {
      // "差一个月满半年": the total less the months still missing.
      const total = m[2] ? 6 : Number(m[3]) * (S.yearUnit.test(m[4] ?? '') ? 12 : 1);
      // ("差几天满六个月": days short, the last month not complete.)
      set('socialInsuranceMonths', Math.max(0, total - Number(m[1] ?? 1)), m[0]);
    } else if ((m = S.yearsAndHalf.exec(c))) set('socialInsuranceMonths', Number(m[1]) * 12 + 6, m[0]);
    // Quarters ("交了两个季度"), and a count with its unit left out ("社保满6").
    else if ((m = L.misc.siQuarters.exec(c))) set('socialInsuranceMonths', Number(m[1]) * 3, m[0]);
    else if ((m = L.misc.siBareCount.exec(c))) set('socialInsuranceMonths', Number(m[1]), m[0]);
    else if ((m = S.monthsAndHalf.exec(c))) set('socialInsuranceMonths', Number(m[1]) + 0.5, m[0]);
    else if ((m = S.halfYear.exec(c))) {
      // "不到半年" is at most 5; "半年多" at least 7; "至少半年" at least 6.
      set('socialInsuranceMonths', qualified(6, m[1], '', m[2]), m[0]);
    } else if ((m = countIn(c))) {
      const unit = m[3]!;
      const n = Number(m[2]) * (S.yearUnit.test(unit) ? 12 : 1);
      set('socialInsuranceMonths', qualified(n, m[1], unit, m[4]), m[0]);
    } else if (S.noneYet.test(c)) {
      set('socialInsuranceMonths', 0, c);
    }
  }

  // Full-time work of N months in Shanghai without a separate social-insurance statement: a full-time
  // employer pays contributions every month, so the duration is a (noted) estimate of the months paid.
  if (facts.socialInsuranceMonths === undefined) {
    for (const c of cls) {
      if (!L.misc.fullTime.test(c) || L.otherCity.test(c)) continue;
      const m = S.workMonths.exec(c) ?? S.workHalfYear.exec(c) ?? S.workMonthsEn.exec(c);
      if (!m) {
        // ("full-time in Shanghai since Sept 2026": the months since then.)
        const since = sinceDate(c);
        if (!since) continue;
        paidSince(since);
        notes.push(fill(L.notes.monthsFromWork, { said: since[0] }));
        break;
      }
      const unit = m[3]!;
      const n = S.halfYearUnit.includes(unit) ? 6 : Number(m[2]) * (S.yearUnit.test(unit) ? 12 : 1);
      set('socialInsuranceMonths', qualified(n, m[1]?.trim(), unit, m[4]), m[0]);
      notes.push(fill(L.notes.monthsFromWork, { said: m[0] }));
      break;
    }
  }

  // ── ranks ──
  const rankContext = L.rankContext.test(t);
  // (A clause asking whether the university is in a band states no rank: "is penn state top 100?", "so is my
  // school top 100?" — the rank is the table's for the university named, in this message or before.)
  // (Nor, beside a clause that states one, a question that names ranks: "QS第50和第51的待遇一样吗？我们员工是第51的".)
  const rankClauses = cls.filter((c) => !L.misc.rankAsked.test(c));
  const rankOf = (c: string) => findRanks(L, c, rankContext, opts.approximate);
  const stated = rankClauses.filter((c) => !L.misc.asking.test(c) && rankOf(c).length);
  const ranks = (stated.length ? stated : rankClauses).flatMap(rankOf);
  const systemsNamed = [...new Set(cls.flatMap((c) => systemsIn(L, c).map((s) => s.system)))];
  if (ranks.length) {
    // Within one ranking the last statement wins; across rankings the best rank counts.
    // Overlapping statements narrow each other ("不在前50，但在前100" → 51–100); disjoint ones: the later wins.
    const bySystem = new Map<string, RankMention>();
    for (const r of ranks) {
      const key = r.system ?? '?';
      const prev = bySystem.get(key);
      if (prev) {
        const [a1, b1] = intervalOf(prev.value);
        const [a2, b2] = intervalOf(r.value);
        const lo = Math.max(a1, a2);
        const hi = Math.min(b1, b2);
        if (lo <= hi) {
          bySystem.set(key, {
            ...r,
            value: lo === hi ? lo : hi === Infinity ? { min: lo } : { min: lo, max: hi },
            evidence: `${prev.evidence} + ${r.evidence}`,
          });
          continue;
        }
      }
      bySystem.set(key, r);
    }
    const chosen = [...bySystem.values()].sort(
      (a, b) => intervalOf(a.value)[1] - intervalOf(b.value)[1] || intervalOf(a.value)[0] - intervalOf(b.value)[0],
    )[0]!;
    set('worldRank', chosen.value, chosen.evidence);
    const sys = chosen.system ?? (systemsNamed.length === 1 ? systemsNamed[0] : undefined);
    if (sys) set('rankingSystem', sys, chosen.evidence);
    if (bySystem.size > 1) notes.push(L.notes.severalRanks);
  } else if (systemsNamed.length === 1) set('rankingSystem', systemsNamed[0], systemsNamed[0]!);
  if (L.misc.rankUnsure.test(t)) notes.push(L.notes.rankUnsure);

  // ── universities ──
  const names: string[] = [];
  extractUniversity(t, opts, facts, evidence, notes, ambiguities, say, names);
  // A name that fits several universities ("华盛顿大学"): their ranks as an interval, so that the rule
  // decides without asking when every one of them falls in the same band (else the question is asked).
  const uniAmbiguity = ambiguities.find((a) => a.fact === 'university');
  const candidateRanks = uniAmbiguity?.candidates.map((c) => c.worldRank);
  if (uniAmbiguity && candidateRanks?.length && candidateRanks.every((r) => typeof r === 'number') && facts.worldRank === undefined) {
    const lo = Math.min(...(candidateRanks as number[]));
    const hi = Math.max(...(candidateRanks as number[]));
    facts.worldRank = lo === hi ? lo : { min: lo, max: hi };
    evidence.worldRank = uniAmbiguity.text;
    const countries = new Set(uniAmbiguity.candidates.map((c) => opts.universities?.byName.get(c.value)?.country));
    if (facts.studiedAbroad === undefined && countries.size && ![...countries].some((c) => !c || c === 'China')) {
      facts.studiedAbroad = true;
      evidence.studiedAbroad = uniAmbiguity.text;
    }
  }

  // ── missed contributions, epidemic, back-payment ──
  const B = L.backPayment;
  const OTHER_EVENT = B.otherEvent;
  const MISSED = B.missed;
  const BACK = B.back;
  const missed: string[] = [];
  // In chat a date often stands alone before what happened then ("22年5月的社保，因为疫情晚交了"): a
  // clause with dates and no missed/back-payment word is read with the next clause that has such a
  // word and no date of its own.
  const payClauses: string[] = [];
  for (let i = 0; i < cls.length; i++) {
    const c = cls[i]!;
    const next = cls[i + 1];
    const dated = (x: string) => findDates(L.dates, x, opts.asOf, contextYear).length > 0;
    // (Not a date of another event: "22年3月新注册的公司，疫情影响社保没按期缴" — 3月 is when it was founded.)
    // (One short undated clause may stand between: "去年5月到7月 疫情 公司没交社保".)
    const after = cls[i + 2];
    if (next && !MISSED.test(c) && !BACK.test(c) && !OTHER_EVENT.test(c) && dated(c) && MISSED.test(next) && !dated(next)) {
      payClauses.push(`${c}，${next}`);
      i++;
    } else if (
      next &&
      after &&
      !MISSED.test(c) &&
      !BACK.test(c) &&
      !OTHER_EVENT.test(c) &&
      dated(c) &&
      !MISSED.test(next) &&
      !BACK.test(next) &&
      !dated(next) &&
      next.length <= 6 &&
      MISSED.test(after) &&
      !dated(after)
    ) {
      payClauses.push(`${c}，${next}，${after}`);
      i += 2;
    } else payClauses.push(c);
  }
  for (const c of payClauses) {
    // (A question that restates the condition states no date: "23年1月3号才补完，这样还算年底前补缴吗".)
    if (facts.backPaidOn !== undefined && L.misc.asking.test(c)) continue;
    const hasMissed = MISSED.test(c) || B.period.test(c);
    const hasBack = BACK.test(c);
    if (!hasMissed && !hasBack) continue;
    const dates = findDates(L.dates, c, opts.asOf, contextYear);
    if (!dates.length) {
      const y = findYear(L.dates, c);
      if (y) dates.push(y);
    }
    const backIdx = hasBack ? c.search(BACK) : -1;
    // The back-payment words start with a negation ("没补"): "到现在也没补" is not back-paid, and "现在" is
    // not a back-payment date — unless it is the middle of an A-not-A question ("补没补", "有没有补"),
    // which says neither.
    const negAt = hasBack && B.notBackAt.test(c.slice(backIdx));
    const asksBack = negAt && askingNegation(c, backIdx, c[backIdx]!);
    // (…or an English negation right before them: "still haven't back-paid the Apr-May 2022 arrears".)
    const notBack = (negAt && !asksBack) || (hasBack && B.notYetBeforeEn.test(c.slice(Math.max(0, backIdx - 24), backIdx)));
    const future = asksBack || (hasBack && B.future.test(c.slice(Math.max(0, backIdx - FUTURE_WINDOW), backIdx + 4)));
    // Of several dates after the back-payment words, the nearest is when it was paid ("back-paid in Oct
    // 2022, applied in Nov 2022").
    const backDates = dates.filter((d) => d.to === undefined && d.index > backIdx - 12);
    const nearest =
      hasBack && backDates.length > 1
        ? backDates.reduce((a, b) => (Math.abs(b.index - backIdx) < Math.abs(a.index - backIdx) ? b : a))
        : undefined;
    for (const d of dates) {
      // (A date of another event is no month missed: "set up a new HR firm in mid-2022 and missed some SI".)
      const lead = c.slice(Math.max(0, d.index - OTHER_EVENT_WINDOW), d.index);
      if (OTHER_EVENT.test(lead) && !MISSED.test(lead) && !BACK.test(lead)) continue;
      // (Nor a deadline: "promise to pay the arrears by December".)
      if (B.deadlineBefore.test(lead)) continue;
      const isRange = d.to !== undefined;
      const nearBack = hasBack && (!hasMissed || (!isRange && d.index > backIdx - 12)) && (!nearest || d === nearest || isRange);
      const shift = B.period.test(c.slice(Math.max(0, d.index - 6), d.index + 1)) ? 1 : 0; // 所属期3月 = payment month 4
      if (nearBack && !isRange) {
        if (future || notBack || B.untilNow.test(d.text)) continue;
        set('backPaidOn', d.value, d.text);
        if (d.note) {
          notes.push(fill(L.notes.backPaidOn, { note: d.note }));
          doubts.push({ fact: 'backPaidOn', why: 'year', text: d.text });
        }
      } else if (
        hasBack &&
        (!hasMissed || d.index > backIdx) &&
        isRange &&
        d.to &&
        !future &&
        !notBack &&
        !B.monthsOf.test(c.slice(d.end))
      ) {
        // Paid back some time in a period ("同年上半年就补上了", "missed May 2022 and back-paid it in early 2023"):
        // by its last month at the latest — not the months the contributions are for ("22年6月到9月的社保是后来补缴
        // 的": those were missed).
        set('backPaidOn', d.to, d.text);
      } else if (hasMissed || isRange) {
        const [fy, fm] = d.value.split('-').map(Number) as [number, number];
        // A year alone ("前年疫情欠缴的"): the whole year, so the rule decides only when all of it lies
        // outside (or inside) its window.
        if (/^\d{4}$/.test(d.value)) {
          missed.push(d.value);
          continue;
        }
        if (fm === undefined || Number.isNaN(fm)) continue;
        const start = yearMonth(fy, fm + shift);
        let end = start;
        if (d.to) {
          const [ty, tm] = d.to.split('-').map(Number) as [number, number];
          end = yearMonth(ty, tm + shift);
        }
        missed.push(...monthRange(start, end));
        if (shift) notes.push(L.notes.contributionPeriodShift);
        if (d.note) {
          notes.push(fill(L.notes.missedMonths, { note: d.note }));
          doubts.push({ fact: 'missedContributionMonths', why: 'year', text: d.text });
        }
      }
    }
    if (hasBack) {
      const i = c.search(BACK);
      const neg =
        !asksBack &&
        (negated(L, c, i) ||
          notBack ||
          B.notYetBefore.test(c.slice(Math.max(0, i - 5), i)) ||
          // (English: the negation right before the back-payment words — "did not pay …, paid back in Dec" is paid)
          B.notYetBeforeEn.test(c.slice(Math.max(0, i - 24), i)));
      if (neg) say('backPaid', false, c);
      else if (!future) say('backPaid', true, c);
    }
  }
  if (missed.length) set('missedContributionMonths', [...new Set(missed)].sort(), missed.join(','));
  // (The epidemic as the reason for missed contributions: only in a message about contributions, or in the check
  // that asks it — "材料因为疫情没法现场递交" says nothing of social insurance.)
  if (
    MISSED.test(whole) ||
    BACK.test(whole) ||
    S.mentioned.test(whole) ||
    opts.openFact === 'missedDueToEpidemic' ||
    opts.topicFacts?.includes('missedDueToEpidemic')
  )
    runCues(L.factPatterns.missedDueToEpidemic);
  if (L.misc.notEpidemic.test(t)) {
    bools.set('missedDueToEpidemic', [{ value: false, evidence: 'not epidemic' }]);
  }

  // ── graduation year & degree ──
  {
    let m: RegExpExecArray | null;
    const G = L.graduation;
    // (Two digits are 20xx: "22届", "22年6月大专毕业".)
    const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));
    if ((m = G.classOf.exec(t))) set('graduationYear', fullYear(m[1]!), m[0]);
    else if ((m = G.inYear.exec(t))) set('graduationYear', fullYear(m[1]!), m[0]);
    else if ((m = G.relative.exec(t))) {
      set('graduationYear', ay + (G.relativeYears[m[1]!] ?? 0), m[0]);
    } else if ((m = G.thisYear.exec(t))) set('graduationYear', ay, m[0]);
    else if ((m = G.english.exec(t))) {
      set('graduationYear', Number(m[1] ?? m[2]), m[0]);
    }
  }
  {
    for (const { value: level, re } of L.degreeLevels) {
      const m = re.exec(t);
      if (m && !negated(L, t, m.index)) {
        set('degreeLevel', level, m[0]);
        break;
      }
    }
  }

  // ── organisations, training, assessment, application, district ──
  runCues(L.factPatterns.newHrAgency);
  if (L.misc.hrAgencyNamed.test(whole)) {
    runCues(L.factPatterns.newHrAgencyNamed);
  }
  runCues(L.factPatterns.enterpriseEmployee);
  // In chat the count often stands in its own clause ("企业职工 22年用了1次"): the measure named anywhere
  // in the message (or asked about) is enough.
  const T = L.training;
  const aboutTraining =
    T.about.test(t) ||
    (opts.expect ?? opts.openFact) === 'onlineTrainingSubsidiesUsed' ||
    !!opts.topicFacts?.includes('onlineTrainingSubsidiesUsed');
  for (const c of cls) {
    let m: RegExpExecArray | null;
    // "1次补贴都没用过" says none was used; "还能享受3次吗" asks about the limit, it is no count used.
    const noneUsed = T.noneUsed.test(c);
    const asksLimit = T.asksLimit.test(c);
    if (aboutTraining && !noneUsed && !asksLimit && (m = T.used.exec(c))) {
      set('onlineTrainingSubsidiesUsed', Number(m.slice(1).find((g) => g !== undefined)), m[0]);
    } else if (!noneUsed && !asksLimit && T.training.test(c) && (m = T.countBeforeSubsidy.exec(c))) {
      set('onlineTrainingSubsidiesUsed', Number(m[1]), m[0]);
    } else if (
      ((T.subsidy.test(c) || (aboutTraining && T.firstTimeStart.test(c))) && T.neverUsed.test(c)) ||
      // "那年之前1次补贴都没领过": none used, said of the training the message is about.
      (aboutTraining && noneUsed && T.training.test(t))
    ) {
      set('onlineTrainingSubsidiesUsed', 0, c);
    } else if (aboutTraining && !noneUsed && (m = T.nth.exec(c))) {
      // "第3次培训是22年11月": the one asked about is the third, so two were used before it.
      const n = (m[1] ?? m[2]) ? Number(m[1] ?? m[2]) : (T.ordinalWords[m[3]!.toLowerCase()] ?? 0);
      if (n >= 1) set('onlineTrainingSubsidiesUsed', n - 1, m[0]);
    }
    if (T.training.test(c) && !T.assessmentWord.test(c)) {
      // (Not a bound, "今年之前已经领过2次": before it, not when the training was; and a year alone does not
      // replace the month of a training said before: "22年9月报了个线上培训".)
      const d = findDates(L.dates, c, opts.asOf, contextYear)[0] ?? findYear(L.dates, c);
      const bound = !!d && B.deadlineAfterWords.test(c.slice(d.end));
      const known = typeof facts.trainingDate === 'string' ? facts.trainingDate : undefined;
      if (d && !d.to && !bound && !(known && known.length > d.value.length)) set('trainingDate', d.value, d.text);
    }
    if (T.skillAssessment.test(c)) {
      // (The date nearest the assessment: "graduated in July 2022 … in Nov 2022 for the skill level assessment".)
      const at = c.search(T.skillAssessment);
      const d =
        findDates(L.dates, c, opts.asOf, contextYear)
          .filter((x) => !x.to)
          .sort((a, b) => Math.abs(a.index - at) - Math.abs(b.index - at))[0] ?? findYear(L.dates, c);
      if (d && !d.to) set('skillAssessmentDate', d.value, d.text);
    }
    if (T.application.test(c) && !MISSED.test(c) && !BACK.test(c) && !T.notApplication.test(c)) {
      // (Not the month something started: "paid every month since Feb 2026".)
      const d = findDates(L.dates, c, opts.asOf, contextYear).find(
        (x) => !x.to && !T.now.test(x.text) && !T.startedBefore.test(c.slice(Math.max(0, x.index - 12), x.index)),
      );
      const year = T.yearOnly.exec(c) ?? T.laterYear.exec(c);
      const month = T.relativeMonth.exec(c);
      if (d) set('applicationDate', d.value, d.text);
      else if (month) {
        const { y, m } = asOfParts(opts.asOf);
        set('applicationDate', yearMonth(y, m + (T.relativeMonths[month[1]!.toLowerCase()] ?? 0)), month[0]);
      } else if (year) {
        const later = T.laterYears[year[1]!];
        set('applicationDate', later !== undefined ? String(ay + later) : year[1]!, year[0]);
      }
    }
  }
  // An HR agency founded shortly before the time the message is about (its latest date: the application) is
  // newly set up ("set up in Oct 2022 as a headhunting agency … in Nov 2022 we applied"; 103号 十一 新设立).
  if (L.misc.hrAgencyNamed.test(whole) && !bools.has('isNewHrAgency') && facts.isNewHrAgency === undefined) {
    const past = (x: { value: string }) => /^\d{4}-\d{2}/.test(x.value) && x.value.slice(0, 7) <= opts.asOf.slice(0, 7);
    const latest = findDates(L.dates, whole, opts.asOf, contextYear)
      .filter(past)
      .map((x) => (x.to ?? x.value).slice(0, 7))
      .sort()
      .pop();
    for (const c of cls) {
      if (!L.misc.founded.test(c)) continue;
      const d = findDates(L.dates, c, opts.asOf, contextYear).find(past);
      if (!d || !latest) continue;
      const months = monthsBetween(d.value, latest);
      if (months >= 0 && months <= NEW_AGENCY_MONTHS) say('isNewHrAgency', true, d.text);
      break;
    }
  }
  runCues(L.factPatterns.ownSchool);
  const workplaces: string[] = [];
  {
    const mentions: { d: string; i: number; work: boolean; moved: boolean }[] = [];
    for (const d of L.districts) {
      for (let i = t.indexOf(d); i >= 0; i = t.indexOf(d, i + 1)) {
        if (L.district.streets.some((w) => w.startsWith(d) && t.startsWith(w, i))) continue;
        if (negated(L, t, i)) continue;
        const after = t.slice(i + d.length);
        // Where the person lives ("住在宝山，公司在静安") is no work district.
        if (L.district.homeBefore.test(t.slice(Math.max(0, i - HOME_WINDOW), i))) continue;
        const moved = L.district.movedBefore.test(t.slice(Math.max(0, i - MOVED_WINDOW), i));
        const work = moved || L.district.workAfter.test(after) || L.district.workBefore.test(t.slice(Math.max(0, i - 3), i));
        const owner = L.policyNameAfter.test(after.replace(L.district.ownerPrefix, ''));
        if (owner && !work) continue;
        mentions.push({ d, i, work, moved });
      }
    }
    workplaces.push(...mentions.filter((x) => x.work).map((x) => x.d));
    // (The district moved to is where the person works now: "21年那会我在宝山重点企业…现在跳槽到徐汇了".)
    const best = mentions.filter((x) => x.moved).pop() ?? mentions.find((x) => x.work) ?? mentions.sort((a, b) => a.i - b.i)[0];
    if (best) set('workDistrict', best.d, t.slice(best.i, best.i + best.d.length + 1));
  }
  {
    let denied: string | undefined;
    for (const { value: cat, re: g } of L.talentCategories) {
      g.lastIndex = 0;
      let m: RegExpExecArray | null;
      let found = false;
      while ((m = g.exec(t))) {
        if (L.policyNameAfter.test(t.slice(m.index + m[0].length))) continue;
        // (Denied before it, "也不算高层次人才", or after a list of them, "高层次、团队核心都不算".)
        const after = t.slice(m.index + m[0].length);
        if (
          negated(L, t, m.index) ||
          L.misc.notTalent.test(t.slice(Math.max(0, m.index - NOT_TALENT_WINDOW), m.index)) ||
          L.misc.notTalentAfter.test(after)
        ) {
          denied ??= m[0];
          continue;
        }
        set('talentCategory', cat, m[0]);
        found = true;
        break;
      }
      if (found) break;
    }
    if (facts.talentCategory === undefined && denied) set('talentCategory', 'other', fill(L.notes.deniedCategory, { word: denied }));
  }
  // Core staff of a key enterprise: "骨干" says yes only with the key enterprise named, or as the answer
  // to that question; a "no" ("普通员工") needs neither.
  // (…named anywhere in the message this text is part of.)
  const keyNamed =
    L.misc.keyEnterprise.test(t) ||
    (!!opts.messageText && L.misc.keyEnterprise.test(opts.messageText)) ||
    (opts.expect ?? opts.openFact) === 'isKeyEnterpriseBackbone';
  runCues(L.factPatterns.keyBackbone);
  if (!keyNamed && bools.has('isKeyEnterpriseBackbone')) {
    const no = bools.get('isKeyEnterpriseBackbone')!.filter((sig) => !sig.value);
    if (no.length) bools.set('isKeyEnterpriseBackbone', no);
    else bools.delete('isKeyEnterpriseBackbone');
  }

  // ── bare answers to the open question ──
  const expected = opts.expect ?? opts.openFact ?? undefined;
  // (A question whether the university is in a band answers no rank: "So is my school top 100? can I apply?".)
  if (expected && !(expected === 'worldRank' && cls.some((c) => L.misc.rankAsked.test(c))))
    readExpected(expected, t, opts, facts, evidence, notes, say);

  // ── resolve boolean signals (contradiction → unknown + note) ──
  // (A home degree said beside a university abroad is another degree: "本科国内读的，硕士在墨尔本大学".)
  const abroadNamed = typeof facts.universityCountry === 'string' && facts.universityCountry !== 'China';
  for (const [fact, all] of bools) {
    const strong = abroadNamed ? all.filter((x) => !x.weak) : all;
    if (!strong.length) {
      bools.delete(fact); // (then the university abroad says it, below)
      continue;
    }
    const signals = strong;
    const values = new Set(signals.map((s) => s.value));
    // (What is said of now settles what was true then: "那会儿还没找到工作，现在在上海全职了".)
    const present = signals.filter((x) => x.now);
    const presentValues = new Set(present.map((x) => x.value));
    // (…and a contrast said last qualifies what came before: "现在在上海上班，不过是兼职".)
    const inOrder = [...signals].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    const last = inOrder[inOrder.length - 1]!;
    if (values.size === 1) set(fact, signals[0]!.value, signals.map((s) => s.evidence).join(' / '));
    else if (last.contrast && !inOrder.slice(0, -1).some((x) => x.contrast)) set(fact, last.value, last.evidence);
    else if (present.length && present.length < signals.length && presentValues.size === 1)
      set(fact, present[0]!.value, present.map((x) => x.evidence).join(' / '));
    else {
      delete facts[fact];
      delete evidence[fact];
      notes.push(fill(L.notes.contradiction, { fact: L.factLabels[fact] ?? fact, said: signals.map((s) => s.evidence).join(' / ') }));
    }
  }
  if (facts.employedFullTimeInShanghai === true && !L.misc.fullTime.test(evidence.employedFullTimeInShanghai ?? '')) {
    notes.push(L.notes.fullTimeAssumed);
  }
  // A foreign university implies studying abroad unless the message says otherwise.
  if (facts.universityCountry && facts.studiedAbroad === undefined && !bools.has('studiedAbroad')) {
    if (facts.universityCountry !== 'China') {
      set('studiedAbroad', true, String(facts.university));
      notes.push(fill(L.notes.abroadFromUniversity, { university: String(facts.university) }));
    }
  }
  // A university named but not resolved casts doubt on a rank known from earlier (unless one is stated now).
  if (
    facts.university !== undefined &&
    facts.worldRank === undefined &&
    typeof facts.university === 'string' &&
    !opts.universities?.byName.has(facts.university)
  )
    doubts.push({ fact: 'worldRank', why: 'university', text: evidence.university ?? String(facts.university) });
  const kept = doubts.filter(
    (a, i) => (a.fact === 'worldRank' || facts[a.fact] !== undefined) && doubts.findIndex((b) => b.fact === a.fact) === i,
  );
  return {
    facts: facts as Facts,
    notes: [...new Set(notes)],
    ambiguities,
    evidence,
    ...(names.length ? { names } : {}),
    ...(workplaces.length ? { workplaces: [...new Set(workplaces)] } : {}),
    ...(kept.length ? { doubts: kept } : {}),
  };
}

function extractUniversity(
  t: string,
  opts: ExtractOptions,
  facts: Record<string, unknown>,
  evidence: Record<string, string>,
  notes: string[],
  ambiguities: Ambiguity[],
  say: (fact: string, value: boolean, ev: string) => void,
  names: string[],
) {
  const table = opts.universities;
  const N = opts.lang.notes;
  // Remove ranking names that contain a university name (上海交通大学世界大学学术排名).
  const cleaned = t.replace(opts.lang.misc.rankingNamedAfterUniversity, ' ');
  const found: { u: University; surface: string }[] = [];
  /** Names said with a negation before them ("not the University of Zurich"): no later lookup takes them. */
  const deniedNames: string[] = [];
  if (table) {
    // (A name said with a negation before it is not the person's: "苏黎世大学 不是ETH".)
    const lower = cleaned.toLowerCase();
    const denied = (surface: string) => {
      const i = lower.indexOf(surface.toLowerCase());
      return i > 0 && negated(opts.lang, cleaned, i);
    };
    const mentions = findUniversityMentions(table, cleaned);
    deniedNames.push(...mentions.filter((x) => denied(x.surface)).map((x) => x.surface.toLowerCase()));
    for (const m of mentions.filter((x) => !denied(x.surface))) {
      names.push(m.surface, ...(m.also ?? []));
      // A shared name told apart by a country the message names ("英格兰约克大学").
      const picked = pickByCountry(table, m.names, cleaned);
      if (picked) m.names = [picked.nameEn];
      const inTable = m.names.filter((n) => table.byName.has(n));
      if (m.names.length > 1) {
        ambiguities.push({
          fact: 'university',
          text: m.surface,
          question: fill(N.whichOne, { name: m.surface }),
          choices: m.names.map((n) => {
            const u = table.byName.get(n);
            return { label: u?.nameZh ? fill(N.bilingualName, { zh: u.nameZh, en: n }) : n, value: n };
          }),
          candidates: m.names.map((n) => {
            const u = table.byName.get(n);
            return {
              value: n,
              label: u?.nameZh ? fill(N.bilingualName, { zh: u.nameZh, en: n }) : n,
              worldRank: u?.best?.rank,
              rankingSystem: u?.best?.system,
              rankingEdition: u?.best?.edition,
              note: u ? undefined : table.outside.get(n),
            };
          }),
        });
        continue;
      }
      // A known name that is only the start of a longer one ("曼彻斯特" in 曼彻斯特城市大学) is not that
      // university: the longer name is not in the table (asked, never guessed).
      const longer = longerUniversityName(table, cleaned, m.surface);
      if (longer) {
        if (!facts.university) {
          facts.university = longer;
          evidence.university = longer;
          notes.push(fill(N.notInTable, { name: longer }));
        }
        continue;
      }
      if (inTable.length === 1) {
        const u = table.byName.get(inTable[0]!)!;
        found.push({ u, surface: m.surface });
        if (m.derived) notes.push(fill(N.approximateMatch, { said: m.surface, zh: u.nameZh ?? u.nameEn, en: u.nameEn }));
      } else if (m.names[0]) {
        notes.push(fill(N.notInTop200, { said: m.surface, name: m.names[0] }));
        if (!facts.university) {
          facts.university = m.names[0];
          evidence.university = m.surface;
        }
      }
    }
  }
  if (!found.length && !ambiguities.length) {
    // A name that looks like a university but is not a known key: try fuzzy lookup, else ask for the rank.
    const re = opts.lang.universityName;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(cleaned))) {
      const name = (m[1] ?? m[2] ?? '').replace(opts.lang.notAName, '').trim();
      if (
        name.length < 3 ||
        opts.lang.misc.genericName.test(name) ||
        // (a phrase about the person, not a name: "assessment back at my college")
        opts.lang.misc.nameAboutPerson.test(name)
      )
        continue;
      if (opts.lang.misc.vagueName.test(name)) continue;
      if (deniedNames.some((d) => d.includes(name.toLowerCase()) || name.toLowerCase().includes(d))) continue;
      if (table) {
        const r = narrowByCountry(table, lookupUniversity(table, name), t);
        if (r.status === 'found') {
          found.push({ u: r.university, surface: name });
          if (r.matchedBy === 'fuzzy')
            notes.push(fill(N.approximateMatch, { said: name, zh: r.university.nameZh ?? r.university.nameEn, en: r.university.nameEn }));
          break;
        }
        if (r.status === 'ambiguous') {
          ambiguities.push({
            fact: 'university',
            text: name,
            question: fill(N.whichOne, { name }),
            choices: r.candidates.map((c) => ({
              label: c.nameZh ? fill(N.bilingualName, { zh: c.nameZh, en: c.nameEn }) : c.nameEn,
              value: c.nameEn,
            })),
            candidates: r.candidates.map((c) => ({
              value: c.nameEn,
              label: c.nameZh ? fill(N.bilingualName, { zh: c.nameZh, en: c.nameEn }) : c.nameEn,
              worldRank: c.best?.rank,
              rankingSystem: c.best?.system,
              rankingEdition: c.best?.edition,
              note: c.note,
            })),
          });
          break;
        }
      }
      if (table && !/[\u4e00-\u9fff]/.test(name)) {
        // English with a misspelled keyword: try capitalized word runs ("Univeristy of Edinburgh").
        const hit = capitalizedRuns(cleaned)
          .filter((run) => !deniedNames.some((d) => d.includes(run.toLowerCase()) || run.toLowerCase().includes(d)))
          .map((run) => lookupUniversity(table, run))
          .find((x) => x.status === 'found');
        if (hit && hit.status === 'found') {
          found.push({ u: hit.university, surface: hit.query });
          if (hit.matchedBy === 'fuzzy')
            notes.push(
              fill(N.approximateMatch, { said: hit.query, zh: hit.university.nameZh ?? hit.university.nameEn, en: hit.university.nameEn }),
            );
          break;
        }
      }
      facts.university = name;
      evidence.university = m[0];
      notes.push(table ? fill(N.notInTable, { name }) : fill(N.noRankingsTable, { name }));
      break;
    }
  }
  if (!found.length && !ambiguities.length && table && facts.university === undefined) {
    for (const run of capitalizedRuns(cleaned).filter(
      (run) => !deniedNames.some((d) => d.includes(run.toLowerCase()) || run.toLowerCase().includes(d)),
    )) {
      const hit = lookupUniversity(table, run);
      // Capitalized words are a name only with a word of one, perhaps misspelled ("Univeristy of
      // Edinburgh"); "New York" is a place, not New York University.
      if (hit.status === 'found' && opts.lang.institutionWord.test(run)) {
        found.push({ u: hit.university, surface: run });
        if (hit.matchedBy === 'fuzzy')
          notes.push(
            fill(N.approximateMatch, { said: run, zh: hit.university.nameZh ?? hit.university.nameEn, en: hit.university.nameEn }),
          );
        break;
      }
    }
  }
  if (!found.length) return;
  // Prefer institutions outside the mainland (the policy is about study abroad); then the best rank.
  const foreign = found.filter((f) => f.u.country !== 'China');
  const pool = foreign.length ? foreign : found;
  pool.sort((a, b) => (a.u.best?.rank ?? 9999) - (b.u.best?.rank ?? 9999));
  const pick = pool[0]!;
  facts.university = pick.u.nameEn;
  evidence.university = pick.surface;
  facts.universityCountry = pick.u.country;
  evidence.universityCountry = pick.surface;
  if (pool.length > 1) notes.push(fill(N.severalUniversities, { name: pick.u.nameZh ?? pick.u.nameEn }));
  if (foreign.length && foreign.length < found.length) {
    notes.push(
      fill(N.domesticNotCounted, {
        names: found
          .filter((f) => f.u.country === 'China')
          .map((f) => f.u.nameZh ?? f.u.nameEn)
          .join(N.listSeparator),
      }),
    );
  }
  if (pick.u.country === 'China') {
    notes.push(fill(N.domesticUniversity, { name: pick.u.nameZh ?? pick.u.nameEn }));
    if (facts.studiedAbroad === undefined) say('studiedAbroad', false, pick.surface);
  }
  const best = pick.u.best;
  if (best) {
    /** The table's best rank, its system and edition, as the facts. */
    const takeTableRank = () => {
      facts.worldRank = best.rank;
      evidence.worldRank = `${pick.surface}: ${describeBestRank(pick.u)}`;
      facts.rankingSystem = best.system;
      evidence.rankingSystem = evidence.worldRank;
      facts.rankingEdition = best.edition;
      evidence.rankingEdition = evidence.worldRank;
    };
    let belief: RegExpExecArray | null = null;
    if (facts.worldRank === undefined) {
      takeTableRank();
      notes.push(fill(N.bestRank, { name: pick.u.nameZh ?? pick.u.nameEn, rank: describeBestRank(pick.u) }));
    } else if (typeof facts.worldRank === 'object' && (belief = opts.lang.misc.rankBelief.exec(t))) {
      // A band said as a belief ("LSE应该稳稳前50吧"): the table decides, and says so.
      takeTableRank();
      notes.push(fill(N.rankBelief, { said: belief[0], name: pick.u.nameZh ?? pick.u.nameEn, rank: describeBestRank(pick.u) }));
    } else {
      notes.push(fill(N.rankDiffers, { name: pick.u.nameZh ?? pick.u.nameEn, rank: describeBestRank(pick.u) }));
    }
  }
}

/** Runs of capitalized words (with of/and/the/de inside), 2+ words: candidate English institution names. */
function capitalizedRuns(t: string): string[] {
  const out: string[] = [];
  const re = /[A-Z][A-Za-z'’.-]+(?:\s+(?:of|and|the|de|at|for|in|[A-Z][A-Za-z'’.-]+))*\s+[A-Z][A-Za-z'’.-]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) out.push(m[0].replace(/\s+(?:of|and|the|de|at|for|in)$/, ''));
  return out;
}

function readExpected(
  fact: string,
  t: string,
  opts: ExtractOptions,
  facts: Record<string, unknown>,
  evidence: Record<string, string>,
  notes: string[],
  say: (fact: string, value: boolean, ev: string) => void,
) {
  const s = t.trim();
  const X = opts.lang.expected;
  if ((fact === 'university' || fact === 'worldRank') && opts.universities && facts.worldRank === undefined) {
    // An answer to "which university?" — a button value, a label "东北大学（仙台）（Tohoku University）" or a name.
    const tries = [s.replace(/^"|"$/g, ''), ...[...s.matchAll(/[（(]([^（）()]+)[）)]/g)].map((m) => m[1]!)];
    // "英国约克的那个": the name without the country and the words after it (the country then decides).
    const countries = Object.keys(opts.universities.shortNames?.countries ?? {});
    const bareName = countries
      .reduce((x, c) => x.split(c).join(''), s)
      .replace(X.nameAfter, '')
      .trim();
    if (bareName && bareName !== s) tries.push(bareName);
    for (const q of tries) {
      const r = narrowByCountry(opts.universities, lookupUniversity(opts.universities, q), s);
      if (r.status !== 'found') continue;
      const u = r.university;
      facts.university = u.nameEn;
      evidence.university = s;
      facts.universityCountry = u.country;
      if (u.best) {
        facts.worldRank = u.best.rank;
        facts.rankingSystem = u.best.system;
        facts.rankingEdition = u.best.edition;
        evidence.worldRank = `${q}: ${describeBestRank(u)}`;
        notes.push(fill(opts.lang.notes.bestRank, { name: u.nameZh ?? u.nameEn, rank: describeBestRank(u) }));
      }
      if (u.country !== 'China' && facts.studiedAbroad === undefined) facts.studiedAbroad = true;
      break;
    }
  }
  const short = s.replace(/\s+/g, '');
  const booleanFacts = [
    'studiedAbroad',
    'employedFullTimeInShanghai',
    'missedDueToEpidemic',
    'backPaid',
    'isNewHrAgency',
    'isEnterpriseEmployee',
    'assessedAtOwnSchool',
    'isKeyEnterpriseBackbone',
  ];
  if (booleanFacts.includes(fact) && facts[fact] === undefined) {
    if (opts.lang.yes.test(short)) say(fact, true, s);
    else if (opts.lang.no.test(short)) say(fact, false, s);
  }
  if (fact === 'backPaidOn' && facts.backPaidOn === undefined) {
    if (opts.lang.no.test(short) || X.notBackPaid.test(short)) say('backPaid', false, s);
    else {
      const d = findDates(opts.lang.dates, s, opts.asOf, opts.contextYear)[0];
      if (d && !d.to) {
        facts.backPaidOn = d.value;
        evidence.backPaidOn = d.text;
        say('backPaid', true, s);
      }
    }
  }
  // A bare answer, possibly with filler ("已经领了两次", "交了7个月", "about 8 months").
  const bare = short.replace(X.fillerBefore, '').replace(X.fillerAfter, '');
  const num = X.number.exec(bare);
  if (fact === 'worldRank' && facts.worldRank === undefined && !num) {
    const r = findRanks(opts.lang, s, true, opts.approximate)[0];
    if (r) {
      facts.worldRank = r.value;
      evidence.worldRank = r.evidence;
    }
  }
  if (
    (fact === 'worldRank' || fact === 'socialInsuranceMonths' || fact === 'onlineTrainingSubsidiesUsed') &&
    facts[fact] === undefined &&
    num
  ) {
    const n = Number(num[1]);
    if (fact === 'worldRank' && X.top.test(short)) facts[fact] = { min: 1, max: n };
    else if (fact === 'socialInsuranceMonths' && X.years.test(bare)) facts[fact] = n * 12;
    else facts[fact] = n;
    evidence[fact] = s;
  }
  if (fact === 'socialInsuranceMonths' && facts[fact] === undefined) {
    if (X.halfYear.test(short)) facts[fact] = 6;
    else if (X.yearsAndHalf.test(short)) facts[fact] = Number(/^(\d+)/.exec(short)![1]) * 12 + 6;
    if (facts[fact] !== undefined) evidence[fact] = s;
  }
  if (fact === 'graduationYear' && facts[fact] === undefined && X.graduationYear.test(short)) {
    const n = Number(/^(\d+)/.exec(short)![1]);
    facts[fact] = n < 100 ? 2000 + n : n;
    evidence[fact] = s;
  }
  if (['applicationDate', 'trainingDate', 'skillAssessmentDate'].includes(fact) && facts[fact] === undefined) {
    const d = findDates(opts.lang.dates, s, opts.asOf, opts.contextYear)[0] ?? findYear(opts.lang.dates, s);
    if (d && !d.to) {
      facts[fact] = d.value;
      evidence[fact] = d.text;
    }
  }
  if (fact === 'missedContributionMonths' && facts[fact] === undefined) {
    const ds = findDates(opts.lang.dates, s, opts.asOf, opts.contextYear);
    const months = ds.flatMap((d) => (d.to ? monthRange(d.value.slice(0, 7), d.to) : d.value.length >= 7 ? [d.value.slice(0, 7)] : []));
    if (months.length) {
      facts[fact] = [...new Set(months)].sort();
      evidence[fact] = s;
    }
  }
}

/** @internal test hook */
export const _internal = { findRanks: (L: ExtractLang, c: string, ctx = false) => findRanks(L, c, ctx), clauses };
