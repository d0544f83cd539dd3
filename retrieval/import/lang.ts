/**
 * The cue words and patterns of `policybot import` (`corpus/lang/import.yaml`), validated with zod
 * and compiled to regular expressions once. Loading is the only I/O here.
 *
 * @example
 * const lang = loadImportLang(config.CORPUS_DIR);
 * readHeader(text, lang).fields.docNumber?.value // → '沪人社力〔2022〕103号'
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { escapeRe } from '../../text/regex.ts';

/** Path of the cue-word file inside a corpus folder. */
export const IMPORT_LANG_FILE = join('lang', 'import.yaml');

const str = z.string().min(1);
const LangSchema = z.object({
  date: str,
  numeral_digits: z.record(z.string(), z.number().int().min(0).max(9)),
  numeral_ten: str,
  doc_number: str,
  title: z.object({
    endings: z.array(str).min(1),
    about: str,
    forbidden: str,
    max_chars: z.number().int().positive(),
    min_chars: z.number().int().positive(),
  }),
  issuer: z.object({
    suffixes: z.array(str).min(1),
    max_chars: z.number().int().positive(),
    joiner: str,
    printed_suffix: str,
    municipal_prefix: str,
  }),
  districts: z.array(z.object({ name: str, forms: z.array(str).min(1), id: z.string().regex(/^[a-z]+$/), abbrev: str })).min(1),
  id: z.object({
    municipal: str,
    municipal_abbrev: str,
    bodies: z.array(z.object({ cue: str, id: z.string().regex(/^[a-z]+$/) })),
    fallback: str,
  }),
  validity: z.object({ self: str, from: str, from_issue: str, to: str, this_and_next_year: str }),
  repeal: z.array(str).min(1),
  skip: str,
  supersession: z.object({ answer_zh: str, answer_en: str, number_zh: str, number_en: str, digest_zh: str, title_quote_zh: str }),
  numbering: z.object({ chinese_digits: z.string().length(10), chinese_ten: str, chinese_hundred: str, heavenly_stems: str, circled: str }),
});

/** The raw file shape. */
export type ImportLangData = z.infer<typeof LangSchema>;

/** Compiled cue words. */
export interface ImportLang {
  data: ImportLangData;
  /** A whole date, with groups y, m, d (anchored: the line is only a date). */
  dateLine: RegExp;
  /** A date anywhere, with groups y, m, d. */
  dateAny: RegExp;
  docNumber: RegExp;
  titleEnding: RegExp;
  titleForbidden: RegExp;
  issuerLine: RegExp;
  validFrom: RegExp;
  validFromIssue: RegExp;
  validTo: RegExp;
  validSelf: RegExp;
  thisAndNextYear: RegExp;
  repeal: RegExp[];
  skip: RegExp;
}

/** Thrown when import.yaml is missing or invalid; names the file, the field and the fix. */
export class ImportLangError extends Error {
  override name = 'ImportLangError';
}

/** Date pattern with named groups for year, month, day. */
function dateGroups(date: string): string {
  // the data pattern is three (?:…) groups followed by 年, 月, 日: name them in order
  let n = 0;
  const names = ['y', 'm', 'd'];
  return date.replace(/\(\?:/g, () => (n < 3 ? `(?<${names[n++]}>` : '(?:'));
}

/** Validates and compiles the cue-word data (pure). `file` names the source in errors. */
export function compileImportLang(raw: unknown, file = IMPORT_LANG_FILE): ImportLang {
  const parsed = LangSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ImportLangError(
      `${file}: field "${i.path.join('.')}": ${i.message}; see the comments in the shipped corpus/lang/import.yaml`,
    );
  }
  const d = parsed.data;
  const re = (pattern: string, where: string, flags = 'u'): RegExp => {
    try {
      return new RegExp(pattern.replaceAll('{date}', d.date), flags);
    } catch (err) {
      throw new ImportLangError(`${file}: field "${where}" is not a valid regular expression (${(err as Error).message}); fix the pattern`);
    }
  };
  const endings = [...d.title.endings]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|');
  const suffixes = [...d.issuer.suffixes]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|');
  return {
    data: d,
    dateLine: re(`^${dateGroups(d.date)}$`, 'date'),
    dateAny: re(dateGroups(d.date), 'date'),
    docNumber: re(d.doc_number, 'doc_number'),
    titleEnding: re(`(?:${endings})$`, 'title.endings'),
    titleForbidden: re(d.title.forbidden, 'title.forbidden'),
    issuerLine: re(`^[\\p{Script=Han}（）()·]{2,${d.issuer.max_chars}}?(?:${suffixes})$`, 'issuer.suffixes'),
    validFrom: re(d.validity.from.replace('{date}', dateGroups(d.date)), 'validity.from'),
    validFromIssue: re(d.validity.from_issue, 'validity.from_issue'),
    validTo: re(d.validity.to.replace('{date}', dateGroups(d.date)), 'validity.to'),
    validSelf: re(d.validity.self, 'validity.self'),
    thisAndNextYear: re(d.validity.this_and_next_year, 'validity.this_and_next_year'),
    repeal: d.repeal.map((p, i) => re(p, `repeal[${i}]`, 'gu')),
    skip: re(d.skip, 'skip'),
  };
}

/** The cue words shipped with policybot (`corpus/lang/import.yaml` of the package), found upwards from this module. */
export function shippedImportLangFile(): string | undefined {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const f = join(dir, 'corpus', IMPORT_LANG_FILE);
    if (existsSync(f)) return f;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Reads `<corpusDir>/lang/import.yaml` (the I/O edge); a corpus folder without one uses the file
 * shipped with policybot.
 */
export function loadImportLang(corpusDir: string): ImportLang {
  const own = join(corpusDir, IMPORT_LANG_FILE);
  const file = existsSync(own) ? own : (shippedImportLangFile() ?? own);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ImportLangError(
      `${file}: cannot read the import cue words; copy corpus/lang/import.yaml from the repository into this corpus folder`,
    );
  }
  let raw: unknown;
  try {
    raw = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new ImportLangError(`${file}: not valid YAML (${(err as Error).message.split('\n')[0]}); fix the line it names`);
  }
  return compileImportLang(raw, file);
}
