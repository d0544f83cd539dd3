/**
 * Okapi BM25 over pre-tokenized documents, with weighted query terms (the user's words weigh 1,
 * synonym expansions and character bigrams less). Postings are typed arrays in one WebAssembly
 * memory (bm25-kernel.ts), terms with identical lists share one, and the inner loop is compiled: a
 * query over 100k chunks takes about a millisecond.
 *
 * score(d, q) = Σ_t w_t · idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 * idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 *
 * @example
 * const index = Bm25Index.build([['社保', '补缴'], ['落户', '留学']]);
 * index.search([{ term: '社保', weight: 1 }], 5); // → [{ doc: 0, score: 0.69 }]
 */

import { createArena, type Arena } from './bm25-kernel.ts';

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

/**
 * Postings in one block (compressed sparse rows): list l is `docs[offsets[l] … offsets[l+1])` (doc
 * ids ascending) with its term frequencies at the same positions of `tfs`. Terms whose lists are
 * identical (same documents, same tfs: a two-character word and its character bigram, mostly)
 * share one list: more than half of all postings in this project's index.
 */
export interface Bm25Postings {
  /** term → list id (row of `offsets`); several terms may map to one list. */
  termIds: Map<string, number>;
  offsets: Int32Array;
  docs: Int32Array;
  tfs: Uint16Array;
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
  /** Documents that could still reach the top when the walk stopped (pruned strategies). */
  candidates?: number;
}

/**
 * Search strategy. `pruning`: `none` (exhaustive, the default: faster on this project's queries,
 * measured in docs/retrieval.md), `maxscore` (term-at-a-time MaxScore) or `blockmax`
 * (document-at-a-time MaxScore with block-max bounds). All three give the same results.
 */
export interface Bm25SearchOptions {
  pruning: 'none' | 'maxscore' | 'blockmax';
  /**
   * The exhaustive scorer's inner loop: `wasm` (default; bm25-kernel.ts) or `js` (the same
   * arithmetic in JavaScript: for the bench and the test that compares them).
   */
  kernel?: 'wasm' | 'js';
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
  /** The term's postings (empty when planned without lists: `len` and `start` locate them). */
  docs: Int32Array;
  tfs: Uint16Array;
  /** Length of the term's list. */
  len: number;
  wk: number;
  upper: number;
  /** Term id and the position of its list in the index's arrays. */
  id: number;
  start: number;
}

/** Postings per block of the block-max bounds (`blockMax`): a power of two. */
export const BM25_BLOCK_SHIFT = 6;
const BLOCK = 1 << BM25_BLOCK_SHIFT;

/**
 * Relative slack of a block bound read from float32 (`blockMax`): float32 rounds by at most 2^−24
 * relative, so `max × (1 + BLOCK_SLACK)` is never below the exact maximum.
 */
const BLOCK_SLACK = 1e-6;

/** An immutable BM25 index. Rebuild it (cheap) when documents change. */
export class Bm25Index {
  readonly params: Bm25Params;
  readonly size: number;
  private readonly termIds: Map<string, number>;
  private readonly offsets: Int32Array;
  private readonly docs: Int32Array;
  private readonly tfs: Uint16Array;
  /** Per list: max over it of tf/(tf + norm(d)), computed on first use (NaN until then). */
  private readonly maxImpact: Float64Array;
  private readonly docLengths: Float32Array;
  private readonly avgdl: number;
  /** k1·(1 − b + b·|d|/avgdl) per document, precomputed (the length correction of every posting). */
  private readonly norms: Float64Array;
  private readonly searchOpts: Bm25SearchOptions;
  /**
   * Block-max bounds: list l is cut in blocks of `BLOCK` postings, blocks
   * `blockBase[l] … blockBase[l+1])`; `blockMax[b]` is the largest tf/(tf + norm(d)) of block b
   * (float32). Computed at build, stored in `bm25.bin`.
   */
  private readonly blockBase: Int32Array;
  private readonly blockMax: Float32Array;
  /** Postings, norms and the accumulator (zero between searches), with the compiled inner loop. */
  private readonly arena: Arena;
  private readonly acc: Float64Array;
  private touched: Int32Array;
  private mark: Uint8Array;
  private cand: Int32Array;

