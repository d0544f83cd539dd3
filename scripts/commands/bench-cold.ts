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

function timed(args: string[]): number {
  const s = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' } });
  const ms = performance.now() - s;
  if (r.status !== 0) throw new Error(`bench-cold: \`node ${args.join(' ')}\` exited ${r.status}: ${r.stderr.slice(-1500)}`);
  return ms;
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
    const node: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(timed(bare));
      cli.push(timed(ask));
    }
    const loadAfter = loadavg()[0]!;
    const stat = (xs: number[]) => ({ p50: r1(percentile(xs, 50)), p95: r1(percentile(xs, 95)), runs: xs.map(r1) });
    const result = {
      machine: machineLine(),
      date: new Date().toISOString().slice(0, 10),
      question: QUESTION,
      node: stat(node),
      ask: stat(cli),
      ratio: r1(percentile(cli, 50) / percentile(node, 50)),
      target: TARGET_RATIO,
      load: { before: r1(loadBefore), after: r1(loadAfter) },
    };
    if (values.json) printJson(result, true);
    const section = [
      '## Cold start (`policybot bench-cold`)',
      '',
      `Machine: ${result.machine}. Date: ${result.date}. Load average (1 min) ${result.load.before} before, ${result.load.after} after. ` +
        `${runs} runs of each, alternating, after one warm-up of each; \`ask\` runs the launcher (compiled \`dist/\`), config, corpus, rules, index and embedder load, one answer.`,
      '',
      '| process | median | p95 |',
      '|---|---|---|',
      `| \`node -e 0\` | ${result.node.p50} ms | ${result.node.p95} ms |`,
      `| \`policybot ask "${QUESTION}"\` | ${result.ask.p50} ms | ${result.ask.p95} ms |`,
      '',
      `Ratio of the medians: **${result.ratio}×** (target ≤ ${TARGET_RATIO}×).`,
    ].join('\n');
    if (!values.json) process.stdout.write(`${section}\n`);
    if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'cold', section);
    return 0;
  },
};
