/**
 * The broadcast pieces on a real PostgreSQL server: outbox (idempotent enqueue, guarded commit,
 * per-chat order, leases, SKIP LOCKED claims by concurrent workers, per-chat spacing across workers),
 * the shared token bucket, several senders draining one outbox, and one scheduler per tick.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPgBroadcastStore } from '../../bot/broadcast/outbox-postgres.ts';
import { openPgRateLimit } from '../../bot/broadcast/rate-limit-pg.ts';
import { startSchedule } from '../../bot/broadcast/schedule.ts';
import { OutboxSender, type SenderLimits } from '../../bot/broadcast/sender.ts';
import { buildSnapshot } from '../../bot/broadcast/snapshot.ts';
import type { OutboxMessage } from '../../bot/broadcast/types.ts';
import { openPgTickGate } from '../../bot/store/postgres-lock.ts';
import { createPgPool } from '../../bot/store/postgres.ts';
import { usePostgres } from '../helpers/postgres.ts';

const pgs = await usePostgres();
const skip = pgs.skip;

function messages(n: number, runId = 'r1', firstChat = 1000): OutboxMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    dedupeKey: `${runId}:d|${firstChat + i}|0`,
    runId,
    digestKey: `${runId}:d`,
    chatId: firstChat + i,
    chatType: 'private' as const,
    part: 0,
    text: `msg ${i}`,
  }));
}

async function fresh(prefix: string, pools = 1) {
  const url = await pgs.freshDatabase(prefix);
  const list = Array.from({ length: pools }, () => createPgPool(url, { max: 4 }));
  return { url, pools: list, end: () => Promise.all(list.map((p) => p.end())) };
}

test('postgres outbox: enqueue is idempotent; commit is guarded by the snapshot version', { skip }, async () => {
  const db = await fresh('ob');
  try {
    const bstore = await openPgBroadcastStore(db.pools[0]!);
    assert.equal(await bstore.enqueue(messages(5)), 5);
    assert.equal(await bstore.enqueue(messages(5)), 0);
    const snap = buildSnapshot({ documents: [], chunks: [] }, 1);
    assert.deepEqual(await bstore.commit({ expectedVersion: 0, snapshot: snap, messages: messages(7) }), { inserted: 2 });
    assert.equal((await bstore.loadSnapshot())!.version, 1);
    assert.deepEqual(await bstore.corpusVersion(), { version: 1, corpusHash: snap.corpusHash });
    assert.equal(
      await bstore.commit({ expectedVersion: 0, snapshot: buildSnapshot({ documents: [], chunks: [] }, 1), messages: messages(3, 'r2') }),
      'conflict',
    );
    assert.equal((await bstore.counts('r2')).total, 0);
    assert.equal((await bstore.counts()).pending, 7);
    // two instances committing the same tick at once: exactly one wins
    const results = await Promise.all(
      [1, 2].map((k) =>
        bstore.commit({ expectedVersion: 1, snapshot: buildSnapshot({ documents: [], chunks: [] }, 2), messages: messages(3, `t${k}`) }),
      ),
    );
    assert.deepEqual(results.map((r) => (r === 'conflict' ? 'conflict' : 'ok')).sort(), ['conflict', 'ok']);
  } finally {
    await db.end();
  }
});

test('postgres outbox: per-chat order, leases, takeover, in-flight mark', { skip }, async () => {
  const db = await fresh('lease');
  try {
    const bstore = await openPgBroadcastStore(db.pools[0]!);
    const rows: OutboxMessage[] = [0, 1, 2].map((part) => ({
      dedupeKey: `k|5|${part}`,
      runId: 'r',
      digestKey: 'k',
      chatId: 5,
      chatType: 'private',
      part,
      text: `p${part}`,
    }));
    rows.push({ dedupeKey: 'k|6|0', runId: 'r', digestKey: 'k', chatId: 6, chatType: 'private', part: 0, text: 'x' });
    await bstore.enqueue(rows, 0);
    const a = await bstore.claim('A', 10, 1000, 100);
    assert.deepEqual(
      a.map((r) => [r.chatId, r.part]),
      [
        [5, 0],
        [6, 0],
      ],
    );
    assert.deepEqual(await bstore.claim('B', 10, 1000, 200), []);
    assert.equal(await bstore.markSent(a[0]!.id, 'B', 1, 300), false);
    assert.equal(await bstore.markSent(a[0]!.id, 'A', 1, 300), true);
    const b = await bstore.claim('B', 10, 1000, 400);
    assert.deepEqual(
      b.map((r) => [r.chatId, r.part]),
      [[5, 1]],
    );
    // A starts sending chat 6 (in flight) and dies; after the lease B takes it over, in doubt.
    assert.equal(await bstore.beginSend(a[1]!.id, 'A', 1000, 500), true);
    assert.deepEqual(await bstore.claim('B', 10, 1000, 1000), [], 'the renewed lease still holds at 1000');
    const c = await bstore.claim('B', 10, 1000, 1600);
    // B's own expired lease on chat 5 (never started: not in doubt) and A's in-flight row of chat 6 (in doubt)
    assert.deepEqual(
      c.map((r) => [r.chatId, r.inDoubtSince]),
      [
        [5, null],
        [6, 500],
      ],
    );
    assert.equal(await bstore.beginSend(a[1]!.id, 'A', 1000, 1700), false, 'A lost the lease: it must not send');
    assert.equal(await bstore.markSent(a[1]!.id, 'A', 2, 1700), false);
    assert.equal(await bstore.resolveInDoubt(c[1]!.id, 'B', 'skip', 'in doubt', 1700), true);
    assert.equal(await bstore.resolveInDoubt(c[0]!.id, 'A', 'skip', 'in doubt', 1700), false, 'only the holder can settle a row');
    await bstore.release(c[0]!.id, 'B', { notBefore: 0, countAttempt: false });
    assert.deepEqual(await bstore.counts(), { pending: 2, sent: 1, failed: 0, skipped: 1, total: 4 });
    assert.equal(await bstore.skipChat(5, '403 blocked', 1800), 2);
    assert.equal(await bstore.nextDue(), null);
    assert.equal(await bstore.prune(0, 10_000), 4);
  } finally {
    await db.end();
  }
});

test('postgres outbox: concurrent workers claim disjoint rows (FOR UPDATE SKIP LOCKED), everyone once', { skip }, async () => {
  const db = await fresh('skip', 3);
  try {
    const stores = await Promise.all(db.pools.map((p) => openPgBroadcastStore(p)));
    await stores[0]!.enqueue(messages(1500));
    const got: number[][] = [[], [], []];
    await Promise.all(
      stores.map(async (s, w) => {
        for (;;) {
          const rows = await s.claim(`W${w}`, 25, 60_000);
          if (!rows.length) return;
          for (const r of rows) {
            got[w]!.push(r.chatId);
            assert.equal(await s.markSent(r.id, `W${w}`, null), true);
          }
        }
      }),
    );
    const all = got.flat();
    assert.equal(all.length, 1500);
    assert.equal(new Set(all).size, 1500);
    assert.ok(got.filter((g) => g.length > 0).length >= 2, `work was shared: ${got.map((g) => g.length).join('/')}`);
    assert.equal((await stores[1]!.counts()).sent, 1500);
  } finally {
    await db.end();
  }
});

test('postgres outbox: a chat’s next part waits the chat interval, whichever worker sends it', { skip }, async () => {
  const db = await fresh('space');
  try {
    const bstore = await openPgBroadcastStore(db.pools[0]!, { chatSpacingMs: { private: 1000, group: 3000 } });
    await bstore.enqueue(
      [
        { dedupeKey: 'g|0', runId: 'r', digestKey: 'g', chatId: -7, chatType: 'group', part: 0, text: 'a' },
        { dedupeKey: 'g|1', runId: 'r', digestKey: 'g', chatId: -7, chatType: 'group', part: 1, text: 'b' },
        { dedupeKey: 'p|0', runId: 'r', digestKey: 'p', chatId: 8, chatType: 'private', part: 0, text: 'c' },
        { dedupeKey: 'p|1', runId: 'r', digestKey: 'p', chatId: 8, chatType: 'private', part: 1, text: 'd' },
      ],
      0,
    );
    const first = await bstore.claim('A', 10, 10_000, 100);
    for (const r of first) assert.equal(await bstore.markSent(r.id, 'A', null, 100), true);
    assert.deepEqual(await bstore.claim('B', 10, 10_000, 1000), []);
    assert.deepEqual(
      (await bstore.claim('B', 10, 10_000, 1100)).map((r) => r.chatId),
      [8],
    );
    assert.deepEqual(
      (await bstore.claim('C', 10, 10_000, 3100)).map((r) => r.chatId),
      [-7],
    );
  } finally {
    await db.end();
  }
});

test('postgres shared rate limit: slots reserved by three processes are spaced by 1/rate', { skip }, async () => {
  const db = await fresh('rate', 3);
  try {
    const limiters = await Promise.all(db.pools.map((p) => openPgRateLimit(p, { name: 'tg', ratePerSecond: 200 })));
    const slots = (
      await Promise.all(
        limiters.map(async (l) => {
          const out: number[] = [];
          for (let i = 0; i < 40; i++) out.push((await l.reserveSlot()).slotMs);
          return out;
        }),
      )
    )
      .flat()
      .sort((a, b) => a - b);
    assert.equal(slots.length, 120);
    for (let i = 1; i < slots.length; i++)
      assert.ok(slots[i]! - slots[i - 1]! >= 5 - 1e-6, `slot ${i} only ${slots[i]! - slots[i - 1]!} ms after the previous`);
    // another bucket name is independent
    const other = await openPgRateLimit(db.pools[0]!, { name: 'other', ratePerSecond: 1 });
    assert.equal(await other.reserve(), 0);
  } finally {
    await db.end();
  }
});

test('postgres: three senders drain one outbox through the shared rate: every recipient exactly once', { skip }, async () => {
  const db = await fresh('senders', 3);
  try {
    const stores = await Promise.all(db.pools.map((p) => openPgBroadcastStore(p)));
    await stores[0]!.enqueue(messages(600));
    const limits: SenderLimits = {
      globalPerSecond: 2000,
      perChatPerSecond: 1,
      perGroupPerMinute: 20,
      maxAttempts: 3,
      leaseMs: 10_000,
      maxInFlight: 4,
      batchSize: 20,
    };
    const delivered: number[] = [];
    const bySender = [0, 0, 0];
    const reports = await Promise.all(
      stores.map(async (s, w) => {
        const rate = await openPgRateLimit(db.pools[w]!, { name: 'senders', ratePerSecond: limits.globalPerSecond });
        const sender = new OutboxSender(
          s,
          {
            workerId: `S${w}`,
            sharedRate: rate,
            send: async (chatId) => (delivered.push(chatId), bySender[w]!++, { message_id: delivered.length }),
          },
          limits,
        );
        return sender.drain();
      }),
    );
    assert.equal(delivered.length, 600);
    assert.equal(new Set(delivered).size, 600);
    assert.equal(
      reports.reduce((a, r) => a + r.sent, 0),
      600,
    );
    assert.deepEqual(await stores[2]!.counts(), { pending: 0, sent: 600, failed: 0, skipped: 0, total: 600 });
  } finally {
    await db.end();
  }
});

test('postgres scheduler: two schedulers on the same tick → it runs once; a later tick runs again', { skip }, async () => {
  const db = await fresh('sched', 2);
  try {
    const runs: string[] = [];
    const schedules = await Promise.all(
      db.pools.map(async (p, i) =>
        startSchedule({
          cron: '0 9 * * *',
          timezone: 'UTC',
          manual: true,
          gate: await openPgTickGate(p, 'broadcast', { owner: `I${i}` }),
          run: async () => {
            runs.push(`I${i}`);
            await new Promise((r) => setTimeout(r, 30));
          },
        }),
      ),
    );
    const t1 = new Date('2024-05-06T09:00:00.000Z');
    const r1 = await Promise.all(schedules.map((s) => s.tick(t1)));
    assert.deepEqual([...r1].sort(), ['ran', 'skipped']);
    // the second instance's timer fires late, after the first finished: still skipped (tick taken)
    assert.equal(await schedules[1]!.tick(new Date('2024-05-06T09:00:00.004Z')), 'skipped');
    assert.equal(await schedules[0]!.tick(t1), 'skipped');
    const r2 = await Promise.all(schedules.map((s) => s.tick(new Date('2024-05-07T09:00:00.000Z'))));
    assert.deepEqual([...r2].sort(), ['ran', 'skipped']);
    assert.equal(runs.length, 2);
    await Promise.all(schedules.map((s) => s.stop()));
  } finally {
    await db.end();
  }
});

test('postgres scheduler: two real cron timers (every second) fire once per tick', { skip }, async () => {
  const db = await fresh('cron', 2);
  try {
    const ticks = new Map<number, string[]>();
    const schedules = await Promise.all(
      db.pools.map(async (p, i) => {
        const gate = await openPgTickGate(p, 'broadcast', { owner: `I${i}` });
        return startSchedule({
          cron: '* * * * * *',
          timezone: 'UTC',
          gate: async (at) => {
            const g = await gate(at);
            if (!('skip' in g)) {
              const k = Math.round(at.getTime() / 1000);
              ticks.set(k, [...(ticks.get(k) ?? []), `I${i}`]);
            }
            return g;
          },
          run: () => new Promise((r) => setTimeout(r, 20)),
        });
      }),
    );
    for (let i = 0; i < 100 && ticks.size < 3; i++) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(schedules.map((s) => s.stop()));
    assert.ok(ticks.size >= 3, `saw ${ticks.size} ticks`);
    for (const [k, who] of ticks) assert.equal(who.length, 1, `tick ${k} ran on ${who.join(' and ')}`);
    const { rows } = await db.pools[0]!.query<{ n: string }>("SELECT count(*) AS n FROM scheduler_ticks WHERE job = 'broadcast'");
    assert.equal(Number(rows[0]!.n), ticks.size);
  } finally {
    await db.end();
  }
});
