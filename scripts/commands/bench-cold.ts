/**
 * `policybot bench-cold [--runs N] [--no-write] [--json]` — the cold start of one CLI process.
 *
 * In the same run, alternately: `node -e 0` (Node's own start) and `policybot ask "<q>"` (launcher,
 * config, corpus, rules, index and embedder load, one answer), N times each after one unmeasured
 * warm-up of each (which also brings dist/ up to date and builds the index when DATA_DIR has none).
 * Reports the median and p95 of both and the ratio of the medians (target: at most 6×), with the load
 * average before and after, and writes the `cold` section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { machineLine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

const QUESTION = '宝山区的人才安居资助最高多少？';
/** Target of issue 15: one `ask` process at most this many times `node -e 0`. */
const TARGET_RATIO = 6;

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Preloaded into each measured process: prints its CPU time (user + system, all threads) on exit. */
const CPU_PROBE =
  "data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.cpuUsage();writeSync(2,'\\npolicybot-cpu-us '+(u.user+u.system)+'\\n')})";

/** Wall time and CPU time (ms) of one process. */
function timed(args: string[]): { wall: number; cpu: number } {
  const s = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } });
  const wall = performance.now() - s;
  if (r.status !== 0) throw new Error(`bench-cold: \`node ${args.join(' ')}\` exited ${r.status}: ${r.stderr.slice(-1500)}`);
  const cpu = Number(/policybot-cpu-us (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) / 1000;
  return { wall, cpu };
}

export const command: CliCommand = {
  usage: 'bench-cold [--runs N] [--no-write] [--json]',
  summary: 'Benchmark the cold start: one `policybot ask` process against `node -e 0`, median of N each',
  help: 'Default: 7 runs each (alternating). Needs a built index in DATA_DIR (the warm-up builds it). Writes docs/benchmarks.md (cold section) unless --no-write.',
  async run(argv) {
    const { values } = parseCliArgs(argv, { runs: { type: 'string' }, json: { type: 'boolean' }, 'no-write': { type: 'boolean' } });
    const runs = Number(values.runs ?? 7);
    if (!(Number.isInteger(runs) && runs >= 1)) throw new CliUsageError(`--runs expects a positive whole number, got "${values.runs}"`);
    const ask = [join(PROJECT_ROOT, 'scripts', 'policybot.mjs'), 'ask', QUESTION];
    const bare = ['-e', '0'];
    const loadBefore = loadavg()[0]!;
    timed(bare);
    timed(ask); // warm-up: dist/ and the index are ready afterwards
    const node: { wall: number; cpu: number }[] = [];
    const cli: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(timed(bare));
      cli.push(timed(ask));
    }
    const loadAfter = loadavg()[0]!;
    const stat = (xs: number[]) => ({ p50: r1(percentile(xs, 50)), p95: r1(percentile(xs, 95)), runs: xs.map(r1) });
    const wall = (xs: { wall: number }[]) => xs.map((x) => x.wall);
    const cpu = (xs: { cpu: number }[]) => xs.map((x) => x.cpu);
    const result = {
      machine: machineLine(),
      date: new Date().toISOString().slice(0, 10),
      question: QUESTION,
      node: stat(wall(node)),
      ask: stat(wall(cli)),
      nodeCpu: stat(cpu(node)),
      askCpu: stat(cpu(cli)),
      ratio: r1(percentile(wall(cli), 50) / percentile(wall(node), 50)),
      cpuRatio: r1(percentile(cpu(cli), 50) / percentile(cpu(node), 50)),
      target: TARGET_RATIO,
      load: { before: r1(loadBefore), after: r1(loadAfter) },
    };
    if (values.json) printJson(result, true);
    const section = [
      '## Cold start (`policybot bench-cold`)',
      '',
      `Machine: ${result.machine}. Date: ${result.date}. Load average (1 min) ${result.load.before} before, ${result.load.after} after. ` +
        `${runs} runs of each, alternating, after one warm-up of each; \`ask\` runs the launcher (the CLI bundle in \`dist-bundle/\`), config, corpus, rules, ` +
        'index and embedder load, one answer. CPU time is user + system of the whole process (all threads), less sensitive than wall time to other load on the machine.',
      '',
      '| process | wall median | wall p95 | CPU median | CPU p95 |',
      '|---|---|---|---|---|',
      `| \`node -e 0\` | ${result.node.p50} ms | ${result.node.p95} ms | ${result.nodeCpu.p50} ms | ${result.nodeCpu.p95} ms |`,
      `| \`policybot ask "${QUESTION}"\` | ${result.ask.p50} ms | ${result.ask.p95} ms | ${result.askCpu.p50} ms | ${result.askCpu.p95} ms |`,
      '',
      `Ratio of the medians: **${result.ratio}×** wall time, ${result.cpuRatio}× CPU time (target ≤ ${TARGET_RATIO}× wall time, issue 15).`,
    ].join('\n');
    if (!values.json) process.stdout.write(`${section}\n`);
    if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'cold', section);
    return 0;
  },
};
