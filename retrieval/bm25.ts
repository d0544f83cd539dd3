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
}

/** An immutable BM25 index. Rebuild it (cheap) when documents change. */
export class Bm25Index {
  readonly params: Bm25Params;
  readonly size: number;
  private readonly postings: Map<string, Posting>;
  private readonly docLengths: Float32Array;
  private readonly avgdl: number;
  private scratch: Float32Array;

  private constructor(postings: Map<string, Posting>, docLengths: Float32Array, params: Bm25Params) {
    this.postings = postings;
    this.docLengths = docLengths;
    this.params = params;
    this.size = docLengths.length;
    let total = 0;
    for (const l of docLengths) total += l;
    this.avgdl = this.size ? total / this.size : 1;
    this.scratch = new Float32Array(this.size);
  }

  /**
   * Builds an index from token lists (one per document, in order). Accepts any iterable, so callers
   * can tokenize lazily: only the postings are kept, never all token lists at once (100k chunks).
   */
  static build(docs: Iterable<string[]>, params: Bm25Params = DEFAULT_BM25): Bm25Index {
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
    for (const [t, p] of lists) postings.set(t, { docs: p.docs.slice(0, p.n), tfs: p.tfs.slice(0, p.n) });
    return new Bm25Index(postings, lengths.slice(0, d), params);
  }

  /** Restores an index written by `toJSON`. Throws on a malformed object. */
  static fromJSON(json: Bm25Json): Bm25Index {
    if (!json || json.version !== 1 || !Array.isArray(json.docLengths) || typeof json.postings !== 'object') {
      throw new Error('BM25 index: unsupported or malformed data');
    }
    const postings = new Map<string, Posting>();
    for (const [t, arr] of Object.entries(json.postings)) {
      const n = arr.length / 2;
      if (!Number.isInteger(n)) throw new Error(`BM25 index: malformed posting list for "${t}"`);
      postings.set(t, { docs: Int32Array.from(arr.slice(0, n)), tfs: Uint16Array.from(arr.slice(n)) });
    }
    return new Bm25Index(postings, Float32Array.from(json.docLengths), json.params ?? DEFAULT_BM25);
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
   * Top `limit` documents for weighted terms (score > 0 only), best first. `allow` restricts the
   * documents considered (e.g. a district filter).
   */
  search(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean): Bm25Hit[] {
    if (!this.size || !terms.length || limit <= 0) return [];
    const acc = this.scratch;
    acc.fill(0);
    const touched: number[] = [];
    const { k1, b } = this.params;
    const merged = new Map<string, number>();
    for (const { term, weight } of terms) if (weight > 0) merged.set(term, (merged.get(term) ?? 0) + weight);
    for (const [term, weight] of merged) {
      const p = this.postings.get(term);
      if (!p) continue;
      const w = weight * this.idf(term);
      const docs = p.docs;
      const tfs = p.tfs;
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        const tf = tfs[i]!;
        const norm = k1 * (1 - b + (b * this.docLengths[d]!) / this.avgdl);
        if (acc[d] === 0) touched.push(d);
        acc[d]! += (w * tf * (k1 + 1)) / (tf + norm);
      }
    }
    return topK(touched, acc, limit, allow);
  }
}

/** Selects the `limit` best of `candidates` by `scores` (partial selection, no full sort of N). */
function topK(candidates: number[], scores: Float32Array, limit: number, allow?: (doc: number) => boolean): Bm25Hit[] {
  const heap: Bm25Hit[] = []; // min-heap by score
  const push = (h: Bm25Hit) => {
    heap.push(h);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]!.score <= heap[i]!.score) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const replaceTop = (h: Bm25Hit) => {
    heap[0] = h;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l]!.score < heap[m]!.score) m = l;
      if (r < heap.length && heap[r]!.score < heap[m]!.score) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  };
  for (const d of candidates) {
    const s = scores[d]!;
    if (s <= 0 || (allow && !allow(d))) continue;
    if (heap.length < limit) push({ doc: d, score: s });
    else if (s > heap[0]!.score) replaceTop({ doc: d, score: s });
  }
  return heap.sort((a, b) => b.score - a.score || a.doc - b.doc);
}
