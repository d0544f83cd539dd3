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
 * The PostgreSQL runs are tools/pg-workers.ts (`runPgWorkers`), also the engine of
 * test/postgres/multi-worker.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteBroadcastStore } from '../../bot/broadcast/outbox-sqlite.ts';
import { loadConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { isPostgresUrl } from '../../bot/store/index.ts';
import { redactPgUrl } from '../../bot/store/postgres.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { startFakeApi } from '../../tools/fake-send-api.ts';
import { outboxRows, runPgWorkers, tally, type PgWorkersResult } from '../../tools/pg-workers.ts';
import { startTempPostgres } from '../../tools/postgres-tempserver.ts';
import { machineLine, maxPerSecond, rateOf, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

const CLI = join(PROJECT_ROOT, 'scripts', 'policybot.mjs');

function spawnCli(args: string[]): { output: Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const output = new Promise<string>((r) =>
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`worker exited with ${code}: ${err.slice(-2000)}\n`);
      r(out);
    }),
  );
  return { output };
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

type Row = PgWorkersResult | Awaited<ReturnType<typeof runSqliteWorker>>;

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
    });
    const num = (v: string | undefined, d: number, flag: string) => {
      if (v === undefined) return d;
      const x = Number(v);
      if (!(x > 0)) throw new CliUsageError(`${flag} expects a positive number, got "${v}"`);
      return x;
    };
    const rate = num(values.rate, 1000, '--rate');
    const leaseMs = num(values['lease-ms'], 3000, '--lease-ms');
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
