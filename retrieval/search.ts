/**
 * The `Retriever`: hybrid search over clause chunks (BM25 with jieba + synonyms, dense vectors in
 * hnswlib, structure signals) with a calibrated confidence so callers can abstain.
 *
 * @example
 * const retriever = await openRetriever({ chunks, documents, dataDir: 'data', corpusDir: 'corpus',
 *   model: { modelId: 'Xenova/bge-small-zh-v1.5', modelsDir: 'models', allowRemote: false,
 *            remoteHost: 'https://huggingface.co/' }, log });
 * const result = await retriever.search('海归落户要交多久社保？', { k: 5 });
 * if (result.confidence < 0.5) console.log('没有找到相关条款');
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk, PolicyDocument, SearchHit, SearchResult } from './types.ts';
import type { Bm25Index, Bm25Params } from './bm25.ts';
import { cosine, isModelFolder, loadEmbedder, modelFolderProblem, resolveEmbeddingModel, type Embedder, type LoggerLike, type ModelChoice } from './embed.ts';
import { loadOrBuildIndex, modelFingerprint, type IndexOutcome } from './index-store.ts';
import { STATIC_MODEL_ID } from './static-model.ts';
import { analyzeQuery, confidenceOf, DEFAULT_FUSION, fuseCandidates, type AnalyzedQuery, type DocFacts, type FusionOptions } from './fuse.ts';
import { createSegmenter, normalizeForSearch, normalizeQuery, type Segmenter } from './segment.ts';
import { loadSynonyms, type SynonymTable } from './synonyms.ts';
import type { VectorIndex } from './vector-index.ts';

/** The document fields retrieval uses. */
export type DocInfo = Pick<PolicyDocument, 'id' | 'docNumber' | 'district' | 'title'> & Partial<Pick<PolicyDocument, 'level'>>;

/** Which signals to use: the eval compares all three. */
export type SearchMode = 'hybrid' | 'bm25' | 'dense';

/** Options of `Retriever.search`. */
export interface SearchOptions {
  /** Number of hits (default 5, max 50). */
  k?: number;
  /** Prefer documents of this district (e.g. 杨浦); municipal documents are unaffected. */
  district?: string;
  /** Default 'hybrid'. */
  mode?: SearchMode;
}

/** Milliseconds spent per stage of one query (for the bench). */
export interface StageTimings {
  segment: number;
  embed: number;
  ann: number;
  bm25: number;
  fuse: number;
  total: number;
}

/** The in-memory retrieval index (built by index-store.ts). */
export interface IndexData {
  chunks: Chunk[];
  /** Text used for the heading signal (heading + path), normalized, per chunk row. */
  headings: string[];
  bm25: Bm25Index;
  /** One L2-normalized vector per chunk row (absent when the dense path is off). */
  vectors?: Float32Array[];
  vectorIndex?: VectorIndex;
  docs: Map<string, DocFacts>;
}

/** Constructor inputs of `Retriever`. */
export interface RetrieverParts {
  data: IndexData;
  segmenter: Segmenter;
  synonyms: SynonymTable;
  embedder?: Embedder;
  fusion?: FusionOptions;
}

/** Hybrid retriever over one index. Safe to share; `search` never throws on odd input. */
export class Retriever {
  readonly data: IndexData;
  readonly segmenter: Segmenter;
  readonly synonyms: SynonymTable;
  readonly embedder?: Embedder;
  readonly fusion: FusionOptions;
  private readonly districts: string[];

  constructor(parts: RetrieverParts) {
    this.data = parts.data;
    this.segmenter = parts.segmenter;
    this.synonyms = parts.synonyms;
    this.embedder = parts.embedder;
    this.fusion = parts.fusion ?? DEFAULT_FUSION;
    this.districts = [...new Set([...parts.data.docs.values()].map((d) => d.district).filter((d): d is string => !!d))];
  }

  /** The model name reported in results. */
  get model(): string {
    return this.embedder?.modelId ?? 'bm25-only';
  }

  /** Searches; see `searchDetailed` for stage timings and the analyzed query. */
  async search(query: string, opts: SearchOptions = {}): Promise<SearchResult> {
    return (await this.searchDetailed(query, opts)).result;
  }

