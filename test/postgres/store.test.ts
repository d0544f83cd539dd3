/**
 * The shared storage suite (test/store/suite.ts) against a real PostgreSQL server, plus the
 * PostgreSQL-specific parts: engine selection by DATABASE_URL, concurrent migrations, errors.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import pg from 'pg';
import { openStore, openStoreReady } from '../../bot/store/index.ts';
import { applyPgMigrations, corePgMigrations } from '../../bot/store/postgres-migrations.ts';
import { openPostgresStore } from '../../bot/store/postgres.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { storeSuite } from '../store/suite.ts';

const pgs = await usePostgres();

storeSuite(
  'postgres',
  {
    async fresh() {
      const url = await pgs.freshDatabase('store');
      return {
        open: async (now) => openPostgresStore({ url, poolMax: 4, ...(now ? { now } : {}) }).init(),
        cleanup: async () => undefined,
      };
    },
  },
  pgs.skip,
);

test('postgres: DATABASE_URL=postgres://… selects PostgreSQL through openStore, migrated once', { skip: pgs.skip }, async () => {
  const url = await pgs.freshDatabase('sel');
  const store = await openStoreReady({ dataDir: tmpdir(), databaseUrl: url });
  assert.equal(store.engine, 'postgres');
  assert.ok(store.pool);
  const { rows } = await store.pool!.query('SELECT scope, version FROM schema_migrations ORDER BY scope, version');
  assert.deepEqual(rows, [
    { scope: 'core', version: 1 },
    { scope: 'replies', version: 1 },
  ]);
  await store.close();
  const again = openPostgresStore({ url });
  assert.deepEqual(await again.migrated, []);
  await again.close();
});

test('postgres: instances starting together migrate exactly once (advisory lock)', { skip: pgs.skip }, async () => {
  const url = await pgs.freshDatabase('mig');
  const extra = [
    { scope: 'broadcast', version: 2, name: 'index', up: 'CREATE INDEX outbox_state ON outbox (state)' },
    { scope: 'broadcast', version: 1, name: 'outbox', up: 'CREATE TABLE outbox (id BIGINT PRIMARY KEY, state TEXT)' },
  ];
  const stores = Array.from({ length: 4 }, () => openPostgresStore({ url, poolMax: 2, migrations: extra }));
  const applied = await Promise.all(stores.map((s) => s.migrated));
  assert.deepEqual(applied.flat().sort(), ['broadcast@1', 'broadcast@2', 'core@1', 'replies@1']);
  assert.deepEqual(
    applied.find((a) => a.length),
    ['core@1', 'replies@1', 'broadcast@1', 'broadcast@2'],
    'core first, then versions in order',
  );
  // a failing step names itself and leaves nothing half-applied
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await assert.rejects(
    applyPgMigrations(pool, [
      ...corePgMigrations,
      ...extra,
      { scope: 'broadcast', version: 3, name: 'bad', up: 'CREATE TABLE ok_table (x INT); CREATE TABLE outbox (x INT)' },
    ]),
    /broadcast@3 \(bad\) failed: .*already exists/,
  );
  const { rows } = await pool.query(
    "SELECT to_regclass('ok_table') AS t, (SELECT count(*) FROM schema_migrations WHERE scope = 'broadcast')::int AS n",
  );
  assert.deepEqual(rows, [{ t: null, n: 2 }]);
  await assert.rejects(applyPgMigrations(pool, [...corePgMigrations, ...corePgMigrations]), /core@1 is listed twice/);
  await pool.end();
  await Promise.all(stores.map((s) => s.close()));
});

test('postgres: an unreachable server is reported naming DATABASE_URL, without the password', async () => {
  const store = openStore({ dataDir: tmpdir(), databaseUrl: 'postgres://bot:s3cret@127.0.0.1:1/nowhere' });
  await assert.rejects(
    (store as unknown as { init(): Promise<unknown> }).init(),
    (err: Error) => /DATABASE_URL/.test(err.message) && !err.message.includes('s3cret') && err.message.includes('***'),
  );
  await assert.rejects(store.touchUser(1), /DATABASE_URL/);
  await store.close();
});
