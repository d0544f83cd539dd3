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
import * as OpenCC from 'opencc-js/t2cn';

type Convert = (s: string) => string;
let hk: Convert | undefined;
let detect: Convert | undefined;
let tw: Convert | undefined;

/** Converts traditional characters to simplified (hk → cn); other text is unchanged. */
export function toSimplified(text: string): string {
  return (hk ??= OpenCC.Converter({ from: 'hk', to: 'cn' }))(text);
}

const HAN = '\\p{Script=Han}';
const NOT_HAN = new RegExp(`[^${HAN}]`, 'gu');

/** The distinct traditional characters of a text (each distinct Han character is checked once). */
export function traditionalChars(text: string): Set<string> {
  const distinct = [...new Set(text.replace(NOT_HAN, ''))];
  if (!distinct.length) return new Set();
  const joined = distinct.join('');
  const converted = (detect ??= OpenCC.Converter({ from: 't', to: 'cn' }))(joined);
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
  const convert = (tw ??= OpenCC.Converter({ from: 'tw', to: 'cn' }));
  return text
    .split('\n')
    .map((line) => ([...line].some((ch) => trad.has(ch)) ? convert(line) : line))
    .join('\n');
}
