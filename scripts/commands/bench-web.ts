/**
 * `policybot bench-web [--rate R] [--seconds S] [--conversations C] [--assistant echo|real|both] [--workers 0,2] [--no-write] [--json]`
 * (`--rate` and `--workers` take comma-separated lists: every combination is run)
 *
 * The web channel under load (a bench, not a test): the real app over the shipped corpus, the web
 * channel bound on 127.0.0.1 (index from DATA_DIR) with a SQLite store in a temp folder (every turn reads and writes its
 * conversation row; gaps are recorded), and an open-loop client in its own process (so that it does not
 * take the server's event loop; scripts/bench-web-client.mjs) that sends
 * `POST /api/chat` at R requests/s spread over C conversations for S seconds. A conversation sends its
 * next message only after the previous reply (as a person does). Each reply is checked against its
 * conversation: same conversationId, the question echoed back, turn numbers 1, 2, 3… — any mismatch
 * counts as cross-wired, any missing reply as lost. Rate limits are off for the run (one client IP).
 * Bounded in time: the run stops S + 10 s after it started whatever happens.
 * Writes the web section of docs/benchmarks.md (`<!-- bench:web:start -->` … `<!-- bench:web:end -->`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../bot/app.ts';
import { devSetFromRetrievalFile, loadDevSet } from '../../bot/assistant/devset.ts';
import { loadConfig, parseConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/sqlite.ts';
import { startAssistantPool } from '../../bot/web/assistant-pool.ts';
import { createWebChannel, startWebServer } from '../../bot/web/index.ts';
import type { ChatStage } from '../../bot/web/server.ts';
import { EchoAssistant } from './bench-bot.ts';
import { machineLine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

/**
 * The question mix, from the dev sets (test/fixtures/assistant-dev.yaml, retrieval-dev.yaml): the
 * multi-turn conversations in order, the eligibility cases, the information and unanswerable questions,
 * the retrieval questions, and a greeting. The client spreads the conversations over it, so that at any
 * moment they ask different questions (not one repeated question).
 */
export function benchQuestions(): string[] {
  const fixtures = join(PROJECT_ROOT, 'test', 'fixtures');
  const dev = loadDevSet(join(fixtures, 'assistant-dev.yaml'));
  const retrieval = devSetFromRetrievalFile(join(fixtures, 'retrieval-dev.yaml'), dev.as_of);
  return [
    ...dev.conversations.flatMap((c) => c.turns.map((t) => t.say)),
    ...dev.eligibility.map((c) => c.q),
    ...dev.information.map((c) => c.q),
    ...dev.unanswerable,
    ...retrieval.information.map((c) => c.q),
    ...retrieval.unanswerable,
    '你好',
  ];
}

/** Mean time per request of each stage (ms). */
export type StageMeans = Record<string, number>;

export interface WebBenchResult {
  assistant: 'real' | 'echo';
  /** Assistant threads (0: on the server's thread). */
  workers: number;
  rate: number;
  seconds: number;
  conversations: number;
  /** Distinct questions in the mix (the dev sets). */
  questions: number;
  sent: number;
  ok: number;
  errors: number;
  lost: number;
  /** Scheduled but not sent before the deadline (the client fell behind the schedule). */
  notSent: number;
  crossWired: number;
  achievedPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  durationMs: number;
  /** CPU time (user + system) of the server process per answered request, measured phase only (ms). */
  serverCpuMs: number;
  /** CPU time of the load client per answered request (ms). */
  clientCpuMs: number;
  /** CPU time per request of each stage of POST /api/chat (sequential pass); `search.*`: the retriever's wall times. */
  stages: StageMeans;
  /** 1-minute load average of the machine when the run started (other processes compete for the cores). */
  loadAverage: number;
}

const SEARCH_STAGES = ['segment', 'embed', 'ann', 'bm25', 'fuse'] as const;
/** Requests the load client sends one at a time before its measured phase (its own JIT warm-up). */
const CLIENT_WARMUP = 30;

