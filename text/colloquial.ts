/**
 * Chat words written the standard way before a message is read: slang (啥 → 什么), dialect spellings,
 * pinyin and its initials (luohu, lh → 落户). The table is data (`corpus/lang/colloquial.yaml`); the
 * rewrite is pure. Chinese words are replaced wherever they appear, Latin words only as whole words.
 *
 * @example
 * const rewrite = compileColloquial({ words: { 啥: '什么' }, latin: { lh: '落户', yyds: '' } });
 * rewrite('曼大yyds 能lh吗 要啥材料') // '曼大 能落户吗 要什么材料'
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { toSimplified } from './chinese.ts';
import { alt } from './regex.ts';
import { readYamlFile } from './yaml-file.ts';

const Table = z
  .object({
    words: z.record(z.string().min(1), z.string()).default({}),
    latin: z.record(z.string().regex(/^[a-z]+$/i, 'a Latin word of letters only'), z.string()).default({}),
  })
  .strict();
export type ColloquialTable = z.infer<typeof Table>;

export class ColloquialError extends Error {
  override name = 'ColloquialError';
}

/** The rewrite of a table: one pass for the Chinese words, one for the whole Latin words; spaces left by a dropped word are collapsed. */
export function compileColloquial(table: ColloquialTable): (text: string) => string {
  const words = Object.keys(table.words);
  const latin = Object.fromEntries(Object.entries(table.latin).map(([k, v]) => [k.toLowerCase(), v]));
  const wordRe = words.length ? new RegExp(alt(words), 'g') : null;
  const latinRe = Object.keys(latin).length ? new RegExp(`(?<![A-Za-z])(?:${alt(Object.keys(latin))})(?![A-Za-z])`, 'gi') : null;
  return (text) => {
    // (Matched on simplified characters, as the table is written: "唔係" is "唔系".)
    const simple = wordRe && /\p{Script=Han}/u.test(text) ? toSimplified(text) : text;
    let s = simple;
    if (wordRe) s = s.replace(wordRe, (w) => table.words[w] ?? w);
    if (latinRe) s = s.replace(latinRe, (w) => latin[w.toLowerCase()] ?? w);
    return s === simple ? text : s.replace(/ {2,}/g, ' ').trim();
  };
}

/** Loads and compiles `file`; a missing file gives the identity (messages are read as typed). */
export function loadColloquial(file: string): (text: string) => string {
  if (!existsSync(file)) return (t) => t;
  return compileColloquial(
    readYamlFile(
      file,
      Table,
      (m) => new ColloquialError(m),
      ' — `latin` keys are Latin letters only (pinyin, initials); see docs/assistant.md "Chat words"',
    ),
  );
}
