/**
 * `policybot bench-pg [--rows N] [--workers W] [--rate R] [--max-rate M] [--lease-ms L] [--no-write] [--json]`
 *
 * Distributed-broadcast benchmark on PostgreSQL, written to docs/benchmarks.md between
 * `<!-- bench:postgres:start -->` and `<!-- bench:postgres:end -->` (only that section is touched):
 *   S. one process on the embedded SQLite outbox (the `bench-broadcast --worker` child) — the baseline;
 *   P. W worker PROCESSES on one PostgreSQL outbox, every send through the shared token bucket;
 *   K. the same with worker 1 SIGKILLed halfway (its leased rows are taken over after the lease);
 *   at the configured rate R (limit-bound: all should reach R) and at M (≈ unthrottled: what the
 *   coordination costs). Deliveries are counted by a loopback fake Bot API (bench-broadcast's).
 * PostgreSQL: DATABASE_URL when it is set (a scratch database: the bench creates its own tables and
 * rows there), otherwise a throw-away server in a temp folder (fsync on, like a real one).
 *
 * `runPgWorkers` is also the multi-worker test's engine (test/postgres/multi-worker.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'grammy';
import { openPgBroadcastStore } from '../../bot/broadcast/outbox-postgres.ts';
import { openSqliteBroadcastStore } from '../../bot/broadcast/outbox-sqlite.ts';
import { openPgRateLimit } from '../../bot/broadcast/rate-limit-pg.ts';
import { OutboxSender, type SenderLimits } from '../../bot/broadcast/sender.ts';
import type { OutboxMessage } from '../../bot/broadcast/types.ts';
import { loadConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { isPostgresUrl } from '../../bot/store/index.ts';
import { createPgPool, redactPgUrl } from '../../bot/store/postgres.ts';
import { startTempPostgres } from '../../tools/postgres-tempserver.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { machineLine, maxPerSecond, rateOf, writeBenchSection } from '../bench-util.ts';
import { startFakeApi } from './bench-broadcast.ts';

const TOKEN = '123456:BENCH-not-a-real-token';
const CLI = join(PROJECT_ROOT, 'scripts', 'policybot.mjs');

/** Sender limits of a bench worker at `rate` messages/s over all workers. */
export function workerLimits(rate: number, leaseMs: number, inDoubt: 'skip' | 'resend' = 'resend'): SenderLimits {
  return {
    globalPerSecond: rate,
    perChatPerSecond: 1,
    perGroupPerMinute: 20,
    maxAttempts: 5,
    leaseMs,
    maxInFlight: Math.max(1, Math.min(8, Math.ceil(rate / 4))),
    batchSize: Math.max(5, Math.min(100, Math.ceil(rate))),
    inDoubt,
  };
}

function outboxRows(n: number, runId: string, firstChat: number): OutboxMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    dedupeKey: `${runId}|${firstChat + i}|0`,
    runId,
    digestKey: runId,
    chatId: firstChat + i,
    chatType: 'private' as const,
    part: 0,
    text: `<b>政策更新</b> ${firstChat + i}`,
  }));
}

/** Counts deliveries per chat against the expected recipients. */
export function tally(
  chatIds: number[],
  expected: number[],
): { delivered: number; distinct: number; duplicates: number; missing: number; duplicated: number[] } {
  const seen = new Map<number, number>();
  for (const c of chatIds) seen.set(c, (seen.get(c) ?? 0) + 1);
  const duplicated: number[] = [];
  let duplicates = 0;
  for (const [c, n] of seen) if (n > 1) (duplicates += n - 1), duplicated.push(c);
  return { delivered: chatIds.length, distinct: seen.size, duplicates, missing: expected.filter((c) => !seen.has(c)).length, duplicated };
}

function spawnCli(args: string[]): { child: ChildProcess; output: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const output = exited.then((code) => {
    if (code !== 0 && code !== null) process.stderr.write(`worker exited with ${code}: ${err.slice(-2000)}\n`);
    return out;
  });
  return { child, output, exited };
}

