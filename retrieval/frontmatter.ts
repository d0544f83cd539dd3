/**
 * The YAML front-matter header of a corpus document: parsing and validation (zod).
 *
 * A corpus file starts with a line `---`, YAML fields, and a closing `---` line; everything after
 * the closing line is the document text, kept byte for byte. Errors name the file, the line, the
 * field and how to fix it.
 *
 * @example
 * const { meta, body, bodyStartLine } = parseFrontMatter(content, 'documents/sh-hrss-2022-103.md');
 * meta.docNumber // → '沪人社力〔2022〕103号'
 */
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { z } from 'zod';
import type { DocumentMeta } from './types.ts';

/** A header problem that stops the file from being ingested. */
export class FrontMatterError extends Error {
  override name = 'FrontMatterError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
    readonly field?: string,
  ) {
    super(`${file}:${line}: ${field ? `header field "${field}": ` : ''}${problem}`);
  }
}

/** Result of `parseFrontMatter`. */
export interface FrontMatterResult {
  meta: DocumentMeta;
  /** The text after the closing `---` line, untouched. */
  body: string;
  /** 1-based line of the file where `body` starts. */
  bodyStartLine: number;
  /** Non-fatal remarks (unknown fields, missing district), with file lines. */
  warnings: Array<{ line: number; message: string }>;
}

/** Header fields as written in the file (snake_case). */
export const HEADER_FIELDS = [
  'title',
  'doc_number',
  'issuer',
  'date',
  'level',
  'district',
  'source',
  'valid_from',
  'valid_to',
  'supersedes',
  'superseded_by',
] as const;

/** A header to copy into a new file (shown in error messages). */
export const HEADER_TEMPLATE = [
  '---',
  'title: 上海市人力资源和社会保障局关于……的通知',
  'doc_number: 沪人社规〔2024〕1号   # optional',
  'issuer: 上海市人力资源和社会保障局',
  'date: 2024-01-31',
  'level: municipal            # municipal | district',
  'district: 杨浦              # optional, for district documents',
  'source: https://…           # optional URL or note',
  'valid_from: 2024-03-01      # optional',
  'valid_to: 2029-02-28        # optional',
  'supersedes: [sh-hrss-2019-1]  # optional: ids of documents this one repeals',
  'superseded_by: sh-hrss-2025-3 # optional: id of the document that repealed this one',
  '---',
].join('\n');

/** True for a real calendar date written as YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const isoDate = z.string({ error: 'expected a date as YYYY-MM-DD' }).refine(isIsoDate, { message: 'expected a real date as YYYY-MM-DD' });
const text = (what: string) =>
  z
    .string({ error: `expected ${what} (text)` })
    .trim()
    .min(1, `must not be empty`);

const docId = z
  .string({ error: 'expected a document id (text)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a document id (letters, digits, "-", "_", ".")');
const docIds = z.union([docId.transform((s) => [s]), z.array(docId)], {
  error: 'expected a document id or a list of ids ([a-1, b-2]; letters, digits, "-", "_", ".")',
});

/** zod schema of the header (snake_case, as written in the file). */
export const HeaderSchema = z
  .object({
    title: text('the document title'),
    doc_number: text('the 文号').optional(),
    issuer: text('the issuing body'),
    date: isoDate,
    level: z.enum(['municipal', 'district'], { error: 'expected "municipal" or "district"' }),
    district: text('the district name').optional(),
    source: z.string({ error: 'expected a URL or a note (text)' }).optional(),
    valid_from: isoDate.optional(),
    valid_to: isoDate.optional(),
    supersedes: docIds.optional(),
    superseded_by: docIds.optional(),
  })
  .refine((h) => !h.valid_from || !h.valid_to || h.valid_from <= h.valid_to, {
    message: 'valid_to is before valid_from',
    path: ['valid_to'],
  });

const HOW_TO_FIX: Record<string, string> = {
  title: 'write the full title of the document, e.g. title: 关于……的通知',
  doc_number: 'write the 文号 as printed, e.g. doc_number: 沪人社规〔2024〕1号, or remove the line',
  issuer: 'write the issuing body, e.g. issuer: 上海市人力资源和社会保障局',
  date: 'write the date of the document as YYYY-MM-DD, e.g. date: 2022-06-01',
  level: 'write level: municipal (市级) or level: district (区级)',
  district: 'write the district name without 区, e.g. district: 杨浦, or remove the line',
  source: 'write a URL or a short note, or remove the line',
  valid_from: 'write the first day of validity as YYYY-MM-DD, or remove the line',
  valid_to: 'write the last day of validity as YYYY-MM-DD (not before valid_from), or remove the line',
  supersedes: 'write the ids of the repealed documents, e.g. supersedes: [sh-hrss-2019-1], or remove the line',
  superseded_by: 'write the id of the newer document, e.g. superseded_by: sh-hrss-2025-3, or remove the line',
};

