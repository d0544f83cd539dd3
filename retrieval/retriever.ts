/**
 * The `Retriever`: hybrid search over clause chunks (BM25 with jieba + synonyms, dense vectors in
 * hnswlib, structure signals) with a calibrated confidence so callers can abstain. Pure search over
 * an `IndexData`; opening one (files, model) is `open-retriever.ts`.
 *
 * @example
 * const retriever = new Retriever({ data, segmenter, synonyms, embedder });
 * const result = await retriever.search('海归落户要交多久社保？', { k: 5 });
 * if (result.confidence < 0.5) console.log('没有找到相关条款');
 */
import type { SearchHit, SearchResult } from './types.ts';
import { cosine, type Embedder } from './embed.ts';
import type { IndexData } from './index-store.ts';
import {
  analyzeQuery,
  confidenceOf,
  createHeadingMemo,
  createQueryMemo,
  DEFAULT_FUSION,
  fuseCandidates,
  HEADING_MEMO_MAX_ROWS,
  type AnalyzedQuery,
  type FusionOptions,
  type HeadingMemo,
  type QueryMemo,
} from './fuse.ts';
import { normalizeForSearch, normalizeQuery, type Segmenter } from './segment.ts';
import type { SynonymTable } from './synonyms.ts';

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
  /** Query analysis that depends only on the segmenter and the synonym table (expansion terms cut once). */
  private readonly memo: QueryMemo;
  /** Which headings contain which terms (the heading signal), remembered across queries; none for a large index. */
  private readonly headingMemo?: HeadingMemo;

  constructor(parts: RetrieverParts) {
    this.data = parts.data;
    this.segmenter = parts.segmenter;
    this.synonyms = parts.synonyms;
    this.embedder = parts.embedder;
    this.fusion = parts.fusion ?? DEFAULT_FUSION;
    this.memo = createQueryMemo(parts.segmenter, parts.synonyms);
    if (parts.data.headings.length <= HEADING_MEMO_MAX_ROWS) this.headingMemo = createHeadingMemo(parts.data.headings);
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
  async searchDetailed(
    query: string,
    opts: SearchOptions = {},
  ): Promise<{ result: SearchResult; timings: StageTimings; analyzed: AnalyzedQuery }> {
    const t0 = performance.now();
    const k = Math.max(1, Math.min(50, Math.floor(opts.k ?? 5)));
    const mode: SearchMode = opts.mode ?? 'hybrid';
    const text = normalizeQuery(typeof query === 'string' ? query : '');
    const q = analyzeQuery(text, this.segmenter, this.synonyms, this.data.bm25, this.fusion, this.districts, this.memo);
    const t1 = performance.now();
    const timings: StageTimings = { segment: t1 - t0, embed: 0, ann: 0, bm25: 0, fuse: 0, total: 0 };
    const empty = (): SearchResult => ({ query, model: this.model, hits: [], confidence: 0 });
    if (q.concepts.length === 0 && q.terms.length === 0) {
      timings.total = performance.now() - t0;
      return { result: empty(), timings, analyzed: q };
    }
    const n = this.fusion.candidates;

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
        const hits = this.data.vectorIndex.search(qv, n);
        timings.ann = performance.now() - ta;
        denseRanked = [];
        denseSim = new Map();
        for (const h of hits) {
          denseRanked.push(h.row);
          denseSim.set(h.row, h.similarity);
        }
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
      headingMemo: this.headingMemo,
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