/** Options of `runPgWorkers`. */
export interface PgWorkersOptions {
  /** A database the run may write to (tables are created when missing). */
  url: string;
  rows: number;
  workers: number;
  /** Shared rate, messages/s over all workers. */
  rate: number;
  leaseMs: number;
  /** SIGKILL worker 1 when this fraction of the rows has reached the fake API (e.g. 0.5). */
  killAt?: number;
  inDoubt?: 'skip' | 'resend';
  /** First chat id (distinct per run on a shared database). */
  firstChat?: number;
  log?: (line: string) => void;
}

/** What `runPgWorkers` measured. */
export interface PgWorkersResult {
  rows: number;
  workers: number;
  rate: number;
  delivered: number;
  distinct: number;
  duplicates: number;
  missing: number;
  /** Chats that got a message twice. */
  duplicated: number[];
  /** At the kill: rows of the killed worker marked in flight, and how many of them had reached the API. */
  kill: { at: number; deliveredBefore: number; inFlight: number; inFlightChats: number[]; reachedServer: number; claimed: number } | null;
  /** Deliveries per second, first to last delivery. */
  measuredRate: number;
  maxPerSecond: number;
  /** Wall time from enqueue to the last worker's exit (includes process start and, with a kill, the lease). */
  totalMs: number;
  outbox: { pending: number; sent: number; failed: number; skipped: number; total: number };
  reports: Record<string, number>[];
}

/**
 * Enqueues `rows` messages on PostgreSQL, starts `workers` worker processes (each: shared outbox +
 * shared token bucket + grammY Api → loopback fake Bot API), optionally SIGKILLs worker 1 midway,
 * waits for the others to finish, and counts what the API received.
 */
export async function runPgWorkers(o: PgWorkersOptions): Promise<PgWorkersResult> {
  const runId = `bench-pg-${process.pid}-${Date.now()}`;
  const firstChat = o.firstChat ?? 1_000_000;
  const pool = createPgPool(o.url, { max: 4 });
  const api = await startFakeApi();
  try {
    const bstore = await openPgBroadcastStore(pool);
    const msgs = outboxRows(o.rows, runId, firstChat);
    await bstore.enqueue(msgs);
    const expected = msgs.map((m) => m.chatId);
    const t0 = performance.now();
    const procs = Array.from({ length: o.workers }, (_, k) =>
      spawnCli([
        'bench-pg',
        '--worker',
        '--database-url',
        o.url,
        '--api-root',
        api.root,
        '--rate',
        String(o.rate),
        '--lease-ms',
        String(o.leaseMs),
        '--in-doubt',
        o.inDoubt ?? 'resend',
        '--worker-id',
        `${runId}-w${k + 1}`,
        '--bucket',
        runId,
      ]),
    );
    let kill: PgWorkersResult['kill'] = null;
    if (o.killAt !== undefined) {
      const victim = procs[0]!;
      const workerId = `${runId}-w1`;
      // the kill point: this fraction of the rows has reached the API (the victim holds a lease by then)
      while (api.log.length < o.rows * o.killAt) {
        if (victim.child.exitCode !== null) throw new Error('worker 1 ended before the kill point; use more rows');
        await new Promise((r) => setTimeout(r, 2));
      }
      const deliveredBefore = api.log.length;
      victim.child.kill('SIGKILL');
      await victim.exited;
      await new Promise((r) => setTimeout(r, 100)); // requests already written reach the server
      const { rows } = await pool.query<{ chat_id: string; sending: string | null }>(
        "SELECT chat_id, sending_since AS sending FROM broadcast_outbox WHERE run_id = $1 AND status = 'pending' AND claimed_by = $2",
        [runId, workerId],
      );
      const inFlightChats = rows.filter((r) => r.sending !== null).map((r) => Number(r.chat_id));
      const logged = new Set(api.log.map((l) => l.chatId));
      kill = {
        at: o.killAt,
        deliveredBefore,
        inFlight: inFlightChats.length,
        inFlightChats,
        reachedServer: inFlightChats.filter((c) => logged.has(c)).length,
        claimed: rows.length,
      };
      o.log?.(`killed worker 1 at ${deliveredBefore} deliveries: ${rows.length} rows leased, ${inFlightChats.length} in flight`);
    }
    const outputs = await Promise.all(procs.map((p) => p.output));
    const totalMs = performance.now() - t0;
    const reports = outputs
      .map((s) => s.trim().split('\n').pop())
      .filter((s): s is string => !!s)
      .map((s) => JSON.parse(s) as Record<string, number>);
    const times = api.log.map((l) => l.at);
    return {
      rows: o.rows,
      workers: o.workers,
      rate: o.rate,
      ...tally(
        api.log.map((l) => l.chatId),
        expected,
      ),
      kill,
      measuredRate: rateOf(times),
      maxPerSecond: maxPerSecond(times),
      totalMs,
      outbox: await bstore.counts(runId),
      reports,
    };
  } finally {
    api.server.close();
    await pool.end();
  }
}