  /** Wraps postings and document lengths (`Bm25Builder.finish`, `fromJSON`, `fromBinary`). */
  constructor(
    postings: Bm25Postings,
    docLengths: Float32Array,
    params: Bm25Params,
    searchOpts: Bm25SearchOptions = DEFAULT_BM25_SEARCH,
    blockMax?: Float32Array,
    arena?: Arena,
  ) {
    this.searchOpts = searchOpts;
    this.termIds = postings.termIds;
    this.offsets = postings.offsets;
    const nLists = this.offsets.length - 1;
    let badId = false;
    for (const id of this.termIds.values()) if (!(id >= 0 && id < nLists)) badId = true;
    if (nLists < 0 || badId || this.offsets[nLists] !== postings.docs.length || postings.tfs.length !== postings.docs.length)
      throw new Error(
        `BM25 index: inconsistent postings (${this.termIds.size} terms, ${this.offsets.length} offsets, ${postings.docs.length} doc ids, ${postings.tfs.length} tfs${badId ? ', a term without a list' : ''})`,
      );
    // the compiled loop writes acc[doc] inside one memory: a doc id out of range would corrupt the
    // norms next to it instead of being ignored, so lists are checked (a few ms at 100k chunks)
    const size = docLengths.length;
    for (let l = 0; l < nLists; l++) {
      const a = this.offsets[l]!;
      const z = this.offsets[l + 1]!;
      if (!(a >= 0 && a <= z && z <= postings.docs.length))
        throw new Error(`BM25 index: list ${l} has offsets ${a}…${z} (rebuild it: policybot ingest --rebuild)`);
      let last = -1;
      for (let j = a; j < z; j++) {
        const d = postings.docs[j]!;
        if (!(d > last && d < size))
          throw new Error(
            `BM25 index: list ${l} has document ${d} after ${last} (${size} documents; rebuild it: policybot ingest --rebuild)`,
          );
        last = d;
      }
    }
    this.maxImpact = new Float64Array(nLists).fill(NaN);
    this.docLengths = docLengths;
    this.params = params;
    this.size = docLengths.length;
    // postings, norms and the accumulator in one arena, where the compiled inner loop reads them
    // (`fromPostings` lays the shared lists out in the arena directly: no second copy)
    if (arena && arena.docs === postings.docs && arena.tfs === postings.tfs && arena.acc.length === this.size) this.arena = arena;
    else {
      this.arena = createArena(this.size, postings.docs.length, { wasm: searchOpts.kernel !== 'js' });
      this.arena.docs.set(postings.docs);
      this.arena.tfs.set(postings.tfs);
    }
    this.docs = this.arena.docs;
    this.tfs = this.arena.tfs;
    this.acc = this.arena.acc;
    let total = 0;
    for (const l of docLengths) total += l;
    this.avgdl = this.size ? total / this.size : 1;
    const { k1, b } = params;
    this.norms = this.arena.norms;
    for (let d = 0; d < this.size; d++) this.norms[d] = k1 * (1 - b + (b * docLengths[d]!) / this.avgdl);
    this.blockBase = blockBases(this.offsets);
    const nBlocks = this.blockBase[nLists]!;
    if (blockMax && blockMax.length !== nBlocks)
      throw new Error(`BM25 index: ${blockMax.length} block bounds for ${nBlocks} blocks (rebuild it: policybot ingest --rebuild)`);
    this.blockMax = blockMax ?? blockMaxima(this.offsets, this.docs, this.tfs, this.norms, nBlocks);
    this.touched = new Int32Array(0);
    this.mark = new Uint8Array(0);
    this.cand = new Int32Array(0);
  }

  /**
   * The index of postings in which identical lists may repeat (a build, a merge, JSON): they are
   * shared (`shareIdenticalLists`), written straight into the index's arena.
   */
  static fromPostings(
    p: Bm25Postings,
    docLengths: Float32Array,
    params: Bm25Params,
    searchOpts: Bm25SearchOptions = DEFAULT_BM25_SEARCH,
  ): Bm25Index {
    let arena: Arena | undefined;
    const shared = shareIdenticalLists(p, (total) => {
      arena = createArena(docLengths.length, total, { wasm: searchOpts.kernel !== 'js' });
      return { docs: arena.docs, tfs: arena.tfs };
    });
    return new Bm25Index(shared, docLengths, params, searchOpts, undefined, arena);
  }

  /**
   * Builds an index from token lists (one per document, in order). Accepts any iterable, so callers
   * can tokenize lazily: only the postings are kept, never all token lists at once (100k chunks).
   */
  static build(docs: Iterable<string[]>, params: Bm25Params = DEFAULT_BM25, searchOpts?: Bm25SearchOptions): Bm25Index {
    const b = new Bm25Builder();
    for (const tokens of docs) {
      for (const t of tokens) b.add(t);
      b.endDoc();
    }
    return b.finish(params, searchOpts);
  }

  /** Restores an index written by `toJSON`. Throws on a malformed object. */
  static fromJSON(json: Bm25Json, searchOpts?: Bm25SearchOptions): Bm25Index {
    if (!json || json.version !== 1 || !Array.isArray(json.docLengths) || typeof json.postings !== 'object') {
      throw new Error('BM25 index: unsupported or malformed data');
    }
    const entries = Object.entries(json.postings);
    const termIds = new Map<string, number>();
    const offsets = new Int32Array(entries.length + 1);
    for (const [t, arr] of entries) {
      const n = arr.length / 2;
      if (!Number.isInteger(n)) throw new Error(`BM25 index: malformed posting list for "${t}"`);
      termIds.set(t, termIds.size);
      offsets[termIds.size] = offsets[termIds.size - 1]! + n;
    }
    const docs = new Int32Array(offsets[entries.length]!);
    const tfs = new Uint16Array(docs.length);
    entries.forEach(([, arr], i) => {
      const n = arr.length / 2;
      docs.set(arr.slice(0, n), offsets[i]!);
      tfs.set(arr.slice(n), offsets[i]!);
    });
    return Bm25Index.fromPostings(
      { termIds, offsets, docs, tfs },
      Float32Array.from(json.docLengths),
      json.params ?? DEFAULT_BM25,
      searchOpts,
    );
  }

  /** JSON-safe representation. */
  toJSON(): Bm25Json {
    const postings: Record<string, number[]> = {};
    for (const [t, id] of this.termIds) {
      const a = this.offsets[id]!;
      const z = this.offsets[id + 1]!;
      postings[t] = [...this.docs.subarray(a, z), ...this.tfs.subarray(a, z)];
    }
    return { version: 1, params: this.params, docLengths: [...this.docLengths], postings };
  }

