/**
 * One broadcast run: import the inbox, scan the corpus, diff against the last snapshot, update the
 * index, build digests, enqueue them together with the new snapshot, send from the outbox.
 *
 * Crash safety — the order is chosen so that a crash at any point is harmless:
 *   1. inbox import (retrieval/import/inbox.ts): any format `policybot import` reads; the corpus file
 *      is written through a temp file + rename, THEN the inbox file moves to done/ (or failed/ with a
 *      `.error.txt`); a crash in between is recognized next time and only the move is repeated;
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
import { readCorpus, type ReadCorpusResult } from '../../retrieval/corpus.ts';
import { importInbox, planInbox, type InboxItem } from '../../retrieval/import/inbox.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';
import { repealDigestLine } from '../../retrieval/import/supersession.ts';
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
  /** Optional folder where new/updated documents are dropped (PDF, Word, HTML, text, or `<id>.md` with a header). */
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
  const lang = deps.inboxDir ? loadImportLang(deps.corpusDir) : undefined;
  if (!dryRun && deps.inboxDir && lang) {
    const r = await importInbox({ inboxDir: deps.inboxDir, corpusDir: deps.corpusDir, lang, ...(log ? { log } : {}) });
    result.inbox = { imported: r.imported.map((i) => i.file), rejected: r.failed };
  }

  // 2. Scan (a dry run overlays the inbox documents in memory).
  let corpus = await readCorpus(deps.corpusDir);
  if (dryRun && deps.inboxDir && lang) {
    const overlay = overlayInbox(corpus, await planInbox({ inboxDir: deps.inboxDir, corpusDir: deps.corpusDir, lang }));
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
      log?.info('broadcast: first run, baseline snapshot saved; nothing is sent', {
        documents: cur.docs.length,
        clauses: cur.chunks.length,
      });
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
  const digests = buildDigests(diff, { runKey: result.runId, notes: repealNotes(corpus) });
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

/**
 * Saves the baseline snapshot when the broadcast store has none yet (the first `policybot ingest`
 * on a fresh install), so that a later `broadcast --dry-run` shows the digest of a document added
 * after it instead of "first run: a baseline would be saved". A corpus with bad files saves nothing.
 */
export async function saveBaselineIfNone(
  bstore: Pick<BroadcastStore, 'loadSnapshot' | 'commit'>,
  corpus: ReadCorpusResult,
  now = Date.now(),
): Promise<'saved' | 'exists' | 'corpus-error' | 'conflict'> {
  if (corpus.errors.length) return 'corpus-error';
  if (await bstore.loadSnapshot()) return 'exists';
  const c = await bstore.commit({ expectedVersion: 0, snapshot: buildSnapshot(corpus, 1, now), messages: [], now });
  return c === 'conflict' ? 'conflict' : 'saved';
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

/** Digest lines announcing repeals: per document that supersedes corpus documents, the line naming them. */
function repealNotes(corpus: ReadCorpusResult): Record<string, string[]> {
  const notes: Record<string, string[]> = {};
  for (const d of corpus.documents) {
    const line = d.supersedes?.length ? repealDigestLine(d, corpus.documents) : undefined;
    if (line) notes[d.id] = [line];
  }
  return notes;
}

/** Dry run: the corpus as it would be after importing the inbox. */
function overlayInbox(
  corpus: ReadCorpusResult,
  items: InboxItem[],
): { corpus: ReadCorpusResult; imported: string[]; rejected: { file: string; message: string }[] } {
  const imported: string[] = [];
  const rejected: { file: string; message: string }[] = [];
  let documents = corpus.documents;
  let chunks = corpus.chunks;
  for (const it of items) {
    if (it.error !== undefined || !it.id) {
      rejected.push({ file: it.file, message: it.error ?? 'not importable' });
      continue;
    }
    imported.push(it.file);
    if (!it.document || !it.chunks) continue; // already in the corpus (an interrupted import)
    const doc = it.document;
    documents = [...documents.filter((x) => x.id !== doc.id), doc];
    chunks = [...chunks.filter((c) => c.docId !== doc.id), ...it.chunks];
  }
  return { corpus: { ...corpus, documents, chunks }, imported, rejected };
}
