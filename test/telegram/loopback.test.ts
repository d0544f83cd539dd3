/**
 * Loopback smoke tests against telegram-test-api (a third-party Bot API emulator on 127.0.0.1):
 * 1. the real entry point `node scripts/policybot.mjs serve` with the real assistant, as a child process;
 * 2. the runner in-process with the FakeAssistant (fast, checks the emulator quirks).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { startBot } from '../../bot/telegram/runner.ts';
import { startEmulator } from './emulator.ts';
import { FakeAssistant } from './fake-assistant.ts';
import { seededDataDir } from '../helpers/data.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MENTION = '@TestNameBot'; // the emulator's getMe username

type BotMessage = {
  text: string;
  parse_mode: string;
  chat_id: number | string;
  reply_parameters?: { message_id: number };
  reply_markup?: { inline_keyboard: { text: string; url?: string }[][] };
};

test(
  'serve entry point (real assistant) answers a private question and a group mention over the emulator, exits 0 on SIGTERM',
  { timeout: 60_000 },
  async () => {
    const { server, apiRoot } = await startEmulator();
    const TOKEN = '777001:SERVE-LOOPBACK-TOKEN';
    const dir = await seededDataDir('policybot-serve-');
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'policybot.mjs'), 'serve'], {
      cwd: dir, // no .env from the repository
      env: {
        ...process.env,
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: apiRoot,
        DATA_DIR: dir,
        LOG_LEVEL: 'info',
        BROADCAST_ENABLED: 'false',
        AS_OF: '2024-06-01',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const t0 = Date.now();
      while (!stderr.includes('serving')) {
        if (child.exitCode !== null || Date.now() - t0 > 45_000) assert.fail(`serve did not start:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const alice = server.getClient(TOKEN, { userId: 7, chatId: 7, type: 'private', timeout: 10_000, interval: 20 });
      await alice.sendMessage(alice.makeMessage('宝山区的人才安居资助最高多少？'));
      const r1 = await alice.getUpdates();
      assert.equal(r1.result.length, 1);
      const m1 = r1.result[0]!.message as unknown as BotMessage;
      assert.equal(m1.parse_mode, 'HTML');
      assert.equal(Number(m1.chat_id), 7);
      assert.match(m1.text, /宝山/);
      assert.match(m1.text, /200万元/);

      const group = server.getClient(TOKEN, {
        userId: 8,
        chatId: -100500,
        type: 'supergroup',
        chatTitle: 'HR 群',
        timeout: 10_000,
        interval: 20,
      });
      await group.sendMessage(group.makeMessage('今天谁值班？'));
      const q = `${MENTION} 我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？`;
      await group.sendMessage(group.makeMessage(q, { entities: [{ type: 'mention', offset: 0, length: MENTION.length }] } as never));
      const r2 = await group.getUpdates();
      assert.equal(r2.result.length, 1, 'only the mention is answered');
      const m2 = r2.result[0]!.message as unknown as BotMessage;
      assert.ok(m2.reply_parameters && m2.reply_parameters.message_id > 0, 'answered in-thread');
      assert.match(m2.text, /一般规定/);
      assert.match(m2.text, /沪人社力〔2022〕103号/);
      const link = m2.reply_markup!.inline_keyboard.flat().find((b) => b.url);
      assert.equal(link!.url, 'https://t.me/TestNameBot?start=check');

      const t1 = Date.now();
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(Date.now() - t1 < 5000, 'exits within 5 s');
      assert.match(stderr, /setMyCommands failed/, 'the emulator rejects setMyCommands with HTTP 500: a warning only');
      assert.ok(!stderr.includes(TOKEN.split(':')[1]!), 'the token never appears in logs');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await server.stop();
    }
  },
);

test('runner in-process over the emulator: private question and group mention (FakeAssistant)', { timeout: 30_000 }, async () => {
  const { server, apiRoot } = await startEmulator();
  const TOKEN = '777000:LOOPBACK-TEST-TOKEN';
  const dir = mkdtempSync(join(tmpdir(), 'policybot-loop-'));
  const store = openSqliteStore({ file: join(dir, 'policybot.sqlite') });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', secrets: [TOKEN], write: (l) => logs.push(l) });
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: apiRoot, DATA_DIR: dir });
  const bot = createBot(config, { assistant: new FakeAssistant(), store, logger, asOf: () => '2099-06-01' });
  const running = await startBot(bot, { mode: 'polling', logger, store, stopTimeoutMs: 2000 });
  try {
    assert.equal(bot.botInfo.username, 'TestNameBot');
    const alice = server.getClient(TOKEN, { userId: 7, chatId: 7, type: 'private', timeout: 8000, interval: 20 });
    await alice.sendMessage(alice.makeMessage('宝山区对博士后有什么资助？'));
    const r1 = await alice.getUpdates();
    assert.equal(r1.result.length, 1);
    assert.match((r1.result[0]!.message as unknown as BotMessage).text, /宝山区对博士后有资助/);

    const group = server.getClient(TOKEN, {
      userId: 8,
      chatId: -100500,
      type: 'supergroup',
      chatTitle: 'HR 群',
      timeout: 8000,
      interval: 20,
    });
    await group.sendMessage(group.makeMessage('大家好'));
    await group.sendMessage(
      group.makeMessage(`${MENTION} 宝山博士后资助`, { entities: [{ type: 'mention', offset: 0, length: MENTION.length }] } as never),
    );
    const r2 = await group.getUpdates();
    assert.equal(r2.result.length, 1, 'only the mention is answered');
    const m2 = r2.result[0]!.message as unknown as BotMessage;
    assert.match(m2.text, /宝山区对博士后有资助/);
    assert.ok(m2.reply_parameters!.message_id > 0, 'answered in-thread');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(logs.some((l) => l.includes('setMyCommands failed')));
  } finally {
    const { unfinished } = await running.stop();
    assert.equal(unfinished, 0);
    await store.close();
    await server.stop();
  }
});
