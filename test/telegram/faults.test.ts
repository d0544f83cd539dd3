/**
 * Faults the bot must ride out (issue #16), against the fake Bot API with fault injection: half-open
 * polls, hung sends, outage windows (with a fast clock: 60 s and 10 min in milliseconds), 409 during a
 * deploy overlap, 401, 429 with retry_after, 5xx, and getMe at start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { GrammyError, HttpError } from 'grammy';
import type { Update } from 'grammy/types';
import { parseConfig } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { retryTransformer } from '../../bot/telegram/api.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import { createPoller, FatalPollingError, type Clock } from '../../bot/telegram/polling.ts';
import { startBot } from '../../bot/telegram/runner.ts';
import { T } from '../../bot/telegram/texts.ts';
import { FakeAssistant } from './fake-assistant.ts';
import { BOT_INFO, FakeTelegram, privateText, TOKEN } from './harness.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A clock whose sleeps return at once and move time forward. */
class FastClock implements Clock {
  t = 1_000_000;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
    await Promise.resolve();
  };
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}

const update = (id: number) => ({ update_id: id }) as Update;

for (const outageMs of [60_000, 600_000]) {
  test(`after a ${outageMs / 60_000} min outage, polling resumes within 5 s of recovery, with one WARN and one INFO`, async () => {
    const clock = new FastClock();
    const start = clock.t;
    const end = start + outageMs;
    let calls = 0;
    const api = {
      getUpdates: async () => {
        calls++;
        clock.t += 5; // a refused connection fails fast
        if (clock.t < end) throw new HttpError('Network request for getUpdates failed!', new Error('ECONNREFUSED'));
        return [update(calls)];
      },
    };
    const { lines, logger } = capture();
    const poll = createPoller(api, { timeoutSeconds: 25, retryMaxMs: 5000, logger, clock });
    const got = await poll(100, new AbortController().signal);
    assert.equal(got.length, 1);
    const lag = clock.t - end;
    assert.ok(lag <= 5000, `first answer ${lag} ms after recovery (target ≤ 5000)`);
    assert.equal(lines.filter((l) => l.includes(' WARN ')).length, 1, lines.join('\n'));
    const info = lines.filter((l) => l.includes(' INFO ') && l.includes('reachable again'));
    assert.equal(info.length, 1);
    const seconds = Number(/"outageSeconds":([\d.]+)/.exec(info[0]!)![1]);
    assert.ok(Math.abs(seconds - outageMs / 1000) <= 5, `outage logged as ${seconds} s`);
    // capped retries: about one attempt per 5 s, not a doubling schedule
    assert.ok(calls >= outageMs / 5000 - 1, `${calls} attempts`);
  });
}

test('409 (another instance polls) is waited out with one clear WARN; 401 is fatal with a clear message', async () => {
  const clock = new FastClock();
  const { lines, logger } = capture();
  let n = 0;
  const api = {
    getUpdates: async () => {
      n++;
      if (n <= 4)
        throw new GrammyError(
          'Call to getUpdates failed',
          { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' },
          'getUpdates',
          {},
        );
      return [update(7)];
    },
  };
  const poll = createPoller(api, { timeoutSeconds: 25, retryMaxMs: 2000, logger, clock });
  assert.equal((await poll(10, new AbortController().signal)).length, 1);
  assert.equal(lines.filter((l) => l.includes('another instance is polling with this token')).length, 1);
  assert.ok(lines.some((l) => l.includes('the other instance stopped polling')));

  const denied = createPoller(
    {
      getUpdates: async () =>
        Promise.reject(
          new GrammyError('Call to getUpdates failed', { ok: false, error_code: 401, description: 'Unauthorized' }, 'getUpdates', {}),
        ),
    },
    { timeoutSeconds: 25, retryMaxMs: 2000, logger, clock },
  );
  await assert.rejects(
    denied(10, new AbortController().signal),
    (e: unknown) => e instanceof FatalPollingError && /TELEGRAM_BOT_TOKEN/.test(e.message),
  );
});

test('a reply refused with 429 (retry_after 90) or 502 is retried within TELEGRAM_SEND_RETRY_SECONDS, then given up with a log line', async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const answers = (list: unknown[]) => {
    const q = [...list];
    return async () => q.shift() as never;
  };
  const ok = { ok: true, result: { message_id: 1 } };
  const flood = { ok: false, error_code: 429, description: 'Too Many Requests: retry after 90', parameters: { retry_after: 90 } };
  const bad = { ok: false, error_code: 502, description: 'Bad Gateway' };
  const { lines, logger } = capture();
  const t = retryTransformer({ budgetMs: 120_000, logger, sleep });
  assert.deepEqual(await t(answers([flood, ok]), 'sendMessage', { chat_id: 1, text: 'x' } as never), ok);
  assert.deepEqual(waits, [90_000]);
  waits.length = 0;
  assert.deepEqual(await t(answers([bad, bad, bad, ok]), 'sendMessage', { chat_id: 1, text: 'x' } as never), ok);
  assert.deepEqual(waits, [500, 1000, 2000]);
  // over the budget: the error comes back, with one WARN naming the setting
  const short = retryTransformer({ budgetMs: 60_000, logger, sleep });
  assert.deepEqual(await short(answers([flood, ok]), 'sendMessage', { chat_id: 1, text: 'x' } as never), flood);
  assert.equal(lines.filter((l) => l.includes('TELEGRAM_SEND_RETRY_SECONDS')).length, 1);
});