  /**
   * Binary form (the index file `bm25.bin`): magic, a JSON header (params, counts, the terms and the
   * list of each), then doc lengths (f32), offsets (i32), doc ids (i32), tfs (u16) and the block
   * bounds (f32), each 4-byte aligned. About 6 bytes per posting, and it loads without parsing numbers.
   */
  toBinary(): Buffer {
    const terms = [...this.termIds.keys()];
    const lists = [...this.termIds.values()];
    const header = Buffer.from(
      JSON.stringify({ params: this.params, docs: this.size, lists: this.offsets.length - 1, terms, termLists: lists }),
      'utf8',
    );
    const pad = (n: number) => (4 - (n % 4)) % 4;
    const head = 8 + 4 + header.length;
    const parts: Uint8Array[] = [
      Buffer.from(BIN_MAGIC, 'latin1'),
      new Uint8Array(new Uint32Array([header.length]).buffer),
      header,
      new Uint8Array(pad(head)),
    ];
    for (const a of [this.docLengths, this.offsets, this.docs, this.tfs, this.blockMax]) {
      parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      parts.push(new Uint8Array(pad(a.byteLength)));
    }
    return Buffer.concat(parts);
  }

  /** Restores an index written by `toBinary`. Throws, naming what is wrong, on a malformed buffer. */
  static fromBinary(buf: Uint8Array, searchOpts?: Bm25SearchOptions): Bm25Index {
    const bad = (what: string) => new Error(`BM25 index file: ${what} (rebuild it: policybot ingest --rebuild)`);
    if (buf.length < 12 || Buffer.from(buf.subarray(0, 8)).toString('latin1') !== BIN_MAGIC)
      throw bad('not a policybot BM25 file of this version');
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const hlen = dv.getUint32(8, true);
    if (12 + hlen > buf.length) throw bad('truncated header');
    let h: { params: Bm25Params; docs: number; lists: number; terms: string[]; termLists: number[] };
    try {
      h = JSON.parse(Buffer.from(buf.subarray(12, 12 + hlen)).toString('utf8'));
    } catch {
      throw bad('unreadable header');
    }
    if (!Array.isArray(h.terms) || !Array.isArray(h.termLists) || h.terms.length !== h.termLists.length || !Number.isInteger(h.lists))
      throw bad('header without terms and their lists');
    let pos = 12 + hlen;
    pos += (4 - (pos % 4)) % 4;
    // an aligned copy (Buffer#slice would be a view), or a view where aligned when `view` (the
    // postings: the index copies them into its arena, so no view outlives the load)
    const take = <T>(make: (b: ArrayBuffer, at: number, count: number) => T, count: number, bytesPer: number, view = false): T => {
      const bytes = count * bytesPer;
      if (pos + bytes > buf.length) throw bad('truncated data');
      const at = buf.byteOffset + pos;
      const out =
        view && at % 4 === 0
          ? make(buf.buffer as ArrayBuffer, at, count)
          : make(Uint8Array.prototype.slice.call(buf, pos, pos + bytes).buffer as ArrayBuffer, 0, count);
      pos += bytes + ((4 - (bytes % 4)) % 4);
      return out;
    };
    const docLengths = take((b, at, c) => new Float32Array(b, at, c), h.docs, 4);
    const offsets = take((b, at, c) => new Int32Array(b, at, c), h.lists + 1, 4);
    const n = offsets[h.lists]!;
    const docs = take((b, at, c) => new Int32Array(b, at, c), n, 4, true);
    const tfs = take((b, at, c) => new Uint16Array(b, at, c), n, 2, true);
    const blockMax = take((b, at, c) => new Float32Array(b, at, c), blockBases(offsets)[h.lists]!, 4);
    const termIds = new Map<string, number>();
    h.terms.forEach((t, i) => termIds.set(t, h.termLists[i]!));
    return new Bm25Index({ termIds, offsets, docs, tfs }, docLengths, h.params ?? DEFAULT_BM25, searchOpts, blockMax);
  }

