/**
 * `policybot bench-ask [--rounds N] [--processes N] [--no-write] [--json]` — the assistant benchmark.
 *
 * Measures on this machine: `ask` end to end in batch mode (one process, warm; p50/p95 per question over
 * the dev questions), and a one-question `policybot ask` process (start-up, index load, answer; p50/p95
 * over N runs with a built index). Writes the `ask` section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp } from '../../bot/app.ts';
import { devSetFromRetrievalFile, loadDevSet } from '../../bot/assistant/devset.ts';
import { PROJECT_ROOT, loadConfig } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { machineLine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';

const r2 = (x: number) => Math.round(x * 100) / 100;

export const command: CliCommand = {
  usage: 'bench-ask [--rounds N] [--processes N] [--json] [--no-write]',
  summary: 'Benchmark the assistant: batch p50/p95 per question, one-question process time',
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      rounds: { type: 'string' },
      processes: { type: 'string' },
      json: { type: 'boolean' },
      'no-write': { type: 'boolean' },
    });
    const rounds = Number(values.rounds ?? 5);
    const processes = Number(values.processes ?? 10);
    if (!(rounds >= 1 && processes >= 1)) throw new CliUsageError('--rounds and --processes must be positive numbers');
    const config = loadConfig();
    const fixtures = join(PROJECT_ROOT, 'test/fixtures');
    const dev = loadDevSet(join(fixtures, 'assistant-dev.yaml'));
    const retrievalSet = devSetFromRetrievalFile(join(fixtures, 'retrieval-dev.yaml'), dev.as_of);
    const questions = [
      ...dev.eligibility.map((c) => c.q),
      ...dev.information.map((c) => c.q),
      ...dev.unanswerable,
      ...retrievalSet.information.map((c) => c.q),
      ...retrievalSet.unanswerable,
    ];
    const progress = (m: string) => process.stderr.write(`bench-ask: ${m}\n`);

    const t0 = performance.now();
    const app = await buildApp(config, { logger: silentLogger });
    const buildMs = performance.now() - t0;
    for (const q of questions) await app.assistant.reply(undefined, q, dev.as_of); // warm-up
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const q of questions) {
        const s = performance.now();
        await app.assistant.reply(undefined, q, dev.as_of);
        samples.push(performance.now() - s);
      }
    }
    progress(`batch: ${samples.length} answers`);

    const script = join(PROJECT_ROOT, 'scripts/policybot.mjs');
    const proc: number[] = [];
    const q = '我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？';
    for (let i = 0; i < processes; i++) {
      const s = performance.now();
      const res = spawnSync(process.execPath, [script, 'ask', q, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      proc.push(performance.now() - s);
      if (res.status !== 0) throw new Error(`policybot ask failed: ${res.stderr}`);
    }
    progress(`one-question processes: ${processes}`);

    const result = {
      machine: machineLine(),
      date: new Date().toISOString().slice(0, 10),
      questions: questions.length,
      rounds,
      buildAppMs: r2(buildMs),
      batch: { p50: r2(percentile(samples, 50)), p95: r2(percentile(samples, 95)), max: r2(Math.max(...samples)) },
      process: { runs: processes, p50: r2(percentile(proc, 50)), p95: r2(percentile(proc, 95)) },
      rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (values.json) printJson(result, true);
    const body = [
      '## Assistant (`policybot bench-ask`)',
      '',
      `Machine: ${result.machine}. Date: ${result.date}. ${result.questions} dev questions × ${rounds} rounds, warm, offline embedder.`,
      '',
      '| measure | p50 | p95 | target |',
      '|---|---|---|---|',
      `| \`ask\` batch mode, per question (route + rules + search + compose) | ${result.batch.p50} ms | ${result.batch.p95} ms | ≤ 5 ms / ≤ 15 ms |`,
      `| one-question \`policybot ask --json\` process (start-up, index load, answer) | ${result.process.p50} ms | ${result.process.p95} ms | ≤ 1000 ms |`,
      '',
      `In-process app build (corpus, rules, rankings, index load, model load): ${result.buildAppMs} ms. Peak RSS of the bench process: ${result.rssMiB} MiB.`,
    ].join('\n');
    if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'ask', body);
    if (!values.json) process.stdout.write(body + '\n');
    return 0;
  },
};