/**
 * Splits a corpus file into header and body and validates the header.
 * Throws `FrontMatterError` (file, line, field, how to fix) when the header is missing or invalid.
 */
export function parseFrontMatter(content: string, file: string): FrontMatterResult {
  const src = content.startsWith('\ufeff') ? content.slice(1) : content;
  const firstNl = src.indexOf('\n');
  const firstLine = (firstNl < 0 ? src : src.slice(0, firstNl)).replace(/\r$/, '');
  if (firstLine.trim() !== '---') {
    throw new FrontMatterError(
      file,
      1,
      `missing front-matter header: the file must start with a line "---", the header fields, and a closing "---" line. Add a header like:\n${HEADER_TEMPLATE}`,
    );
  }
  // find the closing delimiter
  let pos = firstNl + 1;
  let line = 2;
  let closeStart = -1;
  let bodyStart = -1;
  while (firstNl >= 0 && pos <= src.length) {
    const nl = src.indexOf('\n', pos);
    const l = (nl < 0 ? src.slice(pos) : src.slice(pos, nl)).replace(/\r$/, '');
    if (l.trim() === '---' || l.trim() === '...') {
      closeStart = pos;
      bodyStart = nl < 0 ? src.length : nl + 1;
      break;
    }
    if (nl < 0) break;
    pos = nl + 1;
    line++;
  }
  if (closeStart < 0) {
    throw new FrontMatterError(file, 1, 'the header opened by "---" on line 1 is never closed: add a line "---" after the header fields');
  }
  const yamlText = src.slice(firstNl + 1, closeStart);
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const yLine = lineCounter.linePos(e.pos[0]).line;
    throw new FrontMatterError(
      file,
      yLine + 1,
      `the header is not valid YAML (${e.message.split('\n')[0]}); write one "field: value" per line`,
    );
  }
  const fieldLine = new Map<string, number>();
  const warnings: FrontMatterResult['warnings'] = [];
  const values: Record<string, unknown> = {};
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new FrontMatterError(file, 2, `the header must be "field: value" lines. Example:\n${HEADER_TEMPLATE}`);
  }
  if (isMap(doc.contents)) {
    for (const item of doc.contents.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const at = isScalar(item.key) && item.key.range ? lineCounter.linePos(item.key.range[0]).line + 1 : 2;
      fieldLine.set(key, at);
      let value: unknown = isScalar(item.value)
        ? item.value.value
        : item.value === null
          ? null
          : (item.value as { toJSON(): unknown }).toJSON();
      if (value === null || value === '') continue; // an empty optional field is absent
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
      if (!(HEADER_FIELDS as readonly string[]).includes(key)) {
        warnings.push({
          line: at,
          message: `unknown header field "${key}" is ignored (known fields: ${HEADER_FIELDS.join(', ')}); check the spelling`,
        });
        continue;
      }
      values[key] = value;
    }
  }
  const parsed = HeaderSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const given = values[field];
    const missing = given === undefined;
    const problem = missing
      ? `missing required field; ${HOW_TO_FIX[field] ?? ''}`
      : `${issue.message}, got ${JSON.stringify(given)}; ${HOW_TO_FIX[field] ?? ''}`;
    throw new FrontMatterError(file, missing ? 1 : (fieldLine.get(field) ?? 1), problem.trim(), field || undefined);
  }
  const h = parsed.data;
  if (h.level === 'district' && !h.district) {
    warnings.push({
      line: fieldLine.get('level') ?? 1,
      message: 'level is "district" but there is no district field; add e.g. district: 杨浦',
    });
  }
  const meta: DocumentMeta = {
    title: h.title,
    ...(h.doc_number ? { docNumber: h.doc_number } : {}),
    issuer: h.issuer,
    date: h.date,
    level: h.level,
    ...(h.district ? { district: h.district } : {}),
    ...(h.source ? { source: h.source } : {}),
    ...(h.valid_from ? { validFrom: h.valid_from } : {}),
    ...(h.valid_to ? { validTo: h.valid_to } : {}),
    ...(h.supersedes?.length ? { supersedes: h.supersedes } : {}),
    ...(h.superseded_by?.length ? { supersededBy: h.superseded_by } : {}),
  };
  // body: bytes after the closing line, relative to the original content (BOM included in offsets)
  const offset = content.length - src.length;
  return { meta, body: content.slice(offset + bodyStart), bodyStartLine: line + 1, warnings };
}
