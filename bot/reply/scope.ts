/**
 * Out-of-scope questions, told apart by data (`corpus/out-of-scope.yaml`): another city → that city's
 * 12333; tax → 12366; labour disputes → 12333 / arbitration; small talk → one line on what the bot can
 * do. `loadScopeTable` validates the file (errors name the file and the field); `classifyScope` is pure:
 * the first category whose cue the message contains (and none of its `unless` words) answers.
 *
 * @example
 * const table = loadScopeTable('corpus/out-of-scope.yaml');
 * classifyScope(table, '北京的人才引进政策是什么', 'zh')?.id // 'other_city'
 * classifyScope(table, '你好', 'zh')?.reply                 // '我是上海人社政策助手：…'
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { z } from 'zod';
import { toSimplified } from '../../text/chinese.ts';
import { escapeRe } from '../../text/regex.ts';

const Text = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
const Place = z
  .object({
    zh: z.string().min(1),
    en: z.string().min(1),
    areaCode: z.string().regex(/^0\d{2,3}$/, 'expected a telephone area code like "010"'),
    names: z.array(z.string().min(1)).min(1),
  })
  .strict();
const Category = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case id like "other_city"'),
    when: z.enum(['always', 'abstain']),
    cues: z.array(z.string().min(1)).default([]),
    unless: z.array(z.string().min(1)).default([]),
    places: z.array(Place).default([]),
    maxExtraChars: z.number().int().min(0).max(20).optional(),
    /**
     * A topic beside the question (tax, school): when the message is also a case of a measure here (a goal
     * and the person's facts), that case is answered and this category is not. Default false.
     */
    aside: z.boolean().default(false),
    /** Words that, right before a cue or a place, deny it ("不是宁波那个", "not the Ningbo campus"): it does not count. */
    notAfter: z.array(z.string().min(1)).default([]),
    reply: Text,
  })
  .strict()
  .refine((c) => c.cues.length > 0 || c.places.length > 0, 'a category needs cues or places');
const FileSchema = z.object({ categories: z.array(Category).min(1) }).strict();

export type ScopeCategory = z.infer<typeof Category>;

/** The loaded table, cue words normalized once. */
export interface ScopeTable {
  categories: ScopeCategory[];
  file: string;
}

/** A match: the category, the cue found, and its reply in the asked language with placeholders filled. */
export interface ScopeMatch {
  id: string;
  when: 'always' | 'abstain';
  /** See `aside` of the category. */
  aside: boolean;
  cue: string;
  reply: string;
}

