/**
 * University names → world rank. Loads a rankings table in the `top200.csv` format (see docs/rules.md),
 * `aliases.csv` from the same folder when present, and a hand-made colloquial table
 * (`corpus/universities-colloquial.csv`: 港大, 帝国理工, UIUC, …). Lookup normalizes names (case, spaces,
 * `-`, `·`, `分校`, bracketed parts, traditional characters), then tries exact keys, then fuzzy matching
 * with a threshold (bigram Dice ≥ 0.78). Several candidates → an ambiguity to ask about; nothing → ask for the rank.
 *
 * @example
 * const table = loadUniversityTable('/data/rankings/top200.csv', { colloquialFile: 'corpus/universities-colloquial.csv' });
 * lookupUniversity(table, '帝国理工') // { status: 'found', university: { nameEn: 'Imperial College London', best: { system: 'QS', rank: 2, … } } }
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { dirname, join } from 'node:path';
import { toSimplified } from '../text/chinese.ts';
import { readYamlFile } from '../text/yaml-file.ts';
import type { LoggerLike } from './rules.ts';
import { escapeRe } from '../text/regex.ts';

/** The four rankings of the table, in tie-break order. */
export const RANKING_SYSTEMS = ['QS', 'THE', 'USNews', 'ARWU'] as const;
export type TableRanking = (typeof RANKING_SYSTEMS)[number];

/** Display names of the rankings. */
export const RANKING_NAMES: Record<TableRanking, { zh: string; en: string }> = {
  QS: { zh: 'QS世界大学排名', en: 'QS World University Rankings' },
  THE: { zh: '泰晤士高等教育(THE)世界大学排名', en: 'THE World University Rankings' },
  USNews: { zh: 'U.S. News世界大学排名', en: 'U.S. News Best Global Universities' },
  ARWU: { zh: '软科世界大学学术排名(ARWU)', en: 'ShanghaiRanking ARWU' },
};

/** One rank of one institution. */
export interface RankEntry {
  system: TableRanking;
  edition: string;
  rank: number;
}

/** One institution of the table. */
export interface University {
  nameEn: string;
  nameZh?: string;
  country: string;
  ranks: RankEntry[];
  /** The best (smallest) rank among the four, ties broken in RANKING_SYSTEMS order. */
  best?: RankEntry;
}

/** A loaded rankings table with its lookup index. */
export interface UniversityTable {
  universities: University[];
  /** normalized key → canonical English names (several = ambiguous). */
  index: Map<string, Set<string>>;
  /** Keys to scan free text for (surface, normalized, canonical names, whether a short key needs context). */
  /** `contextual`: also a place ("曼彻斯特"), so not found between place words (`placeBefore`/`placeAfter`). */
  scanKeys: {
    key: string;
    names: Set<string>;
    ascii: boolean;
    caseSensitive: boolean;
    needsContext: boolean;
    derived?: boolean;
    contextual?: boolean;
  }[];
  /**
   * Where to look in `scanKeys` (positions, ascending): Chinese keys by their first character, Latin keys by
   * their first word (lower case). A message is scanned only for the keys whose first character or word it
   * contains, in the same order as a scan of every key, so the result is the same (built by
   * loadUniversityTable; without it every key is scanned).
   */
  scanStarts?: { byChar: Map<string, number[]>; byWord: Map<string, number[]> };
  /** Colloquial entries naming institutions that are not in the table (notes to show). */
  outside: Map<string, string>;
  byName: Map<string, University>;
  source: string;
  /** The words of derived short names; without them no short names are derived. */
  shortNames?: ShortNameWords;
}

/** Result of a lookup. */
export type LookupResult =
  | { status: 'found'; query: string; university: University; matchedBy: 'exact' | 'fuzzy'; score: number }
  | { status: 'ambiguous'; query: string; candidates: { nameEn: string; nameZh?: string; best?: RankEntry; note?: string }[] }
  | { status: 'not_found'; query: string; note?: string };

/** Thrown when a rankings file is malformed; names the file, line and column. */
export class RankingsError extends Error {
  override name = 'RankingsError';
}

/** Minimal RFC-4180 CSV parser (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

function readTable(file: string, required: string[]): Record<string, string>[] {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim());
  if (!header) throw new RankingsError(`${file}: empty file`);
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) throw new RankingsError(`${file}: line 1: missing column(s) ${missing.join(', ')} (have: ${header.join(', ')})`);
  return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, (r[i] ?? '').trim()])));
}

/**
 * Normalized lookup key: NFKC, simplified, lower case, accents and bracketed parts dropped,
 * `-`, `·`, spaces, punctuation, `分校` and a leading "the" removed.
 *
 * @example normalizeUniversityName('加州大学-伯克利（UCB）') // '加州大学伯克利'
 */