// ── the real runner and bot against the fake Bot API ──────────────────────────────────────────────

/** getUpdates with offset semantics over a list of updates (faults are injected with tg.inject). */
function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-faults-'));
  dirs.push(dir);
  const store = openSqliteStore({ file: join(dir, 'db.sqlite') });
  const { lines, logger } = capture();
  const tg = new FakeTelegram();
  const queue: Update[] = [];
  let confirmed = 0;
  tg.overrides.set('getUpdates', async (p) => {
    confirmed = Math.max(confirmed, p.offset ?? 0);
    const ready = queue.filter((u) => u.update_id >= confirmed);
    if (!ready.length) await new Promise((r) => setTimeout(r, 20)); // a short long-poll
    return { ok: true, result: ready.slice(0, p.limit ?? 100) };
  });
  tg.overrides.set('getMe', () => ({ ok: true, result: BOT_INFO }));
  const assistant = new FakeAssistant();
  const config = parseConfig({
    TELEGRAM_BOT_TOKEN: TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    TELEGRAM_POLL_MARGIN_SECONDS: '0.3',
    TELEGRAM_CALL_TIMEOUT_SECONDS: '0.3',
    ...env,
  });
  const bot = createBot(config, { assistant, store, logger, asOf: () => '2099-06-01' }, { client: { fetch: tg.fetch as never } });
  const start = (extra: Record<string, unknown> = {}) =>
    startBot(bot, {
      mode: 'polling',
      logger,
      store,
      skipCommands: true,
      stopTimeoutMs: 500,
      pollTimeoutSeconds: 0,
      retryMaxMs: 100,
      ...extra,
    });
  return { store, lines, tg, queue, bot, start };
}

const waitFor = async (cond: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a half-open getUpdates is aborted after the poll timeout + margin and polling goes on', async () => {
  const s = setup();
  s.tg.inject('getUpdates', 'hang');
  s.queue.push(privateText(61, '宝山 落户'));
  const t0 = Date.now();
  const running = await s.start();
  await waitFor(() => s.tg.delivered().length === 1, 3000, 'the reply after the hung poll');
  const took = Date.now() - t0;
  assert.ok(took >= 250, `answered after ${took} ms, i.e. only once the hung poll was aborted`);
  assert.ok(s.lines.some((l) => l.includes('Telegram Bot API unreachable') && l.includes('timed out')));
  assert.ok(s.lines.some((l) => l.includes('reachable again')));
  await running.stop();
  await s.store.close();
});

