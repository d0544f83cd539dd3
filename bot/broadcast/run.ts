/**
 * One broadcast run: import the inbox, scan the corpus, diff against the last snapshot, update the
 * index, build digests, enqueue them together with the new snapshot, send from the outbox.
 *
 * Crash safety — the order is chosen so that a crash at any point is harmless:
 *   1. inbox import: copy to `<corpus>/documents/<name>` through a temp file + rename, THEN delete the
 *      inbox file (a crash in between re-imports the same bytes next time: a no-op);
 *   2. scan + diff: read-only;
 *   3. `reindex` hook: idempotent (the retriever caches embeddings by content hash); a crash after it
 *      repeats it next run;
 *   4. ONE transaction: outbox rows (unique keys `corpus@<version>:<doc>|<chat>|<part>`) + the new
 *      snapshot, guarded by the previous snapshot version (two concurrent runs cannot both commit);
 *   5. send from the outbox (resumable: rows are marked sent one by one).
 * The first run on an empty database saves a baseline snapshot and sends nothing (otherwise every
 * subscriber would get the whole library as "new"). A corpus with a bad file aborts the run before the
 * commit, so a broken file is never announced as "withdrawn".
 *
 * @example
 * const result = await runBroadcast({ corpusDir, bstore, subscribers: () => store.listSubscribers(), sender });
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { documentsDir, parseDocumentFile, readCorpus, type ReadCorpusResult } from '../../retrieval/corpus.ts';
import type { Subscriber } from '../store/types.ts';
import { buildAnnouncement, buildDigests } from './digest.ts';
import { diffSnapshots } from './diff.ts';
import type { OutboxSender, SendReport } from './sender.ts';
import { buildSnapshot } from './snapshot.ts';
import { outboxMessages, recipientCounts } from './topics.ts';
import type { BroadcastStore, CorpusDiff, Digest } from './types.ts';

/** Logger shape (bot/logger.ts). */
export interface RunLogger {
  debug(m: string, f?: Record<string, unknown>): void;
  info(m: string, f?: Record<string, unknown>): void;
  warn(m: string, f?: Record<string, unknown>): void;
  error(m: string, f?: Record<string, unknown>): void;
}

/** What a run needs. */
export interface BroadcastDeps {
  /** The corpus folder (documents in `<corpusDir>/documents`). */
  corpusDir: string;
  /** Optional folder where new/updated documents are dropped (`<id>.md`). */
  inboxDir?: string;
  bstore: BroadcastStore;
  /** Active subscribers (Store.listSubscribers). */
  subscribers: () => Promise<Pick<Subscriber, 'chatId' | 'chatType' | 'topics' | 'active'>[]>;
  /** Sends the outbox; absent → rows are only enqueued. */
  sender?: Pick<OutboxSender, 'drain'>;
  /** Rebuilds the search index from the new corpus (incremental: embeddings are cached by content hash). */
  reindex?: (corpus: ReadCorpusResult) => Promise<void>;
  log?: RunLogger;
  now?: () => number;
}

/** Options of one run. */
export interface RunOptions {
  /** Compute and return the digests and recipient counts; import, save and send nothing. */
  dryRun?: boolean;
  /** Wait for the outbox to drain (default true). */
  send?: boolean;
}

/** Outcome of a run. */
export interface RunResult {
  status: 'baseline' | 'no-change' | 'cosmetic' | 'changed' | 'conflict' | 'corpus-error';
  dryRun: boolean;
  /** `corpus@<version>` of the snapshot this run committed (or would commit). */
  runId: string | null;
  inbox: { imported: string[]; rejected: { file: string; message: string }[] };
  corpusErrors: { file: string; line?: number; message: string }[];
  diff: CorpusDiff | null;
  digests: Digest[];
  recipients: { key: string; recipients: number; parts: number }[];
  /** Outbox rows written by this run (0 in a dry run). */
  enqueued: number;
  /** Messages a real run would write (dry run) or wrote (real run) before de-duplication. */
  messages: number;
  send: SendReport | null;
  durationMs: number;
}

const DOC_EXT = /\.(md|txt)$/i;

