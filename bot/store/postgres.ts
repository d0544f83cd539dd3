/**
 * The PostgreSQL implementation of `Store` (node-postgres `pg` pool), selected by
 * `DATABASE_URL=postgres://…`. Same tables and semantics as the SQLite store, so several bot
 * instances (webhooks behind a load balancer) share sessions, users, subscribers, usage counters and
 * the update log. Migrations (scope `core`, plus any extra scopes) are applied at open under an
 * advisory lock; every method waits for them, and `init()` surfaces a connection error at start.
 *
 * @example
 * const store = await openPostgresStore({ url: 'postgres://bot@db/policybot' }).init();
 * await store.subscribe(chatId, 'private', ['all']);
 * await store.close();
 */
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { applyPgMigrations, corePgMigrations, replyPgMigrations, type PgMigration } from './postgres-migrations.ts';
import { normalizeTopics } from './topics.ts';
import type { SessionStorage, Store, Subscriber, SubscriberChatType, Topic, UpdateClaim, UsageStats } from './types.ts';

/** Options of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (also `postgresql://`). */
  url: string;
  /** Extra migration scopes; the core scope is always applied first. */
  migrations?: PgMigration[];
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** Clock (ms since epoch), for tests. */
  now?: () => number;
  /** `application_name` shown in pg_stat_activity (default `policybot`). */
  applicationName?: string;
}

interface SubscriberRow {
  chat_id: string;
  chat_type: SubscriberChatType;
  topics: unknown;
  active: boolean;
  inactive_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** Creates a pg pool for a DATABASE_URL with an error handler (an idle client's error must not crash the process). */
export function createPgPool(url: string, opts: { max?: number; applicationName?: string; onError?: (err: Error) => void } = {}): Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'policybot' });
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

/** Redacts the password of a postgres URL for messages. */
export function redactPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** Opens the PostgreSQL store; migrations start at once (await `init()` to see a connection error). */
export function openPostgresStore(opts: PostgresStoreOptions): PostgresStore {
  return new PostgresStore(opts);
}

/** `Store` on PostgreSQL. `pool` is public so that feature modules (outbox, rate limit, scheduler lock) share it. */
export class PostgresStore implements Store {
  readonly engine = 'postgres';
  readonly pool: Pool;
  readonly url: string;
  /** Resolves with the migrations applied by this open (`scope@version`). */
  readonly migrated: Promise<string[]>;
  private readonly clock: () => number;
  private closed = false;

  constructor(opts: PostgresStoreOptions) {
    this.url = opts.url;
    this.clock = opts.now ?? Date.now;
    this.pool = createPgPool(opts.url, { max: opts.poolMax, applicationName: opts.applicationName });
    this.migrated = applyPgMigrations(
      this.pool,
      [...corePgMigrations, ...replyPgMigrations, ...(opts.migrations ?? [])],
      this.clock(),
    ).catch((err: Error) => {
      throw new Error(
        `cannot open the PostgreSQL store ${redactPgUrl(opts.url)}: ${err.message} (check DATABASE_URL and that the server is running)`,
      );
    });
    this.migrated.catch(() => undefined); // reported by init() / the first call
  }

  /** Waits for the connection and the migrations; throws a clear error naming DATABASE_URL. */
  async init(): Promise<this> {
    await this.migrated;
    return this;
  }

  private async ready(): Promise<void> {
    if (this.closed) throw new Error(`the PostgreSQL store ${redactPgUrl(this.url)} is closed`);
    await this.migrated;
  }