test('a sendMessage that never answers is aborted and retried, and does not hold up other chats', async () => {
  const s = setup();
  s.tg.inject('sendMessage', 'hang');
  const running = await s.start();
  s.queue.push(privateText(71, '宝山 落户'));
  await waitFor(() => s.tg.hanging === 1, 2000, 'the hung send');
  s.queue.push(privateText(72, '宝山 落户'));
  await waitFor(() => s.tg.delivered().some((c) => c.payload.chat_id === 72), 2000, 'the other chat');
  assert.ok(!s.tg.delivered().some((c) => c.payload.chat_id === 71), 'chat 71 still waits for its hung send');
  await waitFor(() => s.tg.delivered().some((c) => c.payload.chat_id === 71), 3000, 'the retried send');
  assert.equal(s.tg.hanging, 0, 'the hung request was aborted');
  await running.stop();
  await s.store.close();
});

test('an outage window (connection refused) is ridden out: replies resume right after it', async () => {
  const s = setup();
  const running = await s.start();
  s.tg.down = true;
  s.queue.push(privateText(81, '宝山 落户'));
  await new Promise((r) => setTimeout(r, 400));
  s.tg.down = false;
  const back = Date.now();
  await waitFor(() => s.tg.delivered().length === 1, 2000, 'the reply after the outage');
  assert.ok(Date.now() - back < 1000);
  assert.equal(s.lines.filter((l) => l.includes('Telegram Bot API unreachable')).length, 1);
  await running.stop();
  await s.store.close();
});

