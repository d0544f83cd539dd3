/**
 * Compiling the language files (corpus/lang/*.yaml) into matchers: literal alternatives longest first,
 * and regular expressions whose errors name the file and the key. Shared by the extractor's and the date
 * finder's loaders. Pure.
 *
 * @example
 * const compile = compilerFor('corpus/lang/dates.yaml', (m) => new DateLangError(m));
 * compile('patterns.range', alt(['去年', '前年']), 'g') // /前年|去年/g
 */

export { alt, escapeRe } from '../text/regex.ts';

/** A regular-expression compiler whose errors name `file`, the key and the engine's message. */
export function compilerFor(file: string, error: (message: string) => Error): (key: string, source: string, flags: string) => RegExp {
  return (key, source, flags) => {
    try {
      return new RegExp(source, flags);
    } catch (e) {
      throw error(`${file}: ${key}: "${source}" is not a valid regular expression: ${(e as Error).message}`);
    }
  };
}

/** Compiles each pattern of `sources` with the flags its key has in `flags`. */
export function compileAll<F extends Record<string, string>>(
  compile: (key: string, source: string, flags: string) => RegExp,
  prefix: string,
  sources: { [k in keyof F]: string },
  flags: F,
): Record<keyof F, RegExp> {
  return Object.fromEntries(Object.keys(flags).map((k) => [k, compile(`${prefix}.${k}`, sources[k]!, flags[k]!)])) as Record<
    keyof F,
    RegExp
  >;
}
