/**
 * Okapi BM25 over pre-tokenized documents, with weighted query terms (the user's words weigh 1,
 * synonym expansions and character bigrams less). Postings are typed arrays, so 100k chunks score
 * in a few milliseconds.
 *
 * score(d, q) = Σ_t w_t · idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 * idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 *
 * @example
 * const index = Bm25Index.build([['社保', '补缴'], ['落户', '留学']]);
 * index.search([{ term: '社保', weight: 1 }], 5); // → [{ doc: 0, score: 0.69 }]
 */

/** BM25 parameters. k1 ∈ [0.5, 2] (term-frequency saturation), b ∈ [0, 1] (length normalization). */
export interface Bm25Params {
  k1: number;
  b: number;
}

/** Default parameters (the usual 1.2 / 0.75; the eval showed no gain from tuning them). */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** A weighted query term. */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/** One scored document (index into the documents given to `build`). */
export interface Bm25Hit {
  doc: number;
  score: number;
}

/** Serialized form (JSON-safe) written by the index store. */
export interface Bm25Json {
  version: 1;
  params: Bm25Params;
  docLengths: number[];
  /** term → [doc ids…, tfs…] (ids sorted ascending, then the same number of term frequencies). */
  postings: Record<string, number[]>;
}

interface Posting {
  docs: Int32Array;
  tfs: Uint16Array;
  /** max over the list of tf/(tf + norm(d)), computed on first use (NaN until then). */
  maxImpact: number;
}

/** What one `search` did (filled when passed): for the bench and the property test. */
export interface Bm25SearchStats {
  /** Query terms found in the index. */
  terms: number;
  /** Postings in their lists (what the exhaustive scorer walks). */
  postings: number;
  /** Postings walked term at a time. */
  walked: number;
  /** Lists not walked because their bounds could no longer lift a document into the top. */
  skippedLists: number;
  /** Look-ups of candidate documents in the skipped lists. */
  lookups: number;
}

/**
 * Search strategy. `pruning`: `none` (exhaustive, the default: faster on this project's queries,
 * measured in docs/retrieval.md) or `maxscore` (term-at-a-time MaxScore; same results).
 */
export interface Bm25SearchOptions {
  pruning: 'none' | 'maxscore';
}

export const DEFAULT_BM25_SEARCH: Bm25SearchOptions = { pruning: 'none' };

/**
 * Relative slack of the pruning bounds (upper bounds are compared with θ·(1 − slack)): covers the
 * rounding of summing the bounds in another order than the scores, so pruning never drops a document
 * that the exhaustive scorer would rank.
 */
const PRUNE_SLACK = 1e-9;

/**
 * θ is recomputed (a pass over the touched documents) before a list only when the postings walked
 * since the last check plus that list exceed touched/CHECK_RATIO: checks cost at most about
 * CHECK_RATIO× the postings walked.
 */
const CHECK_RATIO = 4;

/**
 * Cost of looking one candidate up in a list (galloping search), in walked postings: lists are no
 * longer walked once the candidates × LOOKUP_COST are fewer than the postings left, and a skipped
 * list shorter than that is walked for the marked candidates instead.
 */
const LOOKUP_COST = 8;

/** One query term prepared for scoring: its list, weight·idf·(k1+1) and the bound of its contribution. */
interface PlannedTerm {
  docs: Int32Array;
  tfs: Uint16Array;
  wk: number;
  upper: number;
}

/** An immutable BM25 index. Rebuild it (cheap) when documents change. */
export class Bm25Index {
  readonly params: Bm25Params;
  readonly size: number;
  private readonly postings: Map<string, Posting>;
  private readonly docLengths: Float32Array;
  private readonly avgdl: number;
  /** k1·(1 − b + b·|d|/avgdl) per document, precomputed (the length correction of every posting). */
  private readonly norms: Float64Array;
  private readonly searchOpts: Bm25SearchOptions;
  private acc: Float64Array;
  private touched: Int32Array;
  private mark: Uint8Array;
  private cand: Int32Array;

