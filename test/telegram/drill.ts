/**
 * Fault drill (not part of `npm test`; a few minutes of real time): the real `policybot serve` as a
 * child process against the fake Bot API (fake-bot-api.ts), measuring what docs/telegram.md quotes:
 * SIGKILL ×N during a 200-message stream (lost / duplicate replies), half-open poll, a real outage,
 * a 409 overlap. Run: `node --import tsx test/telegram/drill.ts [kills=10] [outageSeconds=60]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { FakeBotApi } from './fake-bot-api.ts';

const KILLS = Number(process.argv[2] ?? 10);
const OUTAGE_S = Number(process.argv[3] ?? 60);
const TOKEN = '424242:DRILL-token-abcdef';
const QUESTIONS = [
  '宝山区的人才安居资助最高多少？',
  '应届生落户需要多少分？',
  '杨浦区有什么人才政策？',
  '社保补缴怎么办理？',
  '博士后有什么补贴？',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serve(apiRoot: string, dataDir: string, log: string[]): ChildProcess {
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'policybot.mjs'), 'serve'], {
    cwd: dataDir,
    env: {
      ...process.env,
      TELEGRAM_REPLY_IN_DOUBT: process.env.TELEGRAM_REPLY_IN_DOUBT ?? 'resend',
      TELEGRAM_CONCURRENCY: process.env.TELEGRAM_CONCURRENCY ?? '64',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: apiRoot,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      BROADCAST_ENABLED: 'false',
      AS_OF: '2024-06-01',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => log.push(...d.toString('utf8').split('\n').filter(Boolean)));
  return child;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

const started = (log: string[], from: number) => () => log.slice(from).some((l) => l.includes('serving'));

/** Multiset difference per chat: duplicates = delivered beyond the reference, lost = reference not delivered. */
function compare(ref: Map<number, string[]>, got: Map<number, string[]>) {
  let dup = 0;
  let lost = 0;
  for (const [chat, texts] of ref) {
    const want = new Map<string, number>();
    for (const t of texts) want.set(t, (want.get(t) ?? 0) + 1);
    const have = new Map<string, number>();
    for (const t of got.get(chat) ?? []) have.set(t, (have.get(t) ?? 0) + 1);
    for (const [t, n] of want) lost += Math.max(0, n - (have.get(t) ?? 0));
    for (const [t, n] of have) dup += Math.max(0, n - (want.get(t) ?? 0));
  }
  return { dup, lost };
}

const byChat = (api: FakeBotApi) => {
  const m = new Map<number, string[]>();
  for (const s of api.sent) m.set(s.chatId, [...(m.get(s.chatId) ?? []), s.text]);
  return m;
};

