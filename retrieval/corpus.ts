/**
 * The I/O edge of ingestion: read every `.md` / `.txt` document of the corpus folder, parse the
 * header, normalize, chunk; collect warnings and per-file errors; write the ingest report.
 *
 * A bad file (empty, no header, bad header field, binary, not UTF-8, too large) is an error for that
 * file only: the other files are still read and reported, and the caller (`policybot ingest`) exits
 * non-zero naming it. Nothing here throws for bad content; only a missing corpus folder throws.
 *
 * @example
 * const { documents, chunks, warnings, errors } = await readCorpus('corpus');
 * const report = buildIngestReport(result, { corpusDir: 'corpus' });
 * await writeIngestReport('data', report); // data/ingest-report.json (temp file + rename)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, readdir, rename, writeFile, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkDocument, type ChunkOptions } from './chunk.ts';
import { FrontMatterError, parseFrontMatter } from './frontmatter.ts';
import { normalizeText, type NormalizeStats } from './normalize.ts';
import type { Chunk, IngestWarning, PolicyDocument } from './types.ts';
import type { LoggerLike } from '../text/log.ts';

export type { LoggerLike } from '../text/log.ts';

/** A file that could not be ingested. `file` is relative to the corpus folder. */
export interface CorpusFileError {
  file: string;
  line?: number;
  message: string;
}

/** What one file produced (for the report). */
export interface CorpusFileResult {
  file: string;
  id: string;
  hash?: string;
  bytes: number;
  chunks: number;
  normalization?: NormalizeStats;
  warnings: IngestWarning[];
  errors: CorpusFileError[];
}

/** Result of `readCorpus`. Documents and chunks are sorted by document id (chunks in text order). */
export interface ReadCorpusResult {
  /** The folder the documents were read from. */
  dir: string;
  documents: PolicyDocument[];
  chunks: Chunk[];
  warnings: IngestWarning[];
  errors: CorpusFileError[];
  files: CorpusFileResult[];
}

/** Options of `readCorpus`. */
export interface ReadCorpusOptions {
  logger?: LoggerLike;
  /** Files larger than this are rejected (default 2 MiB; policy documents are a few dozen KB). */
  maxBytes?: number;
  chunk?: ChunkOptions;
  /**
   * Folder of the parsed-corpus cache (`<DATA_DIR>/corpus-cache`): each file's document and chunks,
   * keyed by its bytes' hash, the options and the parsing code (`corpusCodeKey`), so that a process
   * that only answers does not normalize and chunk every document again. Unset: no cache.
   */
  cacheDir?: string;
  /** Identity of the parsing code for the cache; default `corpusCodeKey()` (no cache when undefined). */
  cacheKey?: string;
}

/** Thrown only when the corpus folder itself cannot be read. */
export class CorpusReadError extends Error {
  override name = 'CorpusReadError';
}

/** Default size limit of one document file. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DOC_EXT = /\.(md|txt)$/i;
const reId = /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u;

/** The folder holding the documents: `<dir>/documents` when it exists, else `dir` itself. */
export function documentsDir(dir: string): string {
  const sub = join(dir, 'documents');
  return existsSync(sub) && statSync(sub).isDirectory() ? sub : dir;
}

/**
 * Parses one corpus file (pure apart from hashing): checks the bytes, parses the header, normalizes
 * and chunks. `file` is the name used in messages (relative to the corpus folder).
 */
export function parseDocumentFile(
  file: string,
  bytes: Uint8Array,
  opts: Pick<ReadCorpusOptions, 'maxBytes' | 'chunk'> = {},
): { document?: PolicyDocument; chunks: Chunk[]; result: CorpusFileResult } {
  const id = basename(file).replace(DOC_EXT, '');
  const result: CorpusFileResult = { file, id, bytes: bytes.length, chunks: 0, warnings: [], errors: [] };
  const fail = (message: string, line?: number) => {
    result.errors.push({ file, ...(line !== undefined ? { line } : {}), message });
    return { chunks: [], result };
  };
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!reId.test(id))
    return fail(`file name "${basename(file)}" is not a usable document id: use letters, digits, "-", "_" or "." (e.g. sh-hrss-2024-1.md)`);
  if (bytes.length > maxBytes) {
    return fail(
      `file is too large (${(bytes.length / 1048576).toFixed(1)} MiB, limit ${(maxBytes / 1048576).toFixed(1)} MiB): a policy document is a few dozen KB — split it into one file per document or remove it`,
    );
  }
  if (bytes.length === 0) return fail(`empty file: add a header and the document text, or delete the file`);
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    return fail(
      `binary file (NUL byte at offset ${nul}): corpus documents must be UTF-8 text (.md/.txt); convert the PDF/Word file to text first`,
    );
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('not valid UTF-8 text (GBK/GB2312?): convert it, e.g. `iconv -f GBK -t UTF-8 in.txt > out.md`');
  }
  if (!content.trim()) return fail('empty file (only whitespace): add a header and the document text, or delete the file');
  let header;
  try {
    header = parseFrontMatter(content, file);
  } catch (err) {
    if (err instanceof FrontMatterError) return fail(err.message.slice(`${file}:${err.line}: `.length), err.line);
    throw err;
  }
  for (const w of header.warnings) result.warnings.push({ file, line: w.line, message: w.message });
  const norm = normalizeText(header.body);
  result.normalization = norm.stats;
  for (const w of norm.warnings) result.warnings.push({ file, line: w.line + header.bodyStartLine - 1, message: w.message });
  if (!norm.text.trim())
    return fail('the header is followed by no text: add the document text after the closing "---" line', header.bodyStartLine);
  result.hash = createHash('sha256').update(bytes).digest('hex');
  const document: PolicyDocument = { id, file, ...header.meta, rawText: header.body, text: norm.text, hash: result.hash };
  const chunks = chunkDocument(document, opts.chunk);
  result.chunks = chunks.length;
  if (!chunks.length) result.warnings.push({ file, message: 'no chunks: the document has no text the chunker could cite' });
  return { document, chunks, result };
}

