/**
 * `policybot eval [--set FILE] [--json] [--verbose]`
 *
 * Runs the retrieval dev set through BM25 only, dense only and hybrid, and through three baselines
 * measured in the same run, and prints Recall@1/3/5, MRR and abstention accuracy.
 */
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import {
  loadDevSet,
  miniSearchBigramBaseline,
  miniSearchStockBaseline,
  naiveDenseBaseline,
  scoreRun,
  type Baseline,
  type Metrics,
  type RunResult,
} from '../../retrieval/baselines.ts';
import type { SearchMode } from '../../retrieval/search.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { openRetrieverFromConfig } from './search.ts';

const pct = (x: number | undefined) => (x === undefined ? '  n/a' : (x * 100).toFixed(1).padStart(5));
const f3 = (x: number) => x.toFixed(3);

/** Markdown table of metrics. */
export function metricsTable(rows: Metrics[]): string {
  const lines = [
    '| system | R@1 | R@3 | R@5 | MRR | R@1 direct | R@1 paraphrase | abstain on unanswerable | keep answerable |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of rows) {
    lines.push(
      `| ${m.system} | ${f3(m.r1)} | ${f3(m.r3)} | ${f3(m.r5)} | ${f3(m.mrr)} | ${f3(m.r1Direct)} | ${f3(m.r1Paraphrase)} | ${pct(m.abstainUnanswerable)}% | ${pct(m.keepAnswerable)}% |`,
    );
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  usage: 'eval [--set FILE] [--split NAME] [--json] [--verbose]',
  summary: 'Measure retrieval on the dev question set (BM25, dense, hybrid, baselines)',
  help: [
    'Options:',
    '  --set FILE   dev set (default test/fixtures/retrieval-dev.yaml)',
    '  --split NAME only the questions labelled `split: NAME` (e.g. tune or check)',
    '  --json       print the metrics as JSON',
    '  --verbose    list the questions each system gets wrong',
    '  --no-baselines  skip the baselines',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      set: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'no-baselines': { type: 'boolean' },
    });
    const file = values.set ?? join(PROJECT_ROOT, 'test', 'fixtures', 'retrieval-dev.yaml');
    let set;
    try {
      set = loadDevSet(file);
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
    if (values.split !== undefined) {
      const split = values.split;
      set = { questions: set.questions.filter((q) => q.split === split) };
      if (set.questions.length === 0) throw new CliUsageError(`${file}: no question has "split: ${split}"`);
    }
    const config = loadConfig();
    const log = createLogger({ level: config.LOG_LEVEL ?? 'warn' });
    const { retriever, corpus } = await openRetrieverFromConfig(config, log);
    const threshold = config.RETRIEVAL_MIN_CONFIDENCE;
    const metrics: Metrics[] = [];

    for (const mode of ['bm25', 'dense', 'hybrid'] as SearchMode[]) {
      if (mode === 'dense' && !retriever.embedder) continue;
      const results = new Map<string, RunResult>();
      for (const q of set.questions) {
        const r = await retriever.search(q.q, { k: 10, mode });
        results.set(q.id, { hits: r.hits.map((h) => ({ docId: h.chunk.docId, text: h.chunk.text })), confidence: r.confidence });
      }
      metrics.push(scoreRun(`${mode}${mode === 'bm25' ? '' : ` (${retriever.model})`}`, set.questions, results, threshold));
    }

    if (!values['no-baselines']) {
      const baselines: Baseline[] = [];
      if (retriever.embedder) baselines.push(await naiveDenseBaseline(corpus.documents, retriever.embedder));
      baselines.push(miniSearchStockBaseline(corpus.chunks.map((c) => ({ docId: c.docId, text: c.text }))));
      baselines.push(miniSearchBigramBaseline(corpus.documents));
      for (const b of baselines) {
        const results = new Map<string, RunResult>();
        for (const q of set.questions) results.set(q.id, await b.search(q.q, 10));
        metrics.push(scoreRun(`baseline: ${b.name}`, set.questions, results, threshold));
      }
    }

    const answerable = set.questions.filter((q) => q.answerable).length;
    const paraphrases = set.questions.filter((q) => q.kind === 'paraphrase').length;
    if (values.json) {
      printJson({
        set: file,
        split: values.split ?? null,
        questions: set.questions.length,
        answerable,
        paraphrases,
        threshold,
        model: retriever.model,
        metrics,
      });
      return 0;
    }
    const out = [
      `dev set: ${file}${values.split !== undefined ? ` (split: ${values.split})` : ''}`,
      `${set.questions.length} questions: ${answerable} answerable (${paraphrases} paraphrases), ${set.questions.length - answerable} unanswerable; abstain below confidence ${threshold}`,
      '',
      metricsTable(metrics),
    ];
    if (values.verbose) {
      for (const m of metrics) {
        out.push('', `${m.system}: top hit wrong: ${m.misses.join(' ') || '—'}`);
        if (m.abstainUnanswerable !== undefined) out.push(`  abstention wrong: ${m.wrongAbstain.join(' ') || '—'}`);
      }
    }
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
