import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, SQLITE_FILE_NAME } from '../../bot/store/index.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { applySqliteMigrations, coreMigrations } from '../../bot/store/sqlite-migrations.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'policybot-store-'));

test('opens under DATA_DIR in WAL mode with the core schema recorded', async () => {
  const dir = tmp();
  const store = openStore({ dataDir: join(dir, 'nested') });
  assert.equal(store.engine, 'sqlite');
  assert.equal(store.db!.pragma('journal_mode', { simple: true }), 'wal');
  const rows = store.db!.prepare('SELECT scope, version FROM schema_migrations').all();
  assert.deepEqual(rows, [{ scope: 'core', version: 1 }]);
  await store.close();
  await store.close(); // idempotent
  // reopening applies nothing new and keeps data
  const again = openSqliteStore({ file: join(dir, 'nested', SQLITE_FILE_NAME) });
  assert.deepEqual(again.appliedMigrations, []);
  await again.close();
});

test('sessions round-trip JSON, delete by key and by suffix', async () => {
  const store = openSqliteStore({ file: join(tmp(), 'db.sqlite') });
  const s = store.sessions<{ facts: Record<string, unknown>; n: number }>();
  assert.equal(await s.read('u1'), undefined);
  await s.write('u1', { facts: { rank: 40, 名字: '张三' }, n: 1 });
  await s.write('c-100:u1', { facts: {}, n: 2 });
  await s.write('c-100:u2', { facts: {}, n: 3 });
  assert.deepEqual(await s.read('u1'), { facts: { rank: 40, 名字: '张三' }, n: 1 });
  assert.equal(await s.has('u1'), true);
  const keys: string[] = [];
  for await (const k of s.readAllKeys()) keys.push(k);
  assert.deepEqual(keys, ['c-100:u1', 'c-100:u2', 'u1']);
  await s.write('u1', { facts: {}, n: 9 });
  assert.equal((await s.read('u1'))!.n, 9);
  assert.equal(await store.deleteSessions({ equals: ['u1'], endsWith: ':u1' }), 2);
  assert.equal(await s.read('u1'), undefined);
  assert.equal(await s.read('c-100:u1'), undefined);
  assert.deepEqual(await s.read('c-100:u2'), { facts: {}, n: 3 });
  await s.delete('c-100:u2');
  assert.equal(await s.has('c-100:u2'), false);
  await store.close();
});

test('subscribers: subscribe, change topics, deactivate, list', async () => {
  let clock = 1000;
  const store = openSqliteStore({ file: ':memory:', now: () => clock });
  const a = await store.subscribe(11, 'private', ['district:宝山', 'keyword:落户', 'district:宝山', 'bogus']);
  assert.deepEqual(a.topics, ['district:宝山', 'keyword:落户']);
  assert.equal(a.active, true);
  clock = 2000;
  await store.subscribe(-100200, 'group', []);
  assert.deepEqual((await store.getSubscriber(-100200))!.topics, ['all']);
  clock = 3000;
  const b = await store.setTopics(11, 'private', ['municipal', 'all']);
  assert.deepEqual(b.topics, ['all']);
  assert.equal(b.createdAt, 1000);
  assert.equal(b.updatedAt, 3000);
  await store.deactivateSubscriber(11, 'blocked');
  const gone = (await store.getSubscriber(11))!;
  assert.equal(gone.active, false);
  assert.equal(gone.inactiveReason, 'blocked');
  assert.deepEqual((await store.listSubscribers()).map((x) => x.chatId), [-100200]);
  assert.deepEqual((await store.listSubscribers({ activeOnly: false })).map((x) => x.chatId), [11, -100200]);
  // resubscribing reactivates and clears the reason
  const back = await store.subscribe(11, 'private', ['municipal']);
  assert.equal(back.active, true);
  assert.equal(back.inactiveReason, null);
  assert.equal(await store.getSubscriber(999), null);
  await store.deactivateSubscriber(999, 'unsubscribed'); // no-op
  await store.close();
});

