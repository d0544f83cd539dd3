import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OutboxSender, type SenderLimits } from '../../bot/broadcast/sender.ts';
import { buildSnapshot } from '../../bot/broadcast/snapshot.ts';
import type { OutboxMessage } from '../../bot/broadcast/types.ts';
import { fakeClock, openStores } from './helpers.ts';

const FAST: SenderLimits = {
  globalPerSecond: 1000,
  perChatPerSecond: 1000,
  perGroupPerMinute: 60_000,
  maxAttempts: 3,
  leaseMs: 10_000,
  maxInFlight: 4,
  batchSize: 16,
};

function messages(n: number, runId = 'r1'): OutboxMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    dedupeKey: `${runId}:d|${1000 + i}|0`,
    runId,
    digestKey: `${runId}:d`,
    chatId: 1000 + i,
    chatType: 'private' as const,
    part: 0,
    text: `msg ${i}`,
  }));
}

test('enqueue is idempotent by dedupe key; commit is guarded by the snapshot version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-ob-'));
  const { store, bstore } = openStores(join(dir, 'db.sqlite'));
  try {
    assert.equal(await bstore.enqueue(messages(5)), 5);
    assert.equal(await bstore.enqueue(messages(5)), 0);
    const snap = buildSnapshot({ documents: [], chunks: [] }, 1);
    assert.deepEqual(await bstore.commit({ expectedVersion: 0, snapshot: snap, messages: messages(7) }), { inserted: 2 });
    assert.equal((await bstore.loadSnapshot())!.version, 1);
    // A second run that read version 0 cannot commit: neither its rows nor its snapshot are written.
    const other = messages(3, 'r2');
    assert.equal(
      await bstore.commit({ expectedVersion: 0, snapshot: buildSnapshot({ documents: [], chunks: [] }, 1), messages: other }),
      'conflict',
    );
    assert.equal((await bstore.counts('r2')).total, 0);
    assert.equal((await bstore.counts()).pending, 7);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('claims keep per-chat order and respect leases', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-ob-'));
  const { store, bstore } = openStores(join(dir, 'db.sqlite'));
  try {
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
    ); // only the head of each chat
    assert.deepEqual(await bstore.claim('B', 10, 1000, 200), []); // leased by A, and chat 5's head is not done
    assert.equal(await bstore.markSent(a[0]!.id, 'B', 1, 300), false); // B does not hold it
    assert.equal(await bstore.markSent(a[0]!.id, 'A', 1, 300), true);
    const b = await bstore.claim('B', 10, 1000, 400);
    assert.deepEqual(
      b.map((r) => [r.chatId, r.part]),
      [[5, 1]],
    );
    // A's lease on chat 6 expires: B takes it over, and A can no longer start sending it or mark it.
    const c = await bstore.claim('B', 10, 1000, 1200);
    assert.deepEqual(
      c.map((r) => r.chatId),
      [6],
    );
    assert.equal(await bstore.beginSend(a[1]!.id, 'A', 1000, 1300), false);
    assert.equal(await bstore.markSent(a[1]!.id, 'A', 2, 1300), false);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Simulates a process that dies after `acceptBeforeCrash` messages: the next sends either reach
 * "Telegram" and never get a response (`lostResponse`) or never leave the process (`lostRequest`).
 * Then a new process reopens the file and drains with the given in-doubt policy.
 */
async function crashAndResume(mode: 'lostResponse' | 'lostRequest', inDoubt: 'skip' | 'resend') {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-ob-'));
  const file = join(dir, 'db.sqlite');
  const clock = fakeClock();
  const delivered: number[] = [];
  const N = 200;
  let inFlightAtCrash = 0;
  {
    const { store, bstore } = openStores(file, clock.now);
    await bstore.enqueue(messages(N));
    let calls = 0;
    const sender = new OutboxSender(
      bstore,
      {
        clock,
        workerId: 'dead',
        send: (chatId) => {
          if (++calls > 90) {
            inFlightAtCrash++;
            if (mode === 'lostResponse') delivered.push(chatId); // Telegram got it; the answer is lost
            return new Promise(() => {});
          }
          delivered.push(chatId);
          return Promise.resolve({ message_id: calls });
        },
      },
      { ...FAST, inDoubt },
    );
    void sender.drain();
    for (let i = 0; i < 200 && inFlightAtCrash < FAST.maxInFlight!; i++) await new Promise((r) => setImmediate(r));
    assert.equal(inFlightAtCrash, FAST.maxInFlight, 'sends in flight at the crash');
    store.db.close(); // the process dies: no cleanup, claimed rows keep their lease and in-flight mark
  }
  const { store, bstore } = openStores(file, clock.now);
  const before = await bstore.counts();
  const sender = new OutboxSender(
    bstore,
    { clock, workerId: 'new', send: async (chatId) => (delivered.push(chatId), { message_id: 1 }) },
    { ...FAST, inDoubt },
  );
  const report = await sender.drain();
  const after = await bstore.counts();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { N, delivered, before, report, after, inFlightAtCrash };
}

test('crash before the requests left: resume (default policy: resend) delivers every recipient exactly once', async () => {
  const r = await crashAndResume('lostRequest', 'resend');
  assert.equal(r.before.sent, 90);
  assert.equal(r.report.inDoubt, r.inFlightAtCrash);
  assert.deepEqual([r.after.pending, r.after.sent], [0, r.N]);
  assert.equal(r.delivered.length, r.N);
  assert.equal(new Set(r.delivered).size, r.N);
});

test('crash after Telegram accepted (answers lost): resend repeats only those rows; skip is exactly once there', async () => {
  const resend = await crashAndResume('lostResponse', 'resend');
  assert.equal(new Set(resend.delivered).size, resend.N, 'nobody missing');
  assert.equal(resend.delivered.length, resend.N + resend.inFlightAtCrash, 'only the rows in flight at the crash arrive twice');

  const skip = await crashAndResume('lostResponse', 'skip');
  assert.equal(skip.report.inDoubt, skip.inFlightAtCrash);
  assert.deepEqual([skip.after.pending, skip.after.sent, skip.after.skipped], [0, skip.N - skip.inFlightAtCrash, skip.inFlightAtCrash]);
  assert.equal(skip.delivered.length, skip.N);
  assert.equal(new Set(skip.delivered).size, skip.N);
});

test('skip policy after a crash before the requests left: the in-doubt rows are recorded skipped, not silently lost', async () => {
  const skip = await crashAndResume('lostRequest', 'skip');
  assert.equal(skip.after.skipped, skip.inFlightAtCrash);
  assert.equal(new Set(skip.delivered).size, skip.N - skip.inFlightAtCrash);
  assert.equal(skip.delivered.length, new Set(skip.delivered).size, 'no duplicates');
});