  /** Searches and also returns per-stage timings and the query analysis. */
  async searchDetailed(query: string, opts: SearchOptions = {}): Promise<{ result: SearchResult; timings: StageTimings; analyzed: AnalyzedQuery }> {
    const t0 = performance.now();
    const k = Math.max(1, Math.min(50, Math.floor(opts.k ?? 5)));
    const mode: SearchMode = opts.mode ?? 'hybrid';
    const text = normalizeQuery(typeof query === 'string' ? query : '');
    const q = analyzeQuery(text, this.segmenter, this.synonyms, this.data.bm25, this.fusion, this.districts);
    const t1 = performance.now();
    const timings: StageTimings = { segment: t1 - t0, embed: 0, ann: 0, bm25: 0, fuse: 0, total: 0 };
    const empty = (): SearchResult => ({ query, model: this.model, hits: [], confidence: 0 });
    if (q.concepts.length === 0 && q.terms.length === 0) {
      timings.total = performance.now() - t0;
      return { result: empty(), timings, analyzed: q };
    }
    const n = this.fusion.candidates;
    const allow = undefined;

    // dense
    let denseSim: Map<number, number> | undefined;
    let denseRanked: number[] | undefined;
    const useDense = mode !== 'bm25' && this.embedder && this.data.vectorIndex && this.data.vectors && this.fusion.weights.dense > 0;
    let qv: Float32Array | undefined;
    if (useDense || mode === 'dense') {
      if (this.embedder && this.data.vectorIndex) {
        const te = performance.now();
        qv = (await this.embedder.embedQueries([text]))[0]!;
        const ta = performance.now();
        timings.embed = ta - te;
        const hits = this.data.vectorIndex.search(qv, n, allow);
        timings.ann = performance.now() - ta;
        denseRanked = hits.map((h) => h.row);
        denseSim = new Map(hits.map((h) => [h.row, h.similarity]));
      }
    }

    // bm25
    const tb = performance.now();
    const bm25Hits = mode === 'dense' ? [] : this.data.bm25.search(q.terms, n);
    timings.bm25 = performance.now() - tb;

    // fuse
    const tf = performance.now();
    if (denseSim && qv && this.data.vectors) {
      for (const h of bm25Hits) if (!denseSim.has(h.doc)) denseSim.set(h.doc, cosine(qv, this.data.vectors[h.doc]!));
    }
    const fusion: FusionOptions =
      mode === 'bm25'
        ? { ...this.fusion, weights: { ...this.fusion.weights, dense: 0 } }
        : mode === 'dense'
          ? { ...this.fusion, method: 'weighted', weights: { bm25: 0, dense: 1, coverage: 0, heading: 0, doc: 0, municipal: 0 } }
          : this.fusion;
    const fused = fuseCandidates({
      q,
      bm25Hits,
      denseSim: mode === 'bm25' ? undefined : denseSim,
      denseRanked: mode === 'bm25' ? [] : denseRanked,
      bm25: this.data.bm25,
      chunks: this.data.chunks,
      headings: this.data.headings,
      docs: this.data.docs,
      preferDistrict: opts.district ? normalizeForSearch(opts.district).replace(/区$/, '') : undefined,
      opts: fusion,
    });
    const hits: SearchHit[] = fused.slice(0, k).map((f) => ({
      chunk: this.data.chunks[f.row]!,
      score: Math.round(f.score * 10000) / 10000,
      signals: { ...f.signals },
    }));
    const confidence = confidenceOf(q, fused[0], this.fusion);
    timings.fuse = performance.now() - tf;
    timings.total = performance.now() - t0;
    const foreignPlaces = q.foreignPlaces.length && !q.namesInScopePlace ? q.foreignPlaces : undefined;
    return { result: { query, model: this.model, hits, confidence, ...(foreignPlaces ? { foreignPlaces } : {}) }, timings, analyzed: q };
  }
}

/** The project data files the retriever reads from the corpus folder. */
export function corpusDataFiles(corpusDir: string): { dictionary: string; synonyms: string } {
  return { dictionary: join(corpusDir, 'dictionary.txt'), synonyms: join(corpusDir, 'synonyms.yaml') };
}

/** Loads the segmenter (with corpus/dictionary.txt) and the synonym table (corpus/synonyms.yaml). */
export function loadLanguageData(corpusDir: string): { segmenter: Segmenter; synonyms: SynonymTable } {
  const files = corpusDataFiles(corpusDir);
  return { segmenter: createSegmenter({ dictionaryFile: files.dictionary }), synonyms: loadSynonyms(files.synonyms) };
}

/** Document facts for the doc-match signal. */
export function docFacts(documents: DocInfo[]): Map<string, DocFacts> {
  return new Map(
    documents.map((d) => [
      d.id,
      {
        title: d.title,
        level: d.level,
        docNumber: d.docNumber ? normalizeForSearch(d.docNumber) : undefined,
        district: d.district ? normalizeForSearch(d.district).replace(/区$/, '') : undefined,
      },
    ]),
  );
}