test('409 during a deploy overlap: the bot survives and answers once the other instance is gone', async () => {
  const s = setup();
  s.tg.inject(
    'getUpdates',
    { code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' },
    5,
  );
  s.queue.push(privateText(91, '宝山 落户'));
  const running = await s.start();
  let died = false;
  running.done.catch(() => (died = true));
  await waitFor(() => s.tg.delivered().length === 1, 3000, 'the reply after the conflict');
  assert.equal(died, false);
  assert.equal(s.lines.filter((l) => l.includes('another instance is polling with this token')).length, 1);
  await running.stop();
  await s.store.close();
});

test('401 on getUpdates stops polling with a clear message, and stop() afterwards is clean', async () => {
  const s = setup();
  s.tg.inject('getUpdates', { code: 401, description: 'Unauthorized' });
  const running = await s.start();
  await assert.rejects(running.done, /rejected the bot token.*TELEGRAM_BOT_TOKEN/);
  const r = await running.stop(); // the runner is dead: no TypeError, and idempotent
  assert.equal(r.unfinished, 0);
  assert.deepEqual(await running.stop(), r);
  await s.store.close();
});

test('getMe at start is bounded: a hang or 500s give up within TELEGRAM_STARTUP_SECONDS, then BOT_USERNAME or a clear error', async () => {
  for (const fault of ['hang', { code: 500, description: 'Internal Server Error' }] as const) {
    const s = setup();
    s.tg.overrides.delete('getMe');
    s.tg.inject('getMe', fault, 100);
    const t0 = Date.now();
    await assert.rejects(s.start({ startupMs: 600 }), /getMe failed.*TELEGRAM_STARTUP_SECONDS|getMe failed/);
    assert.ok(Date.now() - t0 < 1500, `gave up after ${Date.now() - t0} ms`);
    const running = await s.start({ startupMs: 300, fallbackUsername: 'PolicyFallbackBot' });
    assert.equal(s.bot.botInfo.username, 'PolicyFallbackBot');
    await running.stop();
    await s.store.close();
  }
});

// ── small ones ─────────────────────────────────────────────────────────────────────────────────────

test('/subscribe echoes only a short escaped prefix of a huge argument, so the reply is accepted', async () => {
  const { makeHarness } = await import('./harness.ts');
  const h = makeHarness();
  dirs.push(dirname(h.store.file));
  await h.send(privateText(101, `/subscribe ${'<火星>'.repeat(1000)}`));
  const last = h.tg.sent().at(-1)!;
  assert.equal(last.accepted, true, 'Telegram accepted the reply');
  assert.match(last.payload.text, /不认识的主题：(&lt;火星&gt;){1,10}.*…/);
  assert.ok(!h.logs.some((l) => l.includes(' ERROR ')));
  await h.store.close();
});

test('a button on an inline message, or a message without a sender, gets no apology and no ERROR', async () => {
  const { makeHarness, groupMention, user } = await import('./harness.ts');
  const h = makeHarness();
  dirs.push(dirname(h.store.file));
  const inline = (data: string) =>
    ({
      update_id: 990_000 + data.length,
      callback_query: { id: `q${data}`, from: user(7), chat_instance: 'ci', data, inline_message_id: 'AAQ' },
    }) as unknown as Update;
  await h.send(inline('ck:abcd:0'));
  await h.send(inline('sb:all'));
  const noFrom = groupMention(-1005, 5, '宝山 落户');
  delete (noFrom.message as unknown as Record<string, unknown>).from;
  await h.send(noFrom);
  const noFromPrivate = privateText(8, '宝山 落户');
  delete (noFromPrivate.message as unknown as Record<string, unknown>).from;
  await h.send(noFromPrivate);
  assert.deepEqual(
    h.logs.filter((l) => l.includes(' ERROR ')),
    [],
  );
  assert.deepEqual(
    h.tg.sent().map((c) => c.payload.text),
    [],
    'no apology sent',
  );
  assert.deepEqual(
    h.tg.sent('answerCallbackQuery').map((c) => c.payload.text),
    [T.expired, T.expired],
  );
  await h.store.close();
});

// ── duplicates ─────────────────────────────────────────────────────────────────────────────────────

test('a crash in the middle of a multi-part reply: after the restart only the parts not yet sent go out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-dup-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0' });
  const q = privateText(121, '请给我长答案');
  // reference: the same question answered without a crash
  const ref = (await import('./harness.ts')).makeHarness();
  await ref.send(structuredClone(q));
  const parts = ref.tg.texts();
  assert.ok(parts.length >= 2, `a reply of ${parts.length} parts`);
  await ref.store.close();
  dirs.push(dirname(ref.store.file));

  // run 1: part 0 is accepted, then the process "dies" while sending part 1 (nothing after it reaches Telegram or the database)
  const storeA = openSqliteStore({ file });
  const tgA = new FakeTelegram();
  const accepted: string[] = [];
  tgA.overrides.set('sendMessage', async (p) => {
    if (accepted.length === 0) {
      accepted.push(p.text);
      return { ok: true, result: { message_id: 7001, date: 1, chat: { id: p.chat_id, type: 'private' }, text: p.text } };
    }
    await storeA.close(); // SIGKILL: the update stays `started`, part 1 never left
    return { ok: false, error_code: 400, description: 'Bad Request: process killed' };
  });
  const { logger } = capture();
  const botA = createBot(
    config,
    { assistant: new FakeAssistant(), store: storeA, logger, asOf: () => '2099-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tgA.fetch as never } },
  );
  await botA.handleUpdate(structuredClone(q)).catch(() => undefined);
  assert.deepEqual(accepted, [parts[0]]);

  // run 2: the update is replayed at start; part 0 is skipped, parts 1… are sent once
  const storeB = openSqliteStore({ file });
  const tgB = new FakeTelegram();
  const logsB = capture();
  const botB = createBot(
    config,
    { assistant: new FakeAssistant(), store: storeB, logger: logsB.logger, asOf: () => '2099-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tgB.fetch as never } },
  );
  const { replayUnfinished } = await import('../../bot/telegram/runner.ts');
  assert.equal(await replayUnfinished(botB, storeB, logsB.logger), 1);
  assert.deepEqual([...accepted, ...tgB.delivered().map((c) => c.payload.text)], parts, 'every part exactly once, in order');
  assert.ok(logsB.lines.some((l) => l.includes('before the restart; not sent again')));
  // part 1 was in flight when the process died (recorded as in doubt): resent under the default `resend`
  assert.ok(logsB.lines.some((l) => l.includes('sending it again (TELEGRAM_REPLY_IN_DOUBT=resend)')));
  await storeB.close();

  // the same crash with TELEGRAM_REPLY_IN_DOUBT=skip: the part in doubt is not resent (at most once)
  const fileC = join(dir, 'skip.sqlite');
  const storeC1 = openSqliteStore({ file: fileC });
  const skipConfig = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0', TELEGRAM_REPLY_IN_DOUBT: 'skip' });
  const tgC1 = new FakeTelegram();
  let n = 0;
  tgC1.overrides.set('sendMessage', async (p) => {
    if (n++ === 0) return { ok: true, result: { message_id: 7101, date: 1, chat: { id: p.chat_id, type: 'private' }, text: p.text } };
    await storeC1.close();
    return { ok: false, error_code: 400, description: 'Bad Request: process killed' };
  });
  const botC1 = createBot(
    skipConfig,
    { assistant: new FakeAssistant(), store: storeC1, logger, asOf: () => '2099-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tgC1.fetch as never } },
  );
  await botC1.handleUpdate(structuredClone(q)).catch(() => undefined);
  const storeC2 = openSqliteStore({ file: fileC });
  const tgC2 = new FakeTelegram();
  const logsC = capture();
  const botC2 = createBot(
    skipConfig,
    { assistant: new FakeAssistant(), store: storeC2, logger: logsC.logger, asOf: () => '2099-06-01' },
    { botInfo: BOT_INFO, client: { fetch: tgC2.fetch as never } },
  );
  await replayUnfinished(botC2, storeC2, logsC.logger);
  assert.deepEqual(
    tgC2.delivered().map((c) => c.payload.text),
    parts.slice(2),
    'part 0 sent before, part 1 in doubt and skipped',
  );
  assert.ok(logsC.lines.some((l) => l.includes(' WARN ') && l.includes('TELEGRAM_REPLY_IN_DOUBT=skip')));
  await storeC2.close();
});

test('connection resets on a reply: before accept it is resent once; after accept TELEGRAM_REPLY_IN_DOUBT decides', async () => {
  const { makeHarness } = await import('./harness.ts');
  // resend (default): a reset before Telegram accepted → resent, delivered once
  const a = makeHarness();
  dirs.push(dirname(a.store.file));
  a.tg.inject('sendMessage', 'reset-before');
  await a.send(privateText(131, '宝山 落户'));
  assert.equal(a.tg.delivered().length, 1);
  assert.equal(a.tg.sent().length, 2, 'one failed attempt, one resend');
  // … and after accept it is resent too: the documented duplicate of `resend`
  a.tg.clear();
  a.tg.inject('sendMessage', 'reset-after');
  await a.send(privateText(132, '宝山 落户'));
  assert.equal(a.tg.delivered().length, 2);
  await a.store.close();

  // skip: a reset after accept is not resent and not apologized for — delivered exactly once
  const b = makeHarness({ env: { TELEGRAM_REPLY_IN_DOUBT: 'skip' } });
  dirs.push(dirname(b.store.file));
  b.tg.inject('sendMessage', 'reset-after');
  await b.send(privateText(133, '宝山 落户'));
  assert.equal(b.tg.delivered().length, 1);
  assert.equal(b.tg.sent().length, 1, 'no resend, no apology');
  assert.ok(b.logs.some((l) => l.includes(' WARN ') && l.includes('may not have been delivered')));
  assert.ok(!b.logs.some((l) => l.includes(' ERROR ')));
  await b.store.close();
});

test('the broadcast client in serve hands a 429 straight to the sender (which pauses everything), and times out hung sends', async () => {
  const { createSendApi } = await import('../../bot/telegram/bot.ts');
  const tg = new FakeTelegram();
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CALL_TIMEOUT_SECONDS: '0.3' });
  const api = createSendApi(config, { fetch: tg.fetch as never });
  tg.inject('sendMessage', { code: 429, description: 'Too Many Requests: retry after 5', retryAfter: 5 });
  const t0 = Date.now();
  await assert.rejects(
    api.sendMessage(1, 'x'),
    (e: unknown) => e instanceof GrammyError && e.error_code === 429 && e.parameters.retry_after === 5,
  );
  assert.ok(Date.now() - t0 < 500, 'not waited out per message');
  assert.equal(tg.sent().length, 1, 'not retried by the client');
  tg.inject('sendMessage', 'hang');
  await assert.rejects(api.sendMessage(1, 'x'), /timed out/);
  assert.equal(tg.hanging, 0);
});