/** A problem in the out-of-scope file; the message names the file and the field and how to fix it. */
export class ScopeTableError extends Error {
  override name = 'ScopeTableError';
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Validates the table's data (also used by tests on inline YAML). */
export function parseScopeTable(text: string, file: string): ScopeTable {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new ScopeTableError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]}).`);
  }
  const r = FileSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ScopeTableError(`${file}: field "${i.path.join('.')}": ${i.message}.`);
  }
  const ids = new Set<string>();
  r.data.categories.forEach((c, n) => {
    if (ids.has(c.id)) throw new ScopeTableError(`${file}: categories.${n}: id "${c.id}" is used twice; give each category its own id.`);
    ids.add(c.id);
    const allowed = new Set(c.places.length ? ['place', 'areaCode'] : []);
    for (const lang of ['zh', 'en'] as const) {
      for (const m of c.reply[lang].matchAll(PLACEHOLDER)) {
        if (!allowed.has(m[1]!))
          throw new ScopeTableError(
            `${file}: categories.${n} (${c.id}).reply.${lang}: unknown placeholder {${m[1]}}; only {place} and {areaCode}, in a category with places.`,
          );
      }
    }
  });
  return { categories: r.data.categories, file };
}

/** Reads and validates `corpus/out-of-scope.yaml` (or another file of that format). */
export function loadScopeTable(file: string): ScopeTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScopeTableError(
      `${file}: cannot read the out-of-scope table (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set CORPUS_DIR to the folder that holds it.`,
    );
  }
  return parseScopeTable(text, file);
}

const LATIN = /^[\x20-\x7e]+$/;

function normalize(text: string): string {
  return toSimplified(text.normalize('NFKC')).toLowerCase();
}

/** Where a cue occurs in a normalized message: Chinese anywhere, Latin as a whole word. Returns [start, end] or null. */
function find(cue: string, norm: string): [number, number] | null {
  const { c, re } = compiledCue(cue);
  if (re) {
    const m = re.exec(norm);
    return m ? [m.index, m.index + m[0].length] : null;
  }
  const i = norm.indexOf(c);
  return i < 0 ? null : [i, i + c.length];
}

/** A cue normalized, and as a whole-word pattern when Latin: computed once per cue (it was per message). */
const cueForms = new Map<string, { c: string; re: RegExp | null }>();
function compiledCue(cue: string): { c: string; re: RegExp | null } {
  let f = cueForms.get(cue);
  if (!f) {
    const c = normalize(cue);
    // (An English cue is a whole word or phrase, its last word with its inflections: "reimburse" finds
    // "reimbursed", "reimbursement"; "maternity leave" finds "maternity-leave".)
    f = {
      c,
      re: LATIN.test(c)
        ? new RegExp(`(?<![a-z0-9])${escapeRe(c).replace(/ /g, '[\\s-]+')}(?:s|es|d|ed|ing|ment|ments)?(?![a-z0-9])`, 'u')
        : null,
    };
    cueForms.set(cue, f);
  }
  return f;
}

/** Ends of a sentence ("。", "?", a full stop before a space): `unless` words count within the cue's sentence. */
const SENTENCE_END = /[。！？!?\n]|\.(?=\s)/gu;

/** The sentence of a normalized message that holds `span`. */
function sentenceAt(norm: string, span: [number, number]): string {
  let start = 0;
  for (const m of norm.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (m.index >= span[0]) return norm.slice(start, end);
    start = end;
  }
  return norm.slice(start);
}

/** Characters that do not count towards `maxExtraChars`: punctuation, symbols, spaces, emoji. */
const NOT_COUNTED = /[\p{P}\p{S}\p{Z}\s]/gu;

/**
 * The out-of-scope category of a message, or null when it is not one. `when` tells the caller whether
 * to answer with it before retrieval (`always`) or only when retrieval abstains (`abstain`).
 */
export function classifyScope(table: ScopeTable, text: string, lang: 'zh' | 'en'): ScopeMatch | null {
  const norm = normalize(text);
  for (const c of table.categories) {
    let cue: string | null = null;
    let span: [number, number] | null = null;
    let place: ScopeCategory['places'][number] | undefined;
    const denied = (at: [number, number] | null) =>
      !!at &&
      c.notAfter.some((w) =>
        norm
          .slice(Math.max(0, at[0] - w.length - 1), at[0])
          .trimEnd()
          .endsWith(normalize(w)),
      );
    for (const p of c.places) {
      for (const name of p.names) {
        const at = find(name, norm);
        if (at && !denied(at) && (!span || at[0] < span[0])) [cue, span, place] = [name, at, p];
      }
    }
    const cueHits = c.cues
      .map((k) => ({ k, at: find(k, norm) }))
      .filter((h): h is { k: string; at: [number, number] } => h.at !== null && !denied(h.at));
    if (!cue && cueHits.length) [cue, span] = [cueHits[0]!.k, cueHits[0]!.at];
    if (!cue || !span) continue;
    // (An `unless` word counts in the sentence of the cue when that sentence asks: "Does Hangzhou give a rent
    // subsidy…? I'm deciding between Hangzhou and Shanghai." asks about Hangzhou; "OK never mind Beijing. For
    // Shanghai: …" does not.)
    const sentence = sentenceAt(norm, span);
    const scope = /[?？]\s*$/u.test(sentence) ? sentence : norm;
    if (c.unless.some((u) => find(u, scope))) continue;
    if (c.maxExtraChars !== undefined) {
      // Small talk: what is left without every cue found, punctuation and spaces must be nearly nothing.
      const keep = norm.split('').map(() => true);
      for (const { at } of cueHits) for (let i = at[0]; i < at[1]; i++) keep[i] = false;
      const rest = norm
        .split('')
        .filter((_, i) => keep[i])
        .join('')
        .replace(NOT_COUNTED, '');
      if ([...rest].length > c.maxExtraChars) continue;
    }
    const vars: Record<string, string> = place ? { place: lang === 'en' ? place.en : place.zh, areaCode: place.areaCode } : {};
    const reply = c.reply[lang].replace(PLACEHOLDER, (_, k: string) => vars[k] ?? '');
    return { id: c.id, when: c.when, aside: c.aside, cue, reply };
  }
  return null;
}
