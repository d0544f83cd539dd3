/**
 * Persistence of the retrieval index under `<DATA_DIR>/index/`:
 *
 *   manifest.json   formatVersion, corpus hash, segmenter fingerprint, model (id, fingerprint, dim),
 *                   chunk ids, per-chunk vector content hashes, sha256 + size of every file
 *   bm25.bin        BM25 postings (binary: terms, offsets, doc ids, tfs; `Bm25Index.toBinary`)
 *   vectors.f32     one float32 row per chunk (the embedding cache, keyed by content hash)
 *   vectors.hnsw    hnswlib index (labels = chunk rows)
 *
 * `loadOrBuildIndex` loads when the manifest matches the corpus, the dictionaries and the model and
 * every file's checksum verifies; otherwise it rebuilds (saying why), re-embedding only chunks whose
 * content hash is not in the old vector file. When only the corpus changed (a document edited, added or
 * removed), it updates the previous index instead: only the changed chunks are tokenized (BM25 merged),
 * and the hnswlib graph gets markDelete + addPoint (`IndexOutcome.incremental`). Stale or mismatched vectors are never served: changed
 * and deleted chunks disappear from both indexes because both are rebuilt from the current chunks.
 *
 * @example
 * const out = await loadOrBuildIndex({ dir: 'data/index', chunks, documents, segmenter, model, getEmbedder, log });
 * out.status; // 'loaded' | 'built'
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk, DocInfo } from './types.ts';
import { Bm25Builder, Bm25Index, DEFAULT_BM25, type Bm25Params } from './bm25.ts';
import type { Embedder, LoggerLike } from './embed.ts';
import type { DocFacts } from './fuse.ts';
import { BIGRAM_PREFIX, normalizeForSearch, type Segmenter } from './segment.ts';
import { DEFAULT_HNSW, VectorIndex, VectorIndexFileError, type HnswParams } from './vector-index.ts';

/** The in-memory retrieval index (built or loaded here, searched by `Retriever`). */
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

/** Bump when the file layout or the meaning of a field changes: older indexes are rebuilt. */
export const INDEX_FORMAT_VERSION = 3;
/** Bump when the text that is indexed per chunk changes (fields, weights). */
export const INDEX_TEXT_VERSION = 2;

/** Identity of the embedding model an index was built with. */
export interface ModelIdentity {
  id: string;
  /** Hash of the model files (config, training metadata, weight size). */
  fingerprint: string;
  dim: number;
}

/** `manifest.json`. */
export interface IndexManifest {
  formatVersion: number;
  createdAt: string;
  corpusHash: string;
  segmenter: string;
  bm25: Bm25Params;
  model: ModelIdentity | null;
  chunkIds: string[];
  vectorHashes: string[];
  /** Per chunk: hash of what its BM25 tokens and vector come from (`chunkHash`), for incremental updates. */
  chunkHashes: string[];
  /** hnswlib label of each chunk row after an incremental update (absent: the row itself). */
  vectorLabels?: number[];
  /** hnswlib labels allocated, deleted ones included (absent: the number of chunks). */
  vectorSlots?: number;
  files: Record<string, { bytes: number; sha256: string }>;
  stats: { chunks: number; documents: number; embedded: number; reused: number; buildSeconds: number };
}

/** Inputs of `loadOrBuildIndex`. */
export interface IndexStoreOptions {
  /** `<DATA_DIR>/index`. */
  dir: string;
  chunks: Chunk[];
  documents: DocInfo[];
  segmenter: Segmenter;
  /** Model identity without loading it (`modelIdentity`); null → BM25 only. */
  model: { id: string; fingerprint: string } | null;
  /** Loads the embedder; called only when something must be embedded or searched densely. */
  getEmbedder?: () => Promise<Embedder>;
  bm25?: Bm25Params;
  hnsw?: HnswParams;
  /** Rebuild even when the manifest matches. */
  force?: boolean;
  log?: LoggerLike;
}

/** What `loadOrBuildIndex` did. */
export interface IndexOutcome {
  data: IndexData;
  manifest: IndexManifest;
  status: 'loaded' | 'built';
  /**
   * Set when the build updated the previous index instead of rebuilding it: only the changed chunks were
   * tokenized and embedded; the vector index was updated in place (`vectors`) or rebuilt.
   */
  incremental?: { changed: number; removed: number; kept: number; vectors: 'updated' | 'rebuilt' | 'none' };
  /** Why it was (re)built. */
  reason?: string;
  embedded: number;
  reused: number;
  seconds: number;
}

