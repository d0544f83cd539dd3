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
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { bigramTokenize, loadDevSet, loadMiniSearch } from '../../retrieval/baselines.ts';
import type { Bm25SearchStats } from '../../retrieval/bm25.ts';
import { cosine } from '../../retrieval/embed.ts';
import { analyzeQuery } from '../../retrieval/fuse.ts';
import { normalizeForSearch, normalizeQuery } from '../../retrieval/segment.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { buildLexical, loadOrBuildIndex, passageText } from '../../retrieval/index-store.ts';
import { loadEmbedder } from '../../retrieval/embed.ts';
import { Retriever, docFacts, loadLanguageData, openRetriever, type StageTimings } from '../../retrieval/search.ts';
import type { Chunk } from '../../retrieval/types.ts';
import { DEFAULT_HNSW, VectorIndex } from '../../retrieval/vector-index.ts';
import { machine, percentile, writeBenchSection } from '../bench-util.ts';
import { CliUsageError, parseCliArgs, printJson, type CliCommand } from '../cli.ts';
import { fusionFromConfig, modelFromConfig } from '../../bot/retrieval-config.ts';

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
  for (const k of Object.keys(samples) as (keyof StageTimings)[])
    out[k] = { p50: r2(percentile(samples[k], 50)), p95: r2(percentile(samples[k], 95)) };
  return out;
}

/**
 * createSegmenter and loading jieba's dictionaries (`warm`) in a fresh process (this one has them
 * cached): the median of 3 child processes, in ms.
 */
function segmenterStartMs(corpusDir: string): { create: number; warm: number } {
  const code = `const t0 = performance.now(); const { createSegmenter } = await import(${JSON.stringify(join(PROJECT_ROOT, 'retrieval', 'segment.ts'))});
const t1 = performance.now(); const s = createSegmenter({ dictionaryFile: ${JSON.stringify(join(corpusDir, 'dictionary.txt'))} });
const t2 = performance.now(); s.warm(); const t3 = performance.now();
console.log(JSON.stringify({ create: t2 - t1, warm: t3 - t2 }));`;
  const runs: { create: number; warm: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (r.status === 0) runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const med = (xs: number[]) => r2(percentile(xs, 50));
  return { create: med(runs.map((x) => x.create)), warm: med(runs.map((x) => x.warm)) };
}

/** A synthetic corpus of `n` chunks: sentences of the real corpus recombined, with varied numbers. */
export function syntheticChunks(real: Chunk[], n: number, seed = 7): Chunk[] {
  const sentences = real.flatMap((c) =>
    c.text
      .split(/(?<=[。；！？])/)
      .map((s) => s.trim())
      .filter((s) => s.length > 8),
  );
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const out: Chunk[] = [];
  for (let i = 0; i < n; i++) {
    const k = 2 + Math.floor(rand() * 3);
    let text = '';
    for (let j = 0; j < k; j++) text += sentences[Math.floor(rand() * sentences.length)]!;
    text = text.replace(/\d+/g, () => String(Math.floor(rand() * 1000)));
    const docId = `synthetic-${Math.floor(i / 25)}`;
    out.push({
      id: `${docId}#${i % 25}`,
      docId,
      title: `合成文档 ${Math.floor(i / 25)}`,
      clause: String(i % 25),
      path: [],
      start: 0,
      end: text.length,
      text,
    });
  }
  return out;
}

/** The engines of `--peers`, each measured in a process of its own (build time, latency, peak RSS). */
export const PEER_ENGINES = ['policybot', 'minisearch-bigram', 'sqlite-fts5-trigram'] as const;
export type PeerEngine = (typeof PEER_ENGINES)[number];

/** What one engine's process reports. */
export interface PeerResult {
  engine: PeerEngine;
  chunks: number;
  queries: number;
  rounds: number;
  buildMs: number;
  /** Build stages (policybot: bm25, embed, hnsw). */
  stages?: Record<string, number>;
  latency: { p50: number; p95: number; p99: number };
  /** Queries with no hit at all. */
  emptyQueries: number;
  peakRssMiB: number;
  /** policybot only: per-stage latency, BM25 strategies, ANN recall. */
  extra?: Record<string, unknown>;
}

function pcts(xs: number[]): { p50: number; p95: number; p99: number } {
  return { p50: r2(percentile(xs, 50)), p95: r2(percentile(xs, 95)), p99: r2(percentile(xs, 99)) };
}

/** The questions of the retrieval dev, held-out and fresh sets (the bench queries). */
function benchQuestions(): string[] {
  return ['retrieval-dev.yaml', 'retrieval-holdout.yaml', 'retrieval-fresh.yaml'].flatMap((f) =>
    loadDevSet(join(PROJECT_ROOT, 'test', 'fixtures', f)).questions.map((q) => q.q),
  );
}

/** Times `rounds` passes over the queries after one warm-up pass. */
async function timeQueries(
  queries: string[],
  rounds: number,
  run: (q: string) => Promise<number> | number,
): Promise<{ samples: number[]; empty: number; best: number[] }> {
  let empty = 0;
  for (const q of queries) if ((await run(q)) === 0) empty++;
  const samples: number[] = [];
  const best = new Array<number>(queries.length).fill(Infinity);
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of queries.entries()) {
      const t = performance.now();
      await run(q);
      const ms = performance.now() - t;
      samples.push(ms);
      if (ms < best[i]!) best[i] = ms;
    }
  }
  return { samples, empty, best };
}

