/**
 * Versioned schema migrations for the embedded SQLite store, applied in order at open.
 *
 * Migrations are grouped by `scope` (one sequence per feature: `core` here; the broadcast outbox adds
 * its own scope, e.g. `broadcast`, in its own file and passes it to `openSqliteStore({ migrations })`).
 * Within a scope, versions start at 1 and are never edited once shipped — add a new version instead.
 * Applied versions are recorded in `schema_migrations(scope, version)`.
 */
import type Database from 'better-sqlite3';

/** One schema step. `up` runs inside a transaction together with its bookkeeping row. */
export interface SqliteMigration {
  scope: string;
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

/** The core schema: sessions, users, subscribers, usage counters, processed updates. */
export const coreMigrations: SqliteMigration[] = [
  {
    scope: 'core',
    version: 1,
    name: 'sessions, users, subscribers, usage, updates',
    up: `
      CREATE TABLE sessions (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE users (
        user_id         INTEGER PRIMARY KEY,
        first_seen      INTEGER NOT NULL,
        last_seen       INTEGER NOT NULL,
        active          INTEGER NOT NULL DEFAULT 1,
        inactive_reason TEXT
      );
      CREATE TABLE subscribers (
        chat_id         INTEGER PRIMARY KEY,
        chat_type       TEXT NOT NULL CHECK (chat_type IN ('private', 'group')),
        topics          TEXT NOT NULL DEFAULT '["all"]',
        active          INTEGER NOT NULL DEFAULT 1,
        inactive_reason TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      );
      CREATE INDEX subscribers_active ON subscribers (active, chat_id);
      CREATE TABLE usage_daily (
        day    TEXT NOT NULL,
        metric TEXT NOT NULL,
        n      INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, metric)
      ) WITHOUT ROWID;
      CREATE TABLE processed_updates (
        update_id INTEGER PRIMARY KEY,
        state     TEXT NOT NULL CHECK (state IN ('received', 'started', 'done')),
        payload   TEXT,
        at        INTEGER NOT NULL
      );
      CREATE INDEX processed_updates_open ON processed_updates (state, update_id);
    `,
  },
];

/**
 * Scope `replies`: the parts of replies, keyed by (update id, part): `message_id` NULL while the part is
 * being sent, the id once Telegram accepted it — so that an update replayed after a crash skips the parts
 * already sent and knows which one was in flight (docs/telegram.md, "Duplicates").
 */
export const replyMigrations: SqliteMigration[] = [
  {
    scope: 'replies',
    version: 1,
    name: 'sent reply parts',
    up: `
      CREATE TABLE sent_replies (
        update_id  INTEGER NOT NULL,
        part       INTEGER NOT NULL,
        message_id INTEGER,
        at         INTEGER NOT NULL,
        PRIMARY KEY (update_id, part)
      ) WITHOUT ROWID;
      CREATE INDEX sent_replies_at ON sent_replies (at);
    `,
  },
];

/** Applies the migrations not yet recorded. Throws naming the scope/version that failed. */
export function applySqliteMigrations(db: Database.Database, migrations: SqliteMigration[], now = Date.now()): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    scope      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (scope, version)
  )`);
  const seen = new Set<string>();
  for (const m of migrations) {
    const id = `${m.scope}@${m.version}`;
    if (!Number.isInteger(m.version) || m.version < 1) throw new Error(`migration ${id}: version must be a positive integer`);
    if (seen.has(id)) throw new Error(`migration ${id} is listed twice; give the new step the next version number`);
    seen.add(id);
  }
  const applied = new Set(
    (db.prepare('SELECT scope, version FROM schema_migrations').all() as { scope: string; version: number }[]).map(
      (r) => `${r.scope}@${r.version}`,
    ),
  );
  const scopes = [...new Set(migrations.map((m) => m.scope))];
  const pending = migrations
    .filter((m) => !applied.has(`${m.scope}@${m.version}`))
    .sort((a, b) => scopes.indexOf(a.scope) - scopes.indexOf(b.scope) || a.version - b.version);
  const done: string[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (scope, version, name, applied_at) VALUES (?, ?, ?, ?)');
  for (const m of pending) {
    const id = `${m.scope}@${m.version}`;
    const prev = migrations.filter((x) => x.scope === m.scope && x.version < m.version).map((x) => `${x.scope}@${x.version}`);
    const missing = prev.filter((p) => !applied.has(p) && !done.includes(p));
    if (missing.length) throw new Error(`migration ${id} needs ${missing.join(', ')} first`);
    try {
      db.transaction(() => {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
        record.run(m.scope, m.version, m.name, now);
      })();
    } catch (err) {
      throw new Error(`schema migration ${id} (${m.name}) failed: ${(err as Error).message}`);
    }
    done.push(id);
  }
  return done;
}