export function normalizeUniversityName(name: string, keepBracketed = false): string {
  let s = toSimplified(name.normalize('NFKC')).toLowerCase();
  s = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  s = keepBracketed ? s.replace(/[()（）[\]【】]/g, ' ') : s.replace(/[（(【[][^）)】\]]*[）)】\]]/g, ' ');
  s = s.replace(/^\s*the\s+/, '').replace(/\s+at\s+/g, ' ');
  s = s.replace(/分校/g, '');
  return s.replace(/[\s\-–—·・.,'’&"“”/]+/g, '');
}

const CJK = /[\u3400-\u9fff]/;
const Words = z.array(z.union([z.string().min(1), z.number()]).transform(String)).default([]);
const ShortNamesSchema = z
  .object({
    shortNames: z
      .object({
        genericEn: Words,
        genericZh: Words,
        studyAfter: Words,
        studyBefore: Words.default([]),
        placeBefore: Words.default([]),
        placeAfter: Words.default([]),
        studyAfterEn: Words,
        studyBeforeEn: Words,
        abroadOnly: Words.default([]),
        /** Study words that only name a degree (本科, 硕士): after the derived short name of a university at home they do not make it the university. */
        degreeOnly: Words.default([]),
        /** Small words left out of a name's initials ("University of British Columbia" → UBC). */
        initialsSkip: Words.default([]),
        /** Parts of Chinese names people shorten: 工业大学 → 工大 ("亚琛工大"). */
        abbreviations: z.record(z.string().min(1), z.string().min(1)).default({}),
      })
      .strict()
      .default({
        abroadOnly: [],
        degreeOnly: [],
        initialsSkip: [],
        abbreviations: {},
        genericEn: [],
        genericZh: [],
        studyAfter: [],
        studyBefore: [],
        placeBefore: [],
        placeAfter: [],
        studyAfterEn: [],
        studyBeforeEn: [],
      }),
    longerName: z.object({ suffix: Words, notAfter: Words }).strict().default({ suffix: [], notAfter: [] }),
    /** Country words → the table's country names: a name shared across countries is told apart by them. */
    countries: z.record(z.string().min(1), z.string().min(1)).default({}),
  })
  .strict();

/** The words of derived short names (`corpus/lang/universities.yaml`). */
export type ShortNameWords = z.infer<typeof ShortNamesSchema>;

const startsWithAny = (t: string, ws: string[]) => ws.some((w) => t.startsWith(w));
const endsWithAny = (t: string, ws: string[]) => ws.some((w) => t.endsWith(w));

/** Loads `corpus/lang/universities.yaml`; an error names the file and the field. */
export function loadShortNameWords(file: string): ShortNameWords {
  const d: ShortNameWords = readYamlFile(file, ShortNamesSchema, (m) => new RankingsError(m));
  // Longest first, so that "的硕士" is tried before "的".
  for (const k of Object.keys(d.shortNames) as (keyof ShortNameWords['shortNames'])[]) {
    const v = d.shortNames[k];
    if (Array.isArray(v)) (d.shortNames as unknown as Record<string, string[]>)[k] = [...v].sort((a, b) => b.length - a.length);
  }
  return d;
}

/**
 * The longer unknown name that `surface` only starts ("曼彻斯特" → "曼彻斯特城市大学"), if any
 * (`longerName` of corpus/lang/universities.yaml).
 */
export function longerUniversityName(table: UniversityTable, text: string, surface: string): string | undefined {
  const w = table.shortNames?.longerName;
  if (!w?.suffix.length || !CJK.test(surface)) return undefined;
  const i = text.indexOf(surface);
  if (i < 0) return undefined;
  const rest = text.slice(i + surface.length);
  if (startsWithAny(rest, w.notAfter)) return undefined;
  const m = new RegExp(`^[\\u4e00-\\u9fff]{1,6}?(?:${w.suffix.map(escapeRe).join('|')})`).exec(rest);
  return m ? surface + m[0] : undefined;
}
/** Longest Chinese short name derived by dropping 大学/学院 ("威斯康星麦迪逊" of 威斯康星大学-麦迪逊), characters. */
const MAX_DERIVED_ZH = 8;
const COMMON_WORDS = new Set(['the', 'and', 'for', 'are', 'was', 'not', 'you', 'one', 'our', 'its', 'uni', 'all', 'can']);

/** Loads a rankings table (top200.csv format), `aliases.csv` beside it, and a colloquial table. */
export function loadUniversityTable(
  file: string,
  opts: { colloquialFile?: string; aliasesFile?: string; shortNamesFile?: string; logger?: LoggerLike } = {},
): UniversityTable {
  if (!existsSync(file)) throw new RankingsError(`${file}: rankings file not found (check RANKINGS_FILE)`);
  const rows = readTable(file, ['name_en', 'name_zh', 'country']);
  const universities: University[] = [];
  const byName = new Map<string, University>();
  rows.forEach((r, i) => {
    if (!r.name_en) throw new RankingsError(`${file}: line ${i + 2}: name_en is empty`);
    const ranks: RankEntry[] = [];
    for (const [system, col] of [
      ['QS', 'qs'],
      ['THE', 'the'],
      ['USNews', 'usnews'],
      ['ARWU', 'arwu'],
    ] as const) {
      const v = r[`${col}_rank`];
      if (!v) continue;
      const rank = Number(v.replace(/^=/, '').split(/[-–]/)[0]);
      if (!Number.isFinite(rank) || rank <= 0) throw new RankingsError(`${file}: line ${i + 2}: ${col}_rank "${v}" is not a rank`);
      ranks.push({ system, edition: r[`${col}_year`] ?? '', rank });
    }
    let best: RankEntry | undefined;
    for (const e of ranks) if (!best || e.rank < best.rank) best = e;
    const u: University = { nameEn: r.name_en, nameZh: r.name_zh || undefined, country: r.country ?? '', ranks, best };
    universities.push(u);
    byName.set(u.nameEn, u);
  });

  const index = new Map<string, Set<string>>();
  const scan = new Map<
    string,
    { names: Set<string>; ascii: boolean; caseSensitive: boolean; needsContext: boolean; derived?: boolean; contextual?: boolean }
  >();
  const add = (alias: string, nameEn: string, scanIt = true, contextual = false) => {
    for (const key of new Set([normalizeUniversityName(alias), normalizeUniversityName(alias, true)])) {
      if (key.length < 2) continue;
      if (!index.has(key)) index.set(key, new Set());
      index.get(key)!.add(nameEn);
    }
    if (!scanIt) return;
    const ascii = !CJK.test(alias);
    const surface = ascii ? alias.replace(/\s*[（(][^）)]*[）)]\s*/g, ' ').trim() : normalizeUniversityName(alias);
    if (surface.length < 2) return;
    // Two-letter abbreviations (UW, UQ) only in capitals; longer ones in any case ("ucl").
    const caseSensitive = ascii && (surface.length <= 2 || COMMON_WORDS.has(surface.toLowerCase()));
    const keys = ascii ? [surface.toLowerCase(), surface.toLowerCase().replace(/^the\s+/, '')] : [surface];
    for (const key of new Set(keys)) {
      if (!scan.has(key))
        scan.set(key, { names: new Set(), ascii, caseSensitive, needsContext: contextual || (!ascii && surface.length <= 2), contextual });
      scan.get(key)!.names.add(nameEn);
    }
  };
  for (const u of universities) {
    add(u.nameEn, u.nameEn);
    if (u.nameZh) add(u.nameZh, u.nameEn);
  }
  const aliasesFile = opts.aliasesFile ?? join(dirname(file), 'aliases.csv');
  if (existsSync(aliasesFile)) {
    for (const a of readTable(aliasesFile, ['alias', 'name_en'])) {
      if (!a.alias || !a.name_en) continue;
      if (!byName.has(a.name_en)) {
        opts.logger?.warn('alias names an institution that is not in the rankings table', { alias: a.alias, name_en: a.name_en });
        continue;
      }
      add(a.alias, a.name_en);
    }
  }
  const outside = new Map<string, string>();
  if (opts.colloquialFile && existsSync(opts.colloquialFile)) {
    const rows2 = readTable(opts.colloquialFile, ['alias', 'name_en']);
    rows2.forEach((c, i) => {
      if (!c.alias || !c.name_en) return;
      // The canonical name may itself be an alias of the table (e.g. "LMU Munich").
      const targets = byName.has(c.name_en) ? new Set([c.name_en]) : index.get(normalizeUniversityName(c.name_en));
      // scan: "no" — looked up when asked, never found in a message; "context" — also a place: found
      // unless place words surround it ("曼彻斯特的", "爱丁堡 全职" — not "在曼彻斯特工作").
      if (targets && targets.size === 1) add(c.alias, [...targets][0]!, c.scan !== 'no', c.scan === 'context');
      else {
        outside.set(c.name_en, c.note || 'not in the rankings table');
        add(c.alias, c.name_en, c.scan !== 'no', c.scan === 'context');
        if (!c.note) opts.logger?.warn(`${opts.colloquialFile}: line ${i + 2}: "${c.name_en}" is not in the rankings table`);
      }
    });
  }
  // Short names people use: the distinctive word of the English name ("Leeds", "Warwick", "Monash") and
  // the Chinese name without 大学/学院 ("利兹", "华威", "多伦多"). Both are also places, so they count only
  // next to a study word (Leeds grad, graduated from Leeds, 多伦多硕士 — not 在多伦多上班); one short name
  // of several institutions (Washington) is asked about, never guessed. Aliases above take precedence.
  const shortNames = opts.shortNamesFile && existsSync(opts.shortNamesFile) ? loadShortNameWords(opts.shortNamesFile) : undefined;
  const genericEn = new Set((shortNames?.shortNames.genericEn ?? []).map((w) => w.toLowerCase()));
  const genericZh = shortNames?.shortNames.genericZh.length
    ? new RegExp(shortNames.shortNames.genericZh.map(escapeRe).join('|'), 'g')
    : null;
  const derived = new Map<string, { names: Set<string>; ascii: boolean }>();
  const derive = (key: string, nameEn: string, ascii: boolean) => {
    // A key of the tables (scanned or not: "多伦多" is a city with several universities, asked) is left alone.
    if (scan.has(key) || index.has(key) || (ascii ? key.length < 4 : key.length < 2)) return;
    if (!derived.has(key)) derived.set(key, { names: new Set(), ascii });
    derived.get(key)!.names.add(nameEn);
  };
  for (const u of shortNames ? universities : []) {
    const core = u.nameEn
      .replace(/[(（].*$|,.*$|\s-\s.*$/u, '')
      .split(/[\s-]+/)
      .filter((w) => !genericEn.has(w.toLowerCase()));
    // One distinctive word ("Leeds", "McGill"), or two ("Humboldt Berlin" of Humboldt-Universität zu Berlin).
    const word = /^[A-Za-z][A-Za-z']+$/;
    if (core.length >= 1 && core.length <= 2 && core.every((w) => word.test(w))) derive(normalizeAsciiKey(core.join(' ')), u.nameEn, true);
    if (u.nameZh && genericZh) {
      const zh = normalizeUniversityName(u.nameZh).replace(genericZh, '');
      if (zh.length >= 2 && zh.length <= MAX_DERIVED_ZH && zh !== normalizeUniversityName(u.nameZh)) derive(zh, u.nameEn, false);
    }
  }
  for (const [key, v] of derived)
    scan.set(key, { names: v.names, ascii: v.ascii, caseSensitive: false, needsContext: true, derived: true });
  // Abbreviated names ("亚琛工大" of 亚琛工业大学; cue table shortNames.abbreviations) and capital-letter
  // acronyms in English names ("RWTH", "KTH", "EPFL"; not one after a comma: ", CAS" is an affiliation).
  // They are no places, so they count without a study word; one shared by two universities is asked about.
  const abbreviated = new Map<string, Set<string>>();
  const initialsSkip = new Set((shortNames?.shortNames.initialsSkip ?? []).map((w) => w.toLowerCase()));
  const acronyms = new Map<string, Set<string>>();
  const addTo = (m: Map<string, Set<string>>, k: string, nameEn: string) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(nameEn);
  for (const u of shortNames ? universities : []) {
    for (const [long, short] of Object.entries(shortNames?.shortNames.abbreviations ?? {}))
      if (u.nameZh?.includes(long)) addTo(abbreviated, u.nameZh.replace(long, short), u.nameEn);
    for (const w of u.nameEn.replace(/,\s*[A-Z]{2,6}\s*$/u, '').split(/[\s(),–-]+/u))
      if (/^[A-Z]{3,6}$/u.test(w) && !genericEn.has(w.toLowerCase()) && !COMMON_WORDS.has(w.toLowerCase())) addTo(acronyms, w, u.nameEn);
    // …and the initials of a name of three or more capitalized words ("Trinity College Dublin" → TCD,
    // "University of British Columbia" → UBC; "University of California, Davis" and "University College
    // Dublin" both give UCD, which is then asked about).
    const ini = initialsOf(u.nameEn, initialsSkip);
    if (ini && !COMMON_WORDS.has(ini.toLowerCase())) addTo(acronyms, ini, u.nameEn);
  }
  for (const [a, names] of abbreviated) if (!index.has(normalizeUniversityName(a))) for (const n of names) add(a, n);
  for (const [a, names] of acronyms) {
    const key = a.toLowerCase();
    if (index.has(key) || scan.has(key)) continue;
    index.set(key, new Set(names));
    scan.set(key, { names: new Set(names), ascii: true, caseSensitive: true, needsContext: false });
  }
  const scanKeys = [...scan.entries()].map(([key, v]) => ({ key, ...v })).sort((a, b) => b.key.length - a.key.length);
  const scanStarts = scanStartsOf(scanKeys);
  return { universities, index, scanKeys, scanStarts, outside, byName, source: file, ...(shortNames ? { shortNames } : {}) };
}

/** The initials of an English name of 3–6 capitalized words (brackets, ", The University of…" and " - …" left out). */
function initialsOf(nameEn: string, skip: ReadonlySet<string>): string | null {
  const base = nameEn
    .replace(/\s*\(.*\)\s*/gu, ' ')
    .replace(/,\s*the\s+university\s+of\s+.*$/iu, '')
    .replace(/\s+-\s+.*$/u, '');
  const words = base
    .replace(/,/gu, ' ')
    .split(/\s+/u)
    .filter((w) => w && !skip.has(w.toLowerCase()));
  if (words.length < 3 || words.length > 6 || !words.every((w) => /^[A-Z]/u.test(w))) return null;
  return words.map((w) => w[0]).join('');
}

/** The needle a Latin scan key is looked for as (between spaces of the message's Latin scanning space). */
function asciiScanNeedle(k: UniversityTable['scanKeys'][number]): string {
  return k.caseSensitive ? k.key.toUpperCase() : asciiNeedle(k.key);
}

/** `UniversityTable.scanStarts` of the keys. */
function scanStartsOf(keys: UniversityTable['scanKeys']): NonNullable<UniversityTable['scanStarts']> {
  const byChar = new Map<string, number[]>();
  const byWord = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, i: number) => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  keys.forEach((k, i) => {
    if (!k.ascii) {
      if (k.key) add(byChar, k.key[0]!, i);
      return;
    }
    const needle = asciiScanNeedle(k);
    if (needle) add(byWord, needle.split(' ')[0]!.toLowerCase(), i);
  });
  return { byChar, byWord };
}

/** Positions in `scanKeys` that can occur in a message (see `scanStarts`), ascending; every key without an index. */
function keysToScan(table: UniversityTable, compact: string, lowerSpaced: string): Iterable<number> {
  const starts = table.scanStarts;
  if (!starts) return table.scanKeys.keys();
  const at = new Set<number>();
  for (const c of new Set(compact.split(''))) for (const i of starts.byChar.get(c) ?? []) at.add(i);
  for (const w of new Set(lowerSpaced.split(' '))) if (w) for (const i of starts.byWord.get(w) ?? []) at.add(i);
  return [...at].sort((a, b) => a - b);
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  const t = s.length === 1 ? s : s;
  for (let i = 0; i < t.length - 1; i++) m.set(t.slice(i, i + 2), (m.get(t.slice(i, i + 2)) ?? 0) + 1);
  return m;
}

/** Dice coefficient of character bigrams (0..1). */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const A = bigrams(a);
  const B = bigrams(b);
  let inter = 0;
  for (const [k, n] of A) inter += Math.min(n, B.get(k) ?? 0);
  return (2 * inter) / (a.length - 1 + (b.length - 1));
}

