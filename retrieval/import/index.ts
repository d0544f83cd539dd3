/**
 * One file → one corpus document: sniff → decode/extract → read the header → compose the corpus
 * file → check that it ingests. Pure apart from the format libraries; the caller reads the input
 * and writes the result (scripts/commands/import.ts, the inbox).
 *
 * @example
 * const plan = await prepareImport({ file: 'a.pdf', bytes }, { lang, corpus: documents });
 * plan.id; plan.content // → 'sh-hrss-2024-12', '---\ntitle: …\n---\n…'
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { parseDocumentFile, DEFAULT_MAX_BYTES } from '../corpus.ts';
import type { Chunk, PolicyDocument } from '../types.ts';
import { decodeText, DecodeError } from './decode.ts';
import { DocxError } from './docx-error.ts';
import { PdfError } from './pdf-error.ts';
import { READ_FIELDS, readHeader, type FieldReading, type HeaderReading, type ReadField } from './header.ts';
import type { ImportLang } from './lang.ts';
import { looksLikeHtml, sniff, type InputKind } from './sniff.ts';

/** A file that cannot be imported: `message` is one line naming what is wrong and the fix. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly file: string,
    readonly problem: string,
    /** Set when the document id exists already (the id), so that the inbox can recognize a resumed import. */
    readonly existingId?: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Largest input file accepted (PDF attachments with images are larger than their text): 20 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 20 * 1024 * 1024;

/** Header values given by the person importing (they win over what the text says). */
export type HeaderOverrides = Partial<Record<'title' | 'docNumber' | 'issuer' | 'date' | 'level' | 'district', string>>;

/** Options of `prepareImport`. */
export interface ImportOptions {
  lang: ImportLang;
  /** Documents already in the corpus (repeals are matched against them; ids must not clash). */
  corpus: PolicyDocument[];
  /** Document id; default derived from the 文号, or issuer + date. */
  id?: string;
  overrides?: HeaderOverrides;
  /** Replace a document with the same id instead of refusing. */
  replace?: boolean;
  maxInputBytes?: number;
}

/** What `prepareImport` would write, and why. */
export interface ImportPlan {
  file: string;
  kind: InputKind;
  encoding?: string;
  id: string;
  /** sha256 of the input bytes (recorded in `source`, used by the inbox to recognize a file already imported). */
  sha256: string;
  header: HeaderReading;
  /** Fields given on the command line. */
  overridden: ReadField[];
  /** Ids of corpus documents this one repeals; repeals found in the text but not in the corpus. */
  supersedes: string[];
  unmatchedRepeals: string[];
  /** The whole corpus file: header + the extracted text byte for byte. */
  content: string;
  /** The extracted text (the file's body). */
  body: string;
  chunks: Chunk[];
  /** The document as the corpus will read it. */
  document: PolicyDocument;
  /** True when a document with this id exists and `replace` was given. */
  replaces: boolean;
  pages?: number;
}

const HEADER_KEY: Record<ReadField, string> = {
  title: 'title',
  docNumber: 'doc_number',
  issuer: 'issuer',
  date: 'date',
  level: 'level',
  district: 'district',
  validFrom: 'valid_from',
  validTo: 'valid_to',
};

const squash = (s: string) => s.replace(/\s+/g, '');

/** Derives a document id from the header: `<place>-<body>-<year>-<serial>` from the 文号, else `<place>-<body>-<date>`. */
export function deriveId(fields: HeaderReading['fields'], lang: ImportLang): string | undefined {
  const d = lang.data;
  const body = (s: string) => d.id.bodies.find((b) => s.includes(b.cue))?.id;
  const num = fields.docNumber ? lang.docNumber.exec(fields.docNumber.value) : null;
  if (num?.groups) {
    const { prefix, year, serial } = num.groups as { prefix: string; year: string; serial: string };
    const place = prefix.startsWith(d.id.municipal_abbrev) ? d.id.municipal : d.districts.find((x) => prefix.startsWith(x.abbrev))?.id;
    if (place) return `${place}-${body(prefix) ?? body(fields.issuer?.value ?? '') ?? d.id.fallback}-${year}-${serial}`;
  }
  if (fields.issuer && fields.date && fields.level) {
    const place = fields.level.value === 'municipal' ? d.id.municipal : d.districts.find((x) => x.name === fields.district?.value)?.id;
    if (place) return `${place}-${body(fields.issuer.value) ?? d.id.fallback}-${fields.date.value}`;
  }
  return undefined;
}