/** Runs the sync-and-digest once (see the module comment for the order). */
export async function runBroadcast(deps: BroadcastDeps, opts: RunOptions = {}): Promise<RunResult> {
  const now = deps.now ?? Date.now;
  const t0 = performance.now();
  const log = deps.log;
  const dryRun = !!opts.dryRun;
  const result: RunResult = {
    status: 'no-change',
    dryRun,
    runId: null,
    inbox: { imported: [], rejected: [] },
    corpusErrors: [],
    diff: null,
    digests: [],
    recipients: [],
    enqueued: 0,
    messages: 0,
    send: null,
    durationMs: 0,
  };
  const finish = async (status: RunResult['status']) => {
    result.status = status;
    if (!dryRun && deps.sender && opts.send !== false && status !== 'corpus-error') {
      // Always drain: also resumes rows left by a run that crashed while sending.
      result.send = await deps.sender.drain();
    }
    result.durationMs = performance.now() - t0;
    log?.info('broadcast run', {
      status,
      dryRun,
      runId: result.runId,
      changes: result.diff?.changes.length ?? 0,
      enqueued: result.enqueued,
      sent: result.send?.sent ?? 0,
      ms: Math.round(result.durationMs),
    });
    return result;
  };

  // 1. Inbox.
  const inboxDocs = deps.inboxDir ? await readInbox(deps.inboxDir) : [];
  if (!dryRun && inboxDocs.length) result.inbox = await importInbox(deps.inboxDir!, deps.corpusDir, inboxDocs, log);

  // 2. Scan (a dry run overlays the valid inbox documents in memory).
  let corpus = await readCorpus(deps.corpusDir);
  if (dryRun && inboxDocs.length) {
    const overlay = overlayInbox(corpus, inboxDocs);
    corpus = overlay.corpus;
    result.inbox = { imported: overlay.imported, rejected: overlay.rejected };
  }
  if (corpus.errors.length) {
    result.corpusErrors = corpus.errors;
    log?.error('broadcast run aborted: the corpus has bad files (fix them; nothing was sent or saved)', { errors: corpus.errors });
    return finish('corpus-error');
  }
  const prev = await deps.bstore.loadSnapshot();
  const cur = buildSnapshot(corpus, (prev?.version ?? 0) + 1, now());
  result.runId = `corpus@${cur.version}`;

  if (!prev) {
    if (!dryRun) {
      if (deps.reindex && result.inbox.imported.length) await deps.reindex(corpus);
      const c = await deps.bstore.commit({ expectedVersion: 0, snapshot: cur, messages: [], now: now() });
      if (c === 'conflict') return finish('conflict');
      log?.info('broadcast: first run, baseline snapshot saved; nothing is sent', { documents: cur.docs.length, clauses: cur.chunks.length });
    }
    return finish('baseline');
  }
  if (prev.corpusHash === cur.corpusHash) {
    result.runId = null;
    return finish('no-change');
  }

  // 3. Diff + index.
  const diff = diffSnapshots(prev, cur);
  result.diff = diff;
  if (!dryRun && deps.reindex) await deps.reindex(corpus);

  // 4. Digests + outbox + snapshot in one transaction.
  const digests = buildDigests(diff, { runKey: result.runId });
  const subs = (await deps.subscribers()).filter((s) => s.active);
  const messages = outboxMessages(digests, subs, result.runId);
  result.digests = digests;
  result.recipients = recipientCounts(digests, subs);
  result.messages = messages.length;
  if (dryRun) return finish(digests.length ? 'changed' : 'cosmetic');
  const committed = await deps.bstore.commit({ expectedVersion: prev.version, snapshot: cur, messages, now: now() });
  if (committed === 'conflict') {
    log?.warn('broadcast: another run committed first; this run sends what is in the outbox only', { runId: result.runId });
    result.runId = null;
    return finish('conflict');
  }
  result.enqueued = committed.inserted;
  return finish(digests.length ? 'changed' : 'cosmetic');
}

/** Result of `announce`. */
export interface AnnounceResult {
  key: string;
  recipients: number;
  enqueued: number;
  /** Resolves when the outbox has drained (null without a sender). */
  done: Promise<SendReport> | null;
}