function candidatesOf(table: UniversityTable, names: Iterable<string>) {
  return [...names].map((n) => {
    const u = table.byName.get(n);
    return { nameEn: n, nameZh: u?.nameZh, best: u?.best, note: u ? undefined : table.outside.get(n) };
  });
}

/**
 * Looks a university name up. Exact (normalized) keys first, then fuzzy matching (bigram Dice ≥
 * `threshold`, default 0.78) with a margin over the runner-up; institutions outside the table are
 * reported as not found (ask for the rank).
 */
export function lookupUniversity(table: UniversityTable, query: string, threshold = 0.78): LookupResult {
  const keys = [normalizeUniversityName(query), normalizeUniversityName(query, true)];
  // The bracketed part disambiguates ("约克大学（约克）"), so try the key that keeps it first.
  for (const key of [keys[1]!, keys[0]!]) {
    const names = table.index.get(key);
    if (!names) continue;
    if (names.size > 1) return { status: 'ambiguous', query, candidates: candidatesOf(table, names) };
    const name = [...names][0]!;
    const u = table.byName.get(name);
    if (!u) return { status: 'not_found', query, note: `${name}: ${table.outside.get(name) ?? 'not in the rankings table'}` };
    return { status: 'found', query, university: u, matchedBy: 'exact', score: 1 };
  }
  const key = keys[0]!;
  // "Harvard" → "harvard university", "墨尔本" → "墨尔本大学"
  for (const variant of [`${key}university`, `universityof${key}`, `${key}大学`, `${key}学院`]) {
    const names = table.index.get(variant);
    if (names && names.size === 1 && table.byName.has([...names][0]!)) {
      return { status: 'found', query, university: table.byName.get([...names][0]!)!, matchedBy: 'exact', score: 1 };
    }
    // "约克" → "约克大学", which is two institutions: asked about (or told apart by a country named).
    if (names && names.size > 1) return { status: 'ambiguous', query, candidates: candidatesOf(table, names) };
  }
  if (key.length < 3) return { status: 'not_found', query };
  const han = /\p{Script=Han}/u.test(query);
  const scored: { name: string; score: number }[] = [];
  // (Chinese: the names one character off, 曼切斯特大学 → 曼彻斯特 or 罗切斯特.)
  const near = new Set<string>();
  for (const [k, names] of table.index) {
    const s = similarity(key, k);
    if (s >= threshold) for (const n of names) scored.push({ name: n, score: s });
    if (han && oneEdit(key, k)) for (const n of names) near.add(n);
  }
  if (!scored.length) return { status: 'not_found', query };
  // A Chinese name one character off from several institutions' names is asked about, whatever the bigram
  // scores say.
  if (near.size > 1) return { status: 'ambiguous', query, candidates: candidatesOf(table, [...near]) };
  const bestPer = new Map<string, number>();
  for (const s of scored) bestPer.set(s.name, Math.max(bestPer.get(s.name) ?? 0, s.score));
  const ranked = [...bestPer.entries()].sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked;
  if (second && top![1] - second[1] < 0.05) {
    return {
      status: 'ambiguous',
      query,
      candidates: candidatesOf(
        table,
        ranked.filter((r) => top![1] - r[1] < 0.05).map((r) => r[0]),
      ),
    };
  }
  const u = table.byName.get(top![0]);
  if (!u) return { status: 'not_found', query };
  // A Latin name matches only when each of its distinctive words is the institution's word or a typo of it
  // (one edit): Northeastern is not Northwestern, Edinburg is Edinburgh.
  if (!han && !wordsAgree(query, u.nameEn, table.shortNames?.shortNames.genericEn ?? [])) return { status: 'not_found', query };
  return { status: 'found', query, university: u, matchedBy: 'fuzzy', score: top![1] };
}