  /**
   * The index of a changed document set without re-tokenizing what did not change: the kept documents
   * of `old` (`oldToNew[d]`: new doc id, or −1 when dropped) and the documents of `fresh`
   * (`freshToNew[j]`: new doc id), `size` documents in all. Equal to building the new set from scratch
   * (same postings, lengths and hence scores; terms left with no document disappear).
   */
  static merge(
    old: Bm25Index,
    oldToNew: Int32Array,
    fresh: Bm25Index,
    freshToNew: Int32Array,
    size: number,
    searchOpts?: Bm25SearchOptions,
  ): Bm25Index {
    if (oldToNew.length !== old.size || freshToNew.length !== fresh.size) throw new Error('BM25 merge: a row map does not match its index');
    const lengths = new Float32Array(size);
    const seen = new Uint8Array(size);
    const place = (to: number, len: number) => {
      if (!(to >= 0 && to < size) || seen[to]) throw new Error(`BM25 merge: document ${to} is out of range or given twice`);
      seen[to] = 1;
      lengths[to] = len;
    };
    let monotonic = true;
    let last = -1;
    for (let d = 0; d < old.size; d++) {
      const to = oldToNew[d]!;
      if (to < 0) continue;
      place(to, old.docLengths[d]!);
      if (to < last) monotonic = false;
      last = to;
    }
    for (let j = 0; j < fresh.size; j++) place(freshToNew[j]!, fresh.docLengths[j]!);
    if (seen.some((x) => x === 0)) throw new Error('BM25 merge: some documents are given by neither index');
    // each term of the result has an old list (o, or −1) and a fresh one (f, or −1): one merged
    // list per distinct pair (terms sharing a list in both indexes share the merged one); counts
    // first, then empty lists (and their terms) dropped; lists equal by coincidence shared at the end
    const nFresh = fresh.offsets.length - 1;
    const pairOf = new Map<number, number>();
    const pairs: number[] = []; // o, f, o, f, …
    const termPair = new Map<string, number>();
    const pairFor = (o: number, f: number): number => {
      const key = (o + 1) * (nFresh + 1) + (f + 1);
      let at = pairOf.get(key);
      if (at === undefined) {
        at = pairs.length / 2;
        pairOf.set(key, at);
        pairs.push(o, f);
      }
      return at;
    };
    for (const [t, o] of old.termIds) termPair.set(t, pairFor(o, fresh.termIds.get(t) ?? -1));
    for (const [t, f] of fresh.termIds) if (!old.termIds.has(t)) termPair.set(t, pairFor(-1, f));
    const nPairs = pairs.length / 2;
    const keptOld = new Int32Array(old.offsets.length - 1).fill(-1);
    const count = new Int32Array(nPairs);
    for (let x = 0; x < nPairs; x++) {
      const o = pairs[2 * x]!;
      const f = pairs[2 * x + 1]!;
      let c = 0;
      if (o >= 0) {
        if (keptOld[o]! < 0) {
          let k = 0;
          for (let j = old.offsets[o]!; j < old.offsets[o + 1]!; j++) if (oldToNew[old.docs[j]!]! >= 0) k++;
          keptOld[o] = k;
        }
        c += keptOld[o]!;
      }
      if (f >= 0) c += fresh.offsets[f + 1]! - fresh.offsets[f]!;
      count[x] = c;
    }
    const listOfPair = new Int32Array(nPairs).fill(-1);
    let total = 0;
    for (let x = 0; x < nPairs; x++) total += count[x]!;
    const offsets: number[] = [0];
    const docs = new Int32Array(total);
    const tfs = new Uint16Array(total);
    let at = 0;
    for (let x = 0; x < nPairs; x++) {
      if (count[x] === 0) continue;
      listOfPair[x] = offsets.length - 1;
      const start = at;
      // merge the old list (remapped) with the fresh one (remapped): both ascending when monotonic
      const o = pairs[2 * x]!;
      const f = pairs[2 * x + 1]!;
      let i = o >= 0 ? old.offsets[o]! : 0;
      const iz = o >= 0 ? old.offsets[o + 1]! : 0;
      let j = f >= 0 ? fresh.offsets[f]! : 0;
      const jz = f >= 0 ? fresh.offsets[f + 1]! : 0;
      while (i < iz || j < jz) {
        while (i < iz && oldToNew[old.docs[i]!]! < 0) i++;
        if (i >= iz && j >= jz) break;
        const di = i < iz ? oldToNew[old.docs[i]!]! : Infinity;
        const dj = j < jz ? freshToNew[fresh.docs[j]!]! : Infinity;
        if (di < dj) {
          docs[at] = di;
          tfs[at++] = old.tfs[i++]!;
        } else {
          docs[at] = dj;
          tfs[at++] = fresh.tfs[j++]!;
        }
      }
      if (!monotonic) sortPostings(docs, tfs, start, at);
      offsets.push(at);
    }
    const termIds = new Map<string, number>();
    for (const [t, x] of termPair) if (listOfPair[x]! >= 0) termIds.set(t, listOfPair[x]!);
    return Bm25Index.fromPostings(
      { termIds, offsets: Int32Array.from(offsets), docs, tfs },
      lengths,
      old.params,
      searchOpts ?? old.searchOpts,
    );
  }

  /** Number of distinct terms, of distinct lists (terms with identical lists share one) and of postings stored (for the bench). */
  get counts(): { terms: number; lists: number; postings: number } {
    return { terms: this.termIds.size, lists: this.offsets.length - 1, postings: this.docs.length };
  }

  /** Number of documents containing `term`. */
  df(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.offsets[id + 1]! - this.offsets[id]!;
  }

  /** Inverse document frequency; an unseen term gets the idf of a term seen in half a document. */
  idf(term: string): number {
    return this.idfOf(this.df(term));
  }