async function stream(api: FakeBotApi, n: number, chats: number, perMs: number) {
  for (let i = 0; i < n; i++) {
    api.pushPrivate(1000 + (i % chats), QUESTIONS[Math.floor(i / chats) % QUESTIONS.length]!);
    if (perMs) await sleep(perMs);
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'policybot-drill-'));
  const out: string[] = [];
  try {
    // reference run: 200 messages, no faults (also warms the index in DATA_DIR)
    const ref = new FakeBotApi();
    const refLog: string[] = [];
    let child = serve(await ref.start(), join(dataDir, 'ref'), refLog);
    if (!(await waitFor(started(refLog, 0), 120_000))) throw new Error(`serve did not start:\n${refLog.join('\n')}`);
    const t0 = Date.now();
    await stream(ref, 200, 20, 0);
    await waitFor(() => ref.unconfirmed() === 0 && ref.sent.length >= 200, 120_000);
    await sleep(1500);
    const refCount = ref.sent.length;
    out.push(`reference: 200 messages from 20 chats → ${refCount} messages sent in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await ref.stop();

    // SIGKILL ×KILLS during the same stream
    const api = new FakeBotApi();
    const root = await api.start();
    const log: string[] = [];
    let kills = 0;
    child = serve(root, join(dataDir, 'kill'), log);
    await waitFor(started(log, 0), 120_000);
    const feeding = stream(api, 200, 20, 25);
    while (kills < KILLS) {
      // at a random moment while replies are going out (not right after a send: that would aim at the window)
      const before = api.sent.length;
      await waitFor(() => api.sent.length > before, 30_000);
      await sleep(100 + Math.random() * 900);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
      const mark = log.length;
      child = serve(root, join(dataDir, 'kill'), log);
      await waitFor(started(log, mark), 120_000);
    }
    await feeding;
    await waitFor(() => api.unconfirmed() === 0, 120_000);
    await waitFor(() => api.sent.length >= refCount, 60_000);
    await sleep(2000);
    const { dup, lost } = compare(byChat(ref), byChat(api));
    if (process.env.DRILL_LOG) {
      const r = byChat(ref);
      const lines: string[] = [];
      for (const [chat, texts] of byChat(api))
        lines.push(
          `chat ${chat}: ${texts.length} (ref ${r.get(chat)?.length}) ${texts.map((t) => t.slice(0, 12).replace(/\n/g, ' ')).join(' | ')}`,
        );
      (await import('node:fs')).writeFileSync(process.env.DRILL_LOG + '.chats', lines.join('\n') + '\n');
    }
    const skipped = log.filter((l) => l.includes('before the restart; not sent again')).length;
    const doubt = log.filter((l) => l.includes('was being sent when the process stopped')).length;
    if (process.env.DRILL_LOG) (await import('node:fs')).writeFileSync(process.env.DRILL_LOG, log.join('\n') + '\n');
    out.push(
      `SIGKILL ×${kills} during the stream: ${api.sent.length} messages sent (reference ${refCount}); duplicates ${dup}, lost ${lost}; on replay: ${skipped} parts skipped as sent, ${doubt} in doubt (TELEGRAM_REPLY_IN_DOUBT=${process.env.TELEGRAM_REPLY_IN_DOUBT ?? 'resend'}, TELEGRAM_CONCURRENCY=${process.env.TELEGRAM_CONCURRENCY ?? '64'})`,
    );

    if (OUTAGE_S === 0) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await api.stop();
      console.log(out.join('\n'));
      return;
    }
    // half-open poll: the next getUpdates never answers; a message arrives meanwhile
    api.hangNextPoll = true;
    const polls = api.polls;
    await waitFor(() => api.polls > polls, 60_000);
    const sentBefore = api.sent.length;
    const tq = Date.now();
    api.pushPrivate(5000, QUESTIONS[0]!);
    await waitFor(() => api.sent.length > sentBefore, 120_000);
    out.push(`half-open getUpdates: the message queued during the hung poll was answered after ${((Date.now() - tq) / 1000).toFixed(1)} s`);

    // outage: every connection reset for OUTAGE_S seconds, a message waits; time from recovery to its reply
    api.setDown(true);
    const sentB = api.sent.length;
    await sleep(OUTAGE_S * 1000);
    api.pushPrivate(5001, QUESTIONS[1]!);
    const tr = Date.now();
    api.setDown(false);
    await waitFor(() => api.sent.length > sentB, 120_000);
    const warn = log.filter((l) => l.includes('Telegram Bot API unreachable')).length;
    const info = log.filter((l) => l.includes('reachable again')).at(-1) ?? '';
    out.push(
      `outage of ${OUTAGE_S} s: reply ${((Date.now() - tr) / 1000).toFixed(1)} s after recovery; WARN lines ${warn}; ${info.replace(/^\S+ /, '')}`,
    );

    // 409 for 10 s (another instance polling during a deploy)
    api.conflictUntil = Date.now() + 10_000;
    const sentC = api.sent.length;
    api.pushPrivate(5002, QUESTIONS[2]!);
    await waitFor(() => api.sent.length > sentC, 60_000);
    out.push(
      `409 for 10 s: process alive ${child.exitCode === null}; reply ${((Date.now() - (api.conflictUntil - 10_000)) / 1000).toFixed(1)} s after the overlap began; WARN lines ${log.filter((l) => l.includes('another instance is polling')).length}`,
    );

    const ts = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    out.push(`SIGTERM: exit ${code} in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
    await api.stop();
  } finally {
    if (!process.env.DRILL_LOG) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`kept ${dataDir}`);
  }
  console.log(out.join('\n'));
}

await main();