/** Words shorter than this must be spelled exactly in a fuzzy match (a typo there changes the word). */
const MIN_TYPO_WORD = 4;

/** Every word of `query` but the generic ones is a word of `name` or one edit from one (a typo). */
function wordsAgree(query: string, name: string, generic: string[]): boolean {
  const wordsOf = (t: string) => t.toLowerCase().match(/\p{L}+/gu) ?? [];
  const theirs = wordsOf(name);
  const skip = new Set(generic.map((w) => w.toLowerCase()));
  return wordsOf(query)
    .filter((w) => !skip.has(w))
    .every((w) => theirs.some((v) => v === w || (w.length >= MIN_TYPO_WORD && oneEdit(w, v))));
}

/** At most one insertion, deletion, substitution or swap of neighbours turns `a` into `b`. */
function oneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Of several institutions sharing a name (英国约克的那个, 日本的东北大学), the one of the table whose country
 * `context` names (`countries` in corpus/lang/universities.yaml) — when exactly one is; else undefined.
 */
export function pickByCountry(table: UniversityTable, names: readonly string[], context: string): University | undefined {
  const countries = table.shortNames?.countries;
  if (!countries || names.length < 2) return undefined;
  const lower = context.toLowerCase();
  const named = new Set(
    Object.entries(countries)
      .filter(([w]) => (/^[a-z ]+$/i.test(w) ? new RegExp(`\\b${escapeRe(w.toLowerCase())}\\b`).test(lower) : lower.includes(w)))
      .map(([, c]) => c),
  );
  if (!named.size) return undefined;
  const hits = names.map((n) => table.byName.get(n)).filter((u): u is University => !!u && named.has(u.country));
  return hits.length === 1 ? hits[0] : undefined;
}