test('usage counters and stats', async () => {
  const store = openSqliteStore({ file: ':memory:' });
  await store.touchUser(1);
  await store.touchUser(2);
  await store.touchUser(2);
  await store.markUserInactive(3, 'blocked');
  await store.incrementUsage('2024-05-01', ['questions', 'abstained']);
  await store.incrementUsage('2024-05-01', ['questions']);
  await store.incrementUsage('2024-05-01', ['questions', 'group_questions']);
  await store.incrementUsage('2024-05-01', ['questions']);
  await store.incrementUsage('2024-04-30', ['questions'], 7);
  await store.subscribe(1, 'private', ['all']);
  await store.subscribe(-5, 'group', ['municipal']);
  const s = await store.stats('2024-05-01');
  assert.equal(s.users, 2);
  assert.equal(s.inactiveUsers, 1);
  assert.equal(s.questionsToday, 4);
  assert.equal(s.abstainedToday, 1);
  assert.equal(s.abstentionRate, 0.25);
  assert.equal(s.subscribers, 2);
  assert.equal(s.groupSubscribers, 1);
  assert.equal(s.metrics.group_questions, 1);
  const empty = await store.stats('2030-01-01');
  assert.equal(empty.questionsToday, 0);
  assert.equal(empty.abstentionRate, 0);
  // a user who blocked the bot and writes again is active again
  await store.touchUser(3);
  assert.equal((await store.stats('2024-05-01')).inactiveUsers, 0);
  await store.forgetUser(2, { equals: ['u2'] });
  assert.equal((await store.stats('2024-05-01')).users, 2);
  await store.close();
});

test('update claims: new, retry after a crash, done, prune', async () => {
  let clock = 10_000;
  const file = join(tmp(), 'db.sqlite');
  const store = openSqliteStore({ file, now: () => clock });
  assert.equal(await store.beginUpdate(5), 'new');
  await store.finishUpdate(5);
  assert.equal(await store.beginUpdate(5), 'done');
  assert.equal(await store.beginUpdate({ update_id: 6, message: { text: 'hi' } } as never), 'new');
  await store.close(); // "crash" before finishing 6
  const reopened = openSqliteStore({ file, now: () => clock });
  assert.deepEqual(await reopened.unfinishedUpdates(), [{ update_id: 6, message: { text: 'hi' } }]);
  assert.equal(await reopened.beginUpdate(6), 'retry');
  assert.equal(await reopened.beginUpdate(5), 'done');
  await reopened.finishUpdate(6);
  assert.deepEqual(await reopened.unfinishedUpdates(), []);
  clock = 10_000 + 3 * 86_400_000;
  assert.equal(await reopened.pruneUpdates(86_400_000), 2);
  assert.equal(await reopened.beginUpdate(5), 'new');
  await reopened.close();
});

test('received updates are kept with their payload until handled, in update order', async () => {
  const store = openSqliteStore({ file: ':memory:' });
  await store.receiveUpdates([{ update_id: 12, n: 'b' } as never, { update_id: 11, n: 'a' } as never]);
  await store.receiveUpdates([{ update_id: 12, n: 'changed' } as never]); // redelivery keeps the first copy
  assert.deepEqual(await store.unfinishedUpdates(), [{ update_id: 11, n: 'a' }, { update_id: 12, n: 'b' }]);
  assert.equal(await store.beginUpdate(11), 'new', 'received but never started is not a retry');
  await store.finishUpdate(11);
  assert.deepEqual(await store.unfinishedUpdates(), [{ update_id: 12, n: 'b' }]);
  assert.equal(await store.pruneUpdates(0, Date.now() + 1000), 1, 'only done marks are pruned');
  await store.close();
});

test('closed store refuses further calls', async () => {
  const store = openSqliteStore({ file: ':memory:' });
  await store.close();
  await assert.rejects(store.touchUser(1), /closed/);
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
    () => applySqliteMigrations(db, [...coreMigrations, ...extra, { scope: 'broadcast', version: 3, name: 'bad', up: 'CREATE TABLE outbox (x)' }]),
    /broadcast@3 \(bad\) failed: .*already exists/,
  );
  // a failed step leaves nothing half-applied
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM schema_migrations WHERE scope = 'broadcast'").get() as { n: number }).n, 2);
  assert.throws(() => applySqliteMigrations(db, [...coreMigrations, ...coreMigrations]), /core@1 is listed twice/);
});

test('PostgreSQL URLs are refused with a clear message until that engine exists', () => {
  assert.throws(() => openStore({ dataDir: tmp(), databaseUrl: 'postgres://x@localhost/db' }), /PostgreSQL.*unset DATABASE_URL/);
});
