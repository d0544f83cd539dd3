/**
 * Shared shapes of the broadcast feature: corpus snapshots, document/clause diffs, digests and
 * outbox rows. Engine-neutral (no SQL): the SQLite implementation lives in `outbox-sqlite.ts`, a
 * PostgreSQL one (issue 8) implements the same `BroadcastStore` interface.
 */
import type { DocumentMeta } from '../../retrieval/types.ts';

/** Document metadata kept in a snapshot (what a digest header shows). */
export type SnapshotDocMeta = Pick<DocumentMeta, 'title' | 'docNumber' | 'issuer' | 'date' | 'level' | 'district'>;

/** One document in a snapshot: id, content hash of the source file, metadata. */
export interface SnapshotDoc {
  id: string;
  /** sha256 of the raw file (PolicyDocument.hash). */
  hash: string;
  meta: SnapshotDocMeta;
}

/** One clause in a snapshot; parts of a split clause (`~n`) are joined into one entry. */
export interface SnapshotChunk {
  /** `<docId>#<clause path>` without the `~n` part suffix. */
  id: string;
  docId: string;
  /** Clause path as in the chunk id (e.g. `二/（一）`), used to match clauses across versions. */
  label: string;
  /** Short label to show (Chunk.clause, e.g. `（一）`). */
  clause: string;
  text: string;
}

/** The ingested state of the corpus that the last broadcast run saw. */
export interface CorpusSnapshot {
  /** Increases by one with every committed run; 0 = none yet. */
  version: number;
  /** sha256 over the sorted (id, hash) pairs. */
  corpusHash: string;
  /** ms since epoch. */
  createdAt: number;
  docs: SnapshotDoc[];
  chunks: SnapshotChunk[];
}

/** A clause-level change inside a changed document. */
export interface ClauseChange {
  kind: 'added' | 'removed' | 'modified';
  /** Label to show (new label for added/modified, old for removed). */
  clause: string;
  /** Clause path used for matching (new for added/modified, old for removed). */
  label: string;
  /** Old label when a modified clause was matched under a different label (renumbered). */
  oldLabel?: string;
  oldText?: string;
  newText?: string;
  /** Bigram similarity of old and new (modified only), 0..1. */
  similarity?: number;
}

/** Per-document result of comparing two snapshots. */
export interface DocChange {
  kind: 'added' | 'removed' | 'changed';
  docId: string;
  /** Metadata of the new version (added/changed) or of the old one (removed). */
  meta: SnapshotDocMeta;
  /** Metadata fields whose value changed (changed documents). */
  metaChanges: { field: keyof SnapshotDocMeta; from?: string; to?: string }[];
  /** Clause changes; for added documents every clause is `added`, for removed ones every clause is `removed`. */
  clauses: ClauseChange[];
}

/** Result of `diffSnapshots`. */
export interface CorpusDiff {
  changes: DocChange[];
  /** Documents whose file hash changed but whose normalized text and metadata did not (e.g. whitespace). */
  cosmetic: string[];
  unchanged: number;
}

/** One message for a set of recipients: one per changed document, or a manual announcement. */
export interface Digest {
  /** Unique per run and document, e.g. `corpus@7:sh-hrss-2022-103` or `announce:<id>`. */
  key: string;
  kind: 'added' | 'removed' | 'changed' | 'announcement';
  docId?: string;
  /** Telegram HTML, each part under 4096 characters. */
  parts: string[];
  /** What topic filtering looks at (level, district, title and clause text). */
  match: { level: string; district?: string; title?: string; text?: string };
}

/** Status of an outbox row. */
export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'skipped';

/** A message to write into the outbox (one per digest part and recipient). */
export interface OutboxMessage {
  /** Unique key `<digest key>|<chat id>|<part>`: re-enqueueing the same message is a no-op. */
  dedupeKey: string;
  runId: string;
  digestKey: string;
  chatId: number;
  chatType: 'private' | 'group';
  part: number;
  text: string;
}

/** A row of the outbox. */
export interface OutboxRow extends OutboxMessage {
  id: number;
  status: OutboxStatus;
  attempts: number;
  /** ms since epoch before which the row is not sent (retry back-off). */
  notBefore: number;
  claimedBy: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  sentAt: number | null;
  telegramMessageId: number | null;
  createdAt: number;
  /** Set when a sender started sending the row and never recorded the outcome (it died): in doubt. */
  inDoubtSince: number | null;
}

/** Row counts by status. */
export interface OutboxCounts {
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
  total: number;
}

/**
 * Persistence of the broadcast feature: the corpus snapshot and the outbox. Every method is async so
 * that a networked engine (PostgreSQL, `FOR UPDATE SKIP LOCKED`) fits the same interface.
 */
export interface BroadcastStore {
  /** The last committed snapshot, or null before the first run. */
  loadSnapshot(): Promise<CorpusSnapshot | null>;
  /**
   * In ONE transaction: checks that the stored snapshot version is still `expectedVersion` (another run
   * did not commit in between), inserts the messages (ignoring dedupe-key duplicates) and, when given,
   * stores `snapshot`. Returns the number of rows inserted, or `conflict` when the version moved.
   */
  commit(input: {
    expectedVersion: number;
    snapshot?: CorpusSnapshot;
    messages: OutboxMessage[];
    now?: number;
  }): Promise<{ inserted: number } | 'conflict'>;
  /** Inserts messages (ignoring duplicates) without touching the snapshot (manual announcements). */
  enqueue(messages: OutboxMessage[], now?: number): Promise<number>;
  /**
   * Claims up to `limit` sendable rows for `worker` until `now + leaseMs`: pending, due, not leased by a
   * live worker, and the oldest pending row of their chat (keeps per-chat order).
   */
  claim(worker: string, limit: number, leaseMs: number, now?: number): Promise<OutboxRow[]>;
  /**
   * Right before a send: extends the lease of a row still held by `worker` and marks it in flight
   * (`sending_since`). False when the lease was lost or the row is done — then it must not be sent.
   */
  beginSend(id: number, worker: string, leaseMs: number, now?: number): Promise<boolean>;
  /**
   * Settles a claimed row that is in doubt (`inDoubtSince` set): `skip` records it as skipped with
   * `note` (at most once), `resend` clears the mark so it is sent again (at least once).
   */
  resolveInDoubt(id: number, worker: string, action: 'skip' | 'resend', note: string, now?: number): Promise<boolean>;
  /** Marks a row sent (only while `worker` holds it). False when it did not hold it. */
  markSent(id: number, worker: string, telegramMessageId: number | null, now?: number): Promise<boolean>;
  /** Puts a row back to pending, due at `notBefore`; `countAttempt` adds one to attempts. */
  release(id: number, worker: string, opts: { notBefore: number; error?: string; countAttempt: boolean }): Promise<void>;
  /** Marks a row failed (after bounded retries or a permanent error). */
  markFailed(id: number, worker: string, error: string, now?: number): Promise<void>;
  /** Marks every pending row of a chat skipped (the chat blocked the bot). Returns the count. */
  skipChat(chatId: number, reason: string, now?: number): Promise<number>;
  /** The earliest time (ms) at which some pending row may become claimable; null when none is pending. */
  nextDue(now?: number): Promise<number | null>;
  /** Counts by status, for one run or all. */
  counts(runId?: string): Promise<OutboxCounts>;
  /** Deletes sent/failed/skipped rows older than `olderThanMs`. Returns the count. */
  prune(olderThanMs: number, now?: number): Promise<number>;
}