  private constructor(
    postings: Map<string, Posting>,
    docLengths: Float32Array,
    params: Bm25Params,
    searchOpts: Bm25SearchOptions = DEFAULT_BM25_SEARCH,
  ) {
    this.searchOpts = searchOpts;
    this.postings = postings;
    this.docLengths = docLengths;
    this.params = params;
    this.size = docLengths.length;
    let total = 0;
    for (const l of docLengths) total += l;
    this.avgdl = this.size ? total / this.size : 1;
    const { k1, b } = params;
    this.norms = new Float64Array(this.size);
    for (let d = 0; d < this.size; d++) this.norms[d] = k1 * (1 - b + (b * docLengths[d]!) / this.avgdl);
    this.acc = new Float64Array(0);
    this.touched = new Int32Array(0);
    this.mark = new Uint8Array(0);
    this.cand = new Int32Array(0);
  }

  /**
   * Builds an index from token lists (one per document, in order). Accepts any iterable, so callers
   * can tokenize lazily: only the postings are kept, never all token lists at once (100k chunks).
   */
  static build(docs: Iterable<string[]>, params: Bm25Params = DEFAULT_BM25, searchOpts?: Bm25SearchOptions): Bm25Index {
    const lists = new Map<string, { docs: Int32Array; tfs: Uint16Array; n: number }>();
    let lengths = new Float32Array(1024);
    let d = 0;
    const tf = new Map<string, number>();
    for (const tokens of docs) {
      if (d === lengths.length) {
        const bigger = new Float32Array(lengths.length * 2);
        bigger.set(lengths);
        lengths = bigger;
      }
      lengths[d] = tokens.length;
      tf.clear();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let p = lists.get(t);
        if (!p) lists.set(t, (p = { docs: new Int32Array(2), tfs: new Uint16Array(2), n: 0 }));
        if (p.n === p.docs.length) {
          const docsBigger = new Int32Array(p.n * 2);
          docsBigger.set(p.docs);
          const tfsBigger = new Uint16Array(p.n * 2);
          tfsBigger.set(p.tfs);
          p.docs = docsBigger;
          p.tfs = tfsBigger;
        }
        p.docs[p.n] = d;
        p.tfs[p.n] = Math.min(n, 65535);
        p.n++;
      }
      d++;
    }
    const postings = new Map<string, Posting>();
    for (const [t, p] of lists) postings.set(t, { docs: p.docs.slice(0, p.n), tfs: p.tfs.slice(0, p.n), maxImpact: NaN });
    return new Bm25Index(postings, lengths.slice(0, d), params, searchOpts);
  }

  /** Restores an index written by `toJSON`. Throws on a malformed object. */
  static fromJSON(json: Bm25Json, searchOpts?: Bm25SearchOptions): Bm25Index {
    if (!json || json.version !== 1 || !Array.isArray(json.docLengths) || typeof json.postings !== 'object') {
      throw new Error('BM25 index: unsupported or malformed data');
    }
    const postings = new Map<string, Posting>();
    for (const [t, arr] of Object.entries(json.postings)) {
      const n = arr.length / 2;
      if (!Number.isInteger(n)) throw new Error(`BM25 index: malformed posting list for "${t}"`);
      postings.set(t, { docs: Int32Array.from(arr.slice(0, n)), tfs: Uint16Array.from(arr.slice(n)), maxImpact: NaN });
    }
    return new Bm25Index(postings, Float32Array.from(json.docLengths), json.params ?? DEFAULT_BM25, searchOpts);
  }

  /** JSON-safe representation. */
  toJSON(): Bm25Json {
    const postings: Record<string, number[]> = {};
    for (const [t, p] of this.postings) postings[t] = [...p.docs, ...p.tfs];
    return { version: 1, params: this.params, docLengths: [...this.docLengths], postings };
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** Inverse document frequency; an unseen term gets the idf of a term seen in half a document. */
  idf(term: string): number {
    const df = this.df(term);
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** The largest possible idf (a term in no document): used for out-of-corpus query words. */
  maxIdf(): number {
    return Math.log(1 + (this.size + 0.5) / 0.5);
  }

  /** Whether `doc` contains `term` (binary search in the posting list). */
  contains(doc: number, term: string): boolean {
    const p = this.postings.get(term);
    if (!p) return false;
    let lo = 0;
    let hi = p.docs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = p.docs[mid]!;
      if (v === doc) return true;
      if (v < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /**
   * Top `limit` documents for weighted terms (score > 0 only), best first; ties by ascending doc.
   * `allow` restricts the documents considered (e.g. a district filter). Uses the strategy chosen
   * by `Bm25SearchOptions.pruning`; both give identical results.
   */
  search(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    return this.searchOpts.pruning === 'maxscore'
      ? this.searchMaxScore(terms, limit, allow, stats)
      : this.searchExhaustive(terms, limit, allow, stats);
  }

  /**
   * Top `limit` documents by term-at-a-time MaxScore: terms are taken in descending order of the bound of their contribution
   * (rare words first, light bigrams and common words last). After each list the `limit`-th best
   * partial score θ is a lower bound of the final threshold; once the bounds of the remaining terms
   * together stay below θ, no document outside the ones already touched can enter the top, so the
   * remaining (long) lists are no longer walked: only the touched documents that can still reach θ
   * are looked up in them (galloping search), and dropped as soon as they cannot.
   *
   * Identical results to `searchExhaustive`: every score is summed in the same term order, in
   * doubles, and bounds are compared with a slack that covers their rounding.
   */
  searchMaxScore(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    const plan = this.plan(terms);
    if (!plan.length || limit <= 0) return [];
    const n = plan.length;
    // rest[i] = Σ upper of plan[i..n−1]: the most a document can still gain from term i on;
    // left[i] = postings in plan[i..n−1]: what walking the rest would cost
    const rest = new Float64Array(n + 1);
    const left = new Float64Array(n + 1);
    for (let i = n - 1; i >= 0; i--) {
      rest[i] = rest[i + 1]! + plan[i]!.upper;
      left[i] = left[i + 1]! + plan[i]!.docs.length;
    }
    this.ensureScratch();
    const acc = this.acc;
    const touched = this.touched;
    const mark = this.mark;
    const norms = this.norms;
    let nt = 0;
    let theta = 0; // a lower bound of the final limit-th score (0: none yet)
    let stop = n; // first term whose list is not walked
    let nc = 0;
    const cand = this.cand.length >= limit ? this.cand : (this.cand = new Int32Array(Math.max(limit, 1024)));
    let candidates = cand;
    let since = 0; // postings walked since the last check
    for (let i = 0; i < n; i++) {
      if (i > 0 && nt >= limit && (since + plan[i]!.docs.length) * CHECK_RATIO > nt) {
        since = 0;
        // worth checking: walking the next list costs more than a pass over the touched documents
        theta = kthBest(acc, touched, nt, limit, allow);
        const bar = theta * (1 - PRUNE_SLACK);
        if (rest[i]! < bar) {
          // no untouched document can reach θ; stop walking if the documents that still can are few
          const need = bar - rest[i]!;
          let count = 0;
          for (let x = 0; x < nt; x++) if (acc[touched[x]!]! >= need) count++;
          if (count * LOOKUP_COST < left[i]!) {
            if (candidates.length < count) candidates = this.cand = new Int32Array(count * 2);
            for (let x = 0; x < nt; x++) {
              const d = touched[x]!;
              if (acc[d]! >= need && (!allow || allow(d))) candidates[nc++] = d;
            }
            candidates.subarray(0, nc).sort();
            stop = i;
            break;
          }
        }
      }
      const t = plan[i]!;
      const docs = t.docs;
      const tfs = t.tfs;
      const wk = t.wk;
      for (let j = 0; j < docs.length; j++) {
        const d = docs[j]!;
        const tf = tfs[j]!;
        if (acc[d] === 0) touched[nt++] = d;
        acc[d] = acc[d]! + (wk * tf) / (tf + norms[d]!);
      }
      since += docs.length;
    }
    let lookups = 0;
    // the lists not walked: look the candidates up (in ascending order), or walk a short list
    // adding only to marked candidates; drop candidates as soon as they cannot reach θ
    for (let i = stop; i < n && nc > 0; i++) {
      const t = plan[i]!;
      const docs = t.docs;
      const tfs = t.tfs;
      const wk = t.wk;
      const len = docs.length;
      if (nc * LOOKUP_COST < len) {
        let j = 0;
        for (let x = 0; x < nc; x++) {
          const d = candidates[x]!;
          j = gallop(docs, j, d);
          if (j < len && docs[j] === d) {
            const tf = tfs[j]!;
            acc[d] = acc[d]! + (wk * tf) / (tf + norms[d]!);
          }
        }
        lookups += nc;
      } else {
        for (let x = 0; x < nc; x++) mark[candidates[x]!] = 1;
        for (let j = 0; j < len; j++) {
          const d = docs[j]!;
          if (mark[d] === 1) {
            const tf = tfs[j]!;
            acc[d] = acc[d]! + (wk * tf) / (tf + norms[d]!);
          }
        }
        for (let x = 0; x < nc; x++) mark[candidates[x]!] = 0;
        lookups += len;
      }
      // the candidates' partial scores grew: θ may rise, and fewer candidates remain
      if (nc > limit) theta = Math.max(theta, kthBest(acc, candidates, nc, limit, allow));
      const need = theta * (1 - PRUNE_SLACK) - rest[i + 1]!;
      let keep = 0;
      for (let x = 0; x < nc; x++) {
        const d = candidates[x]!;
        if (acc[d]! >= need) candidates[keep++] = d;
      }
      nc = keep;
    }
    const heap = new TopK(limit);
    if (stop < n) {
      for (let x = 0; x < nc; x++) heap.offer(candidates[x]!, acc[candidates[x]!]!);
    } else {
      for (let x = 0; x < nt; x++) {
        const d = touched[x]!;
        if (!allow || allow(d)) heap.offer(d, acc[d]!);
      }
    }
    for (let x = 0; x < nt; x++) acc[touched[x]!] = 0;
    if (stats) {
      stats.terms = n;
      stats.postings = left[0]!;
      stats.walked = left[0]! - left[stop]!;
      stats.skippedLists = n - stop;
      stats.lookups = lookups;
    }
    return heap.sorted();
  }

  /**
   * The exhaustive scorer: every posting of every term, term at a time (terms in descending order
   * of their bound, as `searchMaxScore` sums them), into a reused array of doubles; then one pass
   * over all documents into a fixed-size heap. The reference of the property test, and the faster
   * strategy on this project's queries (docs/retrieval.md).
   */
  searchExhaustive(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    const plan = this.plan(terms);
    if (!plan.length || limit <= 0) return [];
    this.ensureScratch();
    const acc = this.acc;
    const norms = this.norms;
    let postings = 0;
    for (const t of plan) {
      const docs = t.docs;
      const tfs = t.tfs;
      const wk = t.wk;
      for (let j = 0; j < docs.length; j++) {
        const d = docs[j]!;
        const tf = tfs[j]!;
        acc[d] = acc[d]! + (wk * tf) / (tf + norms[d]!);
      }
      postings += docs.length;
    }
    const heap = new TopK(limit);
    for (let d = 0; d < this.size; d++) {
      const s = acc[d]!;
      if (s > 0) {
        acc[d] = 0;
        if (!allow || allow(d)) heap.offer(d, s);
      }
    }
    if (stats) Object.assign(stats, { terms: plan.length, postings, walked: postings, skippedLists: 0, lookups: 0 });
    return heap.sorted();
  }

  private ensureScratch(): void {
    if (this.acc.length < this.size) {
      this.acc = new Float64Array(this.size);
      this.touched = new Int32Array(this.size);
      this.mark = new Uint8Array(this.size);
    }
  }

  /** Merges duplicate terms, drops unknown ones, orders by descending bound (ties: first given first). */
  private plan(terms: WeightedTerm[]): PlannedTerm[] {
    if (!this.size || !terms.length) return [];
    const merged = new Map<string, number>();
    for (const { term, weight } of terms) if (weight > 0) merged.set(term, (merged.get(term) ?? 0) + weight);
    const k1p1 = this.params.k1 + 1;
    const out: (PlannedTerm & { order: number })[] = [];
    for (const [term, weight] of merged) {
      const p = this.postings.get(term);
      if (!p) continue;
      if (Number.isNaN(p.maxImpact)) p.maxImpact = this.maxImpactOf(p);
      const wk = weight * this.idf(term) * k1p1;
      out.push({ docs: p.docs, tfs: p.tfs, wk, upper: wk * p.maxImpact * (1 + PRUNE_SLACK), order: out.length });
    }
    return out.sort((x, y) => y.upper - x.upper || x.order - y.order);
  }

  private maxImpactOf(p: Posting): number {
    let m = 0;
    for (let j = 0; j < p.docs.length; j++) {
      const tf = p.tfs[j]!;
      const v = tf / (tf + this.norms[p.docs[j]!]!);
      if (v > m) m = v;
    }
    return m;
  }
}

/** First index ≥ `from` whose doc id is ≥ `target` (exponential then binary search). */
function gallop(docs: Int32Array, from: number, target: number): number {
  const n = docs.length;
  if (from >= n || docs[from]! >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < n && docs[hi]! < target) {
    lo = hi;
    step <<= 1;
    hi = from + step;
  }
  if (hi > n) hi = n;
  // docs[lo] < target; docs[hi] ≥ target or hi = n
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The `k`-th best score among the touched documents (allowed ones only); 0 when fewer. */
function kthBest(acc: Float64Array, touched: Int32Array, nt: number, k: number, allow?: (doc: number) => boolean): number {
  const heap = new Float64Array(k); // min-heap of the k best scores seen
  let n = 0;
  for (let x = 0; x < nt; x++) {
    const d = touched[x]!;
    const s = acc[d]!;
    if (n === k && s <= heap[0]!) continue;
    if (allow && !allow(d)) continue;
    if (n < k) {
      let i = n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p]! <= s) break;
        heap[i] = heap[p]!;
        i = p;
      }
      heap[i] = s;
    } else {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k) break;
        const r = l + 1;
        const m = r < k && heap[r]! < heap[l]! ? r : l;
        if (heap[m]! >= s) break;
        heap[i] = heap[m]!;
        i = m;
      }
      heap[i] = s;
    }
  }
  return n === k ? heap[0]! : 0;
}

