/**
 * Property test: the pruned BM25 top-k (MaxScore) equals the exhaustive scorer on random corpora and
 * queries — same documents, same order, same scores — and the exhaustive scorer equals the BM25
 * formula written out independently.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bm25Index, type Bm25SearchStats, type WeightedTerm } from '../../retrieval/bm25.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Zipf-like vocabulary draws: a few very common terms (long lists), many rare ones. */
function corpus(rand: () => number, docs: number, vocab: number): string[][] {
  const out: string[][] = [];
  for (let d = 0; d < docs; d++) {
    const len = 1 + Math.floor(rand() * rand() * 60);
    const toks: string[] = [];
    for (let i = 0; i < len; i++) toks.push(`t${Math.floor(vocab ** rand()) - 1}`);
    out.push(toks);
  }
  return out;
}

function query(rand: () => number, vocab: number): WeightedTerm[] {
  const n = 1 + Math.floor(rand() * 18);
  const weights = [1, 1, 0.6, 0.3, 0.3, 0.5];
  const q: WeightedTerm[] = [];
  for (let i = 0; i < n; i++)
    q.push({ term: `t${Math.floor(vocab ** rand()) - 1}`, weight: weights[Math.floor(rand() * weights.length)]! });
  if (rand() < 0.1) q.push({ term: 'not-in-the-corpus', weight: 1 });
  if (rand() < 0.1 && q.length) q.push({ ...q[0]! }); // a duplicated term: weights merge
  return q;
}

function formula(docs: string[][], q: WeightedTerm[], k1: number, b: number): Map<number, number> {
  const N = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / N;
  const w = new Map<string, number>();
  for (const t of q) if (t.weight > 0) w.set(t.term, (w.get(t.term) ?? 0) + t.weight);
  const scores = new Map<number, number>();
  for (const [term, wt] of w) {
    const df = docs.filter((d) => d.includes(term)).length;
    if (!df) continue;
    const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
    docs.forEach((d, i) => {
      const tf = d.filter((x) => x === term).length;
      if (tf) scores.set(i, (scores.get(i) ?? 0) + (wt * idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.length) / avgdl)));
    });
  }
  return scores;
}

test('MaxScore and block-max top-k are identical to the exhaustive scorer (random corpora and queries)', () => {
  let compared = 0;
  let pruned = 0;
  let blockPruned = 0;
  let blockSkipped = 0;
  for (let c = 0; c < 8; c++) {
    const rand = rng(1000 + c);
    const docs = corpus(rand, 300 + Math.floor(rand() * 1700), 50 + Math.floor(rand() * 2000));
    const params = { k1: 0.5 + rand() * 1.5, b: rand() };
    const idx = Bm25Index.build(docs, params);
    for (let i = 0; i < 40; i++) {
      const q = query(rand, 2000);
      const limit = [1, 3, 5, 10, 50, 200][Math.floor(rand() * 6)]!;
      const allow = rand() < 0.2 ? (d: number) => d % 3 !== 0 : undefined;
      const stats: Bm25SearchStats = { terms: 0, postings: 0, walked: 0, skippedLists: 0, lookups: 0 };
      const fast = idx.searchMaxScore(q, limit, allow, stats);
      const ref = idx.searchExhaustive(q, limit, allow);
      assert.deepEqual(fast, ref, `corpus ${c} query ${i} limit ${limit}`);
      const bstats: Bm25SearchStats = { terms: 0, postings: 0, walked: 0, skippedLists: 0, lookups: 0 };
      assert.deepEqual(idx.searchBlockMax(q, limit, allow, bstats), ref, `block-max: corpus ${c} query ${i} limit ${limit}`);
      compared++;
      if (stats.skippedLists > 0) pruned++;
      if (bstats.skippedLists > 0) blockPruned++;
      if (bstats.walked < bstats.postings) blockSkipped++;
    }
  }
  assert.equal(compared, 320);
  assert.ok(pruned > 80, `only ${pruned} queries skipped a list: the test would not exercise pruning`);
  assert.ok(blockPruned > 80, `block-max: only ${blockPruned} queries had non-essential lists`);
  assert.ok(blockSkipped > 80, `block-max: only ${blockSkipped} queries skipped postings`);
});