const FILES = { manifest: 'manifest.json', bm25: 'bm25.bin', vectors: 'vectors.f32', hnsw: 'vectors.hnsw' } as const;

/** Fingerprint of a model folder (config.json, training metadata, onnx size), without loading it. */
export function modelFingerprint(dir: string): string {
  const h = createHash('sha256');
  for (const f of ['config.json', 'policybot-static.json', 'tokenizer.json']) {
    const p = join(dir, f);
    if (existsSync(p)) h.update(f).update(readFileSync(p));
  }
  for (const f of ['onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    const p = join(dir, f);
    if (existsSync(p)) h.update(f + statSync(p).size);
  }
  return h.digest('hex').slice(0, 16);
}

/** Hash of everything that determines the index content (chunks, documents, index-text version). */
export function corpusHashOf(chunks: Chunk[], documents: DocInfo[]): string {
  const h = createHash('sha256').update(`v${INDEX_TEXT_VERSION}\n`);
  for (const c of chunks)
    h.update(JSON.stringify([c.id, c.docId, c.clause, c.path, c.heading ?? '', c.title, c.docNumber ?? '', c.text])).update('\n');
  for (const d of documents) h.update(JSON.stringify([d.id, d.docNumber ?? '', d.district ?? '', d.title, d.level ?? ''])).update('\n');
  return h.digest('hex');
}

/** BM25 tokens of a chunk: text, heading ×2, path and title once. */
export function chunkTokens(seg: Segmenter, c: Chunk): string[] {
  const text = seg.tokens(normalizeForSearch(c.text));
  const heading = c.heading ? seg.tokens(normalizeForSearch(c.heading)) : [];
  const path = c.path.length ? seg.tokens(normalizeForSearch(c.path.join(' ')), { bigrams: false }) : [];
  const title = seg.tokens(normalizeForSearch(c.title), { bigrams: false });
  return [...text, ...heading, ...heading, ...path, ...title];
}

/**
 * Adds a chunk's BM25 tokens (the same as `chunkTokens`) to a builder, bigrams by their character
 * codes: no token strings are made for the ~80 % of tokens already seen.
 */
export function addChunkTokens(b: Bm25Builder, seg: Segmenter, c: Chunk): void {
  const word = (w: string) => b.add(w);
  const bigram = (x: number, y: number) => {
    const key = x * 65536 + y;
    if (!b.addKeyed(key)) b.addKeyedNew(key, BIGRAM_PREFIX + String.fromCharCode(x, y));
  };
  seg.visitTokens(normalizeForSearch(c.text), {}, word, bigram);
  if (c.heading) {
    const heading = normalizeForSearch(c.heading);
    seg.visitTokens(heading, {}, word, bigram);
    seg.visitTokens(heading, {}, word, bigram);
  }
  if (c.path.length) seg.visitTokens(normalizeForSearch(c.path.join(' ')), { bigrams: false }, word, bigram);
  seg.visitTokens(normalizeForSearch(c.title), { bigrams: false }, word, bigram);
  b.endDoc();
}

/** Hash of everything a chunk's BM25 tokens and passage vector are made from. */
export function chunkHash(c: Chunk): string {
  return createHash('sha256')
    .update(JSON.stringify([c.text, c.heading ?? '', c.path, c.title]))
    .digest('hex')
    .slice(0, 24);
}

/**
 * An incremental update is made when at most this share of the chunks changed; more, and a full build
 * costs about the same. Range (0, 1].
 */
export const INCREMENTAL_MAX_CHANGED = 0.5;
/** The vector index is rebuilt instead of updated once deleted labels would exceed this share of it. Range [0, 1). */
export const INCREMENTAL_MAX_DELETED = 0.25;

/** What an incremental update reuses from the previous index. */
interface IncrementalPlan {
  bm25: Bm25Index;
  /** Per new row: the old row with the same content, or −1. */
  oldRow: Int32Array;
  changed: number;
  removed: number;
  /** The previous vector index and each new row's label in it (−1: new), when it can be updated. */
  vectors?: { index: VectorIndex; rowLabels: Int32Array };
}

/**
 * Plans an update of the previous index for a changed corpus (same dictionaries, parameters and model):
 * chunks are matched by content hash; only the unmatched ones are tokenized, and BM25 is merged
 * (`Bm25Index.merge`). Undefined when a full build is due (old files unusable, too much changed).
 */
function planIncremental(o: IndexStoreOptions, old: IndexManifest, bm25Params: Bm25Params): IncrementalPlan | undefined {
  if (!old.chunkHashes || old.chunkHashes.length !== old.chunkIds.length) return undefined;
  // everything but the corpus must be as before (mismatch() names the corpus first)
  if (old.segmenter !== o.segmenter.fingerprint || old.bm25.k1 !== bm25Params.k1 || old.bm25.b !== bm25Params.b) return undefined;
  if ((old.model?.id ?? null) !== (o.model?.id ?? null) || (old.model && o.model && old.model.fingerprint !== o.model.fingerprint))
    return undefined;
  let oldBm25: Bm25Index;
  try {
    oldBm25 = Bm25Index.fromBinary(verified(o.dir, old, FILES.bm25));
  } catch {
    return undefined;
  }
  if (oldBm25.size !== old.chunkHashes.length) return undefined;
  const byHash = new Map<string, number[]>();
  old.chunkHashes.forEach((h, r) => {
    const list = byHash.get(h);
    if (list) list.push(r);
    else byHash.set(h, [r]);
  });
  const n = o.chunks.length;
  const oldRow = new Int32Array(n).fill(-1);
  const oldToNew = new Int32Array(old.chunkHashes.length).fill(-1);
  const freshRows: number[] = [];
  o.chunks.forEach((c, i) => {
    const r = byHash.get(chunkHash(c))?.shift();
    if (r === undefined) freshRows.push(i);
    else {
      oldRow[i] = r;
      oldToNew[r] = i;
    }
  });
  if (freshRows.length > INCREMENTAL_MAX_CHANGED * n) return undefined;
  const b = new Bm25Builder();
  for (const i of freshRows) addChunkTokens(b, o.segmenter, o.chunks[i]!);
  const fresh = b.finish(bm25Params);
  const bm25 = Bm25Index.merge(oldBm25, oldToNew, fresh, Int32Array.from(freshRows), n);
  const removed = oldToNew.reduce((k, x) => k + (x < 0 ? 1 : 0), 0);
  const plan: IncrementalPlan = { bm25, oldRow, changed: freshRows.length, removed };
  const hnsw = old.files[FILES.hnsw];
  if (old.model && o.model && hnsw) {
    const slots = old.vectorSlots ?? old.chunkIds.length;
    const deletedAfter = slots + freshRows.length - n;
    if (deletedAfter <= INCREMENTAL_MAX_DELETED * (slots + freshRows.length)) {
      try {
        const index = VectorIndex.load(
          join(o.dir, FILES.hnsw),
          old.model.dim,
          old.chunkIds.length,
          hnsw.sha256,
          o.hnsw ?? DEFAULT_HNSW,
          old.vectorLabels,
          slots,
        );
        const labelOf = (r: number) => (old.vectorLabels ? old.vectorLabels[r]! : r);
        plan.vectors = { index, rowLabels: oldRow.map((r) => (r < 0 ? -1 : labelOf(r))) };
      } catch {
        /* unusable: the vector index is rebuilt */
      }
    }
  }
  return plan;
}

/** Heading text of a chunk for the heading signal (heading + path), normalized. */
export function chunkHeading(c: Chunk): string {
  return normalizeForSearch([c.heading ?? '', ...c.path].join(' '));
}

/** The passage text embedded for a chunk. */
export function passageText(c: Chunk): string {
  return c.heading && !c.text.includes(c.heading) ? `${c.heading}。${c.text}` : c.text;
}

/** Content hash of a passage for the vector cache. */
export function passageHash(c: Chunk): string {
  return createHash('sha256').update(passageText(c)).digest('hex').slice(0, 24);
}

/** Builds the in-memory BM25 part of an index (no files, no model). */
export function buildLexical(chunks: Chunk[], seg: Segmenter, params: Bm25Params = DEFAULT_BM25): { bm25: Bm25Index; headings: string[] } {
  const b = new Bm25Builder();
  for (const c of chunks) addChunkTokens(b, seg, c);
  return { bm25: b.finish(params), headings: chunks.map(chunkHeading) };
}

/** Loads the index when it matches; otherwise (re)builds and writes it. */
export async function loadOrBuildIndex(o: IndexStoreOptions): Promise<IndexOutcome> {
  const t0 = performance.now();
  const corpusHash = corpusHashOf(o.chunks, o.documents);
  const bm25Params = o.bm25 ?? DEFAULT_BM25;
  const old = readManifest(o.dir);
  let reason = o.force ? 'forced rebuild' : undefined;
  if (!reason) reason = mismatch(old, corpusHash, o, bm25Params);
  if (!reason && old) {
    try {
      const data = loadFiles(o, old);
      return { data, manifest: old, status: 'loaded', embedded: 0, reused: 0, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      reason = (err as Error).message;
    }
  }
  o.log?.info(`building the retrieval index: ${reason}`);
  return await build(o, old, corpusHash, bm25Params, reason ?? 'no index', t0);
}

function readManifest(dir: string): IndexManifest | undefined {
  const p = join(dir, FILES.manifest);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as IndexManifest;
  } catch {
    return undefined;
  }
}

function mismatch(m: IndexManifest | undefined, corpusHash: string, o: IndexStoreOptions, bm25: Bm25Params): string | undefined {
  if (!m) return existsSync(join(o.dir, FILES.manifest)) ? 'manifest.json is unreadable' : 'no index yet';
  if (m.formatVersion !== INDEX_FORMAT_VERSION) return `index format ${m.formatVersion} ≠ ${INDEX_FORMAT_VERSION}`;
  if (m.corpusHash !== corpusHash) return 'the corpus changed';
  if (m.segmenter !== o.segmenter.fingerprint) return 'the dictionary changed';
  if (m.bm25.k1 !== bm25.k1 || m.bm25.b !== bm25.b) return 'BM25 parameters changed';
  if ((m.model?.id ?? null) !== (o.model?.id ?? null))
    return `the embedding model changed (${m.model?.id ?? 'none'} → ${o.model?.id ?? 'none'})`;
  if (m.model && o.model && m.model.fingerprint !== o.model.fingerprint) return `the embedding model files changed (${o.model.id})`;
  return undefined;
}

function fileInfo(path: string): { bytes: number; sha256: string } {
  const buf = readFileSync(path);
  return { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

function verified(dir: string, m: IndexManifest, name: string): Buffer {
  const p = join(dir, name);
  const want = m.files[name];
  if (!want) throw new Error(`manifest lists no ${name}`);
  if (!existsSync(p)) throw new Error(`${name} is missing`);
  const buf = readFileSync(p);
  if (buf.length !== want.bytes) throw new Error(`${name} is truncated or altered (${buf.length} bytes, manifest says ${want.bytes})`);
  if (createHash('sha256').update(buf).digest('hex') !== want.sha256) throw new Error(`${name} is corrupt (checksum mismatch)`);
  return buf;
}

function loadFiles(o: IndexStoreOptions, m: IndexManifest): IndexData {
  const bm25 = Bm25Index.fromBinary(verified(o.dir, m, FILES.bm25));
  if (bm25.size !== o.chunks.length) throw new Error(`${FILES.bm25} holds ${bm25.size} chunks, the corpus has ${o.chunks.length}`);
  const data: IndexData = { chunks: o.chunks, headings: o.chunks.map(chunkHeading), bm25, docs: docFacts(o.documents) };
  if (m.model) {
    const buf = verified(o.dir, m, FILES.vectors);
    data.vectors = splitRows(buf, m.model.dim, o.chunks.length);
    try {
      const hnsw = m.files[FILES.hnsw];
      if (!hnsw) throw new Error('manifest lists no vectors.hnsw');
      data.vectorIndex = VectorIndex.load(
        join(o.dir, FILES.hnsw),
        m.model.dim,
        o.chunks.length,
        hnsw.sha256,
        o.hnsw ?? DEFAULT_HNSW,
        m.vectorLabels,
        m.vectorSlots ?? o.chunks.length,
      );
    } catch (err) {
      if (err instanceof VectorIndexFileError) throw new Error(err.message);
      throw err;
    }
  }
  return data;
}

function splitRows(buf: Buffer, dim: number, n: number): Float32Array[] {
  if (buf.length !== dim * n * 4) throw new Error(`vectors.f32 has ${buf.length} bytes, expected ${n}×${dim}×4`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(all.subarray(i * dim, (i + 1) * dim));
  return rows;
}

/** Old vectors by content hash (only when they were made by the same model and the file verifies). */
function vectorCache(o: IndexStoreOptions, old: IndexManifest | undefined): Map<string, Float32Array> {
  const cache = new Map<string, Float32Array>();
  if (!old?.model || !o.model || old.model.id !== o.model.id || old.model.fingerprint !== o.model.fingerprint) return cache;
  try {
    const rows = splitRows(verified(o.dir, old, FILES.vectors), old.model.dim, old.vectorHashes.length);
    old.vectorHashes.forEach((h, i) => cache.set(h, rows[i]!));
  } catch {
    /* unusable cache: embed everything */
  }
  return cache;
}

async function build(
  o: IndexStoreOptions,
  old: IndexManifest | undefined,
  corpusHash: string,
  bm25Params: Bm25Params,
  reason: string,
  t0: number,
): Promise<IndexOutcome> {
  mkdirSync(o.dir, { recursive: true });
  // a changed corpus with everything else as before: update the previous index (unchanged chunks are not
  // tokenized or embedded again); anything else, or too much changed: a full build
  const plan = old && !o.force && reason === 'the corpus changed' ? planIncremental(o, old, bm25Params) : undefined;
  const { bm25, headings } = plan
    ? { bm25: plan.bm25, headings: o.chunks.map(chunkHeading) }
    : buildLexical(o.chunks, o.segmenter, bm25Params);
  const data: IndexData = { chunks: o.chunks, headings, bm25, docs: docFacts(o.documents) };
  const files: IndexManifest['files'] = {};
  writeAtomic(join(o.dir, FILES.bm25), bm25.toBinary());
  files[FILES.bm25] = fileInfo(join(o.dir, FILES.bm25));

  let model: ModelIdentity | null = null;
  let vectorLabels: number[] | undefined;
  let vectorSlots: number | undefined;
  let embedded = 0;
  let reused = 0;
  const hashes = o.chunks.map(passageHash);
  if (o.model && o.getEmbedder) {
    const cache = vectorCache(o, old);
    const missing = o.chunks.map((_, i) => i).filter((i) => !cache.has(hashes[i]!));
    let dim = old?.model?.dim ?? 0;
    const fresh = new Map<number, Float32Array>();
    if (missing.length || !dim) {
      const embedder = await o.getEmbedder();
      dim = embedder.dim;
      const t = performance.now();
      const vecs = await embedder.embedPassages(missing.map((i) => passageText(o.chunks[i]!)));
      missing.forEach((row, j) => fresh.set(row, vecs[j]!));
      embedded = missing.length;
      if (missing.length) o.log?.info(`embedded ${missing.length} chunks in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    reused = o.chunks.length - embedded;
    const vectors = o.chunks.map((_, i) => fresh.get(i) ?? cache.get(hashes[i]!)!);
    const flat = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => flat.set(v, i * dim));
    writeAtomic(join(o.dir, FILES.vectors), Buffer.from(flat.buffer));
    files[FILES.vectors] = fileInfo(join(o.dir, FILES.vectors));
    const index = plan?.vectors
      ? plan.vectors.index.update(plan.vectors.rowLabels, vectors)
      : VectorIndex.build(vectors, dim, o.hnsw ?? DEFAULT_HNSW);
    const labels = index.labels();
    if (labels) {
      vectorLabels = [...labels];
      vectorSlots = index.slots;
    }
    index.save(join(o.dir, FILES.hnsw));
    files[FILES.hnsw] = fileInfo(join(o.dir, FILES.hnsw));
    data.vectors = splitRows(Buffer.from(flat.buffer), dim, vectors.length);
    data.vectorIndex = index;
    model = { id: o.model.id, fingerprint: o.model.fingerprint, dim };
  }
  const seconds = (performance.now() - t0) / 1000;
  const manifest: IndexManifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    corpusHash,
    segmenter: o.segmenter.fingerprint,
    bm25: bm25Params,
    model,
    chunkIds: o.chunks.map((c) => c.id),
    vectorHashes: model ? hashes : [],
    chunkHashes: o.chunks.map(chunkHash),
    ...(vectorLabels ? { vectorLabels, vectorSlots } : {}),
    files,
    stats: { chunks: o.chunks.length, documents: o.documents.length, embedded, reused, buildSeconds: Math.round(seconds * 1000) / 1000 },
  };
  writeAtomic(join(o.dir, FILES.manifest), JSON.stringify(manifest, null, 1));
  const incremental = plan
    ? {
        changed: plan.changed,
        removed: plan.removed,
        kept: o.chunks.length - plan.changed,
        vectors: model ? (plan.vectors ? ('updated' as const) : ('rebuilt' as const)) : ('none' as const),
      }
    : undefined;
  return { data, manifest, status: 'built', reason, embedded, reused, seconds, ...(incremental ? { incremental } : {}) };
}

function writeAtomic(path: string, content: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
