/**
 * Opens the configured store: the embedded SQLite file under DATA_DIR by default.
 * `DATABASE_URL=postgres://…` is reserved for the PostgreSQL implementation (issue 8).
 *
 * @example
 * const store = openStore({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
 */
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from './sqlite.ts';
import type { SqliteMigration } from './sqlite-migrations.ts';
import type { Store } from './types.ts';

export type { SessionStorage, Store, Subscriber, SubscriberChatType, Topic, UpdateClaim, UsageStats } from './types.ts';
export { normalizeTopics, parseTopic, topicFromWord, topicLabel, topicMatches } from './topics.ts';
export { openSqliteStore, SqliteStore } from './sqlite.ts';
export { coreMigrations, type SqliteMigration } from './sqlite-migrations.ts';

/** File name of the embedded database inside DATA_DIR. */
export const SQLITE_FILE_NAME = 'policybot.sqlite';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Extra SQLite migration scopes (feature modules). */
  sqliteMigrations?: SqliteMigration[];
}

/** Opens the store chosen by configuration. Throws a clear error for an engine that is not available. */
export function openStore(opts: OpenStoreOptions): Store & Partial<Pick<SqliteStore, 'db'>> {
  if (opts.databaseUrl) {
    if (/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new Error('DATABASE_URL points to PostgreSQL, which this build does not support yet; unset DATABASE_URL to use the embedded SQLite store');
    }
    throw new Error('DATABASE_URL must start with postgres:// (or be unset for the embedded SQLite store)');
  }
  return openSqliteStore({ file: join(opts.dataDir, SQLITE_FILE_NAME), migrations: opts.sqliteMigrations });
}