/**
 * A manual announcement (admin `/broadcast <text>`) through the same outbox: every active subscriber,
 * one row per part. `key` makes a retried command idempotent (e.g. `tg:<update id>`).
 */
export async function announce(
  deps: Pick<BroadcastDeps, 'bstore' | 'subscribers' | 'sender' | 'now'>,
  text: string,
  from: { userId: number; chatId?: number },
  key = `${from.userId}:${(deps.now ?? Date.now)()}:${randomUUID().slice(0, 8)}`,
): Promise<AnnounceResult> {
  const digest = buildAnnouncement(text, `announce:${key}`);
  const subs = (await deps.subscribers()).filter((s) => s.active);
  const messages = outboxMessages([digest], subs, digest.key);
  const enqueued = await deps.bstore.enqueue(messages, (deps.now ?? Date.now)());
  return { key: digest.key, recipients: subs.length, enqueued, done: deps.sender ? deps.sender.drain() : null };
}

interface InboxDoc {
  name: string;
  bytes: Uint8Array;
  parsed: ReturnType<typeof parseDocumentFile>;
}

async function readInbox(inboxDir: string): Promise<InboxDoc[]> {
  if (!existsSync(inboxDir)) return [];
  const entries = await readdir(inboxDir, { withFileTypes: true });
  const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && DOC_EXT.test(e.name)).map((e) => e.name).sort();
  const out: InboxDoc[] = [];
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(join(inboxDir, name)));
    out.push({ name, bytes, parsed: parseDocumentFile(`inbox/${name}`, bytes) });
  }
  return out;
}

/**
 * Moves valid inbox documents into `<corpus>/documents/` (replacing a document with the same id) and
 * bad ones into `<inbox>/rejected/` with a `.error.txt` note naming the problem.
 */
async function importInbox(inboxDir: string, corpusDir: string, docs: InboxDoc[], log?: RunLogger): Promise<RunResult['inbox']> {
  const out: RunResult['inbox'] = { imported: [], rejected: [] };
  const target = documentsDir(corpusDir);
  for (const d of docs) {
    const src = join(inboxDir, d.name);
    const id = basename(d.name, extname(d.name));
    const clash = [`${id}.md`, `${id}.txt`].filter((n) => n.toLowerCase() !== d.name.toLowerCase()).find((n) => existsSync(join(target, n)));
    const message = d.parsed.result.errors.map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.message}`).join('; ') || (clash ? `document id "${id}" already exists as ${clash}; use the same file name to replace it` : '');
    if (message) {
      const rejectedDir = join(inboxDir, 'rejected');
      await mkdir(rejectedDir, { recursive: true });
      await writeFile(join(rejectedDir, `${d.name}.error.txt`), message + '\n');
      await rename(src, join(rejectedDir, d.name));
      out.rejected.push({ file: d.name, message });
      log?.warn('broadcast: inbox document rejected (moved to rejected/)', { file: d.name, message });
      continue;
    }
    const tmp = join(target, `.${d.name}.${process.pid}.tmp`);
    await writeFile(tmp, d.bytes);
    await rename(tmp, join(target, d.name));
    await unlink(src);
    out.imported.push(d.name);
    log?.info('broadcast: inbox document imported into the corpus', { file: d.name });
  }
  return out;
}

/** Dry run: the corpus as it would be after importing the valid inbox documents. */
function overlayInbox(corpus: ReadCorpusResult, docs: InboxDoc[]): { corpus: ReadCorpusResult; imported: string[]; rejected: { file: string; message: string }[] } {
  const imported: string[] = [];
  const rejected: { file: string; message: string }[] = [];
  let documents = corpus.documents;
  let chunks = corpus.chunks;
  for (const d of docs) {
    const doc = d.parsed.document;
    if (!doc || d.parsed.result.errors.length) {
      rejected.push({ file: d.name, message: d.parsed.result.errors.map((e) => e.message).join('; ') });
      continue;
    }
    documents = [...documents.filter((x) => x.id !== doc.id), doc];
    chunks = [...chunks.filter((c) => c.docId !== doc.id), ...d.parsed.chunks];
    imported.push(d.name);
  }
  return { corpus: { ...corpus, documents, chunks }, imported, rejected };
}
