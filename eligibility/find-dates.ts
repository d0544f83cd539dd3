/**
 * Dates as people write them, found in a normalized clause: 2022年5月3日, 2022年5月, 2022-05-03, 去年12月,
 * 上个月, 年底(前), 5月 (year from the context or asOf), month ranges and lists, English "December 2022",
 * "last December", "end of 2022". The words and patterns are data (`corpus/lang/dates.yaml`), compiled once
 * by `loadDateLang` and passed in; the functions here are pure.
 *
 * @example
 * const D = loadDateLang('corpus/lang');
 * findDates(D, '去年12月', '2023-02-15').map((d) => d.value) // ['2022-12']
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readYamlFile } from '../text/yaml-file.ts';
import { daysInMonth, isoDate, yearMonth } from './dates.ts';
import { alt, compileAll, compilerFor } from './lang-compile.ts';

/** A date found in text: ISO value (YYYY, YYYY-MM or YYYY-MM-DD), where it was, and how it was resolved. */
export interface FoundDate {
  value: string;
  index: number;
  end: number;
  text: string;
  /** True for a month range start..end (then `value` is the start and `to` the end). */
  to?: string;
  /** How a missing year was filled in (dates.yaml `notes`), for the reply. */
  note?: string;
}

/** The date patterns and their flags: g for those scanned over a clause (every match), i for English. */
const PATTERN_FLAGS = {
  range: 'g',
  list: 'g',
  full: 'g',
  relative: 'g',
  yearMonth: 'g',
  yearEnd: 'g',
  yearEndBefore: '',
  monthDay: 'g',
  monthOnly: 'g',
  englishFull: 'gi',
  englishDayMonthYear: 'gi',
  englishRange: 'gi',
  englishMonthYear: 'gi',
  englishLast: 'i',
  englishMonthVerb: 'i',
  englishMonthBefore: 'i',
  englishYearEnd: 'gi',
  englishYearEndBy: 'i',
  englishLastYear: 'i',
  yearAlone: 'i',
  yearNamed: '',
  englishSharedYearRange: 'gi',
  englishSharedYearList: 'gi',
} as const;
type PatternKey = keyof typeof PATTERN_FLAGS;
const PATTERN_KEYS = Object.keys(PATTERN_FLAGS) as PatternKey[];
const RELATIVE_DAYS = ['lastMonth', 'thisMonth', 'yesterday', 'today'] as const;

const Offsets = z.record(z.string().min(1), z.number().int().min(-10).max(10));
const DateLangSchema = z
  .object({
    relativeYears: Offsets,
    clauseYears: Offsets,
    relativeDays: z.record(z.string().min(1), z.enum(RELATIVE_DAYS)),
    englishMonths: z.record(z.string().min(3), z.number().int().min(1).max(12)),
    englishMonthName: z.string().min(1),
    patterns: z.object(Object.fromEntries(PATTERN_KEYS.map((k) => [k, z.string().min(1)])) as Record<PatternKey, z.ZodString>).strict(),
    notes: z.object({ yearAssumed: z.string().min(1), yearEndAssumed: z.string().min(1) }).strict(),
  })
  .strict();

/** The compiled date words (`loadDateLang`). Scans are global: they are reset before each use here. */
export interface DateLang {
  relativeYears: Record<string, number>;
  clauseYears: { word: string; offset: number }[];
  relativeDays: Record<string, (typeof RELATIVE_DAYS)[number]>;
  relativeDay: RegExp;
  englishMonths: Record<string, number>;
  patterns: Record<PatternKey, RegExp>;
  notes: { yearAssumed: string; yearEndAssumed: string };
}

export class DateLangError extends Error {
  override name = 'DateLangError';
}

