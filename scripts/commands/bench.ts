/**
 * `policybot bench [--rounds N] [--scale N] [--no-write]` — the retrieval benchmark (not a timed test).
 *
 * Measures on this machine: cold start (corpus, index load, model load, first query), warm query
 * latency p50/p95 per stage (segment, embed, ANN, BM25, fuse) and end to end over the dev questions,
 * ingest throughput (first build and unchanged re-run), peak RSS, and optionally (`--scale 100000`) a
 * synthetic corpus of N chunks (build time, query p50/p95, memory). Writes `DATA_DIR/bench/retrieval.json`
 * and the retrieval section of `docs/benchmarks.md` (between `<!-- bench:retrieval:start -->` and
 * `<!-- bench:retrieval:end -->`; other sections of the file are left alone).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { loadDevSet } from '../../retrieval/baselines.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { buildLexical, passageText } from '../../retrieval/index-store.ts';
import { loadEmbedder } from '../../retrieval/embed.ts';
import { Retriever, docFacts, loadLanguageData, openRetriever, type StageTimings } from '../../retrieval/search.ts';
import type { Chunk } from '../../retrieval/types.ts';
import { VectorIndex } from '../../retrieval/vector-index.ts';
import { machine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { fusionFromConfig } from '../../bot/retrieval-config.ts';


const r2 = (x: number) => Math.round(x * 100) / 100;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

type StageStats = Record<keyof StageTimings, { p50: number; p95: number }>;

async function latency(retriever: Retriever, queries: string[], rounds: number): Promise<StageStats> {
  const samples: Record<keyof StageTimings, number[]> = { segment: [], embed: [], ann: [], bm25: [], fuse: [], total: [] };
  for (const q of queries) await retriever.search(q); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const { timings } = await retriever.searchDetailed(q, { k: 5 });
      for (const k of Object.keys(samples) as (keyof StageTimings)[]) samples[k].push(timings[k]);
    }
  }
  const out = {} as StageStats;
  for (const k of Object.keys(samples) as (keyof StageTimings)[]) out[k] = { p50: r2(percentile(samples[k], 50)), p95: r2(percentile(samples[k], 95)) };
  return out;
}

/** A synthetic corpus of `n` chunks: sentences of the real corpus recombined, with varied numbers. */
export function syntheticChunks(real: Chunk[], n: number, seed = 7): Chunk[] {
  const sentences = real.flatMap((c) => c.text.split(/(?<=[。；！？])/).map((s) => s.trim()).filter((s) => s.length > 8));
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const out: Chunk[] = [];
  for (let i = 0; i < n; i++) {
    const k = 2 + Math.floor(rand() * 3);
    let text = '';
    for (let j = 0; j < k; j++) text += sentences[Math.floor(rand() * sentences.length)]!;
    text = text.replace(/\d+/g, () => String(Math.floor(rand() * 1000)));
    const docId = `synthetic-${Math.floor(i / 25)}`;
    out.push({ id: `${docId}#${i % 25}`, docId, title: `合成文档 ${Math.floor(i / 25)}`, clause: String(i % 25), path: [], start: 0, end: text.length, text });
  }
  return out;
}