/** The single-process SQLite baseline: the same rows through `bench-broadcast --worker`. */
export async function runSqliteWorker(o: {
  rows: number;
  rate: number;
  leaseMs: number;
}): Promise<Omit<PgWorkersResult, 'kill' | 'workers'> & { workers: 1; kill: null }> {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-bench-pg-'));
  const file = join(dir, 'db.sqlite');
  const api = await startFakeApi();
  try {
    const store = openSqliteStore({ file });
    const bstore = openSqliteBroadcastStore(store.db);
    const msgs = outboxRows(o.rows, 'sqlite', 2_000_000);
    await bstore.enqueue(msgs);
    await store.close();
    const t0 = performance.now();
    const p = spawnCli([
      'bench-broadcast',
      '--worker',
      '--db',
      file,
      '--api-root',
      api.root,
      '--rate',
      String(o.rate),
      '--lease-ms',
      String(o.leaseMs),
    ]);
    const out = await p.output;
    const totalMs = performance.now() - t0;
    const again = openSqliteStore({ file });
    const counts = await openSqliteBroadcastStore(again.db).counts();
    await again.close();
    const times = api.log.map((l) => l.at);
    const last = out.trim().split('\n').pop();
    return {
      rows: o.rows,
      workers: 1,
      rate: o.rate,
      ...tally(
        api.log.map((l) => l.chatId),
        msgs.map((m) => m.chatId),
      ),
      kill: null,
      measuredRate: rateOf(times),
      maxPerSecond: maxPerSecond(times),
      totalMs,
      outbox: counts,
      reports: last ? [JSON.parse(last) as Record<string, number>] : [],
    };
  } finally {
    api.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Child mode: drain the PostgreSQL outbox through grammY's Api and the shared bucket; print the report. */
async function worker(v: {
  url: string;
  apiRoot: string;
  rate: number;
  leaseMs: number;
  inDoubt: 'skip' | 'resend';
  workerId?: string;
  bucket: string;
}): Promise<number> {
  const pool = createPgPool(v.url, { max: 6 });
  try {
    const bstore = await openPgBroadcastStore(pool, {
      chatSpacingMs: { private: 1000, group: 3000 },
      durableInFlightMark: v.inDoubt === 'skip',
    });
    const sharedRate = await openPgRateLimit(pool, { name: v.bucket, ratePerSecond: v.rate, burst: Math.max(1, Math.floor(v.rate / 50)) });
    const api = new Api(TOKEN, { apiRoot: v.apiRoot });
    const sender = new OutboxSender(
      bstore,
      {
        send: (chatId, text) => api.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }),
        sharedRate,
        ...(v.workerId ? { workerId: v.workerId } : {}),
      },
      workerLimits(v.rate, v.leaseMs, v.inDoubt),
    );
    printJson(await sender.drain());
    return 0;
  } finally {
    await pool.end();
  }
}

type Row = Awaited<ReturnType<typeof runPgWorkers>> | Awaited<ReturnType<typeof runSqliteWorker>>;

