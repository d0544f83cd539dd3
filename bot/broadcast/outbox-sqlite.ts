/**
 * The broadcast store on SQLite (better-sqlite3): the corpus snapshot and the outbox, in the migration
 * scope `broadcast`, sharing the connection of the bot's SqliteStore (one database file).
 *
 * Exactly-once design (the same on PostgreSQL, issue 8):
 * - a run inserts one row per (digest part, recipient) with a UNIQUE dedupe key, in the SAME
 *   transaction as the new corpus snapshot — a crash before the commit leaves neither, after it both;
 * - a sender claims rows with a lease (`claimed_by`, `lease_until`); right before each send it renews
 *   the lease and sets `sending_since` (a worker whose lease was taken over does not send), and marks
 *   the row `sent` only after Telegram accepted the message; rows of a dead worker become claimable
 *   when the lease expires, and a row still carrying `sending_since` is *in doubt* (its sender died
 *   between the request and the `sent` mark) — the sender's `inDoubt` policy decides.
 * On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP LOCKED` inside the same UPDATE.
 *
 * @example
 * const store = openSqliteStore({ file });                 // bot/store
 * const bstore = openSqliteBroadcastStore(store.db);        // applies the `broadcast` migrations
 * await bstore.enqueue(messages);
 */
import type Database from 'better-sqlite3';
import { applySqliteMigrations, type SqliteMigration } from '../store/sqlite-migrations.ts';
import type { BroadcastStore, CorpusSnapshot, OutboxCounts, OutboxMessage, OutboxRow, OutboxStatus } from './types.ts';

/** Schema of the broadcast feature (scope `broadcast`); never edit a shipped version, add one. */
export const broadcastMigrations: SqliteMigration[] = [
  {
    scope: 'broadcast',
    version: 1,
    name: 'corpus snapshot and outbox',
    up: `
      CREATE TABLE broadcast_snapshot (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        version     INTEGER NOT NULL,
        corpus_hash TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        body        TEXT NOT NULL
      );
      CREATE TABLE broadcast_outbox (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key          TEXT NOT NULL UNIQUE,
        run_id              TEXT NOT NULL,
        digest_key          TEXT NOT NULL,
        chat_id             INTEGER NOT NULL,
        chat_type           TEXT NOT NULL CHECK (chat_type IN ('private', 'group')),
        part                INTEGER NOT NULL,
        text                TEXT NOT NULL,
        status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0,
        not_before          INTEGER NOT NULL DEFAULT 0,
        claimed_by          TEXT,
        lease_until         INTEGER,
        last_error          TEXT,
        sent_at             INTEGER,
        telegram_message_id INTEGER,
        created_at          INTEGER NOT NULL,
        updated_at          INTEGER NOT NULL
      );
      CREATE INDEX broadcast_outbox_status ON broadcast_outbox (status, id);
      CREATE INDEX broadcast_outbox_chat ON broadcast_outbox (chat_id, status, id);
      CREATE INDEX broadcast_outbox_run ON broadcast_outbox (run_id, status);
    `,
  },
  {
    scope: 'broadcast',
    version: 2,
    name: 'in-flight mark: a row whose sender died during the send is recognised as in doubt',
    up: 'ALTER TABLE broadcast_outbox ADD COLUMN sending_since INTEGER',
  },
];

interface Row {
  id: number;
  dedupe_key: string;
  run_id: string;
  digest_key: string;
  chat_id: number;
  chat_type: 'private' | 'group';
  part: number;
  text: string;
  status: OutboxStatus;
  attempts: number;
  not_before: number;
  claimed_by: string | null;
  lease_until: number | null;
  last_error: string | null;
  sent_at: number | null;
  telegram_message_id: number | null;
  created_at: number;
  sending_since: number | null;
}

/** Opens the broadcast store on an open better-sqlite3 connection (applies the `broadcast` migrations). */
export function openSqliteBroadcastStore(db: Database.Database, opts: { now?: () => number } = {}): SqliteBroadcastStore {
  return new SqliteBroadcastStore(db, opts.now ?? Date.now);
}