/** One engine over the synthetic chunks, in this process (`bench --peer-worker ENGINE`). */
async function peerWorker(engine: PeerEngine, scale: number, rounds: number): Promise<PeerResult> {
  const config = loadConfig();
  const corpus = await readCorpus(config.CORPUS_DIR);
  const chunks = syntheticChunks(corpus.chunks, scale);
  const queries = benchQuestions();
  const base = { engine, chunks: scale, queries: queries.length, rounds };
  const k = 5;
  if (engine === 'minisearch-bigram') {
    const MiniSearch = loadMiniSearch();
    const t = performance.now();
    const ms = new MiniSearch<{ id: number; text: string }>({ fields: ['text'], tokenize: bigramTokenize });
    ms.addAll(chunks.map((c, id) => ({ id, text: passageText(c) })));
    const buildMs = performance.now() - t;
    const { samples, empty } = await timeQueries(queries, rounds, (q) => ms.search(q).slice(0, k).length);
    return { ...base, buildMs: Math.round(buildMs), latency: pcts(samples), emptyQueries: empty, peakRssMiB: peakRssMiB() };
  }
  if (engine === 'sqlite-fts5-trigram') {
    const { default: Database } = await import('better-sqlite3');
    const { segmenter } = loadLanguageData(config.CORPUS_DIR);
    const db = new Database(':memory:');
    const t = performance.now();
    db.exec("CREATE VIRTUAL TABLE c USING fts5(text, tokenize = 'trigram')");
    const insert = db.prepare('INSERT INTO c(rowid, text) VALUES (?, ?)');
    db.transaction(() => chunks.forEach((c, i) => insert.run(i, normalizeForSearch(passageText(c)))))();
    const buildMs = performance.now() - t;
    const select = db.prepare('SELECT rowid FROM c WHERE c MATCH ? ORDER BY rank LIMIT ?');
    // the question's words (jieba), OR-ed; a trigram index cannot match words of fewer than 3 characters
    const matchOf = (q: string): string =>
      [...new Set(segmenter.tokens(normalizeQuery(q), { bigrams: false }))]
        .filter((w) => [...w].length >= 3)
        .map((w) => `"${w.replace(/"/g, '""')}"`)
        .join(' OR ');
    const { samples, empty } = await timeQueries(queries, rounds, (q) => {
      const m = matchOf(q);
      return m ? select.all(m, k).length : 0;
    });
    db.close();
    return { ...base, buildMs: Math.round(buildMs), latency: pcts(samples), emptyQueries: empty, peakRssMiB: peakRssMiB() };
  }
  // policybot: BM25 (jieba) + static embeddings + hnswlib, hybrid search as served
  const fusion = fusionFromConfig(config);
  const model = modelFromConfig(config);
  const scratch = mkdtempSync(join(os.tmpdir(), 'policybot-bench-peer-'));
  try {
    // the embedder as the real corpus resolves it (trains the offline model in the scratch folder if needed)
    const opened = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: config.CORPUS_DIR,
      dataDir: scratch,
      model,
      fusion,
      log: silentLogger,
    });
    const embedder = opened.retriever.embedder;
    const { segmenter, synonyms } = loadLanguageData(config.CORPUS_DIR);
    segmenter.warm();
    segmenter.generalIdf('的');
    const cpuMs = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1000);
    const t0 = performance.now();
    let c = process.cpuUsage();
    const { bm25, headings } = buildLexical(chunks, segmenter);
    const t1 = performance.now();
    const cpuBm25 = cpuMs(process.cpuUsage(c));
    const peakAfterBm25 = peakRssMiB();
    c = process.cpuUsage();
    const vectors = embedder ? await embedder.embedPassages(chunks.map(passageText)) : undefined;
    const t2 = performance.now();
    const cpuEmbed = cpuMs(process.cpuUsage(c));
    const peakAfterEmbed = peakRssMiB();
    c = process.cpuUsage();
    const vectorIndex = vectors && embedder ? VectorIndex.build(vectors, embedder.dim) : undefined;
    const t3 = performance.now();
    const cpuHnsw = cpuMs(process.cpuUsage(c));
    const peakAfterHnsw = peakRssMiB();
    const docs = docFacts([...new Set(chunks.map((c) => c.docId))].map((id) => ({ id, title: id, level: 'municipal' as const })));
    const big = new Retriever({ data: { chunks, headings, bm25, vectors, vectorIndex, docs }, segmenter, synonyms, embedder, fusion });
    const stages: Record<keyof StageTimings, number[]> = { segment: [], embed: [], ann: [], bm25: [], fuse: [], total: [] };
    const { samples, empty, best } = await timeQueries(queries, rounds, async (q) => {
      const { result, timings } = await big.searchDetailed(q, { k });
      for (const key of Object.keys(stages) as (keyof StageTimings)[]) stages[key].push(timings[key]);
      return result.hits.length;
    });
    const peakAfterQueries = peakRssMiB();
    const perStage = Object.fromEntries(Object.entries(stages).map(([key, xs]) => [key, pcts(xs.slice(queries.length))]));
    // BM25 alone: the served exhaustive scorer and MaxScore, on the same analyzed queries (same top-k)
    const terms = queries.map((q) => analyzeQuery(normalizeQuery(q), segmenter, synonyms, bm25, fusion, []).terms);
    const strategy = (f: (tt: (typeof terms)[number], st: Bm25SearchStats) => unknown) => {
      const xs: number[] = [];
      const bestOf = new Array<number>(terms.length).fill(Infinity);
      let walked = 0;
      let postings = 0;
      let lookups = 0;
      for (let r = 0; r <= rounds; r++) {
        for (const [i, tt] of terms.entries()) {
          const st: Bm25SearchStats = { terms: 0, postings: 0, walked: 0, skippedLists: 0, lookups: 0 };
          const t = performance.now();
          f(tt, st);
          const ms = performance.now() - t;
          if (r > 0) {
            xs.push(ms);
            bestOf[i] = Math.min(bestOf[i]!, ms);
          } else {
            walked += st.walked;
            postings += st.postings;
            lookups += st.lookups;
          }
        }
      }
      return {
        ...pcts(xs),
        best: pcts(bestOf),
        walkedShare: postings ? r2(walked / postings) : 0,
        lookupsPerQuery: Math.round(lookups / Math.max(1, terms.length)),
        postingsMedian: 0,
      };
    };
    let same = 0;
    for (const tt of terms) {
      const ref = JSON.stringify(bm25.searchExhaustive(tt, fusion.candidates));
      if (
        JSON.stringify(bm25.searchMaxScore(tt, fusion.candidates)) === ref &&
        JSON.stringify(bm25.searchBlockMax(tt, fusion.candidates)) === ref
      )
        same++;
    }
    const postingCounts = terms.map((tt) => {
      const st: Bm25SearchStats = { terms: 0, postings: 0, walked: 0, skippedLists: 0, lookups: 0 };
      bm25.searchExhaustive(tt, fusion.candidates, undefined, st);
      return st.postings;
    });
    const exhaustive = {
      ...strategy((tt, st) => bm25.searchExhaustive(tt, fusion.candidates, undefined, st)),
      postingsMedian: percentile(postingCounts, 50),
    };
    const maxscore = strategy((tt, st) => bm25.searchMaxScore(tt, fusion.candidates, undefined, st));
    const blockmax = strategy((tt, st) => bm25.searchBlockMax(tt, fusion.candidates, undefined, st));
    const peakAfterStrategies = peakRssMiB();
    // ANN recall@candidates against exact cosine, for the hnswlib parameters in use
    let recall = 0;
    if (vectors && vectorIndex && embedder) {
      const qv = await embedder.embedQueries(queries.map(normalizeQuery));
      let found = 0;
      // the exact top list by a running selection (ascending rows: a tie keeps the lower row), so
      // that this check does not allocate a pair per vector per query and inflate the peak RSS
      const k = fusion.candidates;
      const bestCos = new Float64Array(k);
      const bestRow = new Int32Array(k);
      for (const v of qv) {
        let n = 0;
        for (let i = 0; i < vectors.length; i++) {
          const c = cosine(v, vectors[i]!);
          if (n === k && c <= bestCos[k - 1]!) continue;
          let j = n < k ? n++ : k - 1;
          while (j > 0 && bestCos[j - 1]! < c) {
            bestCos[j] = bestCos[j - 1]!;
            bestRow[j] = bestRow[j - 1]!;
            j--;
          }
          bestCos[j] = c;
          bestRow[j] = i;
        }
        const got = new Set(vectorIndex.search(v, k).map((h) => h.row));
        for (let j = 0; j < n; j++) if (got.has(bestRow[j]!)) found++;
      }
      recall = r2(found / (qv.length * fusion.candidates));
    }
    return {
      ...base,
      buildMs: Math.round(t3 - t0),
      stages: { bm25: Math.round(t1 - t0), embed: Math.round(t2 - t1), hnsw: Math.round(t3 - t2), cpuBm25, cpuEmbed, cpuHnsw },
      latency: pcts(samples),
      emptyQueries: empty,
      peakRssMiB: peakRssMiB(),
      extra: {
        model: embedder?.modelId ?? 'none',
        bestOfRounds: pcts(best),
        postings: bm25.counts,
        perStage,
        bm25: { exhaustive, maxscore, blockmax, identicalTopK: `${same}/${terms.length}`, k: fusion.candidates },
        annRecall: recall,
        peakRssAfter: {
          bm25: peakAfterBm25,
          embed: peakAfterEmbed,
          hnsw: peakAfterHnsw,
          queries: peakAfterQueries,
          strategies: peakAfterStrategies,
        },
        hnsw: DEFAULT_HNSW,
      },
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The (M, efConstruction) pairs and ef values `bench --hnsw-grid` measures. */
export const HNSW_GRID = {
  build: [
    [8, 40],
    [8, 100],
    [12, 60],
    [12, 100],
    [16, 100],
    [16, 200],
    [24, 200],
  ] as const,
  ef: [50, 64, 100, 200] as const,
};

/** One row of the hnswlib grid. */
export interface HnswGridRow {
  m: number;
  efConstruction: number;
  buildMs: number;
  /** CPU time of the build (user + system): less sensitive than wall time to other processes on the cores. */
  buildCpuMs: number;
  /** Per ef: recall@k against exact cosine and query p50/p95 (ms). */
  byEf: { ef: number; recall: number; p50: number; p95: number }[];
}

/**
 * hnswlib parameters by measurement (`bench --hnsw-grid --scale N`): the synthetic chunks embedded once,
 * exact top-k by cosine for the bench questions, then per (M, efConstruction) the build time and per ef
 * the recall@k and query latency. k is the fusion's candidate count (what the hybrid search asks for).
 */
async function hnswGrid(
  scale: number,
  progress: (m: string) => void,
): Promise<{ chunks: number; k: number; queries: number; model: string; embedMs: number; rows: HnswGridRow[] }> {
  const config = loadConfig();
  const corpus = await readCorpus(config.CORPUS_DIR);
  const chunks = syntheticChunks(corpus.chunks, scale);
  const queries = benchQuestions();
  const fusion = fusionFromConfig(config);
  const k = fusion.candidates;
  const scratch = mkdtempSync(join(os.tmpdir(), 'policybot-bench-hnsw-'));
  try {
    const opened = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: config.CORPUS_DIR,
      dataDir: scratch,
      model: modelFromConfig(config),
      fusion,
      log: silentLogger,
    });
    const embedder = opened.retriever.embedder;
    if (!embedder) throw new Error('bench --hnsw-grid needs an embedding model (none resolved)');
    let t = performance.now();
    const vectors = await embedder.embedPassages(chunks.map(passageText));
    const embedMs = performance.now() - t;
    const qv = await embedder.embedQueries(queries.map(normalizeQuery));
    const exact = qv.map((v) =>
      vectors
        .map((x, i) => [cosine(v, x), i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, k)
        .map((x) => x[1]),
    );
    const rows: HnswGridRow[] = [];
    for (const [m, efConstruction] of HNSW_GRID.build) {
      progress(`hnsw grid: M=${m} efConstruction=${efConstruction} on ${scale} vectors…`);
      t = performance.now();
      const cpu0 = process.cpuUsage();
      const index = VectorIndex.build(vectors, embedder.dim, { m, efConstruction, efSearch: HNSW_GRID.ef[0] });
      const buildMs = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      const buildCpuMs = (cpu.user + cpu.system) / 1000;
      const byEf: HnswGridRow['byEf'] = [];
      for (const ef of HNSW_GRID.ef) {
        index.setEf(ef);
        let found = 0;
        const xs: number[] = [];
        for (let r = 0; r < 2; r++) {
          qv.forEach((v, qi) => {
            const t0 = performance.now();
            const got = index.search(v, k);
            xs.push(performance.now() - t0);
            if (r === 0) {
              const set = new Set(got.map((h) => h.row));
              found += exact[qi]!.filter((i) => set.has(i)).length;
            }
          });
        }
        byEf.push({
          ef,
          recall: Math.round((1000 * found) / (qv.length * k)) / 1000,
          p50: r2(percentile(xs, 50)),
          p95: r2(percentile(xs, 95)),
        });
      }
      rows.push({ m, efConstruction, buildMs: Math.round(buildMs), buildCpuMs: Math.round(buildCpuMs), byEf });
    }
    return { chunks: scale, k, queries: queries.length, model: embedder.modelId, embedMs: Math.round(embedMs), rows };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function hnswMarkdown(g: Awaited<ReturnType<typeof hnswGrid>>, load: string): string {
  const m = machine();
  const lines = [
    '## hnswlib parameters (`policybot bench --hnsw-grid`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${m.cores}× ${m.cpu}, Node ${m.node}; load average ${load} (other engineers share the cores). ${g.chunks.toLocaleString('en')} synthetic chunks embedded with ${g.model} (dim 128, ${(g.embedMs / 1000).toFixed(1)} s); ${g.queries} bench questions; recall@${g.k} (the hybrid search's dense candidates) against exact cosine; query p50 / p95 over 2 rounds.`,
    '',
    `| M | efConstruction | build s (CPU s) | ${HNSW_GRID.ef.map((ef) => `ef=${ef} recall · p50/p95 ms`).join(' | ')} |`,
    `|---|---|---|${HNSW_GRID.ef.map(() => '---').join('|')}|`,
    ...g.rows.map(
      (r) =>
        `| ${r.m} | ${r.efConstruction} | ${(r.buildMs / 1000).toFixed(1)} (${(r.buildCpuMs / 1000).toFixed(1)}) | ${r.byEf.map((e) => `${e.recall.toFixed(3)} · ${e.p50}/${e.p95}`).join(' | ')} |`,
    ),
    '',
    `Served (\`DEFAULT_HNSW\` in retrieval/vector-index.ts): M=${DEFAULT_HNSW.m}, efConstruction=${DEFAULT_HNSW.efConstruction}, ef=${DEFAULT_HNSW.efSearch}. CPU seconds are the build's own (user + system), steadier than wall time on shared cores.`,
  ];
  return lines.join('\n');
}

/**
 * Incremental re-index at scale (`bench --incremental --scale N`): a full build of N synthetic chunks into
 * a scratch index folder, then one synthetic document (25 chunks) edited — a clause reworded, one
 * removed, one added — and the index opened again (updated in place), then the same corpus rebuilt in
 * full for comparison. Wall and CPU time of each; whether the two give the same BM25 top hits.
 */
async function incrementalBench(scale: number, progress: (m: string) => void) {
  const config = loadConfig();
  const corpus = await readCorpus(config.CORPUS_DIR);
  const chunks = syntheticChunks(corpus.chunks, scale);
  const documents = [...new Set(chunks.map((c) => c.docId))].map((id) => ({ id, title: id, level: 'municipal' as const }));
  const scratch = mkdtempSync(join(os.tmpdir(), 'policybot-bench-inc-'));
  try {
    const opened = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: join(PROJECT_ROOT, 'corpus'),
      dataDir: join(scratch, 'real'),
      model: modelFromConfig(config),
      log: silentLogger,
    });
    const embedder = opened.retriever.embedder;
    const { segmenter } = loadLanguageData(config.CORPUS_DIR);
    segmenter.warm();
    const model = embedder ? { id: embedder.modelId, fingerprint: 'bench' } : null;
    const timed = async (what: string, dir: string, cs: Chunk[], force = false) => {
      progress(`incremental: ${what}…`);
      const t = performance.now();
      const c0 = process.cpuUsage();
      const out = await loadOrBuildIndex({
        dir,
        chunks: cs,
        documents,
        segmenter,
        model,
        getEmbedder: embedder ? async () => embedder : undefined,
        force,
      });
      const c = process.cpuUsage(c0);
      return { out, ms: Math.round(performance.now() - t), cpuMs: Math.round((c.user + c.system) / 1000) };
    };
    const full = await timed(`full build of ${scale} chunks`, join(scratch, 'inc'), chunks);
    const doc = chunks[Math.floor(chunks.length / 2)]!.docId;
    const edited: Chunk[] = [];
    let dropped = false;
    let reworded = false;
    for (const c of chunks) {
      if (c.docId !== doc) edited.push(c);
      else if (!reworded) {
        reworded = true;
        edited.push({ ...c, text: `${c.text}本条自发布之日起施行。` });
      } else if (!dropped) dropped = true;
      else edited.push(c);
    }
    const at = edited.map((c) => c.docId).lastIndexOf(doc) + 1;
    edited.splice(at, 0, { ...edited[at - 1]!, id: `${doc}#added`, clause: 'added', text: '新增条款：符合条件的留学回国人员可申请落户。' });
    const update = await timed('one document changed: update', join(scratch, 'inc'), edited);
    const rebuild = await timed('the same corpus: full rebuild', join(scratch, 'inc'), edited, true);
    const qs = benchQuestions().map((q) => segmenter.tokens(normalizeQuery(q)).map((term) => ({ term, weight: 1 })));
    const same = qs.filter(
      (q) => JSON.stringify(update.out.data.bm25.search(q, 50)) === JSON.stringify(rebuild.out.data.bm25.search(q, 50)),
    ).length;
    return {
      chunks: scale,
      model: embedder?.modelId ?? 'none',
      full: { ms: full.ms, cpuMs: full.cpuMs },
      update: { ms: update.ms, cpuMs: update.cpuMs, ...update.out.incremental, embedded: update.out.embedded },
      rebuild: { ms: rebuild.ms, cpuMs: rebuild.cpuMs, embedded: rebuild.out.embedded },
      sameBm25Top50: `${same}/${qs.length}`,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function incrementalMarkdown(r: Awaited<ReturnType<typeof incrementalBench>>, load: string): string {
  const m = machine();
  return [
    '## Incremental re-index (`policybot bench --incremental`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${m.cores}× ${m.cpu}, Node ${m.node}; load average ${load}. ${r.chunks.toLocaleString('en')} synthetic chunks (25 per document), embedder ${r.model}; index files written to a scratch DATA_DIR. One document edited (a clause reworded, one removed, one added).`,
    '',
    '| run | wall s | CPU s | what it did |',
    '|---|---|---|---|',
    `| first build | ${(r.full.ms / 1000).toFixed(1)} | ${(r.full.cpuMs / 1000).toFixed(1)} | all chunks segmented, embedded, hnswlib built |`,
    `| one document changed: update | ${(r.update.ms / 1000).toFixed(1)} | ${(r.update.cpuMs / 1000).toFixed(1)} | ${r.update.changed} chunk(s) segmented and ${r.update.embedded} embedded, ${r.update.removed} removed, BM25 merged, vector index ${r.update.vectors} |`,
    `| same corpus, full rebuild (\`--rebuild\`) | ${(r.rebuild.ms / 1000).toFixed(1)} | ${(r.rebuild.cpuMs / 1000).toFixed(1)} | all chunks segmented again, ${r.rebuild.embedded} embedded (the others reused from vectors.f32), hnswlib built again |`,
    '',
    `BM25 top 50 of the update equal to the rebuild's for ${r.sameBm25Top50} bench questions (the test checks whole searches on the seed corpus).`,
  ].join('\n');
}

/** Runs each engine in a child process, one after the other (never two at once). */
function runPeers(scale: number, rounds: number, progress: (m: string) => void): PeerResult[] {
  const out: PeerResult[] = [];
  for (const engine of PEER_ENGINES) {
    progress(`peers: ${engine} on ${scale} chunks (own process)…`);
    const r = spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, 'scripts', 'policybot.mjs'),
        'bench',
        '--peer-worker',
        engine,
        '--scale',
        String(scale),
        '--rounds',
        String(rounds),
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('PEER-RESULT '));
    if (r.status !== 0 || !line)
      throw new Error(
        `bench: the ${engine} process failed (exit ${r.status ?? r.signal}); run \`policybot bench --peer-worker ${engine} --scale ${scale}\` to see why`,
      );
    out.push(JSON.parse(line.slice('PEER-RESULT '.length)) as PeerResult);
  }
  return out;
}

export function peersMarkdown(peers: PeerResult[], note: string): string[] {
  const pb = peers.find((p) => p.engine === 'policybot')!;
  const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(1)}×` : '–');
  const lines = [
    '',
    `### Peers at ${pb.chunks.toLocaleString('en')} chunks`,
    '',
    `Same synthetic chunks and ${pb.queries} questions (retrieval dev + held-out + fresh sets), top ${5}; each engine in its own process, one after the other; one warm-up pass, then ${pb.rounds} rounds. Ratios are engine ÷ policybot. ${note}`,
    '',
    '| engine | build | p50 ms | p95 ms | p99 ms | peak RSS | questions with no hit | p50 / p95 vs policybot | RSS vs policybot |',
    '|---|---|---|---|---|---|---|---|---|',
    ...peers.map(
      (p) =>
        `| ${p.engine === 'policybot' ? 'policybot hybrid (BM25 + dense + fusion)' : p.engine === 'minisearch-bigram' ? 'MiniSearch, character bigrams' : 'SQLite FTS5, trigram (jieba words OR-ed)'} | ${(p.buildMs / 1000).toFixed(1)} s | ${p.latency.p50} | ${p.latency.p95} | ${p.latency.p99} | ${p.peakRssMiB} MiB | ${p.emptyQueries} of ${p.queries} (${Math.round((100 * p.emptyQueries) / p.queries)} %) | ${ratio(p.latency.p50, pb.latency.p50)} / ${ratio(p.latency.p95, pb.latency.p95)} | ${ratio(p.peakRssMiB, pb.peakRssMiB)} |`,
    ),
  ];
  const x = pb.extra as any;
  if (x) {
    const st = x.perStage;
    lines.push(
      '',
      `policybot build: BM25 ${(pb.stages!.bm25! / 1000).toFixed(1)} s (jieba segmentation + postings; ${x.postings ? `${x.postings.terms.toLocaleString('en')} terms${x.postings.lists ? ` in ${x.postings.lists.toLocaleString('en')} distinct lists` : ''}, ${x.postings.postings.toLocaleString('en')} postings stored; ` : ''}CPU ${((pb.stages!.cpuBm25 ?? 0) / 1000).toFixed(1)} s), embedding ${(pb.stages!.embed! / 1000).toFixed(1)} s (${x.model}; CPU ${((pb.stages!.cpuEmbed ?? 0) / 1000).toFixed(1)} s), hnswlib ${(pb.stages!.hnsw! / 1000).toFixed(1)} s (M=${x.hnsw.m}, efConstruction=${x.hnsw.efConstruction}, ef=${x.hnsw.efSearch}; CPU ${((pb.stages!.cpuHnsw ?? 0) / 1000).toFixed(1)} s; recall@${x.bm25.k} against exact cosine ${x.annRecall}). Wall time suffers from other processes on the cores; CPU time is this process's own.`,
      ...(x.bestOfRounds
        ? [
            `policybot hybrid, each question's best of the ${pb.rounds} rounds (less sensitive to other processes): p50 ${x.bestOfRounds.p50} / p95 ${x.bestOfRounds.p95} / p99 ${x.bestOfRounds.p99} ms.`,
          ]
        : []),
      ...(x.peakRssAfter
        ? [
            `policybot peak RSS so far after the BM25 build ${x.peakRssAfter.bm25} MiB, embedding ${x.peakRssAfter.embed} MiB, hnswlib ${x.peakRssAfter.hnsw} MiB, the hybrid queries ${x.peakRssAfter.queries} MiB, the BM25 strategies ${x.peakRssAfter.strategies} MiB; at the end (ANN recall check) ${pb.peakRssMiB} MiB.`,
          ]
        : []),
      `policybot stages p50 / p95 ms: segment ${st.segment.p50} / ${st.segment.p95}, embed ${st.embed.p50} / ${st.embed.p95}, ANN ${st.ann.p50} / ${st.ann.p95}, BM25 ${st.bm25.p50} / ${st.bm25.p95}, fuse ${st.fuse.p50} / ${st.fuse.p95}.`,
      '',
      `BM25 top-${x.bm25.k} alone, same analyzed queries (median ${x.bm25.exhaustive.postingsMedian.toLocaleString('en')} postings per query); identical top-k: ${x.bm25.identicalTopK}.`,
      '',
      '| BM25 strategy | p50 ms | p95 ms | p99 ms | best round p50 / p95 ms | share of postings walked | look-ups per query |',
      '|---|---|---|---|---|---|---|',
      ...(
        [
          [
            'exhaustive: shared lists, WebAssembly inner loop, precomputed norms, double accumulator, fixed heap (served)',
            x.bm25.exhaustive,
          ],
          ["term-at-a-time MaxScore (`pruning: 'maxscore'`)", x.bm25.maxscore],
          ["document-at-a-time MaxScore, block-max bounds (`pruning: 'blockmax'`)", x.bm25.blockmax],
        ] as const
      )
        .filter(([, v]) => v)
        .map(
          ([name, v]: readonly [string, any]) =>
            `| ${name} | ${v.p50} | ${v.p95} | ${v.p99} | ${v.best ? `${v.best.p50} / ${v.best.p95}` : '–'} | ${v.walkedShare} | ${v.lookupsPerQuery ?? '–'} |`,
        ),
    );
  }
  return lines;
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
    `| cold start: load index (verify, BM25, vectors, hnswlib) | ${result.coldStart.loadIndexMs} ms | |`,
    `| cold start: createSegmenter / jieba dictionaries (first cut or \`warm()\`), fresh process, median of 3 | ${result.coldStart.segmenterCreateMs} ms / ${result.coldStart.jiebaMs} ms | |`,
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
  if (result.peers) {
    lines.push(...peersMarkdown(result.peers, result.note ?? ''));
  } else if (result.scale) {
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
      `| hnswlib build (M=${DEFAULT_HNSW.m}, efConstruction=${DEFAULT_HNSW.efConstruction}) | ${sc.hnswBuildMs} ms | |`,
      `| hybrid query p50 / p95 | ${sc.latency.total.p50} / ${sc.latency.total.p95} ms | p95 ≤ 50 ms |`,
      `| BM25 stage p50 / p95 | ${sc.latency.bm25.p50} / ${sc.latency.bm25.p95} ms | |`,
      `| ANN stage p50 / p95 | ${sc.latency.ann.p50} / ${sc.latency.ann.p95} ms | |`,
      `| peak RSS | ${sc.peakRssMiB} MiB | ≤ 1536 MiB |`,
    );
  } else {
    lines.push('', 'Scale run: not part of this run (`policybot bench --scale 100000 --peers`).');
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  usage:
    'bench [--rounds N] [--scale N [--peers] [--note TEXT]] [--hnsw-grid [--scale N]] [--incremental [--scale N]] [--json] [--no-write]',
  summary: 'Benchmark retrieval (cold start, per-stage latency, ingest, memory, optional scale run)',
  help: [
    'Options:',
    '  --rounds N   rounds over the dev questions for the latency percentiles (default 5)',
    '  --scale N    also build and query a synthetic corpus of N chunks (e.g. 100000; takes minutes)',
    '  --peers      with --scale: policybot, MiniSearch (bigrams) and SQLite FTS5 (trigram) on the same',
    '               chunks and questions, each in its own process: build, p50/p95/p99, peak RSS, ratios',
    '  --note TEXT  a sentence for the peers table (e.g. what else ran on the machine)',
    '  --hnsw-grid  hnswlib M / efConstruction / ef on --scale N synthetic chunks (default 20000): build',
    '               time, recall against exact cosine, query latency (its own section of docs/benchmarks.md)',
    '  --incremental  full build of --scale N synthetic chunks (default 20000), one document changed and the',
    '               index updated, then rebuilt in full: wall and CPU time (its own section of docs/benchmarks.md)',
    '  --json       print the result as JSON',
    '  --no-write   do not write DATA_DIR/bench/retrieval.json and docs/benchmarks.md',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      rounds: { type: 'string' },
      scale: { type: 'string' },
      json: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      peers: { type: 'boolean' },
      note: { type: 'string' },
      'peer-worker': { type: 'string' },
      'hnsw-grid': { type: 'boolean' },
      incremental: { type: 'boolean' },
    });
    const rounds = values.rounds === undefined ? 5 : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1000)
      throw new CliUsageError(`--rounds expects 1–1000, got "${values.rounds}"`);
    const scale = values.scale === undefined ? 0 : Number(values.scale);
    if (!Number.isInteger(scale) || scale < 0 || scale > 2_000_000)
      throw new CliUsageError(`--scale expects a number of chunks up to 2000000, got "${values.scale}"`);
    const worker = values['peer-worker'];
    if (worker !== undefined) {
      if (!(PEER_ENGINES as readonly string[]).includes(worker))
        throw new CliUsageError(`--peer-worker expects one of ${PEER_ENGINES.join(', ')}, got "${worker}"`);
      if (scale < 1) throw new CliUsageError('--peer-worker needs --scale N');
      const r = await peerWorker(worker as PeerEngine, scale, values.rounds === undefined ? 2 : rounds);
      process.stdout.write(`PEER-RESULT ${JSON.stringify(r)}\n`);
      return 0;
    }
    /** Writes a section of docs/benchmarks.md (unless --no-write) and prints it, or the JSON with --json. */
    const report = (section: string, result: unknown, md: string) => {
      if (!values['no-write']) writeBenchSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), section, md);
      if (values.json) printJson(result, true);
      else process.stdout.write(md + '\n');
      return 0;
    };
    if (values.incremental) {
      const r = await incrementalBench(scale || 20000, (m) => process.stderr.write(`bench: ${m}\n`));
      return report('incremental', r, incrementalMarkdown(r, loadAverage()));
    }
    if (values['hnsw-grid']) {
      const g = await hnswGrid(scale || 20000, (m) => process.stderr.write(`bench: ${m}\n`));
      return report('hnsw', g, hnswMarkdown(g, loadAverage()));
    }
    if (values.peers && scale < 1) throw new CliUsageError('--peers needs --scale N (e.g. --scale 100000)');
    const config = loadConfig();
    const fusion = fusionFromConfig(config);
    const model = modelFromConfig(config);
    const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);

    // ingest: first build in a scratch DATA_DIR (includes training the offline embedder), then unchanged re-run
    const scratch = mkdtempSync(join(os.tmpdir(), 'policybot-bench-'));
    progress('ingest (first build, unchanged re-run)…');
    let t = performance.now();
    const corpus = await readCorpus(config.CORPUS_DIR);
    const readCorpusMs = performance.now() - t;
    t = performance.now();
    const first = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: config.CORPUS_DIR,
      dataDir: scratch,
      model,
      fusion,
      lazyModel: true,
      log: silentLogger,
    });
    const firstBuildMs = performance.now() - t;
    const trainMs = first.trained ? firstBuildMs - first.index.seconds * 1000 : 0;
    t = performance.now();
    await readCorpus(config.CORPUS_DIR);
    const again = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: config.CORPUS_DIR,
      dataDir: scratch,
      model,
      fusion,
      lazyModel: true,
      log: silentLogger,
    });
    const unchangedMs = performance.now() - t;
    if (again.index.status !== 'loaded') progress(`warning: the unchanged re-run rebuilt the index (${again.index.reason})`);

    // cold start against the scratch index: load index, load model, first query
    t = performance.now();
    const loaded = await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: config.CORPUS_DIR,
      dataDir: scratch,
      model,
      fusion,
      lazyModel: true,
      log: silentLogger,
    });
    const loadIndexMs = performance.now() - t;
    t = performance.now();
    const embedder = loaded.choice ? await loadEmbedder(loaded.choice, silentLogger) : undefined;
    const loadModelMs = performance.now() - t;
    const lang = loadLanguageData(config.CORPUS_DIR);
    lang.segmenter.warm(); // as openRetriever does for a serving process (this process loaded jieba already)
    lang.segmenter.generalIdf('的');
    const jiebaMs = segmenterStartMs(config.CORPUS_DIR);
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
      coldStart: {
        readCorpusMs: r2(readCorpusMs),
        loadIndexMs: r2(loadIndexMs),
        segmenterCreateMs: jiebaMs.create,
        jiebaMs: jiebaMs.warm,
        loadModelMs: r2(Math.max(0, loadModelMs)),
        firstQueryMs: r2(firstQueryMs),
      },
      ingest: {
        firstBuildMs: r2(firstBuildMs),
        trainMs: r2(trainMs),
        chunksPerSecond: Math.round(corpus.chunks.length / Math.max(1e-3, first.index.seconds)),
        unchangedMs: r2(unchangedMs),
      },
      latency: lat,
      peakRssMiB: peakRssMiB(),
    };

    if (scale > 0 && values.peers) {
      result.peers = runPeers(scale, values.rounds === undefined ? 2 : rounds, progress);
      if (values.note) result.note = values.note;
    } else if (scale > 0) {
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
    else
      process.stdout.write(
        markdown(result)
          .split('\n')
          .filter((l) => !l.startsWith('<!--'))
          .join('\n') + '\n',
      );
    return 0;
  },
};

/** The 1-, 5- and 15-minute load averages, for the machine line of a bench section. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
}
