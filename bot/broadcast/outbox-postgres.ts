/**
 * The broadcast store on PostgreSQL: the corpus snapshot and the outbox (migration scope `broadcast`),
 * shared by every instance so that several workers send one broadcast together.
 *
 * Same exactly-once design as `outbox-sqlite.ts` (unique dedupe keys written in the same transaction
 * as the snapshot; leases; in-flight mark before each send; `sent` only after Telegram accepted),
 * plus what several processes need:
 * - **claim** = `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`: concurrent workers never
 *   block on, nor take, each other's rows; the lease (`lease_until`) lets another worker take over
 *   the rows of a worker that died once it expires; only the oldest pending row of a chat is
 *   claimable (per-chat order);
 * - **per-chat spacing across workers**: marking a row sent pushes `not_before` of the chat's next
 *   pending row by the chat's interval (1 s private, 3 s group by default), so two workers cannot send
 *   a chat's consecutive parts back to back;
 * - **commit** serializes on a transaction-level advisory lock, so two instances running the same
 *   tick cannot both write a snapshot (the loser gets `conflict`).
 * Times are the callers' clocks (ms since epoch): keep the instances' clocks in sync (NTP); skew
 * must stay well below the lease.
 *
 * @example
 * const store = await openPostgresStore({ url }).init();
 * const bstore = await openPgBroadcastStore(store.pool, { chatSpacingMs: { private: 1000, group: 3000 } });
 * await bstore.enqueue(messages);
 */
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { withTransaction } from '../store/postgres.ts';
import { applyPgMigrations, type PgMigration } from '../store/postgres-migrations.ts';
import type { BroadcastStore, CorpusSnapshot, OutboxCounts, OutboxMessage, OutboxRow, OutboxStatus } from './types.ts';

/** Schema of the broadcast feature on PostgreSQL (scope `broadcast`); never edit a shipped version, add one. */
export const broadcastPgMigrations: PgMigration[] = [
  {
    scope: 'broadcast',
    version: 1,
    name: 'corpus snapshot and outbox (with the in-flight mark)',
    up: `
      CREATE TABLE broadcast_snapshot (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        version     INTEGER NOT NULL,
        corpus_hash TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        body        TEXT NOT NULL
      );
      CREATE TABLE broadcast_outbox (
        id                  BIGSERIAL PRIMARY KEY,
        dedupe_key          TEXT NOT NULL UNIQUE,
        run_id              TEXT NOT NULL,
        digest_key          TEXT NOT NULL,
        chat_id             BIGINT NOT NULL,
        chat_type           TEXT NOT NULL CHECK (chat_type IN ('private', 'group')),
        part                INTEGER NOT NULL,
        text                TEXT NOT NULL,
        status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0,
        not_before          BIGINT NOT NULL DEFAULT 0,
        claimed_by          TEXT,
        lease_until         BIGINT,
        sending_since       BIGINT,
        last_error          TEXT,
        sent_at             BIGINT,
        telegram_message_id BIGINT,
        created_at          BIGINT NOT NULL,
        updated_at          BIGINT NOT NULL
      );
      CREATE INDEX broadcast_outbox_pending ON broadcast_outbox (id) WHERE status = 'pending';
      CREATE INDEX broadcast_outbox_chat_pending ON broadcast_outbox (chat_id, id) WHERE status = 'pending';
      CREATE INDEX broadcast_outbox_run ON broadcast_outbox (run_id, status);
      CREATE INDEX broadcast_outbox_done ON broadcast_outbox (updated_at) WHERE status <> 'pending';
    `,
  },
];

/** Advisory-lock key serializing `commit` across instances ("policybot broadcast commit"). */
export const COMMIT_LOCK_KEY = 0x70b0_0002;

/** Options of the PostgreSQL broadcast store. */
export interface PgBroadcastOptions {
  /** Minimum time between two messages to one chat across all workers (ms). Default 0 (off). */
  chatSpacingMs?: { private: number; group: number };
  /**
   * Commit the in-flight mark (`beginSend`) synchronously (default false: asynchronous commit). The
   * mark protects against a dead WORKER, for which an asynchronous commit is just as safe (the
   * server has it). Only if the DATABASE SERVER crashes can the last ~200 ms (wal_writer_delay) of
   * marks be lost: those rows then look merely claimed and are sent again — what
   * BROADCAST_IN_DOUBT=resend does anyway; with `skip` set this to true. The `sent` mark is always
   * committed synchronously.
   */
  durableInFlightMark?: boolean;
  now?: () => number;
}

