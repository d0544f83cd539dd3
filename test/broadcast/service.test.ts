import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBroadcastService, limitsFromConfig } from '../../bot/broadcast/service.ts';
import { parseConfig } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { tempCorpus, tgError } from './helpers.ts';

test('announce goes through the outbox to every active subscriber; 403 marks the chat inactive', async () => {
  const t = tempCorpus();
  const store = openSqliteStore({ file: join(t.dir, 'db.sqlite') });
  try {
    const config = parseConfig({
      CORPUS_DIR: t.corpusDir,
      DATA_DIR: t.dir,
      BROADCAST_RATE_PER_SECOND: '1000',
      BROADCAST_CHAT_PER_SECOND: '1000',
    });
    await store.subscribe(1, 'private', ['district:杨浦']);
    await store.subscribe(2, 'private', ['all']);
    await store.subscribe(-3, 'group', ['keyword:落户']);
    await store.subscribe(4, 'private', ['all']);
    await store.deactivateSubscriber(4, 'unsubscribed');
    await store.subscribe(5, 'private', ['all']);
    const sent: { chatId: number; text: string }[] = [];
    const svc = createBroadcastService(config, {
      store,
      log: silentLogger,
      send: async (chatId, text) => {
        if (chatId === 5) throw tgError(403, 'Forbidden: bot was blocked by the user');
        sent.push({ chatId, text });
        return { message_id: sent.length };
      },
    });
    const summary = await svc.announce('下周一系统维护 <2小时>', { userId: 99 });
    assert.match(summary, /4 位订阅者/);
    await svc.sender.drain();
    assert.deepEqual(
      sent.map((s) => s.chatId).sort((a, b) => a - b),
      [-3, 1, 2],
    );
    assert.equal(sent[0]!.text, '📢 <b>通知</b>\n下周一系统维护 &lt;2小时&gt;');
    assert.equal((await store.getSubscriber(5))!.active, false);
    assert.equal((await store.getSubscriber(5))!.inactiveReason, 'blocked');
    const c = await svc.bstore.counts();
    assert.deepEqual([c.sent, c.skipped, c.pending], [3, 1, 0]);
    await svc.stop();
  } finally {
    await store.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test('limits come from the BROADCAST_* settings; a bad cron stops the service before anything starts', async () => {
  const config = parseConfig({ BROADCAST_RATE_PER_SECOND: '10', BROADCAST_GROUP_PER_MINUTE: '6', BROADCAST_IN_DOUBT: 'resend' });
  assert.deepEqual(limitsFromConfig(config), {
    globalPerSecond: 10,
    perChatPerSecond: 1,
    perGroupPerMinute: 6,
    maxAttempts: 5,
    leaseMs: 30_000,
    maxInFlight: 3,
    inDoubt: 'resend',
  });
  assert.throws(() => parseConfig({ BROADCAST_IN_DOUBT: 'maybe' }), /BROADCAST_IN_DOUBT/);
  const store = openSqliteStore({ file: ':memory:' });
  try {
    assert.throws(
      () => createBroadcastService(parseConfig({ BROADCAST_CRON: '0 9 * *' }), { store, log: silentLogger, send: async () => ({}) }),
      /BROADCAST_CRON "0 9 \* \*"/,
    );
    assert.throws(
      () => createBroadcastService(parseConfig({ BROADCAST_TZ: 'Nowhere/City' }), { store, log: silentLogger, send: async () => ({}) }),
      /BROADCAST_TZ/,
    );
    // A one-off run does not need the schedule.
    const svc = createBroadcastService(parseConfig({ BROADCAST_CRON: '0 9 * *' }), {
      store,
      log: silentLogger,
      send: async () => ({}),
      validateSchedule: false,
    });
    assert.throws(() => svc.start(), /BROADCAST_CRON/);
  } finally {
    await store.close();
  }
});
