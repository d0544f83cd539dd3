/**
 * Traditional (Hong Kong / Taiwan) → simplified Chinese for matching user text, with one OpenCC
 * converter per process (building one costs 10–20 ms): queries, extracted facts and rule quotes share it.
 *
 * @example
 * toSimplified('寶山區的人才安居資助') // '宝山区的人才安居资助'
 */
import * as OpenCC from 'opencc-js/t2cn';

let convert: ((s: string) => string) | undefined;

/** Converts traditional characters to simplified (hk → cn); other text is unchanged. */
export function toSimplified(text: string): string {
  return (convert ??= OpenCC.Converter({ from: 'hk', to: 'cn' }))(text);
}