/** The markdown of the postgres section (without markers) from a bench result. */
export function pgBenchSection(r: {
  date: string;
  server: string;
  rows: number;
  workers: number;
  rate: number;
  maxRate: number;
  leaseMs: number;
  runs: { label: string; r: Row }[];
}): string {
  const f = (x: number, d = 0) => x.toFixed(d);
  const base = (rate: number) => r.runs.find((x) => x.r.workers === 1 && x.r.rate === rate)?.r;
  const row = ({ label, r: x }: { label: string; r: Row }) => {
    const b = base(x.rate);
    const vs = b && x !== b && b.measuredRate > 0 ? ` (${f((x.measuredRate / b.measuredRate) * 100)} % of SQLite)` : '';
    return `| ${label} | ${x.workers} | ${x.rate}/s | ${x.rows} | ${x.delivered} | ${x.duplicates} | ${x.missing} | ${f(x.measuredRate)}/s${vs} | ${x.maxPerSecond} | ${f(x.totalMs / 1000, 1)} s |`;
  };
  const killed = r.runs.filter((x) => x.r.kill);
  return [
    '## PostgreSQL: several workers on one outbox (issue 8)',
    '',
    `Measured ${r.date} with \`policybot bench-pg\` on ${machineLine()}; ${r.server}. ` +
      `Each worker is a separate process: PostgreSQL outbox claimed with \`FOR UPDATE SKIP LOCKED\` + ${r.leaseMs} ms leases, every send through the ` +
      `shared token bucket (one UNLOGGED row), grammY \`Api\` → a loopback fake Bot API that counts deliveries. The SQLite baseline is one process ` +
      '(`bench-broadcast --worker`) on the embedded outbox, same rows, same API.',
    '',
    '| run | workers | shared rate | rows | delivered | duplicates | missing | measured rate | max in any 1 s | wall time |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.runs.map(row),
    '',
    ...killed.map(
      ({ label, r: x }) =>
        `- ${label}: worker 1 was SIGKILLed after ${x.kill!.deliveredBefore} deliveries holding ${x.kill!.claimed} leased row(s), ${x.kill!.inFlight} of them in flight ` +
        `(${x.kill!.reachedServer} had reached the API). The others took the leased rows over after the lease; the in-flight ones are *in doubt* and were resent ` +
        `(BROADCAST_IN_DOUBT=resend): ${x.duplicates} duplicate(s)${x.duplicated.length ? ` (chats ${x.duplicated.slice(0, 8).join(', ')}${x.duplicated.length > 8 ? '…' : ''}, all among the in-flight rows: ${x.duplicated.every((c) => x.kill!.inFlightChats.includes(c)) ? 'yes' : 'NO'})` : ''}, ${x.missing} missing. ` +
        `Outbox: ${x.outbox.sent} sent / ${x.outbox.pending} pending / ${x.outbox.failed} failed / ${x.outbox.skipped} skipped.`,
    ),
    (() => {
      const limited = r.runs.filter((x) => x.r.workers > 1 && x.r.rate === r.rate);
      const worst = Math.max(...limited.map((x) => x.r.maxPerSecond));
      const burst = Math.max(1, Math.floor(r.rate / 50));
      return (
        `- Shared rate across processes: at ${r.rate}/s the busiest 1-second window of the multi-worker runs saw ${worst} deliveries ` +
        `(${worst <= r.rate + burst ? 'within' : 'ABOVE'} the rate plus the bucket's burst of ${burst}). ` +
        `At ${r.maxRate}/s (≈ unthrottled) the numbers show what the coordination costs per send: one bucket UPDATE (UNLOGGED row), ` +
        'one lease renewal + in-flight mark (asynchronous commit), one synchronously committed `sent` mark, plus a claim per batch — ' +
        `with ${r.workers} worker processes, PostgreSQL, the fake API and the bench sharing the same cores.`
      );
    })(),
    '- Telegram allows about 30 msg/s per bot, so any of these is far above what production needs; the point of several workers is availability (a dead worker costs only a lease) and one rate for all instances, not speed.',
    `- Reproduce: \`node scripts/policybot.mjs bench-pg\` (\`--rows\`, \`--workers\`, \`--rate\`, \`--max-rate\`, \`--lease-ms\`; \`DATABASE_URL\` to use an existing server).`,
  ].join('\n');
}