/**
 * Fixed-size min-heap of (score, doc) over typed arrays. The worst hit is at the root: lowest score,
 * and among equal scores the highest doc (so ties keep the lower doc ids, as a full sort would).
 */
class TopK {
  private readonly scores: Float64Array;
  private readonly docs: Int32Array;
  private n = 0;
  readonly cap: number;

  constructor(cap: number) {
    this.cap = cap;
    this.scores = new Float64Array(cap);
    this.docs = new Int32Array(cap);
  }

  get full(): boolean {
    return this.n === this.cap;
  }

  /** Score of the worst hit held (meaningful when full). */
  get minScore(): number {
    return this.scores[0]!;
  }

  /** x is worse than y. */
  private worse(sx: number, dx: number, sy: number, dy: number): boolean {
    return sx < sy || (sx === sy && dx > dy);
  }

  offer(doc: number, score: number): void {
    const S = this.scores;
    const D = this.docs;
    if (this.n < this.cap) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(score, doc, S[p]!, D[p]!)) break;
        S[i] = S[p]!;
        D[i] = D[p]!;
        i = p;
      }
      S[i] = score;
      D[i] = doc;
      return;
    }
    if (!this.worse(S[0]!, D[0]!, score, doc)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const m = r < this.n && this.worse(S[r]!, D[r]!, S[l]!, D[l]!) ? r : l;
      if (!this.worse(S[m]!, D[m]!, score, doc)) break;
      S[i] = S[m]!;
      D[i] = D[m]!;
      i = m;
    }
    S[i] = score;
    D[i] = doc;
  }

  sorted(): Bm25Hit[] {
    const out: Bm25Hit[] = [];
    for (let i = 0; i < this.n; i++) out.push({ doc: this.docs[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }
}
