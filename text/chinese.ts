/**
 * Traditional → simplified Chinese, in one place for the whole project (opencc-js, its t2cn build).
 *
 * Two uses need two OpenCC variants, each built once per process on first use:
 * - `toSimplified` — matching user text (queries, facts, rule quotes, university names): Hong Kong
 *   forms (hk → cn), applied to the whole string.
 * - `traditionalChars` / `simplifyDocument` — normalizing documents: detection with OpenCC's standard
 *   traditional set (t → cn), which leaves ambiguous characters such as 著 alone, so simplified text
 *   (显著, 土著) is never flagged; conversion with the Taiwan standard (tw → cn), which gives mainland
 *   phrase forms (著重 → 着重, 沿著 → 沿着); only lines that contain a traditional character change.
 *
 * @example
 * toSimplified('寶山區的人才安居資助') // '宝山区的人才安居资助'
 * simplifyDocument('显著\n寶山區') // '显著\n宝山区'
 */
import { createRequire } from 'node:module';

type Convert = (s: string) => string;
/** A dictionary: "key value|key value…" or [[key, value], …] (opencc-js). */
type DictLike = string | string[][];
interface Trie {
  loadDictGroup(group: DictLike[]): void;
  convert(s: string): string;
  segment(s: string): string[];
}
interface PresetConfig {
  normalizationChain?: DictLike[][];
  segmentation?: DictLike[];
  conversionChain: DictLike[][];
}
interface OpenCCModule {
  Trie: new () => Trie;
  Locale: { configs: Record<string, PresetConfig> };
}

let opencc: OpenCCModule | undefined;
/** opencc-js (its t2cn build), loaded on the first conversion: processes that never convert do not pay for it. */
function openccModule(): OpenCCModule {
  return (opencc ??= createRequire(import.meta.url)('opencc-js/t2cn') as OpenCCModule);
}

/** Tries by dictionary group: the three converters share TSPhrases + TSCharacters instead of building them thrice. */
const tries = new Map<string, Trie>();
const dictIds = new Map<DictLike, number>();
function trieOf(group: DictLike[]): Trie {
  const key = group.map((d) => dictIds.get(d) ?? (dictIds.set(d, dictIds.size), dictIds.size - 1)).join(',');
  let t = tries.get(key);
  if (!t) {
    t = new (openccModule().Trie)();
    t.loadDictGroup(group);
    tries.set(key, t);
  }
  return t;
}

/**
 * The converter of one opencc-js preset configuration (`hk2s`, `t2s`, `tw2s`): the same steps as
 * opencc-js's `Converter({ from, to: 'cn' })` — normalization, segmentation by phrases, then each
 * conversion stage per segment — over shared tries (test/text/chinese.test.ts compares the two).
 */
function presetConverter(name: 'hk2s' | 't2s' | 'tw2s'): Convert {
  const config = openccModule().Locale.configs[name];
  if (!config) throw new Error(`opencc-js: the t2cn preset has no "${name}" configuration (text/chinese.ts)`);
  const normalize = (config.normalizationChain ?? []).map(trieOf);
  const segmentation = config.segmentation ? trieOf(config.segmentation) : undefined;
  const stages = config.conversionChain.map(trieOf);
  return (s) => {
    const normalized = normalize.reduce((acc, t) => t.convert(acc), s);
    const segments = segmentation ? segmentation.segment(normalized) : [normalized];
    return stages.reduce((segs, t) => segs.map((seg) => t.convert(seg)), segments).join('');
  };
}

let hk: Convert | undefined;
let detect: Convert | undefined;
let tw: Convert | undefined;

/** Converts traditional characters to simplified (hk → cn); other text is unchanged. */
export function toSimplified(text: string): string {
  // Short strings (cue words, names: converted again and again) are remembered; long ones are not.
  if (text.length > SHORT_CACHE_CHARS) return (hk ??= presetConverter('hk2s'))(text);
  let out = shortCache.get(text);
  if (out === undefined) {
    out = (hk ??= presetConverter('hk2s'))(text);
    if (shortCache.size >= SHORT_CACHE_SIZE) shortCache.clear();
    shortCache.set(text, out);
  }
  return out;
}
/** Strings up to this many characters are cached by `toSimplified` (at most `SHORT_CACHE_SIZE` of them). */
const SHORT_CACHE_CHARS = 24;
const SHORT_CACHE_SIZE = 20_000;
const shortCache = new Map<string, string>();

const HAN = '\\p{Script=Han}';
const NOT_HAN = new RegExp(`[^${HAN}]`, 'gu');

/** The distinct traditional characters of a text (each distinct Han character is checked once). */
export function traditionalChars(text: string): Set<string> {
  const distinct = [...new Set(text.replace(NOT_HAN, ''))];
  if (!distinct.length) return new Set();
  const joined = distinct.join('');
  const converted = (detect ??= presetConverter('t2s'))(joined);
  if (converted === joined) return new Set();
  const conv = [...converted];
  return new Set(distinct.filter((ch, i) => conv[i] !== ch));
}

/** True when the text contains traditional characters. */
export function hasTraditional(text: string): boolean {
  return traditionalChars(text).size > 0;
}

/** Document normalization: converts only the lines that contain a traditional character (tw → cn). */
export function simplifyDocument(text: string): string {
  const trad = traditionalChars(text);
  if (!trad.size) return text;
  const convert = (tw ??= presetConverter('tw2s'));
  return text
    .split('\n')
    .map((line) => ([...line].some((ch) => trad.has(ch)) ? convert(line) : line))
    .join('\n');
}
