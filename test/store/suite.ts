/**
 * The storage test suite shared by both engines: the same assertions run against the embedded SQLite
 * store (test/store/sqlite.test.ts) and the PostgreSQL store (test/postgres/store.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../bot/store/types.ts';

/** How the suite gets stores of one engine. */
export interface StoreFactory {
  /** A new, empty database; `open` opens (and reopens, after a close) a store on it. */
  fresh(): Promise<{ open(now?: () => number): Promise<Store>; cleanup(): Promise<void> }>;
}

/** Registers the engine-neutral store tests under `engine` (skipped with `skip` as the reason when set). */
export function storeSuite(engine: string, factory: StoreFactory, skip: string | false = false): void {
  const t = (name: string, fn: () => Promise<void>) => test(`${engine}: ${name}`, { skip }, fn);

  t('sessions round-trip JSON, delete by key and by suffix', async () => {
    const db = await factory.fresh();
    const store = await db.open();
    try {
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
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  t('sweepSessions deletes only sessions idle for longer than the limit', async () => {
    let clock = 1_000_000;
    const db = await factory.fresh();
    const store = await db.open(() => clock);
    try {
      const s = store.sessions<{ n: number }>();
      await s.write('u1', { n: 1 });
      clock += 20 * 60_000;
      await s.write('u2', { n: 2 });
      clock += 15 * 60_000; // u1 idle 35 min, u2 15 min
      assert.equal(await store.sweepSessions(30 * 60_000, clock), 1);
      assert.equal(await s.read('u1'), undefined);
      assert.deepEqual(await s.read('u2'), { n: 2 });
      assert.equal(await store.sweepSessions(30 * 60_000, clock), 0);
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  t('subscribers: subscribe, change topics, deactivate, list', async () => {
    let clock = 1000;
    const db = await factory.fresh();
    const store = await db.open(() => clock);
    try {
      const a = await store.subscribe(11, 'private', ['district:宝山', 'keyword:落户', 'district:宝山', 'bogus']);
      assert.deepEqual(a.topics, ['district:宝山', 'keyword:落户']);
      assert.equal(a.active, true);
      clock = 2000;
      await store.subscribe(-1001234567890, 'group', []);
      assert.deepEqual((await store.getSubscriber(-1001234567890))!.topics, ['all']);
      clock = 3000;
      const b = await store.setTopics(11, 'private', ['municipal', 'all']);
      assert.deepEqual(b.topics, ['all']);
      assert.equal(b.createdAt, 1000);
      assert.equal(b.updatedAt, 3000);
      await store.deactivateSubscriber(11, 'blocked');
      const gone = (await store.getSubscriber(11))!;
      assert.equal(gone.active, false);
      assert.equal(gone.inactiveReason, 'blocked');
      assert.deepEqual(
        (await store.listSubscribers()).map((x) => x.chatId),
        [-1001234567890],
        'supergroup ids beyond 32 bits survive',
      );
      assert.deepEqual(
        (await store.listSubscribers({ activeOnly: false })).map((x) => x.chatId),
        [11, -1001234567890],
      );
      const back = await store.subscribe(11, 'private', ['municipal']);
      assert.equal(back.active, true);
      assert.equal(back.inactiveReason, null);
      assert.equal(await store.getSubscriber(999), null);
      await store.deactivateSubscriber(999, 'unsubscribed'); // no-op
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  t('usage counters and stats', async () => {
    const db = await factory.fresh();
    const store = await db.open();
    try {
      await store.touchUser(1);
      await store.touchUser(2);
      await store.touchUser(2);
      await store.markUserInactive(3, 'blocked');
      await store.incrementUsage('2024-05-01', ['questions', 'abstained']);
      await store.incrementUsage('2024-05-01', ['questions']);
      await store.incrementUsage('2024-05-01', ['questions', 'group_questions']);
      await store.incrementUsage('2024-05-01', ['questions']);
      await store.incrementUsage('2024-04-30', ['questions'], 7);
      await store.incrementUsage('2024-04-30', []);
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
      assert.equal((await store.stats('2024-04-30')).questionsToday, 7);
      const empty = await store.stats('2030-01-01');
      assert.equal(empty.questionsToday, 0);
      assert.equal(empty.abstentionRate, 0);
      await store.touchUser(3);
      assert.equal((await store.stats('2024-05-01')).inactiveUsers, 0);
      await store.sessions().write('u2', { x: 1 });
      await store.sessions().write('c-9:u2', { x: 2 });
      await store.sessions().write('u22', { x: 3 });
      await store.forgetUser(2, { equals: ['u2'], endsWith: ':u2' });
      assert.equal((await store.stats('2024-05-01')).users, 2);
      assert.equal(await store.sessions().has('u2'), false);
      assert.equal(await store.sessions().has('c-9:u2'), false);
      assert.equal(await store.sessions().has('u22'), true, 'another user with a similar id keeps the session');
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  t('update claims: new, retry after a crash, done, prune', async () => {
    let clock = 10_000;
    const db = await factory.fresh();
    const store = await db.open(() => clock);
    assert.equal(await store.beginUpdate(5), 'new');
    await store.finishUpdate(5);
    assert.equal(await store.beginUpdate(5), 'done');
    assert.equal(await store.beginUpdate({ update_id: 6, message: { text: 'hi' } } as never), 'new');
    await store.close(); // "crash" before finishing 6
    const reopened = await db.open(() => clock);
    try {
      assert.deepEqual(await reopened.unfinishedUpdates(), [{ update_id: 6, message: { text: 'hi' } }]);
      assert.equal(await reopened.beginUpdate(6), 'retry');
      assert.equal(await reopened.beginUpdate(5), 'done');
      await reopened.finishUpdate(6);
      assert.deepEqual(await reopened.unfinishedUpdates(), []);
      clock = 10_000 + 3 * 86_400_000;
      assert.equal(await reopened.pruneUpdates(86_400_000), 2);
      assert.equal(await reopened.beginUpdate(5), 'new');
    } finally {
      await reopened.close();
      await db.cleanup();
    }
  });

  t('received updates are kept with their payload until handled, in update order', async () => {
    const db = await factory.fresh();
    const store = await db.open();
    try {
      await store.receiveUpdates([{ update_id: 12, n: 'b' } as never, { update_id: 11, n: 'a' } as never]);
      await store.receiveUpdates([{ update_id: 12, n: 'changed' } as never]); // redelivery keeps the first copy
      assert.deepEqual(await store.unfinishedUpdates(), [
        { update_id: 11, n: 'a' },
        { update_id: 12, n: 'b' },
      ]);
      assert.equal(await store.beginUpdate(11), 'new', 'received but never started is not a retry');
      await store.finishUpdate(11);
      assert.deepEqual(await store.unfinishedUpdates(), [{ update_id: 12, n: 'b' }]);
      assert.equal(await store.pruneUpdates(0, Date.now() + 1000), 1, 'only done marks are pruned');
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  t('concurrent claims of one update: exactly one caller gets `new`', async () => {
    const db = await factory.fresh();
    const a = await db.open();
    const b = await db.open();
    try {
      const claims = await Promise.all([a.beginUpdate(77), b.beginUpdate(77), a.beginUpdate(77), b.beginUpdate(77)]);
      assert.equal(claims.filter((c) => c === 'new').length, 1, claims.join(','));
      await a.finishUpdate(77);
      assert.equal(await b.beginUpdate(77), 'done');
    } finally {
      await a.close();
      await b.close();
      await db.cleanup();
    }
  });

  t('closed store refuses further calls; close is idempotent', async () => {
    const db = await factory.fresh();
    const store = await db.open();
    await store.close();
    await store.close();
    await assert.rejects(store.touchUser(1), /closed/);
    await db.cleanup();
  });
}
