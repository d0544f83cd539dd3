/**
 * Loopback smoke test against telegram-test-api: the real runner (long polling) drives the bot over HTTP.
 * Uses the FakeAssistant until the serve entry point can run with the real assistant in tests.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { startBot } from '../../bot/telegram/runner.ts';
import { startEmulator } from './emulator.ts';
import { FakeAssistant } from './fake-assistant.ts';

const TOKEN = '777000:LOOPBACK-TEST-TOKEN';

test('loopback: private question and group mention answered through telegram-test-api', { timeout: 30_000 }, async () => {
  const { server, apiRoot } = await startEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'policybot-loop-'));
  const store = openSqliteStore({ file: join(dir, 'policybot.sqlite') });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', secrets: [TOKEN], write: (l) => logs.push(l) });
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: apiRoot, DATA_DIR: dir });
  const bot = createBot(config, { assistant: new FakeAssistant(), store, logger, asOf: () => '2099-06-01' });
  const running = await startBot(bot, { mode: 'polling', logger, stopTimeoutMs: 2000 });
  try {
    assert.equal(bot.botInfo.username, 'TestNameBot');
    const alice = server.getClient(TOKEN, { userId: 7, chatId: 7, type: 'private', timeout: 8000, interval: 20 });
    await alice.sendMessage(alice.makeMessage('宝山区对博士后有什么资助？'));
    const r1 = await alice.getUpdates();
    assert.equal(r1.result.length, 1);
    const m1 = r1.result[0]!.message as unknown as { text: string; parse_mode: string; chat_id: number };
    assert.match(m1.text, /宝山区对博士后有资助/);
    assert.equal(m1.parse_mode, 'HTML');
    assert.equal(Number(m1.chat_id), 7);

    const group = server.getClient(TOKEN, { userId: 8, chatId: -100500, type: 'supergroup', chatTitle: 'HR 群', timeout: 8000, interval: 20 });
    await group.sendMessage(group.makeMessage('大家好'));
    const mention = '@TestNameBot';
    await group.sendMessage(group.makeMessage(`${mention} 宝山博士后资助`, { entities: [{ type: 'mention', offset: 0, length: mention.length }] } as never));
    const r2 = await group.getUpdates();
    assert.equal(r2.result.length, 1, 'only the mention is answered');
    const m2 = r2.result[0]!.message as unknown as { text: string; reply_parameters: { message_id: number } };
    assert.match(m2.text, /宝山区对博士后有资助/);
    assert.ok(m2.reply_parameters.message_id > 0, 'answered in-thread');

    // setMyCommands answers HTTP 500 on the emulator: a warning, not a crash
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(logs.some((l) => l.includes('setMyCommands failed')));
    assert.ok(!logs.join('\n').includes(TOKEN));
  } finally {
    const { unfinished } = await running.stop();
    assert.equal(unfinished, 0);
    await store.close();
    await server.stop();
  }
});