export async function runWebBench(opts: {
  rate: number;
  seconds: number;
  conversations: number;
  assistant?: 'real' | 'echo';
  /** Assistant threads (0: the assistant runs on the server's thread). */
  workers?: number;
}): Promise<WebBenchResult> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'pb-bench-web-'));
  const base = loadConfig();
  // the index and embedder of DATA_DIR (built once, like every command); the store in a temp folder
  const config = parseConfig({
    DATA_DIR: base.DATA_DIR,
    CORPUS_DIR: base.CORPUS_DIR,
    RANKINGS_FILE: base.RANKINGS_FILE,
    AS_OF: '2026-11-20',
    LOG_LEVEL: 'silent',
  });
  const app = await buildApp(config, { logger: silentLogger });
  const store = openSqliteStore({ file: join(dataDir, 'bench.sqlite') });
  const questions = benchQuestions();
  const warmup = questions.length;
  // Stage probe, on only in the sequential pass: CPU time of the process between two probe calls.
  let probing = false;
  let last = process.cpuUsage();
  const totals = new Map<string, number>();
  const add = (name: string, ms: number) => totals.set(name, (totals.get(name) ?? 0) + ms);
  const cpuSince = (from: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(from);
    return (d.user + d.system) / 1000;
  };
  const onStage = (name: ChatStage) => {
    if (!probing) return;
    if (name !== 'start' && name !== 'queued') add(name, cpuSince(last));
    last = process.cpuUsage();
  };
  // the search inside the assistant: its CPU time, and the retriever's own stage timings (wall time)
  const retriever = app.retrieval.retriever;
  retriever.search = async (query, o) => {
    // under load nothing is measured here: no getrusage calls on the server's path (two getrusage calls cost ~0.05 ms a request on this VM)
    if (!probing) return (await retriever.searchDetailed(query, o)).result;
    const c0 = process.cpuUsage();
    const d = await retriever.searchDetailed(query, o);
    if (probing) {
      add('search', cpuSince(c0));
      for (const k of SEARCH_STAGES) add(`search.${k}`, d.timings[k]);
    }
    return d.result;
  };
  // `echo` measures the channel alone (HTTP, JSON, session read/write) with a trivial assistant
  const workers = opts.assistant === 'echo' ? 0 : (opts.workers ?? 0);
  const pool = workers
    ? await startAssistantPool({ config, workers, sources: () => app.assistant.sources(), logger: silentLogger })
    : undefined;
  const served = opts.assistant === 'echo' ? { ...app, assistant: new EchoAssistant() } : pool ? { ...app, assistant: pool } : app;
  const channel = await createWebChannel({
    app: () => served,
    store,
    logger: silentLogger,
    settings: { ratePerIpPerMinute: 0, ratePerConversationPerMinute: 0 },
    onStage,
  });
  const web = await startWebServer(channel.app, { port: 0, host: '127.0.0.1' });
  try {
    const loadAverage = os.loadavg()[0]!;
    // 1. sequential pass (one request at a time, over HTTP from this process): CPU time per stage
    const stageRequests = await sequentialPass(`${web.url}/api/chat`, questions, opts.conversations, {
      warmup,
      requests: 2 * questions.length,
      probe: (on) => {
        probing = on;
      },
    });
    // 2. open-loop load from the client process
    const cpu0 = process.cpuUsage();
    const client = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'scripts', 'bench-web-client.mjs'),
        JSON.stringify({ url: `${web.url}/api/chat`, ...opts, questions, warmup: CLIENT_WARMUP }),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    client.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const code: number = await new Promise((resolve) => client.on('close', (c) => resolve(c ?? 1)));
    const cpu = process.cpuUsage(cpu0);
    if (code !== 0) throw new Error(`bench-web client exited with ${code}`);
    const res = JSON.parse(out) as {
      latencies: number[];
      ok: number;
      errors: number;
      crossWired: number;
      attempted: number;
      scheduled: number;
      durationMs: number;
      cpuMs: number;
      problems: unknown[];
    };
    for (const p of res.problems) process.stderr.write(`bench-web (${opts.assistant ?? 'real'}): ${JSON.stringify(p)}\n`);
    const { latencies, ok, errors, crossWired, attempted, durationMs } = res;
    const sent = attempted;
    const notSent = res.scheduled - attempted;
    const answered = Math.max(1, ok);
    const stages: StageMeans = {};
    for (const [k, v] of totals) stages[k] = v / stageRequests;
    return {
      assistant: opts.assistant ?? 'real',
      workers,
      rate: opts.rate,
      seconds: opts.seconds,
      conversations: opts.conversations,
      questions: new Set(questions).size,
      sent,
      ok,
      errors,
      lost: sent - ok - errors,
      notSent,
      crossWired,
      achievedPerSecond: (ok * 1000) / Math.max(1, durationMs),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: Math.max(0, ...latencies),
      durationMs,
      serverCpuMs: (cpu.user + cpu.system) / 1000 / (answered + CLIENT_WARMUP),
      clientCpuMs: res.cpuMs / answered,
      stages,
      loadAverage,
    };
  } finally {
    await web.stop();
    await pool?.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Sends the question stream one request at a time (the same conversations and order as the load
 * client), with the stage probe on after the warm-up; returns the number of probed requests.
 */
async function sequentialPass(
  url: string,
  questions: string[],
  conversations: number,
  o: { warmup: number; requests: number; probe: (on: boolean) => void },
): Promise<number> {
  // One keep-alive socket and a hand-parsed reply (Content-Length, as the channel sends it): this client
  // runs in the server's process, and node:http's client work would land in the stages being measured.
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buf: Buffer = Buffer.alloc(0);
  let waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void } | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0 || !waiting) return;
    const head = buf.toString('latin1', 0, headEnd).toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    const w = waiting;
    if (!length) {
      waiting = undefined;
      w.reject(new Error('bench-web: a reply without Content-Length'));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (buf.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = buf.toString('utf8', headEnd + 4, end);
    buf = Buffer.from(buf.subarray(end));
    waiting = undefined;
    if (status !== 200) w.reject(new Error(`bench-web: POST /api/chat answered ${status}`));
    else w.resolve(JSON.parse(body) as Record<string, unknown>);
  });
  socket.on('error', (err) => waiting?.reject(err));
  const post = (body: unknown) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      waiting = { resolve, reject };
      const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${data.length}\r\n\r\n`;
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), data]));
    });
  try {
    for (let i = 0; i < o.warmup; i++) await post({ text: questions[i % questions.length] });
    const ids: (string | undefined)[] = Array.from({ length: conversations });
    const stride = Math.max(1, Math.floor(questions.length / conversations));
    o.probe(true);
    for (let j = 0; j < o.requests; j++) {
      const k = j % conversations;
      const text = questions[(k * stride + Math.floor(j / conversations)) % questions.length]!;
      const r = await post(ids[k] ? { conversationId: ids[k], text } : { text });
      ids[k] ??= r.conversationId as string;
    }
    o.probe(false);
    return o.requests;
  } finally {
    socket.destroy();
  }
}

const STAGE_ROWS: [string, string][] = [
  ['body', 'body: read, JSON.parse, zod'],
  ['session_read', 'session read (SQLite row, JSON.parse)'],
  ['assistant', 'assistant (understanding, rules, search, reply)'],
  ['search', '… of which search'],
  ['search.segment', '… … query analysis (jieba, synonyms)'],
  ['search.embed', '… … query embedding'],
  ['search.ann', '… … hnsw'],
  ['search.bm25', '… … BM25'],
  ['search.fuse', '… … fusion'],
  ['session_write', 'session write (JSON, SQLite upsert)'],
  ['gap_log', 'gap log'],
  ['reply_json', 'reply JSON'],
];

const threads = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
const label = (r: WebBenchResult) => `${r.assistant}${r.workers ? `, ${threads(r.workers)}` : ''}, ${r.rate}/s`;

function section(results: WebBenchResult[]): string {
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const r0 = results[0]!;
  const lines = [
    '## Web channel (`policybot bench-web`, issue 14)',
    '',
    `Machine: ${machineLine()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
    `Open-loop client (HTTP/1.1 keep-alive over node:net, one connection per conversation) in its own process (scripts/bench-web-client.mjs): R requests/s for ${r0.seconds} s over ${r0.conversations} conversations (each waits for its`,
    `previous reply), SQLite store (a session read and write per turn, gaps recorded), loopback HTTP, rate limits off. Questions: the ${r0.questions} distinct`,
    'questions of the dev sets (assistant-dev.yaml with its multi-turn conversations in order, retrieval-dev.yaml), the conversations spread over',
    'them so that they ask different questions at the same moment. `real`: the assistant over the shipped corpus; `echo`: a trivial',
    "assistant, i.e. the channel alone. The load average is the machine's (other processes share the 2 cores).",
    '',
    '| assistant | threads | rate asked | achieved | p50 | p95 | p99 / max | errors / lost / cross-wired | CPU per request: server / client | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.assistant} | ${r.workers ? `${threads(r.workers)} for the assistant` : 'one'} | ${r.rate}/s | ${r.achievedPerSecond.toFixed(0)}/s (${r.ok}/${r.sent} answered, ${r.notSent} not sent in time) | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} / ${ms(r.max)} | ${r.errors} / ${r.lost} / ${r.crossWired} | ${ms(r.serverCpuMs)} / ${ms(r.clientCpuMs)} | ${r.loadAverage.toFixed(1)} |`,
    );
  }
  lines.push('', 'Targets: p50 ≤ 10 ms, p95 ≤ 30 ms at ≥ 300 requests/s with 50 conversations; 0 lost or cross-wired.');
  lines.push(
    '`lost`: sent but not answered when the run was cut off at its time bound; `not sent in time`: the client fell behind its schedule.',
    'CPU per request: user + system time of each process in the measured phase over the answered requests (the 2 cores are shared by both).',
  );
  lines.push(
    '',
    'Where the server time goes: CPU time per request of each stage of `POST /api/chat`, from a sequential pass over the same question',
    "stream before the load (one request at a time; `search.*` rows are the retriever's own wall times). The rest of the server CPU under",
    'load is HTTP (node:http, @hono/node-server, hono), the event loop and GC:',
    '',
    `| stage | ${results.map(label).join(' | ')} |`,
    `|---|${results.map(() => '---|').join('')}`,
  );
  for (const [key, label] of STAGE_ROWS) {
    if (!results.some((r) => r.stages[key] !== undefined)) continue;
    lines.push(`| ${label} | ${results.map((r) => (r.stages[key] === undefined ? '—' : ms(r.stages[key]!))).join(' | ')} |`);
  }
  const staged = (r: WebBenchResult) => STAGE_ROWS.filter(([k]) => !k.startsWith('search')).reduce((a, [k]) => a + (r.stages[k] ?? 0), 0);
  lines.push(`| sum of the stages | ${results.map((r) => ms(staged(r))).join(' | ')} |`);
  lines.push(`| server CPU per request, all of it | ${results.map((r) => ms(r.serverCpuMs)).join(' | ')} |`);
  lines.push('', 'What these numbers mean for the target, and what would reach it: [docs/web.md](web.md#throughput).');
  if (results.some((r) => r.loadAverage > os.cpus().length)) {
    lines.push(
      '',
      `**Measured under contention**: the load average (${Math.max(...results.map((r) => r.loadAverage)).toFixed(1)}) exceeded the ${os.cpus().length} cores, so these latencies are`,
      'mostly queueing for the CPU (other jobs on the machine); re-run `policybot bench-web` on an idle machine before judging the targets.',
    );
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  usage:
    'bench-web [--rate 300[,150…]] [--seconds 5] [--conversations 50] [--assistant echo|real|both] [--workers 0,2] [--no-write] [--json]',
  summary: 'Benchmark POST /api/chat on loopback (open loop, real assistant); writes docs/benchmarks.md',
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      rate: { type: 'string' },
      seconds: { type: 'string' },
      conversations: { type: 'string' },
      assistant: { type: 'string' },
      workers: { type: 'string' },
      'no-write': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const num = (v: string | undefined, d: number, name: string, max: number) => {
      const n = v === undefined ? d : Number(v);
      if (!(n > 0 && n <= max)) throw new CliUsageError(`--${name} must be a number from 1 to ${max} (got "${v}")`);
      return n;
    };
    const which = values.assistant ?? 'both';
    if (!['real', 'echo', 'both'].includes(which)) throw new CliUsageError(`--assistant must be real, echo or both (got "${which}")`);
    const rates = (values.rate ?? '300').split(',').map((r) => num(r.trim(), 300, 'rate', 5000));
    const base = {
      seconds: num(values.seconds, 5, 'seconds', 60),
      conversations: Math.round(num(values.conversations, 50, 'conversations', 10_000)),
    };
    // the real assistant once per thread count: 0 = on the server's thread, N = a pool of N threads
    const workerCounts = (values.workers ?? '0,2').split(',').map((w) => {
      const n = Number(w.trim());
      if (!(Number.isInteger(n) && n >= 0 && n <= 16))
        throw new CliUsageError(`--workers must be a comma-separated list of whole numbers from 0 to 16 (got "${values.workers}")`);
      return n;
    });
    const results: WebBenchResult[] = [];
    for (const rate of rates) {
      if (which !== 'real') results.push(await runWebBench({ ...base, rate, assistant: 'echo' }));
      if (which !== 'echo')
        for (const workers of workerCounts) results.push(await runWebBench({ ...base, rate, assistant: 'real', workers }));
    }
    if (values.json) printJson(results);
    else process.stdout.write(section(results) + '\n');
    if (!values['no-write']) {
      const file = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
      writeBenchSection(file, 'web', section(results));
      process.stderr.write(`wrote ${file}\n`);
    }
    return results.some((r) => r.crossWired || r.lost) ? 1 : 0;
  },
};
