/**
 * Query analysis, hybrid score fusion and the calibrated confidence. Pure functions over the BM25
 * index, the candidates' dense similarities and the chunks: no I/O, no model.
 *
 * Query analysis: normalized query → jieba words (weight 1) + character bigrams (`bigramWeight`) +
 * synonym expansions (`synonymWeight`, their bigrams `synonymWeight·bigramWeight`). Words are grouped
 * into *concepts* (a word, its sub-words and its expansions) weighted by their best idf; a term that
 * occurs nowhere in the corpus weighs the maximal idf, so unknown topics (天气, 北京) pull coverage down.
 *
 * Fusion (`weighted`, default), per candidate c of the union of the BM25 and dense top lists:
 *   score(c) = w_bm25·bm25(c)/max bm25 + w_dense·max(0, cos(c) − cos_floor)/(max cos − cos_floor)
 *            + w_coverage·coverage(c) + w_heading·headingCoverage(c) + w_doc·docMatch(c)
 *            + w_municipal·[no district named ∧ c is from a municipal document]
 * or `rrf`: Σ_lists 1/(rrfK + rank) plus the same structure signals scaled by 1/rrfK.
 *
 * Confidence (0..1): σ(steepness·(coverage(top) − midpoint)), multiplied by `placePenalty` when
 * the question names a place outside the corpus (北京, 深圳…) and no in-scope place; 0 when the query
 * has no content words.
 */
import type { Chunk } from './types.ts';
import type { Bm25Index, WeightedTerm } from './bm25.ts';
import { BIGRAM_PREFIX, type Segmenter } from './segment.ts';
import { expandQuery, type SynonymTable } from './synonyms.ts';

/** Weights and knobs of the fusion (all configurable; defaults are what the dev-set eval supports). */
export interface FusionOptions {
  method: 'weighted' | 'rrf';
  /**
   * bm25/dense/coverage/heading: see the formula above; doc: the question names this document's
   * 文号 or district; municipal: the question names no district and the document is municipal (a
   * district measure applies only in its district).
   */
  weights: { bm25: number; dense: number; coverage: number; heading: number; doc: number; municipal: number };
  rrfK: number;
  /** Weight of character-bigram terms relative to words (0 disables bigrams in queries). */
  bigramWeight: number;
  /** Weight of synonym/alias expansions relative to the user's words. */
  synonymWeight: number;
  /** Candidates taken from each of the BM25 and dense lists. */
  candidates: number;
  /** Cosine below this counts as no dense evidence. */
  cosFloor: number;
  /** Weight of a query word absent from the corpus = unseenScale × its general-language idf (capped). */
  unseenScale: number;
  confidence: { midpoint: number; steepness: number; placePenalty: number };
}

/** Defaults (see docs/retrieval.md for ranges and the eval that chose them). */
export const DEFAULT_FUSION: FusionOptions = {
  method: 'weighted',
  weights: { bm25: 1, dense: 0.1, coverage: 0.8, heading: 0.2, doc: 0.5, municipal: 0.2 },
  rrfK: 60,
  bigramWeight: 0.3,
  synonymWeight: 0.6,
  candidates: 50,
  cosFloor: 0.1,
  unseenScale: 0.7,
  confidence: { midpoint: 0.37, steepness: 10, placePenalty: 0.25 },
};

/** A group of query terms that stand for one thing the user asked about. */
export interface Concept {
  /** The user's word. */
  word: string;
  /** Terms that count as covering this concept (the word, sub-words, expansions). */
  terms: string[];
  weight: number;
}

/** Everything derived from the query text once. */
export interface AnalyzedQuery {
  /** Normalized, truncated query. */
  text: string;
  /** Weighted BM25 terms. */
  terms: WeightedTerm[];
  concepts: Concept[];
  /** Place names outside the corpus and outside the in-scope list (北京, 深圳…). */
  foreignPlaces: string[];
  /** Whether the question names an in-scope place (上海, a district). */
  namesInScopePlace: boolean;
  /** 文号 numbers named in the question (`103` of 沪人社力〔2022〕103号, `8E112`). */
  docNumbers: string[];
  /** Districts named in the question (matched against document districts). */
  districts: string[];
}