async function extract(
  file: string,
  bytes: Uint8Array,
  lang: ImportLang,
): Promise<{ kind: InputKind; text: string; encoding?: string; pages?: number }> {
  const s = await sniff(bytes);
  if (s.kind === 'unsupported') throw new ImportError(file, `not importable: ${s.detail}`);
  try {
    // the format libraries load only for their format (linkedom alone costs about a second)
    if (s.kind === 'pdf') {
      const r = await (await import('./extract-pdf.ts')).pdfToText(bytes);
      return { kind: 'pdf', text: r.text, pages: r.pages };
    }
    if (s.kind === 'docx') return { kind: 'docx', text: (await (await import('./extract-docx.ts')).docxToText(bytes, lang)).text };
    if (s.kind === 'doc') return { kind: 'doc', text: await (await import('./extract-doc.ts')).docToText(bytes) };
    const dec = decodeText(bytes);
    if (s.kind === 'html' || looksLikeHtml(dec.text))
      return { kind: 'html', text: (await import('./extract-html.ts')).htmlToText(dec.text).text, encoding: dec.encoding };
    return { kind: 'text', text: dec.text, encoding: dec.encoding };
  } catch (err) {
    if (err instanceof PdfError || err instanceof DocxError || err instanceof DecodeError) throw new ImportError(file, err.message);
    if (err instanceof ImportError) throw err;
    throw new ImportError(
      file,
      `cannot read the ${s.kind.toUpperCase()} file (${(err as Error).message?.split('\n')[0] ?? String(err)}); open it and save it again, or export it as PDF`,
    );
  }
}

/**
 * Plans the import of one file. Throws ImportError (one line naming the file, the problem and the
 * fix) for an empty, oversized, unsupported, damaged, scanned or password-protected file, a page
 * without policy text, a missing title/issuer/date/level, or an id that exists already.
 */
