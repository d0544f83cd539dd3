/**
 * The inbox: files dropped into INBOX_DIR (any format `policybot import` reads, or a corpus file
 * with its own `---` header) are imported into `<corpus>/documents/`; the file is then moved to
 * `INBOX_DIR/done/`, or to `INBOX_DIR/failed/` with `<name>.error.txt` beside it.
 *
 * Crash safety (nothing lost, nothing imported twice), step by step:
 *   1. the corpus document is written through a temp file + rename (all or nothing);
 *   2. the inbox file is renamed into done/ (atomic, same folder tree).
 * A crash between 1 and 2 leaves the file in the inbox; the next run finds its document already in
 * the corpus — same bytes (a corpus file) or the same sha256 in the `source` field (an import) —
 * and only completes step 2. A failure writes the `.error.txt` first and then moves the file, so a
 * crash in between retries the file next time.
 *
 * @example
 * const r = await importInbox({ inboxDir, corpusDir, lang });
 * r.imported // → [{ file: 'notice.pdf', id: 'sh-hrss-2024-12' }]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseDocumentFile, readCorpus } from '../corpus.ts';
import type { Chunk, PolicyDocument } from '../types.ts';
import { ImportError, prepareImport } from './index.ts';
import type { ImportLang } from './lang.ts';
import { removeStaleTemps, writeDocumentAtomic } from './write.ts';

/** Sub-folders of the inbox. */
export const INBOX_DONE = 'done';
export const INBOX_FAILED = 'failed';

/** Logger shape (bot/logger.ts). */
interface LoggerLike {
  info(m: string, f?: Record<string, unknown>): void;
  warn(m: string, f?: Record<string, unknown>): void;
}

/** A step of the inbox import, reported to `onStep` (tests use it to kill the process between steps). */
export type InboxStep = 'written' | 'moved' | 'error-noted' | 'failed-moved';

/** Options of `importInbox` / `planInbox`. */
export interface InboxOptions {
  inboxDir: string;
  corpusDir: string;
  lang: ImportLang;
  log?: LoggerLike;
  onStep?: (step: InboxStep, file: string) => void;
}

/** One inbox file, planned. */
export interface InboxItem {
  file: string;
  /** The corpus document it becomes (absent on failure). */
  id?: string;
  document?: PolicyDocument;
  chunks?: Chunk[];
  /** The content to write (absent when the corpus holds it already: a crash after step 1). */
  content?: string;
  /** File name in documents/ (`<id>.md`, or the inbox name of a corpus file). */
  target?: string;
  alreadyImported?: boolean;
  error?: string;
}

/** Result of `importInbox`. */
export interface InboxResult {
  imported: Array<{ file: string; id: string }>;
  failed: Array<{ file: string; message: string }>;
}

/** Names of the files waiting in the inbox (hidden files and the done/failed folders skipped). */
export async function inboxFiles(inboxDir: string): Promise<string[]> {
  if (!existsSync(inboxDir)) return [];
  const entries = await readdir(inboxDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

const SOURCE_HASH = /sha256 ([0-9a-f]{64})/;

/**
 * Plans the inbox without touching anything: each file becomes a corpus document or an error.
 * Used by the broadcast dry run (overlay) and by `importInbox`.
 */
export async function planInbox(opts: Omit<InboxOptions, 'onStep'>): Promise<InboxItem[]> {
  const names = await inboxFiles(opts.inboxDir);
  if (!names.length) return [];
  const corpus = await readCorpus(opts.corpusDir);
  const known = [...corpus.documents];
  const items: InboxItem[] = [];
  for (const file of names) {
    const bytes = new Uint8Array(await readFile(join(opts.inboxDir, file)));
    const text = new TextDecoder().decode(bytes.subarray(0, 8));
    if (/^(?:\ufeff)?---\r?\n/.test(text) && /\.(md|txt)$/i.test(file)) {
      // a corpus file with its own header: copied under its name (a new version replaces the old one)
      const parsed = parseDocumentFile(`inbox/${file}`, bytes);
      const id = basename(file, extname(file));
      const clash = corpus.files.find((f) => f.id === id && basename(f.file) !== file);
      const error =
        parsed.result.errors.map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.message}`).join('; ') ||
        (clash ? `document id "${id}" already exists as ${clash.file}; use the same file name to replace it` : '');
      if (error || !parsed.document) {
        items.push({ file, error: error || 'not a corpus document' });
        continue;
      }
      const content = new TextDecoder().decode(bytes);
      const existing = corpus.documents.find((d) => d.id === id);
      const document = { ...parsed.document, id, file: `documents/${file}` };
      items.push({
        file,
        id,
        document,
        chunks: parsed.chunks.map((c) => ({ ...c, docId: id })),
        ...(existing?.hash === parsed.document.hash ? { alreadyImported: true } : { content, target: file }),
      });
      continue;
    }
    try {
      const plan = await prepareImport({ file, bytes }, { lang: opts.lang, corpus: known });
      known.push(plan.document);
      items.push({ file, id: plan.id, document: plan.document, chunks: plan.chunks, content: plan.content, target: `${plan.id}.md` });
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      // the same bytes imported before a crash: the document records their sha256
      const existing = err.existingId ? corpus.documents.find((d) => d.id === err.existingId) : undefined;
      const hash = existing?.source ? SOURCE_HASH.exec(existing.source)?.[1] : undefined;
      if (existing && hash && hash === (await sha256(bytes))) {
        items.push({ file, id: existing.id, alreadyImported: true });
        continue;
      }
      items.push({ file, error: err.problem });
    }
  }
  return items;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}

/** Imports the inbox (see the module comment for the order of the steps). */
export async function importInbox(opts: InboxOptions): Promise<InboxResult> {
  const out: InboxResult = { imported: [], failed: [] };
  await removeStaleTemps(opts.corpusDir);
  const items = await planInbox(opts);
  for (const it of items) {
    const src = join(opts.inboxDir, it.file);
    if (it.error !== undefined || !it.id) {
      const dir = join(opts.inboxDir, INBOX_FAILED);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${it.file}.error.txt`), `${it.file}: ${it.error}\n`);
      opts.onStep?.('error-noted', it.file);
      await rename(src, join(dir, it.file));
      opts.onStep?.('failed-moved', it.file);
      out.failed.push({ file: it.file, message: it.error ?? 'not importable' });
      opts.log?.warn('inbox: file not imported (moved to failed/)', { file: it.file, message: it.error });
      continue;
    }
    if (it.content !== undefined) {
      await writeDocumentAtomic(opts.corpusDir, it.target ?? `${it.id}.md`, it.content);
      opts.onStep?.('written', it.file);
    }
    const dir = join(opts.inboxDir, INBOX_DONE);
    await mkdir(dir, { recursive: true });
    await rename(src, join(dir, it.file));
    opts.onStep?.('moved', it.file);
    out.imported.push({ file: it.file, id: it.id });
    opts.log?.info('inbox: file imported into the corpus (moved to done/)', { file: it.file, id: it.id, resumed: !!it.alreadyImported });
  }
  return out;
}