/** Per-document facts used by the doc-match signal. */
export interface DocFacts {
  level?: 'municipal' | 'district';
  docNumber?: string;
  district?: string;
  title: string;
}

/**
 * What query analysis derives from the fixed tables rather than from the query: the tokens of every
 * synonym/expansion term (cut by jieba once, not on every query that triggers it) and the in-scope
 * place list. One per retriever (`Retriever` keeps one); it must be used with one segmenter and one
 * synonym table only. Bounded: at most `MAX_MEMO_TERMS` terms are kept (expansion terms come from the
 * synonym table, a few hundred).
 */
export interface QueryMemo {
  readonly segmenter: Segmenter;
  readonly synonyms: SynonymTable;
  /** term → its words (as `tokens(term, { bigrams: false })`) and its bigram tokens (as `tokens(term)` filtered). */
  readonly termTokens: Map<string, { words: string[]; bigrams: string[] }>;
  /** `synonyms.inScopePlaces` of two characters or more, in set order. */
  readonly longInScopePlaces: string[];
}

/** Most expansion terms a `QueryMemo` keeps (it is cleared when full). */
export const MAX_MEMO_TERMS = 10_000;

/** A memo for one segmenter and synonym table (see `QueryMemo`). */
export function createQueryMemo(segmenter: Segmenter, synonyms: SynonymTable): QueryMemo {
  return {
    segmenter,
    synonyms,
    termTokens: new Map(),
    longInScopePlaces: [...synonyms.inScopePlaces].filter((p) => p.length >= 2),
  };
}

/**
 * The words of `text` (`seg.tokens(text, { bigrams: false })`) and its bigram tokens
 * (`seg.tokens(text).filter(t => t.startsWith(BIGRAM_PREFIX))`), from one jieba cut instead of two.
 */
function wordsAndBigrams(seg: Segmenter, text: string, bigrams: boolean): { words: string[]; bigrams: string[] } {
  const words: string[] = [];
  const grams: string[] = [];
  seg.visitTokens(
    text,
    { bigrams },
    (w) => {
      words.push(w);
      if (bigrams && w.startsWith(BIGRAM_PREFIX)) grams.push(w);
    },
    (a, b) => grams.push(BIGRAM_PREFIX + String.fromCharCode(a, b)),
  );
  return { words, bigrams: grams };
}

