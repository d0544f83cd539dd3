/**
 * The distributed broadcast on PostgreSQL with several worker PROCESSES: enqueue an outbox, start the
 * workers (each: shared outbox + shared token bucket + grammY Api → a loopback fake Bot API), optionally
 * SIGKILL worker 1 midway, and count what the API received. The engine of `policybot bench-pg` and of
 * test/postgres/multi-worker.test.ts.
 *
 * A worker is tools/pg-worker-child.ts, compiled (a small entry point, not the CLI: it loads only the broadcast
 * sender and the PostgreSQL store, so that starting three of them costs little).
 *
 * @example
 * const r = await runPgWorkers({ url, rows: 5000, workers: 3, rate: 2000, leaseMs: 2000, killAt: 0.4 });
 * r.missing // 0
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Api } from 'grammy';
import { openPgBroadcastStore } from '../bot/broadcast/outbox-postgres.ts';
import { openPgRateLimit } from '../bot/broadcast/rate-limit-pg.ts';
import { OutboxSender, type SenderLimits } from '../bot/broadcast/sender.ts';
import type { OutboxMessage } from '../bot/broadcast/types.ts';
import { PROJECT_ROOT } from '../bot/config.ts';
import { createPgPool } from '../bot/store/postgres.ts';
import { startFakeApi } from './fake-send-api.ts';
import { maxPerSecond, rateOf } from './rates.ts';

const TOKEN = '123456:BENCH-not-a-real-token';

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

export function outboxRows(n: number, runId: string, firstChat: number): OutboxMessage[] {
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

/**
 * The worker child, always compiled: scripts/run-compiled.mjs brings dist/ up to date and runs
 * dist/tools/pg-worker-child.js, so that no worker pays the TypeScript loader, whether this module runs
 * from the sources (tests), from dist/ or from the CLI bundle (bench-pg).
 */
const CHILD_ARGS = [join(PROJECT_ROOT, 'scripts', 'run-compiled.mjs'), join(PROJECT_ROOT, 'tools', 'pg-worker-child.ts')];

/** Starts one worker process. */
function spawnWorker(w: PgWorkerArgs): { child: ChildProcess; output: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...CHILD_ARGS, JSON.stringify(w)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      spawnWorker({
        url: o.url,
        apiRoot: api.root,
        rate: o.rate,
        leaseMs: o.leaseMs,
        inDoubt: o.inDoubt ?? 'resend',
        workerId: `${runId}-w${k + 1}`,
        bucket: runId,
      }),
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

/** What one worker process is told (one JSON argument of tools/pg-worker-child.ts). */
export interface PgWorkerArgs {
  url: string;
  apiRoot: string;
  /** Shared rate, messages/s over all workers. */
  rate: number;
  leaseMs: number;
  inDoubt: 'skip' | 'resend';
  workerId?: string;
  /** Name of the shared token bucket. */
  bucket: string;
}

/** One worker: drains the PostgreSQL outbox through grammY's Api and the shared bucket; returns the sender's report. */
export async function drainPgOutbox(v: PgWorkerArgs): Promise<Record<string, number>> {
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
    return (await sender.drain()) as unknown as Record<string, number>;
  } finally {
    await pool.end();
  }
}
