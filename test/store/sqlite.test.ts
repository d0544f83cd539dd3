import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, SQLITE_FILE_NAME } from '../../bot/store/index.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { applySqliteMigrations, coreMigrations } from '../../bot/store/sqlite-migrations.ts';
import { storeSuite } from './suite.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'policybot-store-'));

test('opens under DATA_DIR in WAL mode with the core schema recorded', async () => {
  const dir = tmp();
  const store = openStore({ dataDir: join(dir, 'nested') });
  assert.equal(store.engine, 'sqlite');
  assert.equal(store.db!.pragma('journal_mode', { simple: true }), 'wal');
  const rows = store.db!.prepare('SELECT scope, version FROM schema_migrations').all();
  assert.deepEqual(rows, [
    { scope: 'core', version: 1 },
    { scope: 'replies', version: 1 },
  ]);
  await store.close();
  await store.close(); // idempotent
  // reopening applies nothing new and keeps data
  const again = openSqliteStore({ file: join(dir, 'nested', SQLITE_FILE_NAME) });
  assert.deepEqual(again.appliedMigrations, []);
  await again.close();
});

test('migrations: extra scopes apply after core, once, in version order; failures name the step', () => {
  const db = new Database(':memory:');
  const extra = [
    { scope: 'broadcast', version: 2, name: 'index', up: 'CREATE INDEX outbox_state ON outbox (state)' },
    { scope: 'broadcast', version: 1, name: 'outbox', up: 'CREATE TABLE outbox (id INTEGER PRIMARY KEY, state TEXT)' },
  ];
  assert.deepEqual(applySqliteMigrations(db, [...coreMigrations, ...extra]), ['core@1', 'broadcast@1', 'broadcast@2']);
  assert.deepEqual(applySqliteMigrations(db, [...coreMigrations, ...extra]), []);
  assert.throws(
    () =>
      applySqliteMigrations(db, [
        ...coreMigrations,
        ...extra,
        { scope: 'broadcast', version: 3, name: 'bad', up: 'CREATE TABLE outbox (x)' },
      ]),
    /broadcast@3 \(bad\) failed: .*already exists/,
  );
  // a failed step leaves nothing half-applied
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM schema_migrations WHERE scope = 'broadcast'").get() as { n: number }).n, 2);
  assert.throws(() => applySqliteMigrations(db, [...coreMigrations, ...coreMigrations]), /core@1 is listed twice/);
});

test('DATABASE_URL selects the engine: postgres:// → PostgreSQL, anything else is refused with a clear message', async () => {
  const pg = openStore({ dataDir: tmp(), databaseUrl: 'postgres://x@127.0.0.1:1/db' });
  assert.equal(pg.engine, 'postgres');
  await pg.close();
  assert.throws(() => openStore({ dataDir: tmp(), databaseUrl: 'mysql://x@localhost/db' }), /DATABASE_URL must start with postgres:\/\//);
});

storeSuite('sqlite', {
  async fresh() {
    const dir = tmp();
    const file = join(dir, 'db.sqlite');
    return {
      open: async (now) => openSqliteStore({ file, ...(now ? { now } : {}) }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
