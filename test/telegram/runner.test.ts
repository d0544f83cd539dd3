/**
 * The runner's shutdown and restart guarantees, with a fake Bot API that implements getUpdates offset
 * semantics (updates below the last offset are confirmed and never delivered again).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Update } from 'grammy/types';
import { parseConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { startBot } from '../../bot/telegram/runner.ts';
import { FakeAssistant } from './fake-assistant.ts';
import { BOT_INFO, FakeTelegram, privateText, TOKEN } from './harness.ts';

/** A fake Telegram update queue: getUpdates(offset) confirms everything below offset. */
class UpdateQueue {
  updates: Update[] = [];
  confirmed = 0;
  getUpdates = (p: Record<string, any>) => {
    this.confirmed = Math.max(this.confirmed, p.offset ?? 0);
    return { ok: true, result: this.updates.filter((u) => u.update_id >= this.confirmed).slice(0, p.limit ?? 100) };
  };
}

function setup(file: string, queue: UpdateQueue, delayMs: number) {
  const store = openSqliteStore({ file });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  const tg = new FakeTelegram();
  tg.overrides.set('getUpdates', queue.getUpdates);
  const assistant = new FakeAssistant();
  assistant.delayMs = delayMs;
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0' });
  const bot = createBot(
    config,
    { assistant, store, logger, asOf: () => '2099-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tg.fetch as never } },
  );
  return { store, logs, logger, tg, assistant, bot };
}

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('graceful stop: updates received before stop are answered, then polling ends', async () => {
  const queue = new UpdateQueue();
  const file = join(mkdtempSync(join(tmpdir(), 'policybot-run-')), 'db.sqlite');
  const a = setup(file, queue, 30);
  for (const chat of [21, 22, 23]) queue.updates.push(privateText(chat, `宝山 ${chat}`));
  const running = await startBot(a.bot, { mode: 'polling', logger: a.logger, store: a.store, skipCommands: true, stopTimeoutMs: 3000 });
  await waitFor(() => a.assistant.calls.length > 0);
  const { unfinished } = await running.stop();
  assert.equal(unfinished, 0);
  await running.done;
  assert.deepEqual(
    a.tg
      .sent()
      .map((c) => c.payload.chat_id)
      .sort(),
    [21, 22, 23],
  );
  assert.deepEqual(await a.store.unfinishedUpdates(), []);
  await a.store.close();
});

test('a crash while updates are being handled loses nothing: they are replayed at the next start, once', async () => {
  const queue = new UpdateQueue();
  const file = join(mkdtempSync(join(tmpdir(), 'policybot-run-')), 'db.sqlite');
  // first run: the first update is answered, then six more arrive and the process "dies" while handling them
  const a = setup(file, queue, 200);
  queue.updates.push(privateText(30, '宝山 first'));
  const running = await startBot(a.bot, { mode: 'polling', logger: a.logger, store: a.store, skipCommands: true, stopTimeoutMs: 50 });
  await waitFor(() => a.tg.sent().length === 1);
  for (const chat of [31, 32, 33, 34, 35, 36]) queue.updates.push(privateText(chat, `宝山 ${chat}`));
  await waitFor(() => a.assistant.calls.length === 7);
  await waitFor(() => queue.confirmed > queue.updates.at(-1)!.update_id, 3000); // Telegram considers them delivered
  assert.equal(a.tg.sent().length, 1, 'the six are still being handled');
  // "SIGKILL": nothing leaves the process any more and the database goes away mid-handling
  a.tg.overrides.set('sendMessage', () => ({ ok: false, error_code: 400, description: 'Bad Request: process killed' }));
  await running.stop();
  await a.store.close();
  await new Promise((r) => setTimeout(r, 250)); // the dying handlers fail

  // second run on the same database: the six are replayed, the first is not answered again
  const b = setup(file, queue, 0);
  const running2 = await startBot(b.bot, { mode: 'polling', logger: b.logger, store: b.store, skipCommands: true });
  await waitFor(() => b.tg.sent().length >= 6);
  await new Promise((r) => setTimeout(r, 100));
  await running2.stop();
  const chats = b.tg
    .sent()
    .map((c) => c.payload.chat_id as number)
    .sort();
  assert.deepEqual(chats, [31, 32, 33, 34, 35, 36]);
  assert.ok(b.logs.some((l) => l.includes('replaying updates') && l.includes('"count":6')));
  assert.deepEqual(await b.store.unfinishedUpdates(), []);
  await b.store.close();
});

test('webhook mode: secret checked, health endpoint, updates answered, setWebhook called with the secret', async () => {
  const queue = new UpdateQueue();
  const file = join(mkdtempSync(join(tmpdir(), 'policybot-run-')), 'db.sqlite');
  const a = setup(file, queue, 0);
  const running = await startBot(a.bot, {
    mode: 'webhook',
    logger: a.logger,
    store: a.store,
    skipCommands: true,
    webhook: { url: 'https://bot.example.com/tg/hook', secret: 'S3cret_token', port: 0, host: '127.0.0.1' },
  });
  const base = `http://127.0.0.1:${running.port}`;
  const set = a.tg.sent('setWebhook')[0]!;
  assert.equal(set.payload.url, 'https://bot.example.com/tg/hook');
  assert.equal(set.payload.secret_token, 'S3cret_token');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const update = privateText(41, '宝山博士后');
  const post = (secret: string) =>
    fetch(`${base}/tg/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });
  assert.equal((await post('wrong')).status, 401);
  assert.equal(a.tg.sent().length, 0);
  assert.equal((await post('S3cret_token')).status, 200);
  assert.equal(a.tg.sent().length, 1);
  assert.equal((await post('S3cret_token')).status, 200, 'a redelivered update is acknowledged…');
  assert.equal(a.tg.sent().length, 1, '…but not answered twice');
  assert.equal((await fetch(`${base}/other`, { method: 'POST' })).status, 404);
  await running.stop();
  await running.done;
  await a.store.close();
});