/** The date words of `<dir>/dates.yaml`, compiled. An error names the file, the key and the regex error. */
export function loadDateLang(dir: string): DateLang {
  const file = join(dir, 'dates.yaml');
  if (!existsSync(file))
    throw new DateLangError(`${file}: missing — the date words live there (see docs/assistant.md "The extractor's words")`);
  const d = readYamlFile(file, DateLangSchema, (m) => new DateLangError(m), ' — see docs/assistant.md "The extractor\'s words"');
  const compile = compilerFor(file, (m) => new DateLangError(m));
  const rel = alt(Object.keys(d.relativeYears));
  for (const k of Object.keys(d.englishMonths))
    if (k !== k.toLowerCase()) throw new DateLangError(`${file}: englishMonths.${k}: write the key in lower case`);
  const sources = Object.fromEntries(
    PATTERN_KEYS.map((k) => [k, d.patterns[k].replaceAll('{rel}', rel).replaceAll('{month}', d.englishMonthName)]),
  ) as Record<PatternKey, string>;
  const patterns = compileAll(compile, 'patterns', sources, PATTERN_FLAGS);
  return {
    relativeYears: d.relativeYears,
    clauseYears: Object.entries(d.clauseYears).map(([word, offset]) => ({ word, offset })),
    relativeDays: d.relativeDays,
    relativeDay: compile('relativeDays', `(${alt(Object.keys(d.relativeDays))})`, 'g'),
    englishMonths: d.englishMonths,
    patterns,
    notes: d.notes,
  };
}

const fillYear = (template: string, year: number) => template.replace('{year}', String(year));

/**
 * Finds the dates of a (normalized) clause, in order of position. A month without a year takes the year
 * of a relative-year word in the clause, else `contextYear`, else the last such month up to asOf (with a
 * note saying so). Month ranges come back as one FoundDate with `to`; overlapping matches are dropped.
 */
