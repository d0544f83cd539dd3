import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bm25Index } from '../../retrieval/bm25.ts';

const docs = [
  ['社保', '补缴', '人才', '引进'],
  ['留学', '落户', '人才', '社保'],
  ['职称', '评审', '人才'],
  ['人才', '人才', '人才', '公寓'],
];

test('scores rank documents by rare matching terms', () => {
  const idx = Bm25Index.build(docs);
  const hits = idx.search(
    [
      { term: '补缴', weight: 1 },
      { term: '社保', weight: 1 },
    ],
    10,
  );
  assert.equal(hits[0]!.doc, 0);
  assert.equal(hits.length, 2);
  assert.ok(hits[0]!.score > hits[1]!.score);
  // a term in every document has a low idf, a missing one the maximal idf
  assert.ok(idx.idf('人才') < idx.idf('职称'));
  assert.ok(idx.idf('天气') >= idx.idf('职称'));
  assert.equal(idx.df('天气'), 0);
});

test('query weights matter and unknown terms are ignored', () => {
  const idx = Bm25Index.build(docs);
  const a = idx.search(
    [
      { term: '落户', weight: 1 },
      { term: '职称', weight: 0.1 },
      { term: '没有这个词', weight: 5 },
    ],
    2,
  );
  assert.equal(a[0]!.doc, 1);
  assert.deepEqual(idx.search([{ term: '没有这个词', weight: 1 }], 5), []);
  assert.deepEqual(idx.search([], 5), []);
});

test('contains() answers membership from the posting lists', () => {
  const idx = Bm25Index.build(docs);
  assert.equal(idx.contains(3, '公寓'), true);
  assert.equal(idx.contains(2, '公寓'), false);
});

test('allow() filters and limit() caps', () => {
  const idx = Bm25Index.build(docs);
  const hits = idx.search([{ term: '人才', weight: 1 }], 2, (d) => d !== 3);
  assert.equal(hits.length, 2);
  assert.ok(hits.every((h) => h.doc !== 3));
});

test('JSON round trip gives identical scores', () => {
  const idx = Bm25Index.build(docs);
  const again = Bm25Index.fromJSON(JSON.parse(JSON.stringify(idx.toJSON())));
  const q = [
    { term: '人才', weight: 1 },
    { term: '社保', weight: 0.5 },
  ];
  assert.deepEqual(again.search(q, 4), idx.search(q, 4));
  assert.throws(() => Bm25Index.fromJSON({ version: 2 } as never), /unsupported or malformed/);
});

test('terms with identical lists share one; their weights add up', () => {
  // 社保 and its bigram #社保 occur in the same documents with the same tfs: one list
  const docs2 = [['社保', '#社保', '补缴'], ['社保', '#社保', '社保', '#社保'], ['落户', '补缴', '补缴'], ['落户']];
  const idx = Bm25Index.build(docs2);
  assert.deepEqual(idx.counts, { terms: 4, lists: 3, postings: 6 });
  assert.equal(idx.df('#社保'), 2);
  assert.equal(idx.contains(1, '#社保'), true);
  assert.equal(idx.contains(2, '#社保'), false);
  const split = [
    { term: '社保', weight: 1 },
    { term: '#社保', weight: 0.5 },
    { term: '补缴', weight: 1 },
  ];
  const joined = [
    { term: '社保', weight: 1.5 },
    { term: '补缴', weight: 1 },
  ];
  assert.deepEqual(idx.search(split, 4), idx.search(joined, 4));
  // same lists after a binary and a JSON round trip (JSON writes each term's list; reading shares them again)
  const bin = Bm25Index.fromBinary(idx.toBinary());
  const json = Bm25Index.fromJSON(JSON.parse(JSON.stringify(idx.toJSON())));
  for (const again of [bin, json]) {
    assert.deepEqual(again.counts, idx.counts);
    assert.deepEqual(again.search(split, 4), idx.search(split, 4));
  }
});

test('merge equals a full build, sharing lists that became identical', () => {
  // before: 社保 and 公积金 differ (document 2 has only 公积金); after dropping it and adding one with both, they are equal
  const before = [['社保', '公积金'], ['落户'], ['公积金', '补缴']];
  const added = [['社保', '公积金', '补缴']];
  const after = [before[0]!, before[1]!, added[0]!];
  const old = Bm25Index.build(before);
  assert.equal(old.counts.lists, 4);
  const merged = Bm25Index.merge(old, Int32Array.from([0, 1, -1]), Bm25Index.build(added), Int32Array.from([2]), 3);
  const full = Bm25Index.build(after);
  assert.deepEqual(merged.counts, full.counts);
  assert.equal(merged.counts.lists, 3);
  for (const term of ['社保', '公积金', '落户', '补缴', '没有'])
    assert.deepEqual(
      merged.search(
        [
          { term, weight: 1 },
          { term: '落户', weight: 0.3 },
        ],
        3,
      ),
      full.search(
        [
          { term, weight: 1 },
          { term: '落户', weight: 0.3 },
        ],
        3,
      ),
    );
});

test('a binary file of another version or cut short is refused with a fix', () => {
  const bin = Bm25Index.build(docs).toBinary();
  assert.throws(() => Bm25Index.fromBinary(bin.subarray(0, bin.length - 8)), /truncated data.*ingest --rebuild/);
  const old = Buffer.from(bin);
  old.write('PBBM25\u00002', 0, 'latin1');
  assert.throws(() => Bm25Index.fromBinary(old), /not a policybot BM25 file of this version/);
});

test('postings with a document out of range or out of order are refused', () => {
  const termIds = new Map([['社保', 0]]);
  const offsets = Int32Array.from([0, 2]);
  const lengths = Float32Array.from([1, 1]);
  const make = (docs: number[]) =>
    new Bm25Index({ termIds, offsets, docs: Int32Array.from(docs), tfs: Uint16Array.from([1, 1]) }, lengths, { k1: 1.2, b: 0.75 });
  assert.equal(make([0, 1]).df('社保'), 2);
  assert.throws(() => make([0, 2]), /list 0 has document 2 after 0 \(2 documents/);
  assert.throws(() => make([1, 0]), /list 0 has document 0 after 1/);
});
