/**
 * `policybot search "<q>" [--k N] [--json] [--district D] [--mode hybrid|bm25|dense]`
 *
 * Prints the best clauses for a question. With `--json` and no query, reads one query per line from
 * standard input and prints one JSON object per line (JSONL), in one process. The index is built on
 * demand when missing or stale (said on stderr).
 *
 * Also exports the config → retrieval wiring used by `eval`, `bench` and `ingest`.
 */
import type { Config } from '../../bot/config.ts';
import { loadConfig } from '../../bot/config.ts';
import { createLogger, type Logger } from '../../bot/logger.ts';
import { readCorpus, type ReadCorpusResult } from '../../retrieval/corpus.ts';
import type { FusionOptions } from '../../retrieval/fuse.ts';
import { EmptyCorpusError, openRetrieverFor } from '../../bot/app.ts';
import type { OpenedRetriever, SearchMode } from '../../retrieval/search.ts';
import type { SearchResult } from '../../retrieval/types.ts';
import { CliUsageError, UserFacingError, parseCliArgs, printJson, readStdin, type CliCommand } from '../cli.ts';

/** Reads the corpus (CORPUS_DIR) and opens the retriever with the configured model and weights. */
export async function openRetrieverFromConfig(
  config: Config,
  log: Logger,
  opts: { force?: boolean; lazyModel?: boolean; fusion?: FusionOptions; corpus?: ReadCorpusResult; corpusDir?: string } = {},
): Promise<OpenedRetriever & { corpus: ReadCorpusResult }> {
  const corpus = opts.corpus ?? (await readCorpus(opts.corpusDir ?? config.CORPUS_DIR));
  try {
    return { ...(await openRetrieverFor(config, corpus, log, opts)), corpus };
  } catch (err) {
    if (err instanceof EmptyCorpusError) throw new UserFacingError(err.message);
    throw err;
  }
}

/** One-paragraph summary of an opened index (printed by `ingest`). */
export function formatIndexSummary(o: OpenedRetriever): string {
  const m = o.index.manifest;
  const model = m.model ? `${m.model.id} (dim ${m.model.dim}${o.choice?.isStatic ? ', offline corpus-trained' : ''})` : 'none (BM25 only)';
  const lines = [
    o.index.status === 'loaded'
      ? `Index: up to date (${m.stats.chunks} chunks, checked in ${(o.index.seconds * 1000).toFixed(0)} ms)`
      : o.index.incremental
        ? `Index: updated in ${o.index.seconds.toFixed(1)} s — ${o.index.reason}: ${o.index.incremental.changed} chunk(s) new or changed, ${o.index.incremental.removed} removed, ${o.index.incremental.kept} kept${o.index.incremental.vectors === 'none' ? '' : `; vector index ${o.index.incremental.vectors}`}`
        : `Index: built in ${o.index.seconds.toFixed(1)} s — ${o.index.reason}`,
    o.index.status === 'loaded'
      ? `  chunks ${m.stats.chunks} from ${m.stats.documents} document(s); nothing to embed`
      : `  chunks ${m.stats.chunks} from ${m.stats.documents} document(s); embedded ${o.index.embedded}, reused ${o.index.reused} cached vectors`,
    `  embedding model: ${model}${o.trained ? ' — trained now' : ''}`,
    `  BM25 k1=${m.bm25.k1} b=${m.bm25.b}; files in ${m.files ? Object.keys(m.files).join(', ') : ''}`,
  ];
  return lines.join('\n');
}

/** The `search --json` output shape. */
export function searchJson(r: SearchResult) {
  return {
    query: r.query,
    model: r.model,
    confidence: r.confidence,
    results: r.hits.map((h) => ({
      chunkId: h.chunk.id,
      docId: h.chunk.docId,
      title: h.chunk.title,
      docNumber: h.chunk.docNumber ?? null,
      clause: h.chunk.clause,
      text: h.chunk.text,
      score: h.score,
    })),
  };
}

function printText(r: SearchResult, minConfidence: number): void {
  const out: string[] = [];
  if (!r.hits.length || r.confidence < minConfidence) {
    out.push(`没有找到相关条款（置信度 ${r.confidence.toFixed(2)}）。`);
    if (r.hits.length) out.push('最接近的结果（仅供参考）：');
  } else {
    out.push(`置信度 ${r.confidence.toFixed(2)} · 模型 ${r.model}`);
  }
  r.hits.forEach((h, i) => {
    const c = h.chunk;
    const text = c.text.replace(/\s+/g, ' ');
    out.push(`${i + 1}. [${h.score.toFixed(3)}] ${c.title}${c.docNumber ? `（${c.docNumber}）` : ''} 第${c.clause}条 · ${c.id}`);
    out.push(`   ${text.length > 160 ? text.slice(0, 160) + '…' : text}`);
  });
  process.stdout.write(out.join('\n') + '\n');
}

export const command: CliCommand = {
  usage: 'search "<q>" [--k N] [--json] [--district D]',
  summary: 'Find the clauses that answer a question (hybrid BM25 + embeddings)',
  help: [
    'Options:',
    '  --k N             number of results (default 5, max 50)',
    '  --json            JSON output; without a query: read one query per line from stdin, print JSONL',
    '  --district NAME   prefer documents of this district (e.g. 杨浦)',
    '  --mode MODE       hybrid (default), bm25 or dense',
    '  --rebuild         rebuild the index first',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, {
      k: { type: 'string' },
      json: { type: 'boolean' },
      district: { type: 'string' },
      mode: { type: 'string' },
      rebuild: { type: 'boolean' },
    });
    const k = values.k === undefined ? 5 : Number(values.k);
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new CliUsageError(`--k expects a whole number 1–50, got "${values.k}"`);
    const mode = (values.mode ?? 'hybrid') as SearchMode;
    if (!['hybrid', 'bm25', 'dense'].includes(mode)) throw new CliUsageError(`--mode expects hybrid, bm25 or dense, got "${values.mode}"`);
    const query = positionals.join(' ');
    if (!query && !values.json)
      throw new CliUsageError('give a question, e.g. policybot search "留学生落户要交多久社保" (or --json with queries on stdin)');
    const config = loadConfig();
    const log = createLogger({ level: values.debug ? 'debug' : (config.LOG_LEVEL ?? 'warn') });
    const { retriever, index } = await openRetrieverFromConfig(config, log, { force: values.rebuild });
    if (index.status === 'built')
      process.stderr.write(
        `policybot: built the search index (${index.reason}; ${index.manifest.stats.chunks} chunks, ${index.seconds.toFixed(1)} s)\n`,
      );
    const opts = { k, district: values.district, mode };
    if (query) {
      const r = await retriever.search(query, opts);
      if (values.json) printJson(searchJson(r));
      else printText(r, config.RETRIEVAL_MIN_CONFIDENCE);
      return 0;
    }
    const lines = (await readStdin()).split(/\r?\n/).filter((l) => l.trim());
    for (const line of lines) printJson(searchJson(await retriever.search(line, opts)));
    return 0;
  },
};
