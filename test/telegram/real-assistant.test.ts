/**
 * The bot in-process with the REAL assistant (buildApp over the shipped corpus, index built in a temp
 * DATA_DIR): the guided /check with button presses and a typed answer, a group eligibility question, /sources.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildApp, type App } from '../../bot/app.ts';
import { parseConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore, type SqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { BOT_INFO, buttons, callback, FakeTelegram, groupMention, privateText, TOKEN } from './harness.ts';
import { seededDataDir } from '../helpers/data.ts';

let app: App;
let dir: string;

before(async () => {
  dir = await seededDataDir('policybot-real-');
  const config = parseConfig({ DATA_DIR: dir, AS_OF: '2024-06-01', LOG_LEVEL: 'silent' });
  app = await buildApp(config, { logger: createLogger({ level: 'silent' }) });
});

function makeBot(): {
  tg: FakeTelegram;
  store: SqliteStore;
  send: (u: Parameters<ReturnType<typeof createBot>['handleUpdate']>[0]) => Promise<void>;
} {
  const store = openSqliteStore({ file: join(mkdtempSync(join(dir, 'bot-')), 'policybot.sqlite') });
  const tg = new FakeTelegram();
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '0' });
  const bot = createBot(
    config,
    { assistant: app.assistant, store, logger: createLogger({ level: 'silent' }), asOf: () => '2024-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tg.fetch as never } },
  );
  return { tg, store, send: (u) => bot.handleUpdate(u) };
}

test('real assistant: /check asks rank and full-time with buttons, months typed, then the verdict with its clause', async () => {
  const { tg, send } = makeBot();
  await send(privateText(7, '/check'));
  let last = tg.sent().at(-1)!;
  assert.match(last.payload.text, /世界排名/);
  const rank = buttons(last);
  assert.ok(rank.length >= 3, 'rank band choices as buttons');
  const band = rank.find((b) => /51/.test(b.text))!;
  await send(callback(7, band.callback_data!));
  last = tg.sent().at(-1)!;
  assert.match(last.payload.text, /全职/);
  const yes = buttons(last).find((b) => /^是/.test(b.text))!;
  await send(callback(7, yes.callback_data!));
  last = tg.sent().at(-1)!;
  assert.match(last.payload.text, /社会保险|社保/);
  await send(privateText(7, '8个月'));
  const verdict = tg.texts().at(-1)!;
  assert.match(verdict, /符合/);
  assert.match(verdict, /沪人社力〔2022〕103号/);
  // the clause was quoted in full earlier in this conversation: the verdict cites it by label only
  assert.match(tg.texts().join('\n'), /<blockquote>「在符合留学人员落户基本条件的基础上/);
  assert.match(verdict, /依据：沪人社力〔2022〕103号第三条（上文已引）/);
  assert.equal(verdict.split('<blockquote>「').length, 1, 'not quoted again');
  for (const t of tg.texts()) assert.ok(t.length <= 4096);
  // a stale button from the first question
  tg.clear();
  await send(callback(7, rank[0]!.callback_data!));
  assert.equal(tg.sent('answerCallbackQuery')[0]!.payload.text, '已过期，请重新开始');
});

test('real assistant: a personal eligibility question in a group gets the general rule, no facts, and the deep link', async () => {
  const { tg, send } = makeBot();
  await send(groupMention(-100900, 7, '我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？'));
  const out = tg.texts().join('\n');
  assert.match(out, /一般规定/);
  assert.match(out, /沪人社力〔2022〕103号/);
  assert.ok(!/[✓✗]/.test(out), 'no per-condition facts of the member');
  assert.ok(!out.includes('符合条件') && !out.includes('暂不符合'), 'no personal verdict');
  assert.equal(buttons(tg.sent().at(-1)).find((b) => b.url)!.url, `https://t.me/${BOT_INFO.username}?start=check`);
});

test('real assistant: /sources lists the five seed documents', async () => {
  const { tg, send } = makeBot();
  await send(privateText(7, '/sources'));
  const t = tg.texts().join('\n');
  assert.match(t, /共 5 份文件/);
  for (const num of ['沪人社力〔2022〕103号', '杨人社〔2021〕18号', '沪人社专〔2023〕113号']) assert.ok(t.includes(num), num);
  assert.match(t, /2021-05-20 · 宝山区/);
});
