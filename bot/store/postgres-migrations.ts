/**
 * Versioned schema migrations for the PostgreSQL store, applied in order at start — the same model
 * as `sqlite-migrations.ts`: one sequence per `scope` (`core` here, `broadcast` in
 * `bot/broadcast/outbox-postgres.ts`, `coordination` for the shared rate limit and the scheduler),
 * versions from 1, shipped steps never edited, applied versions recorded in
 * `schema_migrations(scope, version)`.
 *
 * Several instances may start at once: the whole apply runs under a session advisory lock
 * (`pg_advisory_lock`), so exactly one of them migrates and the others then find nothing to do.
 *
 * @example
 * await applyPgMigrations(pool, [...corePgMigrations, ...broadcastPgMigrations]);
 */
import type { Pool, PoolClient } from 'pg';

/** One schema step. `up` runs inside a transaction together with its bookkeeping row. */
export interface PgMigration {
  scope: string;
  version: number;
  name: string;
  up: string | ((client: PoolClient) => Promise<void>);
}

/** Advisory-lock key that serializes migrations across instances ("policybot migrate"). */
export const MIGRATION_LOCK_KEY = 0x70b0_0001;

/**
 * The core schema: the same tables as the SQLite core scope. Times are ms since epoch (BIGINT),
 * chat/user ids BIGINT (Telegram ids exceed 32 bits), JSON as JSONB/TEXT.
 */
export const corePgMigrations: PgMigration[] = [
  {
    scope: 'core',
    version: 1,
    name: 'sessions, users, subscribers, usage, updates',
    up: `
      CREATE TABLE sessions (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE users (
        user_id         BIGINT PRIMARY KEY,
        first_seen      BIGINT NOT NULL,
        last_seen       BIGINT NOT NULL,
        active          BOOLEAN NOT NULL DEFAULT TRUE,
        inactive_reason TEXT
      );
      CREATE TABLE subscribers (
        chat_id         BIGINT PRIMARY KEY,
        chat_type       TEXT NOT NULL CHECK (chat_type IN ('private', 'group')),
        topics          JSONB NOT NULL DEFAULT '["all"]',
        active          BOOLEAN NOT NULL DEFAULT TRUE,
        inactive_reason TEXT,
        created_at      BIGINT NOT NULL,
        updated_at      BIGINT NOT NULL
      );
      CREATE INDEX subscribers_active ON subscribers (active, chat_id);
      CREATE TABLE usage_daily (
        day    TEXT NOT NULL,
        metric TEXT NOT NULL,
        n      BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (day, metric)
      );
      CREATE TABLE processed_updates (
        update_id BIGINT PRIMARY KEY,
        state     TEXT NOT NULL CHECK (state IN ('received', 'started', 'done')),
        payload   TEXT,
        at        BIGINT NOT NULL
      );
      CREATE INDEX processed_updates_open ON processed_updates (state, update_id);
    `,
  },
];

/** Scope `replies`: the same table as the SQLite scope of that name (sent reply parts per update). */
export const replyPgMigrations: PgMigration[] = [
  {
    scope: 'replies',
    version: 1,
    name: 'sent reply parts',
    up: `
      CREATE TABLE sent_replies (
        update_id  BIGINT NOT NULL,
        part       INTEGER NOT NULL,
        message_id BIGINT,
        at         BIGINT NOT NULL,
        PRIMARY KEY (update_id, part)
      );
      CREATE INDEX sent_replies_at ON sent_replies (at);
    `,
  },
];

/** Checks the list: positive integer versions, no duplicates. Throws naming the step. */
function checkList(migrations: PgMigration[]): void {
  const seen = new Set<string>();
  for (const m of migrations) {
    const id = `${m.scope}@${m.version}`;
    if (!Number.isInteger(m.version) || m.version < 1) throw new Error(`migration ${id}: version must be a positive integer`);
    if (seen.has(id)) throw new Error(`migration ${id} is listed twice; give the new step the next version number`);
    seen.add(id);
  }
}

/**
 * Applies the migrations not yet recorded (scopes in first-listed order, versions ascending), each in
 * its own transaction with its `schema_migrations` row. Returns the applied ids (`scope@version`).
 * Throws naming the scope/version that failed; nothing of a failed step stays applied.
 */
export async function applyPgMigrations(pool: Pool, migrations: PgMigration[], now = Date.now()): Promise<string[]> {
  checkList(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        scope      TEXT NOT NULL,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL,
        PRIMARY KEY (scope, version)
      )`);
      const { rows } = await client.query<{ scope: string; version: number }>('SELECT scope, version FROM schema_migrations');
      const applied = new Set(rows.map((r) => `${r.scope}@${r.version}`));
      const scopes = [...new Set(migrations.map((m) => m.scope))];
      const pending = migrations
        .filter((m) => !applied.has(`${m.scope}@${m.version}`))
        .sort((a, b) => scopes.indexOf(a.scope) - scopes.indexOf(b.scope) || a.version - b.version);
      const done: string[] = [];
      for (const m of pending) {
        const id = `${m.scope}@${m.version}`;
        const missing = migrations
          .filter((x) => x.scope === m.scope && x.version < m.version)
          .map((x) => `${x.scope}@${x.version}`)
          .filter((p) => !applied.has(p) && !done.includes(p));
        if (missing.length) throw new Error(`migration ${id} needs ${missing.join(', ')} first`);
        try {
          await client.query('BEGIN');
          if (typeof m.up === 'string') await client.query(m.up);
          else await m.up(client);
          await client.query('INSERT INTO schema_migrations (scope, version, name, applied_at) VALUES ($1, $2, $3, $4)', [
            m.scope,
            m.version,
            m.name,
            now,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`schema migration ${id} (${m.name}) failed: ${(err as Error).message}`);
        }
        done.push(id);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