/** Analyzes a normalized query. `knownDistricts` are the districts of the corpus documents. */
export function analyzeQuery(
  text: string,
  seg: Segmenter,
  synonyms: SynonymTable,
  bm25: Bm25Index,
  opts: FusionOptions,
  knownDistricts: string[] = [],
  memo?: QueryMemo,
): AnalyzedQuery {
  if (memo && (memo.segmenter !== seg || memo.synonyms !== synonyms)) memo = undefined; // another table: no memo
  const useBigrams = opts.bigramWeight > 0;
  const cut = wordsAndBigrams(seg, text, useBigrams);
  const words = [...new Set(cut.words)];
  const weights = new Map<string, number>();
  const add = (t: string, w: number) => weights.set(t, Math.max(weights.get(t) ?? 0, w));
  for (const w of words) add(w, 1);
  if (useBigrams) for (const b of cut.bigrams) add(b, opts.bigramWeight);

  // concepts: longest words first; a word inside a longer word joins that concept
  const concepts: Concept[] = [];
  for (const w of [...words].sort((a, b) => b.length - a.length)) {
    const host = concepts.find((c) => c.word.includes(w));
    if (host) host.terms.push(w);
    else concepts.push({ word: w, terms: [w], weight: 0 });
  }
  const termTokens = (term: string): { words: string[]; bigrams: string[] } => {
    if (!memo) return wordsAndBigrams(seg, term, useBigrams);
    const hit = memo.termTokens.get(term);
    if (hit) return hit;
    // always with bigrams: the memo serves every `bigramWeight`
    const fresh = wordsAndBigrams(seg, term, true);
    if (memo.termTokens.size >= MAX_MEMO_TERMS) memo.termTokens.clear();
    memo.termTokens.set(term, fresh);
    return fresh;
  };
  for (const e of expandQuery(synonyms, text, words)) {
    const expTerms: string[] = [];
    for (const term of e.terms) {
      const tt = termTokens(term);
      const toks = tt.words;
      for (const t of toks) add(t, opts.synonymWeight);
      if (useBigrams) for (const b of tt.bigrams) add(b, opts.synonymWeight * opts.bigramWeight);
      // a multi-word expansion covers its concept only when all its words occur: use its longest word
      const longest = [...toks].sort((a, b) => b.length - a.length)[0];
      if (longest) expTerms.push(longest);
    }
    const hosts = concepts.filter(
      (c) => e.trigger.includes(c.word) || c.word.includes(e.trigger) || c.terms.some((t) => e.trigger.includes(t) && t.length >= 2),
    );
    for (const h of hosts) h.terms.push(...expTerms);
  }
  const maxIdf = bm25.maxIdf();
  for (const c of concepts) {
    const seen = c.terms.filter((t) => bm25.df(t) > 0);
    // a word the corpus never uses: weigh it by how informative it is in general Chinese (去年 little,
    // 天气/公积金 much), scaled into the corpus idf range
    c.weight = seen.length ? Math.max(...seen.map((t) => bm25.idf(t))) : Math.min(maxIdf, opts.unseenScale * seg.generalIdf(c.word));
    // single characters are weak, ambiguous evidence (交, 上, 年)
    if ([...c.word].length === 1) c.weight *= 0.5;
    c.terms = [...new Set(c.terms)];
  }

  const places = seg.placeNames(text, cut.words);
  const foreignPlaces = places.filter(
    (p) => !synonyms.inScopePlaces.has(p) && !synonyms.knownTerms.has(p) && bm25.df(p) === 0 && !knownDistricts.some((d) => p.includes(d)),
  );
  const namesInScopePlace =
    places.some((p) => synonyms.inScopePlaces.has(p) || knownDistricts.some((d) => p.includes(d))) ||
    (memo ? memo.longInScopePlaces : [...synonyms.inScopePlaces].filter((p) => p.length >= 2)).some((p) => text.includes(p));
  const docNumbers = [...text.matchAll(/(?:〔\d{4}〕|\[\d{4}\]|\(\d{4}\)|第)?\s*(\d+[a-z]?\d*)\s*号/g)].map((m) => m[1]!);
  const districts = knownDistricts.filter((d) => text.includes(d));
  return {
    text,
    terms: [...weights].map(([term, weight]) => ({ term, weight })),
    concepts,
    foreignPlaces,
    namesInScopePlace,
    docNumbers,
    districts,
  };
}

/** idf-weighted share of the query's concepts that a chunk covers (0..1). */
export function coverage(q: AnalyzedQuery, bm25: Bm25Index, row: number): number {
  let total = 0;
  let got = 0;
  for (const c of q.concepts) {
    total += c.weight;
    if (c.terms.some((t) => bm25.contains(row, t))) got += c.weight;
  }
  return total > 0 ? got / total : 0;
}

/**
 * `coverage` of many rows at once (same values): each concept term's list is searched once for all
 * the rows, in ascending order, instead of once per row.
 */
export function coverageOfRows(q: AnalyzedQuery, bm25: Bm25Index, rows: readonly number[]): Map<number, number> {
  const sorted = Int32Array.from(rows).sort();
  const got = new Float64Array(sorted.length);
  const has = new Uint8Array(sorted.length);
  let total = 0;
  for (const c of q.concepts) {
    total += c.weight;
    has.fill(0);
    for (const t of c.terms) bm25.markContaining(t, sorted, has);
    for (let x = 0; x < sorted.length; x++) if (has[x]) got[x] = got[x]! + c.weight;
  }
  const out = new Map<number, number>();
  for (let x = 0; x < sorted.length; x++) out.set(sorted[x]!, total > 0 ? got[x]! / total : 0);
  return out;
}

/** Share of concepts (idf-weighted) whose word or expansion appears in the chunk's heading/path. */
export function headingCoverage(q: AnalyzedQuery, heading: string): number {
  if (!heading) return 0;
  let total = 0;
  let got = 0;
  for (const c of q.concepts) {
    total += c.weight;
    if (c.terms.some((t) => heading.includes(t))) got += c.weight;
  }
  return total > 0 ? got / total : 0;
}