function markdown(result: Record<string, any>): string {
  const m = result.machine;
  const lines = [
    '## Retrieval',
    '',
    `Measured by \`policybot bench\` on ${result.date}: ${m.cpu} × ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.platform}.`,
    `Embedding model: ${result.model}. ${result.corpus.chunks} chunks from ${result.corpus.documents} documents; ${result.queries} dev-set queries × ${result.rounds} rounds.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| cold start: read corpus | ${result.coldStart.readCorpusMs} ms | |`,
    `| cold start: load index (+ jieba, dictionaries) | ${result.coldStart.loadIndexMs} ms | |`,
    `| cold start: load embedding model | ${result.coldStart.loadModelMs} ms | |`,
    `| cold start: first query | ${result.coldStart.firstQueryMs} ms | |`,
    `| ingest, first build (train embedder + embed + BM25 + hnswlib) | ${result.ingest.firstBuildMs} ms (${result.ingest.chunksPerSecond} chunks/s; training ${result.ingest.trainMs} ms) | |`,
    `| ingest, unchanged re-run (verify manifest + checksums) | ${result.ingest.unchangedMs} ms | ≤ 1000 ms |`,
    `| peak RSS | ${result.peakRssMiB} MiB | |`,
    '',
    '| stage (warm) | p50 ms | p95 ms |',
    '|---|---|---|',
    ...(['segment', 'embed', 'ann', 'bm25', 'fuse', 'total'] as const).map(
      (k) => `| ${k === 'total' ? '**end to end**' : k} | ${result.latency[k].p50} | ${result.latency[k].p95} |`,
    ),
    '',
    'Targets: end to end p50 ≤ 5 ms, p95 ≤ 15 ms.',
  ];
  if (result.scale) {
    const sc = result.scale;
    lines.push(
      '',
      `### Scale: ${sc.chunks.toLocaleString('en')} synthetic chunks`,
      '',
      'Sentences of the real corpus recombined (2–4 per chunk) with randomized numbers; built in memory.',
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| BM25 build (segmentation + postings) | ${sc.bm25BuildMs} ms | |`,
      `| embedding (${sc.model}) | ${sc.embedMs} ms | |`,
      `| hnswlib build (M=16, efConstruction=200) | ${sc.hnswBuildMs} ms | |`,
      `| hybrid query p50 / p95 | ${sc.latency.total.p50} / ${sc.latency.total.p95} ms | p95 ≤ 50 ms |`,
      `| BM25 stage p50 / p95 | ${sc.latency.bm25.p50} / ${sc.latency.bm25.p95} ms | |`,
      `| ANN stage p50 / p95 | ${sc.latency.ann.p50} / ${sc.latency.ann.p95} ms | |`,
      `| peak RSS | ${sc.peakRssMiB} MiB | ≤ 1536 MiB |`,
    );
  } else {
    lines.push('', 'Scale run: not part of this run (`policybot bench --scale 100000`).');
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  usage: 'bench [--rounds N] [--scale N] [--json] [--no-write]',
  summary: 'Benchmark retrieval (cold start, per-stage latency, ingest, memory, optional scale run)',
  help: [
    'Options:',
    '  --rounds N   rounds over the dev questions for the latency percentiles (default 5)',
    '  --scale N    also build and query a synthetic corpus of N chunks (e.g. 100000; takes minutes)',
    '  --json       print the result as JSON',
    '  --no-write   do not write DATA_DIR/bench/retrieval.json and docs/benchmarks.md',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      rounds: { type: 'string' },
      scale: { type: 'string' },
      json: { type: 'boolean' },
      'no-write': { type: 'boolean' },
    });
    const rounds = values.rounds === undefined ? 5 : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1000) throw new CliUsageError(`--rounds expects 1–1000, got "${values.rounds}"`);
    const scale = values.scale === undefined ? 0 : Number(values.scale);
    if (!Number.isInteger(scale) || scale < 0 || scale > 2_000_000) throw new CliUsageError(`--scale expects a number of chunks up to 2000000, got "${values.scale}"`);
    const config = loadConfig();
    const fusion = fusionFromConfig(config);
    const model = { modelId: config.EMBEDDING_MODEL, modelsDir: config.MODELS_DIR, allowRemote: config.ALLOW_REMOTE_MODELS, remoteHost: config.REMOTE_MODEL_HOST };
    const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);

    // ingest: first build in a scratch DATA_DIR (includes training the offline embedder), then unchanged re-run
    const scratch = mkdtempSync(join(os.tmpdir(), 'policybot-bench-'));
    progress('ingest (first build, unchanged re-run)…');
    let t = performance.now();
    const corpus = await readCorpus(config.CORPUS_DIR);
    const readCorpusMs = performance.now() - t;
    t = performance.now();
    const first = await openRetriever({ chunks: corpus.chunks, documents: corpus.documents, corpusDir: config.CORPUS_DIR, dataDir: scratch, model, fusion, lazyModel: true, log: silentLogger });
    const firstBuildMs = performance.now() - t;
    const trainMs = first.trained ? firstBuildMs - first.index.seconds * 1000 : 0;
    t = performance.now();
    await readCorpus(config.CORPUS_DIR);
    const again = await openRetriever({ chunks: corpus.chunks, documents: corpus.documents, corpusDir: config.CORPUS_DIR, dataDir: scratch, model, fusion, lazyModel: true, log: silentLogger });
    const unchangedMs = performance.now() - t;
    if (again.index.status !== 'loaded') progress(`warning: the unchanged re-run rebuilt the index (${again.index.reason})`);

    // cold start against the scratch index: load index, load model, first query
    t = performance.now();
    const loaded = await openRetriever({ chunks: corpus.chunks, documents: corpus.documents, corpusDir: config.CORPUS_DIR, dataDir: scratch, model, fusion, lazyModel: true, log: silentLogger });
    const loadIndexMs = performance.now() - t;
    t = performance.now();
    const embedder = loaded.choice ? await loadEmbedder(loaded.choice, silentLogger) : undefined;
    const loadModelMs = performance.now() - t;
    const lang = loadLanguageData(config.CORPUS_DIR);
    lang.segmenter.generalIdf('的'); // as openRetriever does for a serving process
    const retriever = new Retriever({ data: loaded.index.data, segmenter: lang.segmenter, synonyms: lang.synonyms, embedder, fusion });
    const questions = loadDevSet(join(PROJECT_ROOT, 'test', 'fixtures', 'retrieval-dev.yaml')).questions.map((q) => q.q);
    t = performance.now();
    await retriever.search(questions[0]!);
    const firstQueryMs = performance.now() - t;

    progress(`warm latency: ${questions.length} queries × ${rounds} rounds…`);
    const lat = await latency(retriever, questions, rounds);
    const result: Record<string, any> = {
      date: new Date().toISOString().slice(0, 10),
      machine: machine(),
      model: retriever.model,
      corpus: { documents: corpus.documents.length, chunks: corpus.chunks.length },
      queries: questions.length,
      rounds,
      coldStart: { readCorpusMs: r2(readCorpusMs), loadIndexMs: r2(loadIndexMs), loadModelMs: r2(Math.max(0, loadModelMs)), firstQueryMs: r2(firstQueryMs) },
      ingest: {
        firstBuildMs: r2(firstBuildMs),
        trainMs: r2(trainMs),
        chunksPerSecond: Math.round(corpus.chunks.length / Math.max(1e-3, first.index.seconds)),
        unchangedMs: r2(unchangedMs),
      },
      latency: lat,
      peakRssMiB: peakRssMiB(),
    };

    if (scale > 0) {
      progress(`scale run: ${scale} synthetic chunks…`);
      const chunks = syntheticChunks(corpus.chunks, scale);
      const { segmenter, synonyms } = loadLanguageData(config.CORPUS_DIR);
      let ts = performance.now();
      const { bm25, headings } = buildLexical(chunks, segmenter);
      const bm25BuildMs = performance.now() - ts;
      progress(`  BM25 built in ${(bm25BuildMs / 1000).toFixed(1)} s; embedding…`);
      const embedder = retriever.embedder;
      let vectors: Float32Array[] | undefined;
      let vectorIndex: VectorIndex | undefined;
      let embedMs = 0;
      let hnswBuildMs = 0;
      if (embedder) {
        ts = performance.now();
        vectors = await embedder.embedPassages(chunks.map(passageText));
        embedMs = performance.now() - ts;
        progress(`  embedded in ${(embedMs / 1000).toFixed(1)} s; hnswlib…`);
        ts = performance.now();
        vectorIndex = VectorIndex.build(vectors, embedder.dim);
        hnswBuildMs = performance.now() - ts;
      }
      const docs = docFacts([...new Set(chunks.map((c) => c.docId))].map((id) => ({ id, title: id, level: 'municipal' as const })));
      const big = new Retriever({ data: { chunks, headings, bm25, vectors, vectorIndex, docs }, segmenter, synonyms, embedder, fusion });
      progress('  querying…');
      const scaleLat = await latency(big, questions, Math.max(1, Math.min(rounds, 3)));
      result.scale = {
        chunks: scale,
        model: embedder?.modelId ?? 'none',
        bm25BuildMs: Math.round(bm25BuildMs),
        embedMs: Math.round(embedMs),
        hnswBuildMs: Math.round(hnswBuildMs),
        latency: scaleLat,
        peakRssMiB: peakRssMiB(),
        heapUsedMiB: mib(process.memoryUsage().heapUsed),
      };
    }
    rmSync(scratch, { recursive: true, force: true });

    if (!values['no-write']) {
      const dir = join(config.DATA_DIR, 'bench');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'retrieval.json'), JSON.stringify(result, null, 2) + '\n');
      mkdirSync(join(PROJECT_ROOT, 'docs'), { recursive: true });
      writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'retrieval', markdown(result));
      progress(`wrote ${join(dir, 'retrieval.json')} and docs/benchmarks.md`);
    }
    if (values.json) printJson(result, true);
    else process.stdout.write(markdown(result).split('\n').filter((l) => !l.startsWith('<!--')).join('\n') + '\n');
    return 0;
  },
};