export function findDates(D: DateLang, clause: string, asOf: string, contextYear?: number): FoundDate[] {
  const [ay, am, ad] = asOf.split('-').map(Number) as [number, number, number];
  const P = D.patterns;
  const out: FoundDate[] = [];
  const taken: [number, number][] = [];
  const free = (s: number, e: number) => !taken.some(([a, b]) => s < b && e > a);
  const take = (f: FoundDate) => {
    if (!free(f.index, f.end)) return;
    taken.push([f.index, f.end]);
    out.push(f);
  };
  const relYear = (w: string | undefined): number | undefined => {
    const off = w === undefined ? undefined : D.relativeYears[w];
    return off === undefined ? undefined : ay + off;
  };
  const clauseOffset = D.clauseYears.find((c) => clause.includes(c.word))?.offset;
  const clauseYear = clauseOffset === undefined ? undefined : ay + clauseOffset;
  const guessYear = (month: number, explicit?: number): { year: number; note?: string } => {
    if (explicit !== undefined) return { year: explicit };
    if (clauseYear !== undefined) return { year: clauseYear };
    if (contextYear !== undefined) return { year: contextYear };
    const year = month > am ? ay - 1 : ay;
    return { year, note: fillYear(D.notes.yearAssumed, year) };
  };
  const valid = (y: number, m: number, d?: number) =>
    y >= 1950 && y <= 2100 && m >= 1 && m <= 12 && (d === undefined || (d >= 1 && d <= daysInMonth(y, m)));
  const scan = (re: RegExp, f: (m: RegExpExecArray) => void) => {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(clause))) f(m);
  };
  const at = (m: RegExpExecArray) => ({ index: m.index, end: m.index + m[0].length, text: m[0] });
  const englishMonth = (w: string) => D.englishMonths[w.toLowerCase().slice(0, 3)]!;

  scan(P.range, (m) => {
    const y1 = m[1] ? Number(m[1]) : relYear(m[2]);
    const a = Number(m[3]);
    const b = Number(m[5]);
    const y2 = m[4] ? Number(m[4]) : undefined;
    const { year, note } = guessYear(a, y1);
    const endYear = y2 ?? (b < a ? year + 1 : year);
    if (valid(year, a) && valid(endYear, b)) take({ value: yearMonth(year, a), to: yearMonth(endYear, b), ...at(m), note });
  });
  scan(P.list, (m) => {
    const nums = [...m[2]!.matchAll(/\d{1,2}/g)].map((x) => Number(x[0])).concat(Number(m[3]));
    if (!nums.every((n) => n >= 1 && n <= 12)) return;
    let pos = m.index;
    for (const n of nums) {
      const { year, note } = guessYear(n, m[1] ? Number(m[1]) : undefined);
      out.push({ value: yearMonth(year, n), index: pos, end: pos + 1, text: m[0], note });
      pos += 1;
    }
    taken.push([m.index, m.index + m[0].length]);
  });
  scan(P.full, (m) => {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (valid(y, mo, d)) take({ value: isoDate(y, mo, d), ...at(m) });
  });
  scan(P.relative, (m) => {
    const y = relYear(m[1])!;
    const mo = Number(m[2]);
    const d = m[3] ? Number(m[3]) : undefined;
    if (valid(y, mo, d)) take({ value: d ? isoDate(y, mo, d) : yearMonth(y, mo), ...at(m) });
  });
  scan(P.yearMonth, (m) => {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (valid(y, mo)) take({ value: yearMonth(y, mo), ...at(m) });
  });
  scan(P.yearEnd, (m) => {
    const y = m[1] ? Number(m[1]) : (relYear(m[2]) ?? contextYear ?? ay);
    const note = m[1] || m[2] || contextYear !== undefined ? undefined : fillYear(D.notes.yearEndAssumed, ay);
    take({ value: P.yearEndBefore.test(m[0]) ? String(y) : yearMonth(y, 12), ...at(m), note });
  });
  scan(P.monthDay, (m) => {
    const [mo, d] = [Number(m[1]), Number(m[2])];
    const { year, note } = guessYear(mo);
    if (valid(year, mo, d)) take({ value: isoDate(year, mo, d), ...at(m), note });
  });
  scan(P.monthOnly, (m) => {
    const mo = Number(m[1]);
    const { year, note } = guessYear(mo);
    if (valid(year, mo)) take({ value: yearMonth(year, mo), ...at(m), note });
  });
  scan(D.relativeDay, (m) => {
    const kind = D.relativeDays[m[1]!];
    const value =
      kind === 'lastMonth'
        ? yearMonth(ay, am - 1)
        : kind === 'thisMonth'
          ? yearMonth(ay, am)
          : kind === 'yesterday'
            ? isoDate(ay, am, ad > 1 ? ad - 1 : 1)
            : asOf;
    take({ value, ...at(m) });
  });
  scan(P.englishFull, (m) => {
    const mo = englishMonth(m[1]!);
    const [d, y] = [Number(m[2]), Number(m[3])];
    if (valid(y, mo, d)) take({ value: isoDate(y, mo, d), ...at(m) });
  });
  scan(P.englishDayMonthYear, (m) => {
    const mo = englishMonth(m[2]!);
    const [d, y] = [Number(m[1]), Number(m[3])];
    if (valid(y, mo, d)) take({ value: isoDate(y, mo, d), ...at(m) });
  });
  scan(P.englishRange, (m) => {
    const a = englishMonth(m[1]!);
    const b = englishMonth(m[3]!);
    const y2 = Number(m[4]);
    const y1 = m[2] ? Number(m[2]) : a <= b ? y2 : y2 - 1;
    take({ value: yearMonth(y1, a), to: yearMonth(y2, b), ...at(m) });
  });
  scan(P.englishMonthYear, (m) => {
    const word = m[2]!;
    if (P.englishMonthVerb.test(word) && !m[3] && !m[1]) return; // "may" the verb
    const before =
      clause
        .slice(Math.max(0, m.index - 7), m.index)
        .trim()
        .split(/\s+/)
        .pop() ?? '';
    if (!m[3] && !m[1] && !P.englishMonthBefore.test(before)) return;
    const mo = englishMonth(word);
    const y = m[3] ? Number(m[3]) : m[1] && P.englishLast.test(m[1]) ? (mo >= am ? ay - 1 : ay) : guessYear(mo).year;
    take({ value: yearMonth(y, mo), index: m.index, end: m.index + m[0].length, text: m[0].trim() });
  });
  scan(P.englishYearEnd, (m) => {
    const w = m[1]!;
    const y = /^\d{4}$/.test(w) ? Number(w) : P.englishLastYear.test(w) ? ay - 1 : ay;
    take({ value: P.englishYearEndBy.test(m[0]) ? String(y) : yearMonth(y, 12), ...at(m) });
  });
  return out.sort((a, b) => a.index - b.index);
}

/**
 * A year on its own ("2022年的", "in 2021"), as a date of that whole year ("2022"), when no month is named:
 * what a rule's date condition needs to decide when the whole year lies inside or outside its window.
 */
export function findYear(D: DateLang, clause: string): FoundDate | undefined {
  const m = D.patterns.yearAlone.exec(clause);
  if (!m) return undefined;
  return { value: m[1] ?? m[2]!, text: m[0], index: m.index, end: m.index + m[0].length };
}
