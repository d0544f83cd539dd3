/**
 * Opens the configured store: the embedded SQLite file under DATA_DIR by default, PostgreSQL when
 * `DATABASE_URL=postgres://…` (several instances share it; see docs/deployment.md).
 *
 * @example
 * const store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
 */
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from './sqlite.ts';
import type { SqliteMigration } from './sqlite-migrations.ts';
import type { Store } from './types.ts';
import { openPostgresStore, PostgresStore } from './postgres.ts';
import type { PgMigration } from './postgres-migrations.ts';

export type { SessionStorage, Store, Subscriber, SubscriberChatType, Topic, UpdateClaim, UsageStats } from './types.ts';
export { normalizeTopics, parseTopic, topicFromWord, topicLabel, topicMatches } from './topics.ts';
export { openSqliteStore, SqliteStore } from './sqlite.ts';
export { coreMigrations, type SqliteMigration } from './sqlite-migrations.ts';
export { openPostgresStore, PostgresStore, redactPgUrl } from './postgres.ts';
export { corePgMigrations, type PgMigration } from './postgres-migrations.ts';

/** File name of the embedded database inside DATA_DIR. */
export const SQLITE_FILE_NAME = 'policybot.sqlite';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Extra SQLite migration scopes (feature modules). */
  sqliteMigrations?: SqliteMigration[];
  /** Extra PostgreSQL migration scopes (feature modules). */
  pgMigrations?: PgMigration[];
  /** PostgreSQL: connections in the pool (DATABASE_POOL_MAX). */
  pgPoolMax?: number;
}

/** True when `url` selects the PostgreSQL engine. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/** The store `openStore` returns: SQLite exposes `db`, PostgreSQL `pool` (feature modules share them). */
export type OpenedStore = Store & Partial<Pick<SqliteStore, 'db'>> & Partial<Pick<PostgresStore, 'pool'>>;

/**
 * Opens the store chosen by configuration. PostgreSQL connects and migrates in the background (every
 * call waits for it); use `openStoreReady` to see a connection error at start. Throws a clear error
 * for a DATABASE_URL that is neither unset nor postgres://.
 */
export function openStore(opts: OpenStoreOptions): OpenedStore {
  if (opts.databaseUrl) {
    if (isPostgresUrl(opts.databaseUrl))
      return openPostgresStore({ url: opts.databaseUrl, migrations: opts.pgMigrations, poolMax: opts.pgPoolMax });
    throw new Error('DATABASE_URL must start with postgres:// (or be unset for the embedded SQLite store)');
  }
  return openSqliteStore({ file: join(opts.dataDir, SQLITE_FILE_NAME), migrations: opts.sqliteMigrations });
}

/** `openStore`, then waits until the store is usable (PostgreSQL: connected and migrated). */
export async function openStoreReady(opts: OpenStoreOptions): Promise<OpenedStore> {
  const store = openStore(opts);
  if (store instanceof PostgresStore) {
    try {
      await store.init();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  return store;
}
