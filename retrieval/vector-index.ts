/**
 * Approximate nearest-neighbour index over L2-normalized vectors: hnswlib-node (HNSW, cosine space).
 * Labels are row numbers (0…n−1) into the caller's chunk list. Files are checked against a sha256
 * before hnswlib reads them, so a corrupt or truncated file is reported, never a native crash.
 *
 * @example
 * const index = VectorIndex.build(vectors, 128);
 * index.search(queryVector, 10); // → [{ row: 3, similarity: 0.82 }, …]
 * const sha = index.save('data/index/vectors.hnsw');
 * const again = VectorIndex.load('data/index/vectors.hnsw', 128, vectors.length, sha);
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';

/** HNSW build/search parameters. M ∈ [8, 48], efConstruction ∈ [100, 400], efSearch ∈ [k, 400]. */
export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/**
 * Defaults chosen by `policybot bench --hnsw-grid` at 20k chunks (docs/benchmarks.md): M=12,
 * efConstruction=100 builds in 44 % of the CPU time of the former 16/200, and with ef=100 its recall@50
 * against exact cosine (0.970) is above the former default's (0.965 at ef=64), for ~0.05 ms more a query.
 */
export const DEFAULT_HNSW: HnswParams = { m: 12, efConstruction: 100, efSearch: 100 };

/** One neighbour: the row number given at build time and its cosine similarity. */
export interface VectorHit {
  row: number;
  similarity: number;
}

/** Raised when a stored index file does not match its manifest (missing, truncated, corrupt). */
export class VectorIndexFileError extends Error {
  override name = 'VectorIndexFileError';
}

/**
 * hnswlib index wrapper with integrity-checked persistence. A fresh build labels row i with i; after an
 * incremental `update` labels are stable slots and `rowOf` maps them to the current rows (deleted
 * slots stay in the graph, marked, until the next full build).
 */
export class VectorIndex {
  readonly dim: number;
  /** Live vectors (= rows). */
  readonly size: number;
  /** Labels allocated, deleted ones included. */
  readonly slots: number;
  private readonly index: hnswlib.HierarchicalNSW;
  private params: HnswParams;
  /** label → row (−1: deleted); undefined: the identity. */
  private readonly rowOf?: Int32Array;

  private constructor(index: hnswlib.HierarchicalNSW, dim: number, size: number, params: HnswParams, slots = size, rowOf?: Int32Array) {
    this.index = index;
    this.dim = dim;
    this.size = size;
    this.slots = slots;
    this.params = params;
    this.rowOf = rowOf;
    if (slots > 0) index.setEf(Math.max(params.efSearch, 10));
  }