/** `BroadcastStore` on better-sqlite3. */
export class SqliteBroadcastStore implements BroadcastStore {
  private readonly q;

  constructor(
    readonly db: Database.Database,
    private readonly clock: () => number = Date.now,
  ) {
    applySqliteMigrations(db, broadcastMigrations, clock());
    this.q = {
      snapGet: db.prepare<[], { version: number; corpus_hash: string; created_at: number; body: string }>(
        'SELECT version, corpus_hash, created_at, body FROM broadcast_snapshot WHERE id = 1',
      ),
      snapVersion: db.prepare<[], { version: number }>('SELECT version FROM broadcast_snapshot WHERE id = 1'),
      snapPut: db.prepare(
        `INSERT INTO broadcast_snapshot (id, version, corpus_hash, created_at, body) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, corpus_hash = excluded.corpus_hash, created_at = excluded.created_at, body = excluded.body`,
      ),
      insert: db.prepare(
        `INSERT INTO broadcast_outbox (dedupe_key, run_id, digest_key, chat_id, chat_type, part, text, created_at, updated_at)
         VALUES (@dedupeKey, @runId, @digestKey, @chatId, @chatType, @part, @text, @now, @now)
         ON CONFLICT (dedupe_key) DO NOTHING`,
      ),
      claim: db.prepare<{ worker: string; until: number; now: number; limit: number }, Row>(
        `UPDATE broadcast_outbox SET claimed_by = @worker, lease_until = @until, updated_at = @now
         WHERE id IN (
           SELECT o.id FROM broadcast_outbox o
           WHERE o.status = 'pending' AND o.not_before <= @now AND (o.lease_until IS NULL OR o.lease_until < @now)
             AND NOT EXISTS (SELECT 1 FROM broadcast_outbox p WHERE p.chat_id = o.chat_id AND p.status = 'pending' AND p.id < o.id)
           ORDER BY o.id LIMIT @limit)
         RETURNING *`,
      ),
      beginSend: db.prepare(
        "UPDATE broadcast_outbox SET lease_until = ?, sending_since = ?, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
      ),
      inDoubtSkip: db.prepare(
        "UPDATE broadcast_outbox SET status = 'skipped', last_error = ?, sending_since = NULL, claimed_by = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
      ),
      inDoubtResend: db.prepare(
        "UPDATE broadcast_outbox SET sending_since = NULL, last_error = ?, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
      ),
      sent: db.prepare(
        `UPDATE broadcast_outbox SET status = 'sent', sent_at = ?, telegram_message_id = ?, attempts = attempts + 1, claimed_by = NULL, lease_until = NULL, sending_since = NULL, last_error = NULL, updated_at = ?
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      release: db.prepare(
        `UPDATE broadcast_outbox SET claimed_by = NULL, lease_until = NULL, sending_since = NULL, not_before = ?, last_error = COALESCE(?, last_error), attempts = attempts + ?, updated_at = ?
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE broadcast_outbox SET status = 'failed', last_error = ?, attempts = attempts + 1, claimed_by = NULL, lease_until = NULL, sending_since = NULL, updated_at = ?
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      skipChat: db.prepare(
        "UPDATE broadcast_outbox SET status = 'skipped', last_error = ?, claimed_by = NULL, lease_until = NULL, sending_since = NULL, updated_at = ? WHERE chat_id = ? AND status = 'pending'",
      ),
      nextDue: db.prepare<[], { due: number | null }>(
        "SELECT MIN(MAX(not_before, COALESCE(lease_until, 0))) AS due FROM broadcast_outbox WHERE status = 'pending'",
      ),
      countsAll: db.prepare<[], { status: OutboxStatus; n: number }>('SELECT status, COUNT(*) AS n FROM broadcast_outbox GROUP BY status'),
      countsRun: db.prepare<[string], { status: OutboxStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM broadcast_outbox WHERE run_id = ? GROUP BY status',
      ),
      prune: db.prepare("DELETE FROM broadcast_outbox WHERE status IN ('sent', 'failed', 'skipped') AND updated_at < ?"),
    };
  }

  async loadSnapshot(): Promise<CorpusSnapshot | null> {
    const row = this.q.snapGet.get();
    if (!row) return null;
    const body = JSON.parse(row.body) as Pick<CorpusSnapshot, 'docs' | 'chunks'>;
    return { version: row.version, corpusHash: row.corpus_hash, createdAt: row.created_at, docs: body.docs, chunks: body.chunks };
  }

  async commit(input: {
    expectedVersion: number;
    snapshot?: CorpusSnapshot;
    messages: OutboxMessage[];
    now?: number;
  }): Promise<{ inserted: number } | 'conflict'> {
    const now = input.now ?? this.clock();
    const tx = this.db.transaction((): { inserted: number } | 'conflict' => {
      const current = this.q.snapVersion.get()?.version ?? 0;
      if (current !== input.expectedVersion) return 'conflict';
      let inserted = 0;
      for (const m of input.messages) inserted += this.q.insert.run({ ...m, now }).changes;
      const s = input.snapshot;
      if (s) this.q.snapPut.run(s.version, s.corpusHash, s.createdAt, JSON.stringify({ docs: s.docs, chunks: s.chunks }));
      return { inserted };
    });
    return tx.immediate();
  }

  async enqueue(messages: OutboxMessage[], now = this.clock()): Promise<number> {
    return this.db
      .transaction(() => {
        let inserted = 0;
        for (const m of messages) inserted += this.q.insert.run({ ...m, now }).changes;
        return inserted;
      })
      .immediate();
  }

  async claim(worker: string, limit: number, leaseMs: number, now = this.clock()): Promise<OutboxRow[]> {
    const rows = this.q.claim.all({ worker, until: now + leaseMs, now, limit });
    return rows.map(toRow).sort((a, b) => a.id - b.id);
  }

  async beginSend(id: number, worker: string, leaseMs: number, now = this.clock()): Promise<boolean> {
    return this.q.beginSend.run(now + leaseMs, now, now, id, worker).changes === 1;
  }

  async resolveInDoubt(id: number, worker: string, action: 'skip' | 'resend', note: string, now = this.clock()): Promise<boolean> {
    const stmt = action === 'skip' ? this.q.inDoubtSkip : this.q.inDoubtResend;
    return stmt.run(note, now, id, worker).changes === 1;
  }

  async markSent(id: number, worker: string, telegramMessageId: number | null, now = this.clock()): Promise<boolean> {
    return this.q.sent.run(now, telegramMessageId, now, id, worker).changes === 1;
  }

  async release(id: number, worker: string, opts: { notBefore: number; error?: string; countAttempt: boolean }): Promise<void> {
    this.q.release.run(opts.notBefore, opts.error ?? null, opts.countAttempt ? 1 : 0, this.clock(), id, worker);
  }

  async markFailed(id: number, worker: string, error: string, now = this.clock()): Promise<void> {
    this.q.failed.run(error, now, id, worker);
  }

  async skipChat(chatId: number, reason: string, now = this.clock()): Promise<number> {
    return this.q.skipChat.run(reason, now, chatId).changes;
  }

  async nextDue(): Promise<number | null> {
    return this.q.nextDue.get()?.due ?? null;
  }

  async counts(runId?: string): Promise<OutboxCounts> {
    const rows = runId === undefined ? this.q.countsAll.all() : this.q.countsRun.all(runId);
    const c: OutboxCounts = { pending: 0, sent: 0, failed: 0, skipped: 0, total: 0 };
    for (const r of rows) {
      c[r.status] = r.n;
      c.total += r.n;
    }
    return c;
  }

  async prune(olderThanMs: number, now = this.clock()): Promise<number> {
    return this.q.prune.run(now - olderThanMs).changes;
  }
}

function toRow(r: Row): OutboxRow {
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    runId: r.run_id,
    digestKey: r.digest_key,
    chatId: r.chat_id,
    chatType: r.chat_type,
    part: r.part,
    text: r.text,
    status: r.status,
    attempts: r.attempts,
    notBefore: r.not_before,
    claimedBy: r.claimed_by,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
    sentAt: r.sent_at,
    telegramMessageId: r.telegram_message_id,
    createdAt: r.created_at,
    inDoubtSince: r.sending_since,
  };
}