interface Row {
  id: string;
  dedupe_key: string;
  run_id: string;
  digest_key: string;
  chat_id: string;
  chat_type: 'private' | 'group';
  part: number;
  text: string;
  status: OutboxStatus;
  attempts: number;
  not_before: string;
  claimed_by: string | null;
  lease_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  telegram_message_id: string | null;
  created_at: string;
  sending_since: string | null;
}

/** Opens the broadcast store on a pool (applies the `broadcast` migrations first). */
export async function openPgBroadcastStore(pool: Pool, opts: PgBroadcastOptions = {}): Promise<PgBroadcastStore> {
  await applyPgMigrations(pool, broadcastPgMigrations, (opts.now ?? Date.now)());
  return new PgBroadcastStore(pool, opts);
}

const INSERT_CHUNK = 2000;

/** `BroadcastStore` on PostgreSQL (see the module comment). */
export class PgBroadcastStore implements BroadcastStore {
  private readonly clock: () => number;
  private readonly spacing: { private: number; group: number };
  private readonly durableInFlight: boolean;

  constructor(
    readonly pool: Pool,
    opts: PgBroadcastOptions = {},
  ) {
    this.clock = opts.now ?? Date.now;
    this.spacing = opts.chatSpacingMs ?? { private: 0, group: 0 };
    this.durableInFlight = opts.durableInFlightMark ?? false;
  }