test('ties are broken by ascending document, as a full sort would', () => {
  // 40 identical documents: every score ties
  const docs = Array.from({ length: 40 }, () => ['社保', '补缴']);
  docs.push(['社保']);
  const idx = Bm25Index.build(docs);
  const hits = idx.searchMaxScore([{ term: '社保', weight: 1 }], 5);
  assert.deepEqual(
    hits.map((h) => h.doc),
    [40, 0, 1, 2, 3],
  ); // the shorter document first, then by id
  assert.deepEqual(hits, idx.searchExhaustive([{ term: '社保', weight: 1 }], 5));
  assert.deepEqual(idx.searchBlockMax([{ term: '社保', weight: 1 }], 5), hits);
  // 200 tying documents over several blocks, a rarer term that lifts a few of them
  const many = Array.from({ length: 200 }, (_, i) => (i % 37 === 5 ? ['社保', '补缴', '落户'] : ['社保', '补缴']));
  const big = Bm25Index.build(many);
  const q = [
    { term: '社保', weight: 1 },
    { term: '补缴', weight: 0.3 },
    { term: '落户', weight: 0.6 },
  ];
  for (const k of [1, 3, 10, 64, 100]) assert.deepEqual(big.searchBlockMax(q, k), big.searchExhaustive(q, k), `limit ${k}`);
});

test('the exhaustive scorer is the BM25 formula', () => {
  const rand = rng(7);
  const docs = corpus(rand, 400, 300);
  const idx = Bm25Index.build(docs, { k1: 1.2, b: 0.75 });
  for (let i = 0; i < 20; i++) {
    const q = query(rand, 300);
    const want = [...formula(docs, q, 1.2, 0.75)].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 10);
    const got = idx.searchExhaustive(q, 10);
    assert.equal(got.length, want.length);
    got.forEach((h, j) => {
      assert.ok(Math.abs(h.score - want[j]![1]) < 1e-9 * Math.max(1, h.score), `query ${i} rank ${j}: ${h.score} vs ${want[j]![1]}`);
    });
  }
});

test('merge equals a full build on random corpora (shared lists, dropped and added documents)', () => {
  for (let c = 0; c < 6; c++) {
    const rand = rng(500 + c);
    const vocab = 30 + Math.floor(rand() * 300);
    const before = corpus(rand, 150 + Math.floor(rand() * 300), vocab);
    // pairs of terms that always occur together (a word and its bigram): shared lists to split or join
    for (const d of before) if (d.includes('t1')) d.push('t1b');
    const keep = before.map(() => rand() < 0.8);
    const added = corpus(rand, 1 + Math.floor(rand() * 60), vocab);
    for (const d of added) if (d.includes('t2') && rand() < 0.5) d.push('t1b');
    const kept = before.filter((_, i) => keep[i]);
    // the new order: kept documents (in order) interleaved with the added ones at random places
    const order: ({ old: number } | { fresh: number })[] = [];
    let fi = 0;
    before.forEach((_, i) => {
      while (fi < added.length && rand() < 0.2) order.push({ fresh: fi++ });
      if (keep[i]) order.push({ old: i });
    });
    while (fi < added.length) order.push({ fresh: fi++ });
    const oldToNew = new Int32Array(before.length).fill(-1);
    const freshToNew = new Int32Array(added.length);
    order.forEach((o, at) => ('old' in o ? (oldToNew[o.old] = at) : (freshToNew[o.fresh] = at)));
    const after = order.map((o) => ('old' in o ? before[o.old]! : added[o.fresh]!));
    assert.equal(after.length, kept.length + added.length);
    const merged = Bm25Index.merge(Bm25Index.build(before), oldToNew, Bm25Index.build(added), freshToNew, after.length);
    const full = Bm25Index.build(after);
    assert.deepEqual(merged.counts, full.counts, `corpus ${c}`);
    for (let i = 0; i < 25; i++) {
      const q = query(rand, vocab);
      if (rand() < 0.3) q.push({ term: 't1b', weight: 0.3 }, { term: 't1', weight: 1 });
      assert.deepEqual(merged.search(q, 20), full.search(q, 20), `corpus ${c} query ${i}`);
      for (const t of q) assert.equal(merged.df(t.term), full.df(t.term));
    }
  }
});
