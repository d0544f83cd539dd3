/**
 * The compiled BM25 inner loop (retrieval/bm25-kernel.ts) computes the same doubles as the
 * JavaScript loop, bit for bit, and the index gives the same searches with either.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createArena } from '../../retrieval/bm25-kernel.ts';
import { Bm25Index } from '../../retrieval/bm25.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

test('the WebAssembly loop adds exactly what the JavaScript loop adds', () => {
  const N = 700;
  const P = 4000;
  const wasm = createArena(N, P);
  const js = createArena(N, P, { wasm: false });
  assert.equal(wasm.kernel, 'wasm');
  assert.equal(js.kernel, 'js');
  for (const a of [wasm, js]) {
    const rand = rng(11);
    for (let d = 0; d < N; d++) a.norms[d] = 0.2 + rand() * 3;
    for (let i = 0; i < P; i++) {
      a.docs[i] = Math.floor(rand() * N);
      a.tfs[i] = rand() < 0.05 ? 65535 : 1 + Math.floor(rand() * 6);
    }
    const L = a.layout;
    a.accumulate(L.docs, L.tfs, P, 2.2 * 1.7, L.norms, L.acc);
    a.accumulate(L.docs + 4 * 100, L.tfs + 2 * 100, 1234, 0.3 * 0.91, L.norms, L.acc);
    a.accumulate(L.docs + 4 * 5, L.tfs + 2 * 5, 0, 99, L.norms, L.acc); // an empty list adds nothing
  }
  let touched = 0;
  for (let d = 0; d < N; d++) {
    assert.ok(Object.is(wasm.acc[d], js.acc[d]), `doc ${d}: ${wasm.acc[d]} vs ${js.acc[d]}`);
    if (js.acc[d]! > 0) touched++;
  }
  assert.ok(touched > N / 2);
});

test('an index searches the same with either loop', () => {
  const rand = rng(5);
  const docs = Array.from({ length: 900 }, () =>
    Array.from({ length: 1 + Math.floor(rand() * 40) }, () => `t${Math.floor(300 ** rand())}`),
  );
  const wasm = Bm25Index.build(docs);
  const js = Bm25Index.build(docs, undefined, { pruning: 'none', kernel: 'js' });
  for (let i = 0; i < 30; i++) {
    const q = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => ({
      term: `t${Math.floor(300 ** rand())}`,
      weight: [1, 0.3, 0.6][i % 3]!,
    }));
    assert.deepEqual(wasm.search(q, 20), js.search(q, 20), `query ${i}`);
  }
});