  private async q<R extends QueryResultRow = QueryResultRow>(text: string, values: unknown[] = []) {
    return this.pool.query<R>(text, values);
  }

  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn);
  }

  async loadSnapshot(): Promise<CorpusSnapshot | null> {
    const { rows } = await this.q<{ version: number; corpus_hash: string; created_at: string; body: string }>(
      'SELECT version, corpus_hash, created_at, body FROM broadcast_snapshot WHERE id = 1',
    );
    const row = rows[0];
    if (!row) return null;
    const body = JSON.parse(row.body) as Pick<CorpusSnapshot, 'docs' | 'chunks'>;
    return { version: row.version, corpusHash: row.corpus_hash, createdAt: Number(row.created_at), docs: body.docs, chunks: body.chunks };
  }

  /** The committed corpus version and hash (one tiny row: what instances poll to reload their index). */
  async corpusVersion(): Promise<{ version: number; corpusHash: string } | null> {
    const { rows } = await this.q<{ version: number; corpus_hash: string }>(
      'SELECT version, corpus_hash FROM broadcast_snapshot WHERE id = 1',
    );
    return rows[0] ? { version: rows[0].version, corpusHash: rows[0].corpus_hash } : null;
  }

  async commit(input: {
    expectedVersion: number;
    snapshot?: CorpusSnapshot;
    messages: OutboxMessage[];
    now?: number;
  }): Promise<{ inserted: number } | 'conflict'> {
    const now = input.now ?? this.clock();
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [COMMIT_LOCK_KEY]);
      const { rows } = await c.query<{ version: number }>('SELECT version FROM broadcast_snapshot WHERE id = 1');
      if ((rows[0]?.version ?? 0) !== input.expectedVersion) return 'conflict' as const;
      const inserted = await insertMessages(c, input.messages, now);
      const s = input.snapshot;
      if (s) {
        await c.query(
          `INSERT INTO broadcast_snapshot (id, version, corpus_hash, created_at, body) VALUES (1, $1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, corpus_hash = EXCLUDED.corpus_hash, created_at = EXCLUDED.created_at, body = EXCLUDED.body`,
          [s.version, s.corpusHash, s.createdAt, JSON.stringify({ docs: s.docs, chunks: s.chunks })],
        );
      }
      return { inserted };
    });
  }

  async enqueue(messages: OutboxMessage[], now = this.clock()): Promise<number> {
    if (!messages.length) return 0;
    return this.tx((c) => insertMessages(c, messages, now));
  }

  async claim(worker: string, limit: number, leaseMs: number, now = this.clock()): Promise<OutboxRow[]> {
    // The CTE runs once (a `WHERE id IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)` may be re-run by
    // the planner per outer row: more rows than the limit and seconds per claim). The per-chat head
    // check is a correlated min() — one index probe per candidate; written as NOT EXISTS the planner
    // chose a nested-loop anti join over a materialized scan of all pending rows: quadratic, minutes
    // per claim at 20 000 pending rows. It locks candidate
    // rows and skips rows another worker is claiming right now; the conditions are checked again on
    // the locked (latest) row version, so a row claimed and committed by another worker meanwhile is
    // not taken.
    const { rows } = await this.q<Row>(
      `WITH picked AS (
         SELECT c.id FROM broadcast_outbox c
         WHERE c.status = 'pending' AND c.not_before <= $3 AND (c.lease_until IS NULL OR c.lease_until < $3)
           AND c.id = (SELECT min(p.id) FROM broadcast_outbox p WHERE p.chat_id = c.chat_id AND p.status = 'pending')
         ORDER BY c.id
         LIMIT $4
         FOR UPDATE OF c SKIP LOCKED)
       UPDATE broadcast_outbox o SET claimed_by = $1, lease_until = $2, updated_at = $3
       FROM picked WHERE o.id = picked.id AND o.status = 'pending' AND (o.lease_until IS NULL OR o.lease_until < $3)
       RETURNING o.*`,
      [worker, now + leaseMs, now, limit],
    );
    return rows.map(toRow).sort((a, b) => a.id - b.id);
  }

  async beginSend(id: number, worker: string, leaseMs: number, now = this.clock()): Promise<boolean> {
    const sql =
      "UPDATE broadcast_outbox SET lease_until = $1, sending_since = $2, updated_at = $2 WHERE id = $3 AND claimed_by = $4 AND status = 'pending'";
    const values = [now + leaseMs, now, id, worker];
    if (this.durableInFlight) return (await this.q(sql, values)).rowCount === 1;
    // Asynchronous commit (see PgBroadcastOptions.durableInFlightMark): ~0.5 ms instead of a WAL
    // flush (~3 ms measured) in the sender's critical path, which is sequential per worker.
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL synchronous_commit TO OFF');
      const r = await c.query(sql, values);
      await c.query('COMMIT');
      return r.rowCount === 1;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async resolveInDoubt(id: number, worker: string, action: 'skip' | 'resend', note: string, now = this.clock()): Promise<boolean> {
    const sql =
      action === 'skip'
        ? "UPDATE broadcast_outbox SET status = 'skipped', last_error = $1, sending_since = NULL, claimed_by = NULL, lease_until = NULL, updated_at = $2 WHERE id = $3 AND claimed_by = $4 AND status = 'pending'"
        : "UPDATE broadcast_outbox SET sending_since = NULL, last_error = $1, updated_at = $2 WHERE id = $3 AND claimed_by = $4 AND status = 'pending'";
    return (await this.q(sql, [note, now, id, worker])).rowCount === 1;
  }

  async markSent(id: number, worker: string, telegramMessageId: number | null, now = this.clock()): Promise<boolean> {
    // One statement: mark the row sent and space the chat's next pending row.
    const { rows } = await this.q<{ sent: boolean }>(
      `WITH s AS (
         UPDATE broadcast_outbox SET status = 'sent', sent_at = $1, telegram_message_id = $2, attempts = attempts + 1, claimed_by = NULL,
           lease_until = NULL, sending_since = NULL, last_error = NULL, updated_at = $1
         WHERE id = $3 AND claimed_by = $4 AND status = 'pending'
         RETURNING chat_id, chat_type),
       n AS (
         UPDATE broadcast_outbox o SET not_before = GREATEST(o.not_before, $1 + CASE s.chat_type WHEN 'group' THEN $5::bigint ELSE $6::bigint END)
         FROM s WHERE ($5::bigint > 0 OR $6::bigint > 0) AND o.chat_id = s.chat_id AND o.status = 'pending' AND o.id <> $3
         RETURNING o.id)
       SELECT EXISTS (SELECT 1 FROM s) AS sent`,
      [now, telegramMessageId, id, worker, Math.round(this.spacing.group), Math.round(this.spacing.private)],
    );
    return rows[0]?.sent === true;
  }

  async release(id: number, worker: string, opts: { notBefore: number; error?: string; countAttempt: boolean }): Promise<void> {
    await this.q(
      `UPDATE broadcast_outbox SET claimed_by = NULL, lease_until = NULL, sending_since = NULL, not_before = $1, last_error = COALESCE($2, last_error),
         attempts = attempts + $3, updated_at = $4
       WHERE id = $5 AND claimed_by = $6 AND status = 'pending'`,
      [opts.notBefore, opts.error ?? null, opts.countAttempt ? 1 : 0, this.clock(), id, worker],
    );
  }

  async markFailed(id: number, worker: string, error: string, now = this.clock()): Promise<void> {
    await this.q(
      `UPDATE broadcast_outbox SET status = 'failed', last_error = $1, attempts = attempts + 1, claimed_by = NULL, lease_until = NULL, sending_since = NULL, updated_at = $2
       WHERE id = $3 AND claimed_by = $4 AND status = 'pending'`,
      [error, now, id, worker],
    );
  }

  async skipChat(chatId: number, reason: string, now = this.clock()): Promise<number> {
    const r = await this.q(
      "UPDATE broadcast_outbox SET status = 'skipped', last_error = $1, claimed_by = NULL, lease_until = NULL, sending_since = NULL, updated_at = $2 WHERE chat_id = $3 AND status = 'pending'",
      [reason, now, chatId],
    );
    return r.rowCount ?? 0;
  }

  async nextDue(): Promise<number | null> {
    const { rows } = await this.q<{ due: string | null }>(
      "SELECT MIN(GREATEST(not_before, COALESCE(lease_until, 0))) AS due FROM broadcast_outbox WHERE status = 'pending'",
    );
    return rows[0]?.due == null ? null : Number(rows[0].due);
  }

  async counts(runId?: string): Promise<OutboxCounts> {
    const { rows } =
      runId === undefined
        ? await this.q<{ status: OutboxStatus; n: string }>('SELECT status, count(*) AS n FROM broadcast_outbox GROUP BY status')
        : await this.q<{ status: OutboxStatus; n: string }>(
            'SELECT status, count(*) AS n FROM broadcast_outbox WHERE run_id = $1 GROUP BY status',
            [runId],
          );
    const c: OutboxCounts = { pending: 0, sent: 0, failed: 0, skipped: 0, total: 0 };
    for (const r of rows) {
      c[r.status] = Number(r.n);
      c.total += Number(r.n);
    }
    return c;
  }

  async prune(olderThanMs: number, now = this.clock()): Promise<number> {
    return (await this.q("DELETE FROM broadcast_outbox WHERE status <> 'pending' AND updated_at < $1", [now - olderThanMs])).rowCount ?? 0;
  }
}