export const command: CliCommand = {
  usage: 'bench-pg [--rows N] [--workers W] [--rate R] [--max-rate M] [--lease-ms L] [--no-write] [--json]',
  summary: 'Benchmark the distributed broadcast on PostgreSQL (W worker processes, a SIGKILL) against one SQLite process',
  help: [
    'Defaults: 20000 rows, 3 workers, shared rate 1000 msg/s, ≈ unthrottled 20000 msg/s, 3000 ms leases.',
    'Uses DATABASE_URL (postgres://…, a scratch database) when set, otherwise a throw-away server (needs the PostgreSQL binaries).',
    'Writes docs/benchmarks.md (postgres section) unless --no-write. Exit code 1 when a message was lost or duplicated outside a kill.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      rows: { type: 'string' },
      workers: { type: 'string' },
      rate: { type: 'string' },
      'max-rate': { type: 'string' },
      'lease-ms': { type: 'string' },
      'no-write': { type: 'boolean' },
      json: { type: 'boolean' },
      worker: { type: 'boolean' },
      'database-url': { type: 'string' },
      'api-root': { type: 'string' },
      'in-doubt': { type: 'string' },
      'worker-id': { type: 'string' },
      bucket: { type: 'string' },
    });
    const num = (v: string | undefined, d: number, flag: string) => {
      if (v === undefined) return d;
      const x = Number(v);
      if (!(x > 0)) throw new CliUsageError(`${flag} expects a positive number, got "${v}"`);
      return x;
    };
    const rate = num(values.rate, 1000, '--rate');
    const leaseMs = num(values['lease-ms'], 3000, '--lease-ms');
    if (values.worker) {
      if (!values['database-url'] || !values['api-root']) throw new CliUsageError('--worker needs --database-url and --api-root');
      return worker({
        url: values['database-url'],
        apiRoot: values['api-root'],
        rate,
        leaseMs,
        inDoubt: values['in-doubt'] === 'skip' ? 'skip' : 'resend',
        ...(values['worker-id'] ? { workerId: values['worker-id'] } : {}),
        bucket: values.bucket ?? 'bench',
      });
    }
    const rows = Math.floor(num(values.rows, 20_000, '--rows'));
    const workers = Math.floor(num(values.workers, 3, '--workers'));
    const maxRate = num(values['max-rate'], 20_000, '--max-rate');
    const log = (s: string) => process.stderr.write(s + '\n');
    const configured = loadConfig().DATABASE_URL;
    let url: string;
    let server: string;
    let stop = async () => {};
    if (isPostgresUrl(configured)) {
      url = configured;
      server = `PostgreSQL at ${redactPgUrl(configured)}`;
    } else {
      const pg = await startTempPostgres({ durable: true });
      if ('skip' in pg)
        throw new CliUsageError(`bench-pg needs PostgreSQL: set DATABASE_URL=postgres://… or install the server (${pg.skip})`);
      url = await pg.createDatabase('bench_pg');
      server = `a throw-away PostgreSQL ${pg.version} server on 127.0.0.1 (temp folder, fsync on, default settings)`;
      stop = () => pg.stop();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => void pg.stop().finally(() => process.exit(130))); // do not leave the server running
      }
    }
    try {
      const runs: { label: string; r: Row }[] = [];
      let chat = 1_000_000;
      for (const r of [rate, maxRate]) {
        log(`S: SQLite, 1 process, ${rows} rows at ${r}/s…`);
        runs.push({
          label: `S. SQLite, one process${r === maxRate ? ', ≈ unthrottled' : ''}`,
          r: await runSqliteWorker({ rows, rate: r, leaseMs }),
        });
        log(`P: PostgreSQL, ${workers} worker processes, ${rows} rows at ${r}/s…`);
        runs.push({
          label: `P. PostgreSQL, ${workers} workers${r === maxRate ? ', ≈ unthrottled' : ''}`,
          r: await runPgWorkers({ url, rows, workers, rate: r, leaseMs, firstChat: (chat += rows), log }),
        });
      }
      log(`K: PostgreSQL, ${workers} workers at ${rate}/s, worker 1 SIGKILLed at 50 %…`);
      runs.push({
        label: `K. PostgreSQL, ${workers} workers, worker 1 SIGKILLed at 50 %`,
        r: await runPgWorkers({ url, rows, workers, rate, leaseMs, killAt: 0.5, firstChat: (chat += rows), log }),
      });
      const result = { date: new Date().toISOString().slice(0, 10), server, rows, workers, rate, maxRate, leaseMs, runs };
      if (values.json) printJson(result, true);
      else process.stdout.write(pgBenchSection(result) + '\n');
      if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'postgres', pgBenchSection(result));
      const bad = runs.some(
        ({ r }) => r.missing > 0 || (r.kill ? !r.duplicated.every((c) => r.kill!.inFlightChats.includes(c)) : r.duplicates > 0),
      );
      return bad ? 1 : 0;
    } finally {
      await stop();
    }
  },
};