/** Re-exported for convenience. */
export type { LoggerLike };

/** Inputs of `openRetriever`. */
export interface OpenRetrieverOptions {
  chunks: Chunk[];
  documents: DocInfo[];
  /** Folder with dictionary.txt and synonyms.yaml. */
  corpusDir: string;
  /** DATA_DIR: the index goes to `<dataDir>/index`, the static model to `<dataDir>/models/`. */
  dataDir: string;
  /** Embedding model settings; null → BM25 only (no dense path). */
  model: { modelId: string; modelsDir: string; allowRemote: boolean; remoteHost: string } | null;
  fusion?: FusionOptions;
  bm25?: Bm25Params;
  /** Rebuild the index even when it matches. */
  force?: boolean;
  /** Do not load the embedding model unless something must be embedded (ingest). */
  lazyModel?: boolean;
  log?: LoggerLike;
}

/** What `openRetriever` returns. */
export interface OpenedRetriever {
  retriever: Retriever;
  index: IndexOutcome;
  choice: ModelChoice | null;
  /** Whether the static embedder was (re)trained in this call. */
  trained: boolean;
}

/** Folder of the corpus-trained static embedder under DATA_DIR. */
export function staticModelDir(dataDir: string): string {
  return join(dataDir, 'models', STATIC_MODEL_ID);
}

/**
 * Opens a retriever: resolves the embedding model (training the offline static embedder when it is
 * the choice and missing), loads or rebuilds the index, loads the model.
 */
export async function openRetriever(o: OpenRetrieverOptions): Promise<OpenedRetriever> {
  const { segmenter, synonyms } = loadLanguageData(o.corpusDir);
  let choice: ModelChoice | null = null;
  let trained = false;
  let embedder: Embedder | undefined;
  const staticDir = staticModelDir(o.dataDir);
  if (o.model) {
    choice = resolveEmbeddingModel({ ...o.model, staticModelDir: staticDir });
    if (choice.remote) {
      try {
        embedder = await loadEmbedder(choice, o.log);
      } catch (err) {
        o.log?.warn(`could not download ${choice.modelId} from ${choice.remoteHost}: ${(err as Error).message}; falling back to the offline embedder`);
        choice = resolveEmbeddingModel({ ...o.model, allowRemote: false, staticModelDir: staticDir });
      }
    }
    const problem = choice.isStatic && isModelFolder(staticDir) ? modelFolderProblem(staticDir) : undefined;
    if (problem) {
      // rebuilt like a corrupt index: it is derived from the corpus
      o.log?.warn(`the trained embedder in ${staticDir} is corrupt (${problem}); rebuilding it`);
      rmSync(staticDir, { recursive: true, force: true });
    }
    if (choice.isStatic && !isModelFolder(staticDir)) {
      o.log?.info(`training the offline embedder (${STATIC_MODEL_ID}) on ${o.chunks.length} chunks…`);
      const { trainStaticEmbedder } = await import('./train-embedder.ts'); // the trainer's dependencies load only when training
      const r = await trainStaticEmbedder(o.chunks.map((c) => c.text), { outDir: staticDir });
      o.log?.info(`trained ${r.modelId}: ${r.learnedChars} characters, dim ${r.dim}, ${r.seconds.toFixed(1)} s → ${staticDir}`);
      trained = true;
    }
  }
  const picked = choice;
  const getEmbedder = async (): Promise<Embedder> => (embedder ??= await loadEmbedder(picked!, o.log));
  const identity = picked
    ? { id: picked.modelId, fingerprint: picked.remote ? `remote:${picked.modelId}` : modelFingerprint(join(picked.localPath!, picked.modelId)) }
    : null;
  const index = await loadOrBuildIndex({
    dir: join(o.dataDir, 'index'),
    chunks: o.chunks,
    documents: o.documents,
    segmenter,
    model: identity,
    getEmbedder: picked ? getEmbedder : undefined,
    bm25: o.bm25,
    force: o.force,
    log: o.log,
  });
  if (!o.lazyModel) {
    if (picked) await getEmbedder();
    segmenter.generalIdf('的'); // load the general idf table now rather than in the first query
  }
  const retriever = new Retriever({ data: index.data, segmenter, synonyms, embedder, fusion: o.fusion });
  return { retriever, index, choice: picked, trained };
}