/**
 * Which headings contain which query terms, remembered across queries: `headingCoverage` tests every
 * concept term against every candidate's heading (`String.includes`), and the same terms (落户, 社保,
 * the synonym expansions) come back in most questions. Per term, one byte per row: 0 not tested yet,
 * 1 absent, 2 present. Bounded: about `HEADING_MEMO_BYTES` in all (cleared when full). Tied to one
 * `headings` array (an index); `fuseCandidates` ignores a memo of another one.
 */
export interface HeadingMemo {
  readonly headings: readonly string[];
  readonly has: Map<string, Uint8Array>;
  readonly maxTerms: number;
}

/** Bytes a `HeadingMemo` may hold (16 MiB: 180k terms on the shipped corpus of 91 chunks). */
export const HEADING_MEMO_BYTES = 16 * 1024 * 1024;

/**
 * Largest index (rows) a `Retriever` keeps a `HeadingMemo` for: a term's marks are one byte per row,
 * so on a large index each new term costs an allocation larger than the `String.includes` tests it
 * saves on a query's ~100 candidates (at 8,192 rows the memo still holds 2,048 terms).
 */
export const HEADING_MEMO_MAX_ROWS = 8192;

/** A memo for the headings of one index (see `HeadingMemo`). */
export function createHeadingMemo(headings: readonly string[]): HeadingMemo {
  return { headings, has: new Map(), maxTerms: Math.max(64, Math.floor(HEADING_MEMO_BYTES / Math.max(1, headings.length))) };
}

/** The memo's marks of `term` (a fresh, untested array the first time). */
function headingMarks(memo: HeadingMemo, term: string): Uint8Array {
  let marks = memo.has.get(term);
  if (!marks) {
    if (memo.has.size >= memo.maxTerms) memo.has.clear();
    marks = new Uint8Array(memo.headings.length);
    memo.has.set(term, marks);
  }
  return marks;
}

/**
 * `headingCoverage(q, memo.headings[row] ?? '')` for many rows, with the term tests remembered in
 * `memo`: the same values, in the same order of additions.
 */
export function headingCoverageOfRows(q: AnalyzedQuery, memo: HeadingMemo, rows: Iterable<number>): Map<number, number> {
  const marks = q.concepts.map((c) => c.terms.map((t) => headingMarks(memo, t)));
  const out = new Map<number, number>();
  for (const row of rows) {
    const heading = memo.headings[row] ?? '';
    if (!heading) {
      out.set(row, 0);
      continue;
    }
    let total = 0;
    let got = 0;
    for (let i = 0; i < q.concepts.length; i++) {
      const c = q.concepts[i]!;
      total += c.weight;
      const cm = marks[i]!;
      for (let j = 0; j < cm.length; j++) {
        const m = cm[j]!;
        let v = m[row]!;
        if (v === 0) m[row] = v = heading.includes(c.terms[j]!) ? 2 : 1;
        if (v === 2) {
          got += c.weight;
          break;
        }
      }
    }
    out.set(row, total > 0 ? got / total : 0);
  }
  return out;
}

/** 1 when the question names this document's 文号 or district, else 0 (district preference: 0.5). */
export function docMatch(q: AnalyzedQuery, doc: DocFacts | undefined, preferDistrict?: string): number {
  if (!doc) return 0;
  let s = 0;
  if (
    doc.docNumber &&
    q.docNumbers.some((n) => doc.docNumber!.toLowerCase().includes(`${n}号`) || doc.docNumber!.toLowerCase().includes(n + '号'))
  )
    s = 1;
  if (doc.district && q.districts.includes(doc.district)) s = Math.max(s, 1);
  if (preferDistrict && doc.district && doc.district === preferDistrict) s = Math.max(s, 0.5);
  return s;
}

/** One fused candidate with all signals. */
export interface FusedCandidate {
  row: number;
  score: number;
  signals: { bm25: number; dense: number; coverage: number; heading: number; doc: number; municipal: number };
}

