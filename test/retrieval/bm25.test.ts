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