export async function prepareImport(input: { file: string; bytes: Uint8Array }, opts: ImportOptions): Promise<ImportPlan> {
  const { file, bytes } = input;
  const { lang } = opts;
  const maxInput = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (bytes.length === 0) throw new ImportError(file, 'empty file (0 bytes): nothing to import');
  if (bytes.length > maxInput) {
    throw new ImportError(
      file,
      `file too large (${(bytes.length / 1048576).toFixed(1)} MiB, limit ${(maxInput / 1048576).toFixed(0)} MiB): a policy document is a few hundred KB; remove images or split the file`,
    );
  }
  const ex = await extract(file, bytes, lang);
  const body = ex.text.replace(/^\ufeff/, '');
  if (ex.kind === 'text' && /^---\r?\n[\s\S]*?\n---\r?\n/.test(body) && /^(?:title|issuer|date|level):/m.test(body.slice(0, 2000))) {
    throw new ImportError(
      file,
      'already a corpus file with a --- header: copy it into documents/ as it is (or drop it into INBOX_DIR), no import needed',
    );
  }
  const han = body.match(/\p{Script=Han}/gu)?.length ?? 0;
  if (han < 50) {
    throw new ImportError(
      file,
      `no policy text (${han} Chinese characters in the ${ex.kind === 'html' ? 'main content of the page' : 'extracted text'}): check that this is the document itself, not a list or a cover page`,
    );
  }
  const header = readHeader(body, lang);
  const fields: HeaderReading['fields'] = { ...header.fields };
  const overridden: ReadField[] = [];
  for (const [k, v] of Object.entries(opts.overrides ?? {}) as Array<[ReadField, string | undefined]>) {
    if (v === undefined) continue;
    fields[k] = { value: v, line: 0, source: 'command line', confidence: 'high' };
    overridden.push(k);
  }
  const need: Array<[ReadField, string]> = [
    ['title', '--title "关于……的通知"'],
    ['issuer', '--issuer 上海市人力资源和社会保障局'],
    ['date', '--date YYYY-MM-DD'],
    ['level', '--level municipal|district'],
  ];
  const lacking = need.filter(([f]) => !fields[f]);
  if (lacking.length) {
    throw new ImportError(
      file,
      `cannot read the ${lacking.map(([f]) => f).join(', ')} from the text (${lacking
        .map(([f]) => header.missing.find((m) => m.field === f)?.reason)
        .filter(Boolean)
        .join('; ')}); give ${lacking.map(([, fix]) => fix).join(' ')}`,
    );
  }
  const id = opts.id ?? deriveId(fields, lang);
  if (!id)
    throw new ImportError(
      file,
      'cannot derive a document id (no 文号, no district or municipal issuer); give --id, e.g. --id baoshan-hrss-2024-1',
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id))
    throw new ImportError(file, `"${id}" is not a usable document id: use letters, digits, "-", "_" or "."`);
  const existing = opts.corpus.find((d) => d.id === id);
  if (existing && !opts.replace)
    throw new ImportError(
      file,
      `a document with id "${id}" exists already (${existing.file}); give --replace to replace it, or --id for another id`,
      id,
    );
  // repeals → corpus documents
  const supersedes: string[] = [];
  const unmatchedRepeals: string[] = [];
  for (const r of header.repeals) {
    const hit = opts.corpus.find(
      (d) =>
        d.id !== id && ((r.docNumber && d.docNumber && squash(d.docNumber) === squash(r.docNumber)) || squash(d.title) === squash(r.title)),
    );
    if (hit && !supersedes.includes(hit.id)) supersedes.push(hit.id);
    else if (!hit) unmatchedRepeals.push(r.docNumber ? `《${r.title}》（${r.docNumber}）` : `《${r.title}》`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const lines = ['---'];
  for (const f of READ_FIELDS) {
    const v: FieldReading | undefined = fields[f];
    if (!v) continue;
    const dateLike = f === 'date' || f === 'validFrom' || f === 'validTo' || f === 'level';
    lines.push(`${HEADER_KEY[f]}: ${dateLike ? v.value : JSON.stringify(v.value)}`);
  }
  if (supersedes.length) lines.push(`supersedes: [${supersedes.join(', ')}]`);
  lines.push(
    `source: ${JSON.stringify(`import of ${basename(file)} (${ex.kind}${ex.encoding && ex.encoding !== 'utf-8' ? `, ${ex.encoding}` : ''}; sha256 ${sha256})`)}`,
  );
  lines.push('---');
  const content = `${lines.join('\n')}\n${body}`;
  const checked = parseDocumentFile(`documents/${id}.md`, new TextEncoder().encode(content), { maxBytes: DEFAULT_MAX_BYTES });
  if (checked.result.errors.length || !checked.document) {
    const e = checked.result.errors[0];
    throw new ImportError(file, `the document would not ingest (${e?.message ?? 'no document'})`);
  }
  return {
    file,
    kind: ex.kind,
    ...(ex.encoding ? { encoding: ex.encoding } : {}),
    id,
    sha256,
    header: { ...header, fields },
    overridden,
    supersedes,
    unmatchedRepeals,
    content,
    body,
    chunks: checked.chunks,
    document: checked.document,
    replaces: !!existing,
    ...(ex.pages ? { pages: ex.pages } : {}),
  };
}