/** An ambiguous lookup told apart by a country `context` names (`pickByCountry`); any other result as it is. */
export function narrowByCountry(table: UniversityTable, r: LookupResult, context: string): LookupResult {
  if (r.status !== 'ambiguous') return r;
  const u = pickByCountry(
    table,
    r.candidates.map((c) => c.nameEn),
    context,
  );
  return u ? { status: 'found', query: r.query, university: u, matchedBy: 'exact', score: 1 } : r;
}

/** A university named in a message. */
export interface UniversityMention {
  surface: string;
  names: string[];
  /** Found by a short name derived from the table ("Leeds", "利兹"), not by a listed name or alias. */
  derived?: boolean;
  /** The same university named again in other words ("ANU 澳国立"). */
  also?: string[];
}

const CONTEXT_AFTER = /^(毕业|的|读|留学|硕士|博士|本科|研究生|出来|回国|mba|phd|master)/i;

/**
 * Finds university names in free text (longest names first, no overlaps). Short Chinese nicknames
 * (2 characters, e.g. 墨大) count only when followed by 毕业/的/读/硕士/…; short upper-case
 * abbreviations (UCL, MIT) must be whole words.
 */
export function findUniversityMentions(table: UniversityTable, text: string): UniversityMention[] {
  const simplified = toSimplified(text.normalize('NFKC'));
  // Chinese scanning space: the same normalization as the keys, but positions do not matter.
  const compact = normalizeUniversityName(simplified, true);
  const cjkMask = new Array<boolean>(compact.length).fill(false);
  // Latin scanning space: CJK and punctuation become word breaks ("硕士在UCL读的" → " UCL ").
  const spaced =
    ' ' +
    simplified
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9]+/g, ' ')
      .trim() +
    ' ';
  const lowerSpaced = spaced.toLowerCase();
  const asciiMask = new Array<boolean>(spaced.length).fill(false);
  const out: UniversityMention[] = [];
  // A message that is only a name ("Monash", "是Waterloo" after a correction) needs no study word around it
  // (a name inside other words — "北京积分落户" — still does: 北京 is also 北京大学's short name).
  const alone = (key: string) => lowerSpaced.trim() === key || compact === key;
  // …and a Chinese short name that is a clause of its own ("华威 全职 社保6个月", "曼大 落户") stands for the
  // university — unless it is the short name of a university at home (北京 of 北京大学 is the city).
  const clauseOf = (key: string, names: Set<string>) =>
    [...names].every((n) => (table.byName.get(n)?.country ?? 'China') !== 'China') && clauseRe(key).test(simplified);
  const push = (surface: string, names: Set<string>, derived?: boolean) => {
    const key = [...names].sort().join('|');
    const same = out.find((m) => m.names.sort().join('|') === key);
    if (!same) out.push({ surface, names: [...names], ...(derived ? { derived } : {}) });
    else if (same.surface !== surface) (same.also ??= []).push(surface);
  };
  const studyAfter = table.shortNames?.shortNames.studyAfter ?? [];
  const abroadOnly = table.shortNames?.shortNames.abroadOnly ?? [];
  const studyAfterHome = studyAfter.filter((w) => !abroadOnly.includes(w));
  const atHome = (names: Set<string>) => [...names].every((n) => (table.byName.get(n)?.country ?? 'China') === 'China');
  // A study word after a short name; for a university at home not one that says "abroad" (留学, 回国):
  // "深圳留学生" speaks of returnees in Shenzhen, not of 深圳大学. `CONTEXT_AFTER` only for table keys.
  // (…nor, after a derived short name at home, one that only names a degree: "深圳本科人才引进补贴" is
  // Shenzhen's, not 深圳大学's.)
  const degreeOnly = table.shortNames?.shortNames.degreeOnly ?? [];
  const studyFollows = (rest: string, names: Set<string>, anyContext: boolean, derived = false) => {
    const home = abroadOnly.length > 0 && atHome(names);
    const words = home ? studyAfterHome.filter((w) => !(derived && degreeOnly.includes(w))) : studyAfter;
    if (startsWithAny(rest, words)) return true;
    return anyContext && CONTEXT_AFTER.test(rest) && !(home && startsWithAny(rest, abroadOnly));
  };
  for (const ki of keysToScan(table, compact, lowerSpaced)) {
    const k = table.scanKeys[ki]!;
    if (k.ascii) {
      const hay = k.caseSensitive ? spaced : lowerSpaced;
      const needle = asciiScanNeedle(k);
      if (!needle) continue;
      let from = 0;
      for (;;) {
        const i = hay.indexOf(' ' + needle + ' ', from);
        if (i < 0) break;
        const s = i + 1;
        const e = s + needle.length;
        if (
          !asciiMask.slice(s, e).some(Boolean) &&
          (alone(needle) || !(k.derived || k.contextual) || studyContext(table, simplified, spaced, s, e))
        ) {
          for (let j = s; j < e; j++) asciiMask[j] = true;
          push(spaced.slice(s, e), k.names, k.derived);
        }
        from = i + 1;
      }
    } else {
      let from = 0;
      for (;;) {
        const i = compact.indexOf(k.key, from);
        if (i < 0) break;
        const e = i + k.key.length;
        const free = !cjkMask.slice(i, e).some(Boolean);
        const ctxOk =
          !k.needsContext ||
          alone(k.key) ||
          clauseOf(k.key, k.names) ||
          (k.derived || k.contextual
            ? studyFollows(compact.slice(e), k.names, false, !!k.derived) ||
              endsWithAny(compact.slice(0, i), table.shortNames?.shortNames.studyBefore ?? []) ||
              (!!k.contextual &&
                !endsWithAny(compact.slice(0, i), table.shortNames?.shortNames.placeBefore ?? []) &&
                !startsWithAny(compact.slice(e), table.shortNames?.shortNames.placeAfter ?? []))
            : studyFollows(compact.slice(e), k.names, true) ||
              endsWithAny(compact.slice(0, i), table.shortNames?.shortNames.studyBefore ?? []));
        if (free && ctxOk) {
          for (let j = i; j < e; j++) cjkMask[j] = true;
          push(k.key, k.names, k.derived);
        }
        from = i + 1;
      }
    }
  }
  return out;
}