  private async q<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready();
    return this.pool.query<R>(text, values);
  }

  /** Runs `fn` in one transaction on one connection. */
  async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return withTransaction(this.pool, fn);
  }

  sessions<T>(): SessionStorage<T> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async read(key) {
        const { rows } = await self.q<{ value: string }>('SELECT value FROM sessions WHERE key = $1', [key]);
        if (!rows[0]) return undefined;
        try {
          return JSON.parse(rows[0].value) as T;
        } catch {
          return undefined; // a corrupt row is treated as no session; it is overwritten on the next write
        }
      },
      async write(key, value) {
        await self.q(
          'INSERT INTO sessions (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at',
          [key, JSON.stringify(value), self.clock()],
        );
      },
      async delete(key) {
        await self.q('DELETE FROM sessions WHERE key = $1', [key]);
      },
      async has(key) {
        return (await self.q('SELECT 1 FROM sessions WHERE key = $1', [key])).rowCount === 1;
      },
      async *readAllKeys() {
        const { rows } = await self.q<{ key: string }>('SELECT key FROM sessions ORDER BY key COLLATE "C"');
        for (const r of rows) yield r.key;
      },
    };
  }

  async deleteSessions(match: { equals?: string[]; endsWith?: string }): Promise<number> {
    return this.tx((c) => deleteSessionsOn(c, match));
  }

  async touchUser(userId: number, now = this.clock()): Promise<void> {
    await this.q(
      'INSERT INTO users (user_id, first_seen, last_seen, active) VALUES ($1, $2, $2, TRUE) ON CONFLICT (user_id) DO UPDATE SET last_seen = EXCLUDED.last_seen, active = TRUE, inactive_reason = NULL',
      [userId, now],
    );
  }

  async markUserInactive(userId: number, reason: string, now = this.clock()): Promise<void> {
    await this.q(
      'INSERT INTO users (user_id, first_seen, last_seen, active, inactive_reason) VALUES ($1, $2, $2, FALSE, $3) ON CONFLICT (user_id) DO UPDATE SET active = FALSE, inactive_reason = EXCLUDED.inactive_reason',
      [userId, now, reason],
    );
  }

  async forgetUser(userId: number, sessionMatch: { equals?: string[]; endsWith?: string }): Promise<void> {
    await this.tx(async (c) => {
      await c.query('DELETE FROM users WHERE user_id = $1', [userId]);
      await deleteSessionsOn(c, sessionMatch);
    });
  }

  async sweepSessions(idleMs: number, now = this.clock()): Promise<number> {
    return (await this.q('DELETE FROM sessions WHERE updated_at < $1', [now - idleMs])).rowCount ?? 0;
  }

  async getSubscriber(chatId: number): Promise<Subscriber | null> {
    const { rows } = await this.q<SubscriberRow>('SELECT * FROM subscribers WHERE chat_id = $1', [chatId]);
    return rows[0] ? toSubscriber(rows[0]) : null;
  }

  async subscribe(chatId: number, chatType: SubscriberChatType, topics: Topic[], now = this.clock()): Promise<Subscriber> {
    const { rows } = await this.q<SubscriberRow>(
      `INSERT INTO subscribers (chat_id, chat_type, topics, active, inactive_reason, created_at, updated_at)
       VALUES ($1, $2, $3::jsonb, TRUE, NULL, $4, $4)
       ON CONFLICT (chat_id) DO UPDATE SET chat_type = EXCLUDED.chat_type, topics = EXCLUDED.topics, active = TRUE,
         inactive_reason = NULL, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [chatId, chatType, JSON.stringify(normalizeTopics(topics)), now],
    );
    return toSubscriber(rows[0]!);
  }

  async setTopics(chatId: number, chatType: SubscriberChatType, topics: Topic[], now = this.clock()): Promise<Subscriber> {
    return this.subscribe(chatId, chatType, topics, now);
  }

  async deactivateSubscriber(chatId: number, reason: string, now = this.clock()): Promise<void> {
    await this.q('UPDATE subscribers SET active = FALSE, inactive_reason = $1, updated_at = $2 WHERE chat_id = $3', [reason, now, chatId]);
  }

  async listSubscribers(opts: { activeOnly?: boolean } = {}): Promise<Subscriber[]> {
    const where = opts.activeOnly === false ? '' : 'WHERE active';
    const { rows } = await this.q<SubscriberRow>(`SELECT * FROM subscribers ${where} ORDER BY created_at, chat_id`);
    return rows.map(toSubscriber);
  }

  async incrementUsage(day: string, metrics: string[], by = 1): Promise<void> {
    if (!metrics.length) return;
    // One statement for all metrics (deduplicated: ON CONFLICT cannot touch a row twice).
    const counts = new Map<string, number>();
    for (const m of metrics) counts.set(m, (counts.get(m) ?? 0) + by);
    await this.q(
      `INSERT INTO usage_daily (day, metric, n) SELECT $1, m, n FROM unnest($2::text[], $3::bigint[]) AS t(m, n)
       ON CONFLICT (day, metric) DO UPDATE SET n = usage_daily.n + EXCLUDED.n`,
      [day, [...counts.keys()], [...counts.values()]],
    );
  }

  async stats(day: string): Promise<UsageStats> {
    const [usage, users, subs] = await Promise.all([
      this.q<{ metric: string; n: string }>('SELECT metric, n FROM usage_daily WHERE day = $1', [day]),
      this.q<{ active: string; inactive: string }>(
        'SELECT count(*) FILTER (WHERE active) AS active, count(*) FILTER (WHERE NOT active) AS inactive FROM users',
      ),
      this.q<{ total: string; groups: string }>(
        "SELECT count(*) AS total, count(*) FILTER (WHERE chat_type = 'group') AS groups FROM subscribers WHERE active",
      ),
    ]);
    const metrics: Record<string, number> = {};
    for (const r of usage.rows) metrics[r.metric] = Number(r.n);
    const questionsToday = metrics.questions ?? 0;
    const abstainedToday = metrics.abstained ?? 0;
    return {
      day,
      users: Number(users.rows[0]!.active),
      inactiveUsers: Number(users.rows[0]!.inactive),
      questionsToday,
      abstainedToday,
      abstentionRate: questionsToday ? abstainedToday / questionsToday : 0,
      subscribers: Number(subs.rows[0]!.total),
      groupSubscribers: Number(subs.rows[0]!.groups),
      metrics,
    };
  }

  async receiveUpdates(updates: { update_id: number }[], now = this.clock()): Promise<void> {
    if (!updates.length) return;
    await this.q(
      `INSERT INTO processed_updates (update_id, state, payload, at)
       SELECT id, 'received', p, $3 FROM unnest($1::bigint[], $2::text[]) AS t(id, p)
       ON CONFLICT (update_id) DO NOTHING`,
      [updates.map((u) => u.update_id), updates.map((u) => JSON.stringify(u)), now],
    );
  }

  async beginUpdate(update: number | { update_id: number }, now = this.clock()): Promise<UpdateClaim> {
    const id = typeof update === 'number' ? update : update.update_id;
    const payload = typeof update === 'number' ? null : JSON.stringify(update);
    return this.tx(async (c): Promise<UpdateClaim> => {
      // The row lock makes concurrent claims by several instances serialize on this update.
      const ins = await c.query(
        "INSERT INTO processed_updates (update_id, state, payload, at) VALUES ($1, 'started', $2, $3) ON CONFLICT (update_id) DO NOTHING",
        [id, payload, now],
      );
      if (ins.rowCount === 1) return 'new';
      const { rows } = await c.query<{ state: string }>('SELECT state FROM processed_updates WHERE update_id = $1 FOR UPDATE', [id]);
      const state = rows[0]?.state;
      if (state === 'done') return 'done';
      await c.query("UPDATE processed_updates SET state = 'started', at = $2, payload = COALESCE(payload, $3) WHERE update_id = $1", [
        id,
        now,
        payload,
      ]);
      return state === 'started' ? 'retry' : 'new';
    });
  }

  async finishUpdate(updateId: number, now = this.clock()): Promise<void> {
    await this.q(
      "INSERT INTO processed_updates (update_id, state, payload, at) VALUES ($1, 'done', NULL, $2) ON CONFLICT (update_id) DO UPDATE SET state = 'done', payload = NULL, at = EXCLUDED.at",
      [updateId, now],
    );
  }

  async unfinishedUpdates<U = unknown>(limit = 1000): Promise<U[]> {
    const { rows } = await this.q<{ payload: string }>(
      "SELECT payload FROM processed_updates WHERE state <> 'done' AND payload IS NOT NULL ORDER BY update_id LIMIT $1",
      [limit],
    );
    const out: U[] = [];
    for (const r of rows) {
      try {
        out.push(JSON.parse(r.payload) as U);
      } catch {
        // unreadable payload: skipped (it is pruned with the others)
      }
    }
    return out;
  }

  async recordReply(updateId: number, part: number, messageId: number | null, now = this.clock()): Promise<void> {
    await this.q(
      'INSERT INTO sent_replies (update_id, part, message_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT (update_id, part) DO UPDATE SET message_id = COALESCE(EXCLUDED.message_id, sent_replies.message_id), at = EXCLUDED.at',
      [updateId, part, messageId, now],
    );
  }

  async sentReply(updateId: number, part: number): Promise<number | null | undefined> {
    const { rows } = await this.q<{ message_id: string | null }>('SELECT message_id FROM sent_replies WHERE update_id = $1 AND part = $2', [
      updateId,
      part,
    ]);
    return rows[0] ? (rows[0].message_id === null ? null : Number(rows[0].message_id)) : undefined;
  }

  async dropReply(updateId: number, part: number): Promise<void> {
    await this.q('DELETE FROM sent_replies WHERE update_id = $1 AND part = $2', [updateId, part]);
  }

  async pruneUpdates(olderThanMs: number, now = this.clock()): Promise<number> {
    await this.q('DELETE FROM sent_replies WHERE at < $1', [now - olderThanMs]);
    return (await this.q("DELETE FROM processed_updates WHERE at < $1 AND state = 'done'", [now - olderThanMs])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.migrated.catch(() => undefined);
    await this.pool.end();
  }
}

async function deleteSessionsOn(c: PoolClient, match: { equals?: string[]; endsWith?: string }): Promise<number> {
  let n = 0;
  if (match.equals?.length) n += (await c.query('DELETE FROM sessions WHERE key = ANY($1::text[])', [match.equals])).rowCount ?? 0;
  if (match.endsWith) n += (await c.query('DELETE FROM sessions WHERE right(key, length($1)) = $1', [match.endsWith])).rowCount ?? 0;
  return n;
}

function toSubscriber(r: SubscriberRow): Subscriber {
  const raw = typeof r.topics === 'string' ? safeJson(r.topics) : r.topics;
  const topics: Topic[] = Array.isArray(raw) ? normalizeTopics(raw.map(String)) : ['all'];
  return {
    chatId: Number(r.chat_id),
    chatType: r.chat_type,
    topics,
    active: r.active,
    inactiveReason: r.inactive_reason,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** Runs `fn` in one transaction on one connection of `pool`; rolls back and rethrows on error. */
export async function withTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