/**
 * Reads the corpus: every `.md`/`.txt` file in `<dir>/documents` (or `dir` itself when it has no
 * `documents/` folder), sorted by id. Bad files are reported in `errors`; the others are ingested.
 * Throws `CorpusReadError` only when the folder does not exist or cannot be listed.
 *
 * @example
 * const { documents, chunks, errors } = await readCorpus(config.CORPUS_DIR, { logger });
 */
/** Layout of the parsed-corpus cache file. */
const CORPUS_CACHE_VERSION = 1;

type ParsedFile = ReturnType<typeof parseDocumentFile>;

/**
 * Identity of the code that parses documents, for the parsed-corpus cache: in the CLI bundle, the name
 * of this module's chunk, which esbuild derives from its content and the names of the chunks it
 * imports (so from all the parsing code), plus the version of opencc-js (an external package).
 * Undefined outside the bundle (sources through tsx, dist/): those processes do not use the cache, as
 * an edited source would not change the key.
 */
export function corpusCodeKey(): string | undefined {
  const self = fileURLToPath(import.meta.url);
  if (!/[\\/]dist-bundle[\\/]/.test(self) || !/-[A-Z0-9]{8}\.js$/.test(self)) return undefined;
  try {
    let d = dirname(createRequire(import.meta.url).resolve('opencc-js/t2cn'));
    while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
    const { version } = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version?: string };
    return `${basename(self)} opencc-js@${version}`;
  } catch {
    return undefined;
  }
}

/** Folder of the parsed-corpus cache under DATA_DIR (`ReadCorpusOptions.cacheDir`). */
export function corpusCacheDir(dataDir: string): string {
  return join(dataDir, 'corpus-cache');
}

interface CorpusCache {
  version: number;
  key: string;
  /** `<file>\0<sha256 of its bytes>` → what parseDocumentFile returned. */
  files: Record<string, ParsedFile>;
}

function corpusCacheFile(cacheDir: string): string {
  return join(cacheDir, 'parsed-corpus.json');
}

/** The cached files when the cache was written by the same code and options, else an empty table. */
async function readCorpusCache(cacheDir: string, key: string): Promise<Record<string, ParsedFile>> {
  try {
    const c = JSON.parse(await readFile(corpusCacheFile(cacheDir), 'utf8')) as CorpusCache;
    if (c.version === CORPUS_CACHE_VERSION && c.key === key && c.files && typeof c.files === 'object') return c.files;
  } catch {
    // missing or unreadable: parsed again and rewritten
  }
  return {};
}