/** A key standing as a clause of its own (between clause breaks; "X的" at a break too), compiled once per key. */
const clauseRes = new Map<string, RegExp>();
function clauseRe(key: string): RegExp {
  let re = clauseRes.get(key);
  if (!re) {
    re = new RegExp(`(?:^|[\\s,，。、;；!！?？:：])${escapeRe(key)}(?=$|[\\s,，。、;；!！?？]|的\\s|的$)`);
    clauseRes.set(key, re);
  }
  return re;
}

/** A derived English short name at [s, e) of `spaced` stands next to a study word (either side, or 毕业… after). */
function studyContext(table: UniversityTable, simplified: string, spaced: string, s: number, e: number): boolean {
  const w = table.shortNames?.shortNames;
  if (!w) return false;
  const before = spaced.slice(0, s).trim().split(' ').pop()?.toLowerCase() ?? '';
  const after = spaced.slice(e).trim().split(' ')[0]?.toLowerCase() ?? '';
  if (w.studyBeforeEn.includes(before) || w.studyAfterEn.includes(after)) return true;
  // The name followed directly by Chinese study words ("Leeds毕业").
  const word = spaced.slice(s, e).toLowerCase();
  const i = simplified.toLowerCase().indexOf(word);
  return i >= 0 && startsWithAny(simplified.slice(i + word.length).trimStart(), w.studyAfter);
}

/** `normalizeAsciiKey` of a scan key, computed once (it was most of the time of a scan). */
const needles = new Map<string, string>();
function asciiNeedle(key: string): string {
  let n = needles.get(key);
  if (n === undefined) {
    n = normalizeAsciiKey(key);
    needles.set(key, n);
  }
  return n;
}

/** Lower case, accents off, each run of other than letters and digits one space: "King's" and "King s" are one name. */
export function normalizeAsciiKey(k: string): string {
  return k
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Formats the best rank for a reply: "QS世界大学排名 2027 第2名". */
export function describeBestRank(u: University, lang: 'zh' | 'en' = 'zh'): string {
  if (!u.best) return lang === 'zh' ? '表中没有该校的名次' : 'no rank in the table';
  const n = RANKING_NAMES[u.best.system];
  return lang === 'zh' ? `${n.zh}（${u.best.edition}）第${u.best.rank}名` : `#${u.best.rank} in ${n.en} ${u.best.edition}`;
}