  /** Builds an index; row i of `vectors` gets label i. */
  static build(vectors: ArrayLike<number>[], dim: number, params: HnswParams = DEFAULT_HNSW): VectorIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    index.initIndex({ maxElements: Math.max(1, vectors.length), m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
    vectors.forEach((v, i) => {
      if (v.length !== dim) throw new Error(`vector ${i} has dimension ${v.length}, expected ${dim}`);
      index.addPoint(Array.from(v), i);
    });
    return new VectorIndex(index, dim, vectors.length, params);
  }

  /**
   * The label of each row (what the manifest stores after an update); undefined when labels are rows.
   */
  labels(): Int32Array | undefined {
    if (!this.rowOf) return undefined;
    const out = new Int32Array(this.size).fill(-1);
    this.rowOf.forEach((row, label) => {
      if (row >= 0) out[row] = label;
    });
    return out;
  }

  /**
   * Updates the index in place for a changed corpus and returns it with its new row mapping:
   * `rowLabels[row]` is the old label of a kept row or −1 for a new one; `vectors` are the new rows'
   * vectors (all rows; only the new ones are read). Labels no row keeps are marked deleted, new rows
   * get fresh labels (hnswlib markDelete + addPoint). The old object must not be used afterwards.
   */
  update(rowLabels: Int32Array, vectors: ArrayLike<ArrayLike<number>>): VectorIndex {
    const kept = new Uint8Array(this.slots);
    for (const l of rowLabels) if (l >= 0) kept[l] = 1;
    const oldRows = this.rowOf;
    for (let l = 0; l < this.slots; l++) if (!kept[l] && (oldRows ? oldRows[l]! >= 0 : true)) this.index.markDelete(l);
    const fresh = rowLabels.reduce((n, l) => n + (l < 0 ? 1 : 0), 0);
    const slots = this.slots + fresh;
    if (slots > this.index.getMaxElements()) this.index.resizeIndex(Math.max(slots, Math.ceil(this.slots * 1.25)));
    const rowOf = new Int32Array(slots).fill(-1);
    let next = this.slots;
    rowLabels.forEach((l, row) => {
      if (l >= 0) rowOf[l] = row;
      else {
        const v = vectors[row]!;
        if (v.length !== this.dim) throw new Error(`vector ${row} has dimension ${v.length}, expected ${this.dim}`);
        this.index.addPoint(Array.from(v), next);
        rowOf[next++] = row;
      }
    });
    return new VectorIndex(this.index, this.dim, rowLabels.length, this.params, slots, rowOf);
  }

  /**
   * Loads an index file after checking its sha256 and size against the manifest values. Throws
   * VectorIndexFileError (never crashes) when the file is missing or does not match. `rowLabels`: the
   * label of each row when they are not the rows themselves (after an incremental update).
   */
  static load(
    file: string,
    dim: number,
    size: number,
    sha256: string,
    params: HnswParams = DEFAULT_HNSW,
    rowLabels?: ArrayLike<number>,
    slots = size,
  ): VectorIndex {
    if (!existsSync(file)) throw new VectorIndexFileError(`vector index file is missing: ${file}`);
    const bytes = readFileSync(file);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new VectorIndexFileError(
        `vector index file ${file} is corrupt or truncated (sha256 ${actual.slice(0, 12)}… ≠ manifest ${sha256.slice(0, 12)}…)`,
      );
    }
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    if (slots > 0) {
      index.readIndexSync(file);
      if (index.getCurrentCount() !== slots || index.getNumDimensions() !== dim) {
        throw new VectorIndexFileError(
          `vector index file ${file} holds ${index.getCurrentCount()}×${index.getNumDimensions()} vectors, manifest says ${slots}×${dim}`,
        );
      }
    } else {
      index.initIndex({ maxElements: 1 });
    }
    let rowOf: Int32Array | undefined;
    if (rowLabels) {
      if (rowLabels.length !== size) throw new VectorIndexFileError(`manifest lists ${rowLabels.length} vector labels for ${size} chunks`);
      rowOf = new Int32Array(slots).fill(-1);
      for (let row = 0; row < size; row++) {
        const l = rowLabels[row]!;
        if (!(l >= 0 && l < slots) || rowOf[l] !== -1)
          throw new VectorIndexFileError(`manifest vector label ${l} of chunk ${row} is out of range or repeated`);
        rowOf[l] = row;
      }
    }
    return new VectorIndex(index, dim, size, params, slots, rowOf);
  }

  /** Writes the index (atomically, via a temp file) and returns its sha256 for the manifest. */
  save(file: string): string {
    const tmp = `${file}.tmp-${process.pid}`;
    // an empty index is stored as an empty file (hnswlib has nothing to write)
    if (this.slots > 0) this.index.writeIndexSync(tmp);
    else writeFileSync(tmp, new Uint8Array(0));
    renameSync(tmp, file);
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  }

  /** Sets the search-time ef (the candidate list size; ≥ k is used regardless). */
  setEf(ef: number): void {
    this.params = { ...this.params, efSearch: ef };
    if (this.slots > 0) this.index.setEf(Math.max(ef, 10));
  }

  /** The `k` nearest rows by cosine similarity (best first). `allow` filters rows. */
  search(query: ArrayLike<number>, k: number, allow?: (row: number) => boolean): VectorHit[] {
    if (this.size === 0 || k <= 0) return [];
    const n = Math.min(k, this.size);
    if (this.params.efSearch < n) this.index.setEf(n);
    const rowOf = this.rowOf;
    const filter = allow ? (rowOf ? (label: number) => allow(rowOf[label]!) : (label: number) => allow(label)) : undefined;
    const res = this.index.searchKnn(Array.from(query), n, filter);
    const hits = res.neighbors.map((label, i) => ({ row: rowOf ? rowOf[label]! : label, similarity: 1 - res.distances[i]! }));
    return hits.sort((a, b) => b.similarity - a.similarity);
  }
}

/** Size of a file in bytes, or -1 when missing. */
export function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : -1;
}