/** Writes the cache atomically; a data folder that cannot be written only costs the parsing next time. */
async function writeCorpusCache(cacheDir: string, key: string, files: Record<string, ParsedFile>): Promise<void> {
  const target = corpusCacheFile(cacheDir);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(cacheDir, { recursive: true });
    const c: CorpusCache = { version: CORPUS_CACHE_VERSION, key, files };
    await writeFile(tmp, JSON.stringify(c), 'utf8');
    await rename(tmp, target);
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

export async function readCorpus(dir: string, opts: ReadCorpusOptions = {}): Promise<ReadCorpusResult> {
  const docsDir = documentsDir(dir);
  let names: string[];
  try {
    const entries = await readdir(docsDir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && DOC_EXT.test(e.name)).map((e) => e.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CorpusReadError(
      code === 'ENOENT'
        ? `corpus folder not found: ${docsDir} (set CORPUS_DIR or pass --corpus DIR; documents go in <corpus>/documents/)`
        : `cannot read the corpus folder ${docsDir}: ${(err as Error).message}`,
    );
  }
  const byId = (n: string) => n.replace(DOC_EXT, '');
  names.sort((a, b) => (byId(a) < byId(b) ? -1 : byId(a) > byId(b) ? 1 : a < b ? -1 : 1));
  const relBase = relative(dir, docsDir);
  const rel = (n: string) => (relBase ? `${relBase}/${n}` : n);
  const contents = await Promise.all(
    names.map(async (n) => {
      try {
        return { n, bytes: new Uint8Array(await readFile(join(docsDir, n))) };
      } catch (err) {
        return { n, error: (err as Error).message };
      }
    }),
  );
  const code = opts.cacheDir ? (opts.cacheKey ?? corpusCodeKey()) : undefined;
  const key = code && JSON.stringify([code, opts.maxBytes ?? DEFAULT_MAX_BYTES, opts.chunk ?? null]);
  const cached = key ? await readCorpusCache(opts.cacheDir!, key) : {};
  const current: Record<string, ParsedFile> = {};
  let misses = 0;
  const out: ReadCorpusResult = { dir: docsDir, documents: [], chunks: [], warnings: [], errors: [], files: [] };
  const seen = new Map<string, string>();
  for (const c of contents) {
    const file = rel(c.n);
    let parsed: ReturnType<typeof parseDocumentFile>;
    if ('error' in c) {
      parsed = {
        chunks: [],
        result: { file, id: byId(c.n), bytes: 0, chunks: 0, warnings: [], errors: [{ file, message: `cannot read the file: ${c.error}` }] },
      };
    } else if (seen.has(byId(c.n))) {
      parsed = {
        chunks: [],
        result: {
          file,
          id: byId(c.n),
          bytes: c.bytes.length,
          chunks: 0,
          warnings: [],
          errors: [
            { file, message: `duplicate document id "${byId(c.n)}" (also ${seen.get(byId(c.n))}): rename or remove one of the files` },
          ],
        },
      };
    } else if (key) {
      const k = `${file}\0${createHash('sha256').update(c.bytes).digest('hex')}`;
      const hit = cached[k];
      if (!hit) misses++;
      parsed = hit ?? parseDocumentFile(file, c.bytes, opts);
      current[k] = parsed;
    } else {
      parsed = parseDocumentFile(file, c.bytes, opts);
    }
    seen.set(byId(c.n), file);
    out.files.push(parsed.result);
    out.warnings.push(...parsed.result.warnings);
    out.errors.push(...parsed.result.errors);
    if (parsed.document) {
      out.documents.push(parsed.document);
      out.chunks.push(...parsed.chunks);
    }
    for (const e of parsed.result.errors) opts.logger?.error(`${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
    for (const w of parsed.result.warnings) opts.logger?.warn(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
    opts.logger?.debug('corpus file', { file, chunks: parsed.result.chunks });
  }
  if (key && (misses > 0 || Object.keys(cached).length !== Object.keys(current).length))
    await writeCorpusCache(opts.cacheDir!, key, current);
  opts.logger?.info('corpus read', {
    dir: docsDir,
    documents: out.documents.length,
    chunks: out.chunks.length,
    warnings: out.warnings.length,
    errors: out.errors.length,
  });
  return out;
}

/** The ingest report written to `DATA_DIR/ingest-report.json`. */
export interface IngestReport {
  version: 1;
  generatedAt: string;
  corpusDir: string;
  ok: boolean;
  documents: number;
  chunks: number;
  warnings: number;
  errors: number;
  files: CorpusFileResult[];
}

/** Builds the report (per-file warnings with their line, errors, normalization stats). */
export function buildIngestReport(result: ReadCorpusResult, opts: { generatedAt?: string } = {}): IngestReport {
  return {
    version: 1,
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    corpusDir: result.dir,
    ok: result.errors.length === 0,
    documents: result.documents.length,
    chunks: result.chunks.length,
    warnings: result.warnings.length,
    errors: result.errors.length,
    files: result.files,
  };
}

/** File name of the report under DATA_DIR. */
export const INGEST_REPORT_FILE = 'ingest-report.json';

/**
 * Writes the report atomically (temp file in the same folder, then rename), so a crash never leaves
 * a half-written report. Returns the path written.
 */
export async function writeIngestReport(dataDir: string, report: IngestReport): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const target = join(dataDir, INGEST_REPORT_FILE);
  const tmp = join(dataDir, `.${INGEST_REPORT_FILE}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(report, null, 2) + '\n', 'utf8');
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return target;
}

/** Extension-agnostic id of a corpus file name (`sh-hrss-2022-103.md` → `sh-hrss-2022-103`). */
export function documentId(fileName: string): string {
  return basename(fileName, extname(fileName));
}
