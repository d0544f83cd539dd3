import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VectorIndex, VectorIndexFileError } from '../../retrieval/vector-index.ts';

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

const vectors = [unit([1, 0, 0, 0]), unit([0, 1, 0, 0]), unit([0.9, 0.1, 0, 0]), unit([0, 0, 1, 1])];

test('nearest neighbours by cosine, best first', () => {
  const idx = VectorIndex.build(vectors, 4);
  const hits = idx.search(unit([1, 0.05, 0, 0]), 2);
  assert.deepEqual(
    hits.map((h) => h.row),
    [0, 2],
  );
  assert.ok(hits[0]!.similarity > 0.99);
  assert.equal(idx.search(unit([1, 0, 0, 0]), 10).length, 4);
  assert.deepEqual(idx.search(unit([1, 0, 0, 0]), 3, (row) => row !== 0).map((h) => h.row)[0], 2);
});

test('save/load round trip; a corrupt or truncated file is refused, not crashed on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-vec-'));
  const file = join(dir, 'v.hnsw');
  const idx = VectorIndex.build(vectors, 4);
  const sha = idx.save(file);
  const again = VectorIndex.load(file, 4, 4, sha);
  assert.deepEqual(
    again.search(vectors[3]!, 1).map((h) => h.row),
    [3],
  );
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
  assert.throws(() => VectorIndex.load(file, 4, 4, sha), VectorIndexFileError);
  writeFileSync(file, Buffer.alloc(bytes.length, 7));
  assert.throws(() => VectorIndex.load(file, 4, 4, sha), /corrupt or truncated/);
  assert.throws(() => VectorIndex.load(join(dir, 'missing'), 4, 4, sha), /missing/);
});

test('wrong dimension is rejected at build time', () => {
  assert.throws(() => VectorIndex.build([new Float32Array(3)], 4), /dimension 3, expected 4/);
});
