import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classifySendError, OutboxSender, TokenBucket, type SenderLimits } from '../../bot/broadcast/sender.ts';
import type { OutboxMessage } from '../../bot/broadcast/types.ts';
import { fakeClock, openStores, tgError } from './helpers.ts';

const LIMITS: SenderLimits = {
  globalPerSecond: 100,
  perChatPerSecond: 1,
  perGroupPerMinute: 20,
  maxAttempts: 3,
  leaseMs: 30_000,
  maxInFlight: 4,
  retryBaseMs: 1000,
};

function msg(chatId: number, part = 0, chatType: 'private' | 'group' = 'private'): OutboxMessage {
  return { dedupeKey: `d|${chatId}|${part}`, runId: 'r', digestKey: 'd', chatId, chatType, part, text: `to ${chatId} part ${part}` };
}

async function withStores(fn: (s: ReturnType<typeof openStores>, clock: ReturnType<typeof fakeClock>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-snd-'));
  const clock = fakeClock();
  const s = openStores(join(dir, 'db.sqlite'), clock.now);
  try {
    await fn(s, clock);
  } finally {
    await s.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('classifies Telegram errors', () => {
  assert.deepEqual(classifySendError(tgError(429, 'Too Many Requests: retry after 7', 7)).kind, 'rate_limited');
  assert.equal((classifySendError(tgError(429, 'Too Many Requests', 7)) as { retryAfterMs: number }).retryAfterMs, 7000);
  assert.deepEqual(classifySendError(tgError(403, 'Forbidden: bot was blocked by the user')), {
    kind: 'forbidden',
    reason: 'blocked',
    description: 'Forbidden: bot was blocked by the user',
  });
  assert.equal((classifySendError(tgError(403, 'Forbidden: bot was kicked from the group chat')) as { reason: string }).reason, 'kicked');
  assert.equal(classifySendError(tgError(400, 'Bad Request: chat not found')).kind, 'permanent');
  assert.equal(classifySendError(tgError(502, 'Bad Gateway')).kind, 'retry');
  assert.equal(classifySendError(new Error('fetch failed')).kind, 'retry');
});

test('token bucket spaces tokens evenly', () => {
  const b = new TokenBucket(10);
  assert.deepEqual([b.reserve(0), b.reserve(0), b.reserve(0), b.reserve(500)], [0, 100, 200, 500]);
  const burst = new TokenBucket(1, 3);
  assert.deepEqual([burst.reserve(0), burst.reserve(0), burst.reserve(0), burst.reserve(0)], [0, 0, 0, 1000]);
});

test('429: pauses for retry_after, then delivers everything once', async () => {
  await withStores(async ({ bstore }, clock) => {
    await bstore.enqueue([1, 2, 3, 4, 5, 6].map((c) => msg(c)));
    const log: { chatId: number; at: number }[] = [];
    let limited = false;
    let limitedAt = 0;
    const sender = new OutboxSender(
      bstore,
      {
        clock,
        send: async (chatId) => {
          if (chatId === 3 && !limited) {
            limited = true;
            limitedAt = clock.now();
            throw tgError(429, 'Too Many Requests: retry after 5', 5);
          }
          log.push({ chatId, at: clock.now() });
          return { message_id: log.length };
        },
      },
      { ...LIMITS, maxInFlight: 1 },
    );
    const report = await sender.drain();
    assert.equal(report.rateLimited, 1);
    assert.equal(report.sent, 6);
    assert.deepEqual(log.map((l) => l.chatId).sort(), [1, 2, 3, 4, 5, 6]);
    // Nothing was sent during the pause.
    for (const l of log) assert.ok(l.at <= limitedAt || l.at >= limitedAt + 5000, `send at +${l.at - limitedAt} ms during the 429 pause`);
    assert.ok(log.find((l) => l.chatId === 3)!.at >= limitedAt + 5000);
    assert.equal((await bstore.counts()).sent, 6);
  });
});

test('403: the subscriber is marked inactive and its pending rows skipped; others delivered', async () => {
  await withStores(async ({ store, bstore }, clock) => {
    for (const c of [10, 11, 12]) await store.subscribe(c, 'private', ['all']);
    await bstore.enqueue([msg(10), msg(11, 0), msg(11, 1), msg(12)]);
    const delivered: number[] = [];
    const sender = new OutboxSender(
      bstore,
      {
        clock,
        onInactive: (chatId, reason) => store.deactivateSubscriber(chatId, reason),
        send: async (chatId) => {
          if (chatId === 11) throw tgError(403, 'Forbidden: bot was blocked by the user');
          delivered.push(chatId);
          return { message_id: 1 };
        },
      },
      LIMITS,
    );
    const report = await sender.drain();
    assert.deepEqual(delivered.sort(), [10, 12]);
    assert.equal(report.inactive, 1);
    assert.equal(report.skipped, 2);
    const sub = await store.getSubscriber(11);
    assert.equal(sub!.active, false);
    assert.equal(sub!.inactiveReason, 'blocked');
    const c = await bstore.counts();
    assert.deepEqual([c.sent, c.skipped, c.pending], [2, 2, 0]);
  });
});

test('other errors: bounded retries with back-off, then failed; 400 fails at once', async () => {
  await withStores(async ({ bstore }, clock) => {
    await bstore.enqueue([msg(20), msg(21), msg(22)]);
    const calls = new Map<number, number>();
    const sender = new OutboxSender(
      bstore,
      {
        clock,
        send: async (chatId) => {
          const n = (calls.get(chatId) ?? 0) + 1;
          calls.set(chatId, n);
          if (chatId === 20 && n <= 2) throw tgError(502, 'Bad Gateway'); // recovers on the 3rd attempt
          if (chatId === 21) throw new Error('socket hang up'); // never recovers
          if (chatId === 22) throw tgError(400, "Bad Request: can't parse entities");
          return { message_id: 1 };
        },
      },
      LIMITS,
    );
    const report = await sender.drain();
    assert.equal(calls.get(20), 3);
    assert.equal(calls.get(21), LIMITS.maxAttempts);
    assert.equal(calls.get(22), 1);
    assert.deepEqual([report.sent, report.failed], [1, 2]);
    const c = await bstore.counts();
    assert.deepEqual([c.sent, c.failed, c.pending], [1, 2, 0]);
  });
});

test('rate limits: global, per chat (in order), per group', async () => {
  await withStores(async ({ bstore }, clock) => {
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => msg(100 + i)),
      msg(7, 0),
      msg(7, 1),
      msg(7, 2),
      msg(-500, 0, 'group'),
      msg(-500, 1, 'group'),
      msg(-500, 2, 'group'),
    ];
    await bstore.enqueue(rows);
    const log: { chatId: number; text: string; at: number }[] = [];
    const sender = new OutboxSender(
      bstore,
      { clock, send: async (chatId, text) => (log.push({ chatId, text, at: clock.now() }), { message_id: 1 }) },
      { ...LIMITS, globalPerSecond: 10 },
    );
    const report = await sender.drain();
    assert.equal(report.sent, rows.length);
    const times = log.map((l) => l.at);
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i]! - times[i - 1]! >= 100 - 1e-6, `global: ${times[i]! - times[i - 1]!} ms apart`);
    const chat7 = log.filter((l) => l.chatId === 7);
    assert.deepEqual(
      chat7.map((l) => l.text),
      ['to 7 part 0', 'to 7 part 1', 'to 7 part 2'],
    );
    for (let i = 1; i < 3; i++) assert.ok(chat7[i]!.at - chat7[i - 1]!.at >= 1000 - 1e-6);
    const group = log.filter((l) => l.chatId === -500);
    assert.deepEqual(
      group.map((l) => l.text),
      ['to -500 part 0', 'to -500 part 1', 'to -500 part 2'],
    );
    for (let i = 1; i < 3; i++) assert.ok(group[i]!.at - group[i - 1]!.at >= 3000 - 1e-6);
  });
});
