/**
 * The BM25 inner loop in WebAssembly: for each posting j of one list,
 *
 *     acc[docs[j]] = acc[docs[j]] + (wk · tf[j]) / (tf[j] + norms[docs[j]])
 *
 * the same IEEE-754 double operations, in the same order, as the JavaScript loop (so the same
 * sums to the last bit: the property test compares the pruned scorers, which stay in JavaScript,
 * with the exhaustive one that uses this), but 3–4× faster: V8 spends ~8–10 ns per posting on the
 * read-modify-write of a typed array, the compiled loop ~2–3.
 *
 * The index's postings, document norms and accumulator live in one `WebAssembly.Memory` (the
 * arena); the typed arrays the rest of `Bm25Index` uses are views of it. The module (≈120 bytes)
 * is written out below by hand — no toolchain, nothing fetched — and compiled once per process.
 */

/** Byte layout of an arena for `docCount` documents and `postings` postings (8-byte aligned sections). */
export interface ArenaLayout {
  acc: number;
  norms: number;
  docs: number;
  tfs: number;
  bytes: number;
}

export function arenaLayout(docCount: number, postings: number): ArenaLayout {
  const acc = 0;
  const norms = acc + 8 * docCount;
  const docs = norms + 8 * docCount;
  const tfs = docs + 4 * postings;
  const bytes = tfs + 2 * postings + 8;
  return { acc, norms, docs, tfs, bytes };
}

/** `accumulate(docsByte, tfsByte, n, wk, normsByte, accByte)`: the loop above over n postings. */
export type Accumulate = (docsByte: number, tfsByte: number, n: number, wk: number, normsByte: number, accByte: number) => void;

/** One arena: its memory, the typed-array views and the compiled loop bound to it. */
export interface Arena {
  layout: ArenaLayout;
  acc: Float64Array;
  norms: Float64Array;
  docs: Int32Array;
  tfs: Uint16Array;
  accumulate: Accumulate;
  /** Which loop `accumulate` is. */
  kernel: 'wasm' | 'js';
}

const WASM_PAGE = 65536;

// biome-ignore format: the module bytes, grouped by instruction
const MODULE_BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  // type section: (i32 i32 i32 f64 i32 i32) → ()
  0x01, 0x0a, 0x01, 0x60, 0x06, 0x7f, 0x7f, 0x7f, 0x7c, 0x7f, 0x7f, 0x00,
  // import section: env.mem, a memory of at least 1 page
  0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01,
  // function section: one function of type 0
  0x03, 0x02, 0x01, 0x00,
  // export section: "acc" = function 0
  0x07, 0x07, 0x01, 0x03, 0x61, 0x63, 0x63, 0x00, 0x00,
  // code section: one body
  0x0a, 0x65, 0x01, 0x63, // 101 bytes: one body of 99
  0x02, 0x02, 0x7f, 0x01, 0x7c, // locals: 6 end (i32), 7 dd (i32), 8 tf (f64)
  0x20, 0x02, 0x45, 0x04, 0x40, 0x0f, 0x0b, // if n == 0: return
  0x20, 0x00, 0x20, 0x02, 0x41, 0x02, 0x74, 0x6a, 0x21, 0x06, // end = docs + (n << 2)
  0x03, 0x40, // loop
  0x20, 0x00, 0x28, 0x02, 0x00, 0x41, 0x03, 0x74, 0x21, 0x07, // dd = i32.load(docs) << 3
  0x20, 0x01, 0x2f, 0x01, 0x00, 0xb8, 0x21, 0x08, // tf = f64(i32.load16_u(tfs))
  0x20, 0x05, 0x20, 0x07, 0x6a, // store address: acc + dd
  0x20, 0x05, 0x20, 0x07, 0x6a, 0x2b, 0x03, 0x00, // f64.load(acc + dd)
  0x20, 0x03, 0x20, 0x08, 0xa2, // wk * tf
  0x20, 0x08, 0x20, 0x04, 0x20, 0x07, 0x6a, 0x2b, 0x03, 0x00, 0xa0, // tf + f64.load(norms + dd)
  0xa3, // (wk * tf) / (tf + norm)
  0xa0, // acc + that
  0x39, 0x03, 0x00, // f64.store
  0x20, 0x00, 0x41, 0x04, 0x6a, 0x21, 0x00, // docs += 4
  0x20, 0x01, 0x41, 0x02, 0x6a, 0x21, 0x01, // tfs += 2
  0x20, 0x00, 0x20, 0x06, 0x49, 0x0d, 0x00, // br_if loop (docs < end)
  0x0b, // end loop
  0x0b, // end function
]);

let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(MODULE_BYTES);
    } catch {
      compiled = null; // no WebAssembly: the JavaScript loop (same results, slower)
    }
  }
  return compiled;
}

/** The same loop in JavaScript, over the arena's views (fallback, and the reference of the test). */
export function accumulateJs(arena: Pick<Arena, 'acc' | 'norms' | 'docs' | 'tfs' | 'layout'>): Accumulate {
  const { acc, norms, docs, tfs, layout } = arena;
  return (docsByte, tfsByte, n, wk, normsByte, accByte) => {
    if (normsByte !== layout.norms || accByte !== layout.acc) throw new Error('BM25 kernel: foreign norms or accumulator');
    const a = (docsByte - layout.docs) >> 2;
    const t = (tfsByte - layout.tfs) >> 1;
    for (let j = 0; j < n; j++) {
      const d = docs[a + j]!;
      const tf = tfs[t + j]!;
      acc[d] = acc[d]! + (wk * tf) / (tf + norms[d]!);
    }
  };
}

/**
 * An arena for `docCount` documents and `postings` postings, zero-filled, with the compiled loop
 * (`wasm: false`, or no WebAssembly: the JavaScript one).
 */
export function createArena(docCount: number, postings: number, opts: { wasm?: boolean } = {}): Arena {
  const layout = arenaLayout(docCount, postings);
  const mod = opts.wasm === false ? null : kernelModule();
  const pages = Math.max(1, Math.ceil(layout.bytes / WASM_PAGE));
  let memory: WebAssembly.Memory | undefined;
  try {
    memory = mod ? new WebAssembly.Memory({ initial: pages, maximum: pages }) : undefined;
  } catch {
    memory = undefined; // no room for a WebAssembly memory (an address-space limit): the JavaScript loop
  }
  const buffer = memory ? memory.buffer : new ArrayBuffer(pages * WASM_PAGE);
  const views = {
    layout,
    acc: new Float64Array(buffer, layout.acc, docCount),
    norms: new Float64Array(buffer, layout.norms, docCount),
    docs: new Int32Array(buffer, layout.docs, postings),
    tfs: new Uint16Array(buffer, layout.tfs, postings),
  };
  if (!mod || !memory) return { ...views, accumulate: accumulateJs(views), kernel: 'js' };
  const inst = new WebAssembly.Instance(mod, { env: { mem: memory } });
  return { ...views, accumulate: inst.exports.acc as Accumulate, kernel: 'wasm' };
}