  private idfOf(df: number): number {
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** The largest possible idf (a term in no document): used for out-of-corpus query words. */
  maxIdf(): number {
    return Math.log(1 + (this.size + 0.5) / 0.5);
  }

  /** Whether `doc` contains `term` (binary search in the posting list). */
  contains(doc: number, term: string): boolean {
    const id = this.termIds.get(term);
    if (id === undefined) return false;
    let lo = this.offsets[id]!;
    let hi = this.offsets[id + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.docs[mid]!;
      if (v === doc) return true;
      if (v < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /**
   * Which of `docs` (ascending) contain `term`: sets `found[x] = 1` for each `docs[x]` in the term's
   * list (others untouched). One forward galloping pass over the list: for many documents and long
   * lists far cheaper than a binary search each.
   */
  markContaining(term: string, docs: Int32Array, found: Uint8Array): void {
    const id = this.termIds.get(term);
    if (id === undefined) return;
    const D = this.docs;
    const z = this.offsets[id + 1]!;
    let p = this.offsets[id]!;
    for (let x = 0; x < docs.length && p < z; x++) {
      const d = docs[x]!;
      p = gallopTo(D, p, z, d);
      if (p < z && D[p] === d) found[x] = 1;
    }
  }

  /**
   * Top `limit` documents for weighted terms (score > 0 only), best first; ties by ascending doc.
   * `allow` restricts the documents considered (e.g. a district filter). Uses the strategy chosen
   * by `Bm25SearchOptions.pruning`; all give identical results.
   */
  search(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    const pruning = this.searchOpts.pruning;
    if (pruning === 'maxscore') return this.searchMaxScore(terms, limit, allow, stats);
    if (pruning === 'blockmax') return this.searchBlockMax(terms, limit, allow, stats);
    return this.searchExhaustive(terms, limit, allow, stats);
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
   * Top `limit` documents, document at a time, by MaxScore with block-max bounds.
   *
   * Lists are taken in ascending order of the bound of their contribution. Once the heap holds
   * `limit` hits, its worst score θ is a lower bound of the final threshold: the longest prefix of
   * lists whose bounds add up to less than θ is *non-essential* — no document found only in them can
   * enter the top — so documents are enumerated from the other (*essential*) lists only, in
   * ascending order. For each, the non-essential lists are consulted from the heaviest down: first
   * the bound of the block of `BLOCK` postings that could hold it (`blockMax`, computed at build),
   * then a search inside that block; the document is dropped as soon as what it has plus what it can
   * still get stays below θ. As θ rises more lists become non-essential.
   *
   * Identical results to `searchExhaustive`: a document that is kept gets its contributions summed
   * in the exhaustive scorer's term order, in doubles (so the same score to the last bit), ties go to
   * the lower document (enumerated first), and bounds are compared with a slack that covers their
   * rounding and float32 block bounds.
   */
  searchBlockMax(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    const plan = this.plan(terms);
    const n = plan.length;
    if (!n || limit <= 0) return [];
    const D = this.docs;
    const T = this.tfs;
    const norms = this.norms;
    const BM = this.blockMax;
    const END = 0x7fffffff;
    // list i (0 … n−1) in ascending order of bound: plan[n − 1 − i]
    const pos = new Int32Array(n);
    const end = new Int32Array(n);
    const cur = new Int32Array(n);
    const start = new Int32Array(n);
    const bFirst = new Int32Array(n);
    const bAt = new Int32Array(n);
    const bEnd = new Int32Array(n);
    const wk = new Float64Array(n);
    const upper = new Float64Array(n);
    const prefix = new Float64Array(n + 1); // prefix[i] = Σ upper of lists 0 … i−1
    const contrib = new Float64Array(n);
    const blockUp = new Float64Array(n);
    let postings = 0;
    for (let i = 0; i < n; i++) {
      const t = plan[n - 1 - i]!;
      start[i] = pos[i] = t.start;
      end[i] = t.start + t.docs.length;
      cur[i] = t.docs.length ? t.docs[0]! : END;
      bFirst[i] = bAt[i] = this.blockBase[t.id]!;
      bEnd[i] = this.blockBase[t.id + 1]!;
      wk[i] = t.wk;
      upper[i] = t.upper;
      prefix[i + 1] = prefix[i]! + t.upper;
      postings += t.docs.length;
    }
    const heap = new TopK(limit);
    let bar = 0; // θ·(1 − slack) once the heap is full, else 0
    let e = 0; // lists 0 … e−1 are non-essential
    let walked = 0;
    let lookups = 0;
    for (;;) {
      let d = END;
      for (let i = e; i < n; i++) if (cur[i]! < d) d = cur[i]!;
      if (d === END) break;
      const nd = norms[d]!;
      let partial = 0;
      for (let i = e; i < n; i++) {
        if (cur[i] !== d) continue;
        const p = pos[i]!;
        const tf = T[p]!;
        const v = (wk[i]! * tf) / (tf + nd);
        contrib[i] = v;
        partial += v;
        const q = p + 1;
        pos[i] = q;
        cur[i] = q < end[i]! ? D[q]! : END;
        walked++;
      }
      let alive = !allow || allow(d);
      if (alive && e > 0) {
        // replace the list bounds by the bounds of the blocks that could hold d, heaviest first
        let bound = partial + prefix[e]!;
        for (let j = e - 1; j >= 0 && bound >= bar; j--) {
          const s0 = start[j]!;
          const z = end[j]!;
          const b0 = bFirst[j]!;
          const bz = bEnd[j]!;
          let b = bAt[j]!;
          while (b < bz && D[Math.min(z, s0 + ((b - b0 + 1) << BM25_BLOCK_SHIFT)) - 1]! < d) b++;
          bAt[j] = b;
          const x = b < bz && D[s0 + ((b - b0) << BM25_BLOCK_SHIFT)]! <= d ? wk[j]! * BM[b]! * (1 + BLOCK_SLACK) : 0;
          blockUp[j] = x;
          bound -= upper[j]! - x;
        }
        if (bound < bar) alive = false;
        else {
          // look d up in those blocks, heaviest first, while it can still reach θ
          for (let j = e - 1; j >= 0; j--) {
            const x = blockUp[j]!;
            if (x === 0) continue;
            bound -= x;
            const b = bAt[j]! - bFirst[j]!;
            const s0 = start[j]!;
            const p = gallopTo(
              D,
              Math.max(pos[j]!, s0 + (b << BM25_BLOCK_SHIFT)),
              Math.min(end[j]!, s0 + ((b + 1) << BM25_BLOCK_SHIFT)),
              d,
            );
            lookups++;
            pos[j] = p;
            if (p < end[j]! && D[p] === d) {
              const tf = T[p]!;
              const v = (wk[j]! * tf) / (tf + nd);
              contrib[j] = v;
              bound += v;
            }
            if (bound < bar) {
              alive = false;
              break;
            }
          }
        }
      }
      if (alive) {
        let s = 0;
        for (let i = n - 1; i >= 0; i--) s += contrib[i]!; // plan order, as the exhaustive scorer sums
        heap.offer(d, s);
        if (heap.full) {
          bar = heap.minScore * (1 - PRUNE_SLACK);
          while (e < n && prefix[e + 1]! < bar) e++;
        }
      }
      contrib.fill(0);
    }
    if (stats) Object.assign(stats, { terms: n, postings, walked, skippedLists: e, lookups });
    return heap.sorted();
  }

  /**
   * The exhaustive scorer: every posting of every term, term at a time (terms in descending order
   * of their bound, as `searchMaxScore` sums them), into a reused array of doubles by the compiled
   * loop of bm25-kernel.ts; then one pass over all documents into a fixed-size heap. The reference
   * of the property test, and the fastest strategy on this project's queries (docs/retrieval.md).
   */
  searchExhaustive(terms: WeightedTerm[], limit: number, allow?: (doc: number) => boolean, stats?: Bm25SearchStats): Bm25Hit[] {
    const plan = this.plan(terms, false);
    if (!plan.length || limit <= 0) return [];
    const acc = this.acc;
    const { layout, accumulate } = this.arena;
    let postings = 0;
    for (const t of plan) {
      // acc[d] = acc[d] + (wk·tf)/(tf + norms[d]) for each posting (bm25-kernel.ts)
      accumulate(layout.docs + 4 * t.start, layout.tfs + 2 * t.start, t.len, t.wk, layout.norms, layout.acc);
      postings += t.len;
    }
    // documents come in ascending order: once the heap is full, one that does not beat its worst
    // score cannot enter (an equal score loses the tie to the lower documents held); before, any
    // score > 0 enters. One predictable branch per document, then the accumulator is cleared at once.
    const heap = new TopK(limit);
    let worst = 0;
    const n = this.size;
    for (let d = 0; d < n; d++) {
      const s = acc[d]!;
      if (s > worst && (!allow || allow(d))) {
        heap.offer(d, s);
        if (heap.full) worst = heap.minScore;
      }
    }
    acc.fill(0);
    if (stats) Object.assign(stats, { terms: plan.length, postings, walked: postings, skippedLists: 0, lookups: 0 });
    return heap.sorted();
  }

  private ensureScratch(): void {
    if (this.touched.length < this.size) {
      this.touched = new Int32Array(this.size);
      this.mark = new Uint8Array(this.size);
    }
  }

  /**
   * Merges terms that share a list (the same term given twice, or terms with identical lists: their
   * weights add up, as their contributions would), drops unknown ones, orders by descending bound
   * (ties: first given first).
   */
  private plan(terms: WeightedTerm[], lists = true): PlannedTerm[] {
    if (!this.size || !terms.length) return [];
    const merged = new Map<number, number>();
    for (const { term, weight } of terms) {
      if (!(weight > 0)) continue;
      const id = this.termIds.get(term);
      if (id !== undefined) merged.set(id, (merged.get(id) ?? 0) + weight);
    }
    const k1p1 = this.params.k1 + 1;
    const out: (PlannedTerm & { order: number })[] = [];
    for (const [id, weight] of merged) {
      const a = this.offsets[id]!;
      const z = this.offsets[id + 1]!;
      if (Number.isNaN(this.maxImpact[id]!)) this.maxImpact[id] = this.maxImpactOf(a, z);
      const wk = weight * this.idfOf(z - a) * k1p1;
      out.push({
        // two typed-array views per term cost more than the exhaustive scorer's whole plan: only when used
        docs: lists ? this.docs.subarray(a, z) : EMPTY_I32,
        tfs: lists ? this.tfs.subarray(a, z) : EMPTY_U16,
        len: z - a,
        wk,
        upper: wk * this.maxImpact[id]! * (1 + PRUNE_SLACK),
        id,
        start: a,
        order: out.length,
      });
    }
    return out.sort((x, y) => y.upper - x.upper || x.order - y.order);
  }

  private maxImpactOf(a: number, z: number): number {
    let m = 0;
    for (let j = a; j < z; j++) {
      const tf = this.tfs[j]!;
      const v = tf / (tf + this.norms[this.docs[j]!]!);
      if (v > m) m = v;
    }
    return m;
  }
}

/** Default `Bm25Builder` pair block: 2^20 pairs (6 MiB). */
const PAIR_SHIFT = 20;
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U16 = new Uint16Array(0);

/** First 8 bytes of `bm25.bin`. */
const BIN_MAGIC = 'PBBM25\u00003';

/**
 * Collects postings document by document without a Map per document: terms are interned to ids once,
 * term frequencies counted in a typed array, (term id, tf) pairs appended to growing typed arrays;
 * `finish` lays them out term by term in one block. Same index as building from token lists.
 *
 * @example
 * const b = new Bm25Builder();
 * b.add('社保'); if (!b.addKeyed(0x8865 * 65536 + 0x7f34)) b.addKeyedNew(0x8865 * 65536 + 0x7f34, '#补缴'); b.endDoc();
 * const index = b.finish();
 */
export class Bm25Builder {
  private readonly shift: number;
  private readonly block: number;
  private readonly mask: number;

  /** `blockShift`: pairs per block as a power of two (default 20; tests use small blocks). Range 4–26. */
  constructor(opts: { blockShift?: number } = {}) {
    this.shift = Math.max(4, Math.min(26, Math.floor(opts.blockShift ?? PAIR_SHIFT)));
    this.block = 1 << this.shift;
    this.mask = this.block - 1;
  }

  private readonly ids = new Map<string, number>();
  private readonly keyed = new Map<number, number>();
  private readonly terms: string[] = [];
  private tf = new Uint32Array(1024);
  private docTerms = new Int32Array(256);
  private nDocTerms = 0;
  private docLen = 0;
  /**
   * (term id, tf) pairs of the finished documents, in blocks of `this.block`: growing never copies and
   * never over-allocates by more than a block (one doubling array peaked at 3× the pairs while copying).
   */
  private pairTerm: Int32Array[] = [];
  private pairTf: Uint16Array[] = [];
  private nPairs = 0;
  /** Pairs of each finished document end at `docEnd[d]`. */
  private docEnd = new Int32Array(1024);
  private lengths = new Float32Array(1024);
  private nDocs = 0;

  /** Documents finished so far. */
  get docs(): number {
    return this.nDocs;
  }

  /** Adds one token to the current document. */
  add(term: string): void {
    let id = this.ids.get(term);
    if (id === undefined) id = this.newTerm(term);
    this.count(id);
  }

  /**
   * Adds a token known by a numeric key (e.g. a character bigram by its two code units), when the key
   * was defined before; false (nothing added) when not: then call `addKeyedNew`. Saves creating the
   * token's string for every occurrence.
   */
  addKeyed(key: number): boolean {
    const id = this.keyed.get(key);
    if (id === undefined) return false;
    this.count(id);
    return true;
  }

  /** Defines `key` as the token `term` (keys and strings share one term space) and adds it. */
  addKeyedNew(key: number, term: string): void {
    const id = this.ids.get(term) ?? this.newTerm(term);
    this.keyed.set(key, id);
    this.count(id);
  }

  /** Ends the current document (possibly empty). */
  endDoc(): void {
    for (let i = 0; i < this.nDocTerms; i++) {
      const id = this.docTerms[i]!;
      const at = this.nPairs & this.mask;
      if (at === 0) {
        this.pairTerm.push(new Int32Array(this.block));
        this.pairTf.push(new Uint16Array(this.block));
      }
      this.pairTerm[this.pairTerm.length - 1]![at] = id;
      this.pairTf[this.pairTf.length - 1]![at] = Math.min(this.tf[id]!, 65535);
      this.nPairs++;
      this.tf[id] = 0;
    }
    this.nDocTerms = 0;
    if (this.nDocs === this.lengths.length) {
      this.lengths = grow(this.lengths, this.nDocs * 2);
      this.docEnd = grow(this.docEnd, this.nDocs * 2);
    }
    this.lengths[this.nDocs] = this.docLen;
    this.docEnd[this.nDocs++] = this.nPairs;
    this.docLen = 0;
  }

  /** The index (the builder is spent afterwards). */
  finish(params: Bm25Params = DEFAULT_BM25, searchOpts?: Bm25SearchOptions): Bm25Index {
    if (this.nDocTerms || this.docLen) this.endDoc();
    const nTerms = this.terms.length;
    const offsets = new Int32Array(nTerms + 1);
    for (const block of this.pairTerm) {
      const n = block === this.pairTerm[this.pairTerm.length - 1] ? this.nPairs - (this.pairTerm.length - 1) * this.block : this.block;
      for (let i = 0; i < n; i++) {
        const t = block[i]! + 1;
        offsets[t] = offsets[t]! + 1;
      }
    }
    for (let t = 0; t < nTerms; t++) offsets[t + 1] = offsets[t + 1]! + offsets[t]!;
    const fill = offsets.slice(0, nTerms);
    const docs = new Int32Array(this.nPairs);
    const tfs = new Uint16Array(this.nPairs);
    let i = 0;
    let released = 0;
    for (let d = 0; d < this.nDocs; d++) {
      for (const end = this.docEnd[d]!; i < end; i++) {
        const b = i >>> this.shift;
        const o = i & this.mask;
        const t = this.pairTerm[b]![o]!;
        const at = fill[t]!;
        fill[t] = at + 1;
        docs[at] = d;
        tfs[at] = this.pairTf[b]![o]!;
      }
      // a block is done once its last pair is placed: let it go
      for (; (released + 1) * this.block <= i; released++) {
        this.pairTerm[released] = EMPTY_I32;
        this.pairTf[released] = EMPTY_U16;
      }
    }
    const termIds = new Map<string, number>();
    this.terms.forEach((t, id) => termIds.set(t, id));
    const lengths = this.lengths.slice(0, this.nDocs);
    this.pairTerm = [];
    this.pairTf = [];
    return Bm25Index.fromPostings({ termIds, offsets, docs, tfs }, lengths, params, searchOpts);
  }

  private newTerm(term: string): number {
    const id = this.terms.length;
    this.terms.push(term);
    this.ids.set(term, id);
    if (id === this.tf.length) this.tf = grow(this.tf, id * 2);
    return id;
  }

  private count(id: number): void {
    if (this.tf[id] === 0) {
      if (this.nDocTerms === this.docTerms.length) this.docTerms = grow(this.docTerms, this.nDocTerms * 2);
      this.docTerms[this.nDocTerms++] = id;
    }
    this.tf[id] = this.tf[id]! + 1;
    this.docLen++;
  }
}

function grow<T extends Int32Array | Uint16Array | Uint32Array | Float32Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** Sorts docs[a…z) ascending, carrying tfs along (a merge whose old rows were reordered). */
function sortPostings(docs: Int32Array, tfs: Uint16Array, a: number, z: number): void {
  const order = Array.from({ length: z - a }, (_, i) => a + i).sort((x, y) => docs[x]! - docs[y]!);
  const d = order.map((i) => docs[i]!);
  const t = order.map((i) => tfs[i]!);
  docs.set(d, a);
  tfs.set(t, a);
}

/**
 * The same postings with identical lists stored once: a list equal (documents and tfs) to an earlier
 * one is dropped and its terms point to the earlier list. Lists are found by a hash of their content
 * and compared in full. Returns the input when no two lists are equal; `alloc` gives the arrays of
 * the result.
 */
export function shareIdenticalLists(
  p: Bm25Postings,
  alloc: (postings: number) => { docs: Int32Array; tfs: Uint16Array } = (n) => ({ docs: new Int32Array(n), tfs: new Uint16Array(n) }),
): Bm25Postings {
  const { offsets, docs, tfs } = p;
  const nLists = offsets.length - 1;
  const canon = new Int32Array(nLists);
  const byHash = new Map<number, number[]>();
  let shared = 0;
  for (let l = 0; l < nLists; l++) {
    const a = offsets[l]!;
    const z = offsets[l + 1]!;
    let h = Math.imul(z - a, 0x9e3779b1);
    for (let j = a; j < z; j++) h = Math.imul(Math.imul(h ^ docs[j]!, 0x01000193) ^ tfs[j]!, 0x01000193);
    canon[l] = l;
    const same = byHash.get(h);
    if (!same) {
      byHash.set(h, [l]);
      continue;
    }
    for (const m of same) {
      const b = offsets[m]!;
      if (offsets[m + 1]! - b !== z - a) continue;
      let eq = true;
      for (let j = 0; j < z - a && eq; j++) eq = docs[a + j] === docs[b + j] && tfs[a + j] === tfs[b + j];
      if (eq) {
        canon[l] = m;
        shared++;
        break;
      }
    }
    if (canon[l] === l) same.push(l);
  }
  if (!shared) return p;
  const newId = new Int32Array(nLists);
  let nNew = 0;
  let total = 0;
  for (let l = 0; l < nLists; l++) {
    if (canon[l] !== l) continue;
    newId[l] = nNew++;
    total += offsets[l + 1]! - offsets[l]!;
  }
  const offs = new Int32Array(nNew + 1);
  const { docs: d2, tfs: t2 } = alloc(total);
  let at = 0;
  for (let l = 0; l < nLists; l++) {
    if (canon[l] !== l) continue;
    const a = offsets[l]!;
    const z = offsets[l + 1]!;
    d2.set(docs.subarray(a, z), at);
    t2.set(tfs.subarray(a, z), at);
    at += z - a;
    offs[newId[l]! + 1] = at;
  }
  const termIds = new Map<string, number>();
  for (const [t, l] of p.termIds) termIds.set(t, newId[canon[l]!]!);
  return { termIds, offsets: offs, docs: d2, tfs: t2 };
}

/** First block of each term's list (and the total at the end): ceil(list length / BLOCK) blocks each. */
function blockBases(offsets: Int32Array): Int32Array {
  const out = new Int32Array(offsets.length);
  for (let t = 0; t + 1 < offsets.length; t++) out[t + 1] = out[t]! + ((offsets[t + 1]! - offsets[t]! + BLOCK - 1) >> BM25_BLOCK_SHIFT);
  return out;
}

/** Per block of every list, the largest tf/(tf + norm(d)), as float32 (read with BLOCK_SLACK). */
function blockMaxima(offsets: Int32Array, docs: Int32Array, tfs: Uint16Array, norms: Float64Array, nBlocks: number): Float32Array {
  const out = new Float32Array(nBlocks);
  let b = 0;
  for (let t = 0; t + 1 < offsets.length; t++) {
    const z = offsets[t + 1]!;
    for (let a = offsets[t]!; a < z; a += BLOCK) {
      const e = Math.min(z, a + BLOCK);
      let m = 0;
      for (let j = a; j < e; j++) {
        const tf = tfs[j]!;
        const v = tf / (tf + norms[docs[j]!]!);
        if (v > m) m = v;
      }
      out[b++] = m;
    }
  }
  return out;
}

/** First position in [from, end) whose doc id is ≥ `target`, or `end` (exponential then binary search). */
function gallopTo(docs: Int32Array, from: number, end: number, target: number): number {
  if (from >= end || docs[from]! >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < end && docs[hi]! < target) {
    lo = hi;
    step <<= 1;
    hi = from + step;
  }
  if (hi > end) hi = end;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** First index ≥ `from` whose doc id is ≥ `target` (exponential then binary search). */
function gallop(docs: Int32Array, from: number, target: number): number {
  return gallopTo(docs, from, docs.length, target);
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