async function insertMessages(c: PoolClient, messages: OutboxMessage[], now: number): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
    const chunk = messages.slice(i, i + INSERT_CHUNK);
    const r = await c.query(
      `INSERT INTO broadcast_outbox (dedupe_key, run_id, digest_key, chat_id, chat_type, part, text, created_at, updated_at)
       SELECT k, r, d, ch, ct, p, t, $8, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::text[]) AS x(k, r, d, ch, ct, p, t)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        chunk.map((m) => m.dedupeKey),
        chunk.map((m) => m.runId),
        chunk.map((m) => m.digestKey),
        chunk.map((m) => m.chatId),
        chunk.map((m) => m.chatType),
        chunk.map((m) => m.part),
        chunk.map((m) => m.text),
        now,
      ],
    );
    inserted += r.rowCount ?? 0;
  }
  return inserted;
}

function toRow(r: Row): OutboxRow {
  const n = (v: string | null) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    dedupeKey: r.dedupe_key,
    runId: r.run_id,
    digestKey: r.digest_key,
    chatId: Number(r.chat_id),
    chatType: r.chat_type,
    part: r.part,
    text: r.text,
    status: r.status,
    attempts: r.attempts,
    notBefore: Number(r.not_before),
    claimedBy: r.claimed_by,
    leaseUntil: n(r.lease_until),
    lastError: r.last_error,
    sentAt: n(r.sent_at),
    telegramMessageId: n(r.telegram_message_id),
    createdAt: Number(r.created_at),
    inDoubtSince: n(r.sending_since),
  };
}