/** Inputs of `fuseCandidates`. */
export interface FuseInput {
  q: AnalyzedQuery;
  bm25Hits: { doc: number; score: number }[];
  /** Dense similarity of every candidate row (rows from both lists); undefined when dense is off. */
  denseSim?: Map<number, number>;
  /** Rows of the dense top list in rank order. */
  denseRanked?: number[];
  bm25: Bm25Index;
  chunks: Chunk[];
  headings: string[];
  docs: Map<string, DocFacts>;
  preferDistrict?: string;
  opts: FusionOptions;
  /** Remembered heading tests (`Retriever` keeps one per index); ignored when made for other `headings`. */
  headingMemo?: HeadingMemo;
}

/** Fuses BM25 and dense candidates with structure signals; returns candidates best first. */
export function fuseCandidates(input: FuseInput): FusedCandidate[] {
  const { q, bm25Hits, denseSim, denseRanked = [], opts } = input;
  const rows = new Set<number>(bm25Hits.map((h) => h.doc));
  for (const r of denseRanked) rows.add(r);
  const bm25Score = new Map<number, number>();
  let maxBm25 = 0;
  for (const h of bm25Hits) {
    bm25Score.set(h.doc, h.score);
    maxBm25 = Math.max(maxBm25, h.score);
  }
  let maxCos = opts.cosFloor;
  if (denseSim) for (const r of rows) maxCos = Math.max(maxCos, denseSim.get(r) ?? 0);
  // the ranks only matter to reciprocal-rank fusion
  const rrf = opts.method === 'rrf';
  const bm25Rank = rrf ? new Map(bm25Hits.map((h, i) => [h.doc, i])) : undefined;
  const denseRank = rrf ? new Map(denseRanked.map((r, i) => [r, i])) : undefined;
  const w = opts.weights;
  const coverages = coverageOfRows(q, input.bm25, [...rows]);
  const memo = input.headingMemo && input.headingMemo.headings === input.headings ? input.headingMemo : undefined;
  const heads = memo ? headingCoverageOfRows(q, memo, rows) : undefined;
  const out: FusedCandidate[] = [];
  for (const row of rows) {
    const chunk = input.chunks[row]!;
    const b = maxBm25 > 0 ? (bm25Score.get(row) ?? 0) / maxBm25 : 0;
    const cos = denseSim?.get(row) ?? 0;
    const d = denseSim && maxCos > opts.cosFloor ? Math.max(0, cos - opts.cosFloor) / (maxCos - opts.cosFloor) : 0;
    const cov = coverages.get(row)!;
    const head = heads ? heads.get(row)! : headingCoverage(q, input.headings[row] ?? '');
    const facts = input.docs.get(chunk.docId);
    const doc = docMatch(q, facts, input.preferDistrict);
    const municipal = facts?.level === 'municipal' && q.districts.length === 0 && !input.preferDistrict ? 1 : 0;
    let score: number;
    if (rrf) {
      const rb = bm25Rank!.get(row);
      const rd = denseRank!.get(row);
      score =
        (w.bm25 > 0 && rb !== undefined ? w.bm25 / (opts.rrfK + rb + 1) : 0) +
        (w.dense > 0 && rd !== undefined ? w.dense / (opts.rrfK + rd + 1) : 0) +
        (w.coverage * cov + w.heading * head + w.doc * doc + w.municipal * municipal) / opts.rrfK;
    } else {
      score = w.bm25 * b + w.dense * d + w.coverage * cov + w.heading * head + w.doc * doc + w.municipal * municipal;
    }
    out.push({ row, score, signals: { bm25: bm25Score.get(row) ?? 0, dense: cos, coverage: cov, heading: head, doc, municipal } });
  }
  return out.sort((x, y) => y.score - x.score || x.row - y.row);
}

/** Calibrated confidence (0..1) that the top candidate answers the question. */
export function confidenceOf(q: AnalyzedQuery, top: FusedCandidate | undefined, opts: FusionOptions): number {
  if (!top || q.concepts.length === 0) return 0;
  const { midpoint, steepness, placePenalty } = opts.confidence;
  let c = 1 / (1 + Math.exp(-steepness * (top.signals.coverage - midpoint)));
  if (q.foreignPlaces.length > 0 && !q.namesInScopePlace) c *= placePenalty;
  return Math.round(c * 1000) / 1000;
}
