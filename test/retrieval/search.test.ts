import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { openRetriever, type DocInfo } from '../../retrieval/search.ts';
import type { Chunk } from '../../retrieval/types.ts';

const corpusDir = join(PROJECT_ROOT, 'corpus');

function chunk(docId: string, clause: string, text: string, heading?: string): Chunk {
  return { id: `${docId}#${clause}`, docId, title: `${docId} 的标题`, clause, path: [], start: 0, end: text.length, text, heading };
}

const documents: DocInfo[] = [
  { id: 'city-a', title: '市级人才引进通知', docNumber: '沪人社力〔2022〕103号', level: 'municipal' },
  { id: 'yp-b', title: '杨浦区海外人才答复', docNumber: '杨人社〔2021〕18号', district: '杨浦', level: 'district' },
  { id: 'cn-c', title: '长宁区人才意见', district: '长宁', level: 'district' },
];
const baseChunks: Chunk[] = [
  chunk(
    'city-a',
    '二',
    '二、实行社保补缴阶段性适用。用人单位因受疫情影响，未按期缴纳社会保险费并于年底前补缴的，完成补缴后在办理人才引进相关业务时不受影响。',
    '实行社保补缴阶段性适用',
  ),
  chunk(
    'city-a',
    '三',
    '三、加大世界名校留学人员引进力度。毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求，全职来本市工作后即可直接申办落户。',
    '加大世界名校留学人员引进力度',
  ),
  chunk(
    'city-a',
    '十四',
    '十四、优化专业技术人才职称公共服务。大力推广在线面谈答辩，实现专业技术人才申报材料就近提交。',
    '优化专业技术人才职称公共服务',
  ),
  chunk('yp-b', '（一）', '（一）建立一套体系。设立留学回国人员杨浦受理点，安排专窗、专人全过程服务，优化办理流程。', '建立一套体系'),
  chunk('yp-b', '（二）', '（二）建设两个平台。建设海外人才云实习平台，探索搭建海外人才与国内企业沟通桥梁。', '建设两个平台'),
  chunk(
    'cn-c',
    '18',
    '18.加强人才安居工程保障力度。拓宽人才公寓筹措渠道，给予货币化租房补贴，或推荐轮候入住人才公寓。',
    '加强人才安居工程保障力度',
  ),
  chunk('cn-c', '8', '8.深化海外人才一站式服务。优化外国人来华工作许可办理审批流程，设立留学回国人员服务专窗。', '深化海外人才一站式服务'),
];

const model = {
  modelId: 'Xenova/bge-small-zh-v1.5',
  modelsDir: '/nonexistent/models',
  allowRemote: false,
  remoteHost: 'https://huggingface.co/',
};

test('hybrid search end to end: train the offline embedder, build, reload, rebuild on change, repair corruption', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-search-'));
  const logs: string[] = [];
  const log = { debug() {}, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };

  const first = await openRetriever({ chunks: baseChunks, documents, corpusDir, dataDir, model, log });
  assert.equal(first.trained, true);
  assert.equal(first.index.status, 'built');
  assert.equal(first.index.embedded, baseChunks.length);
  assert.equal(first.retriever.model, 'policybot-static-zh');
  assert.ok(
    logs.some((l) => /embedding model: policybot-static-zh .*using the offline corpus-trained embedder/.test(l)),
    logs.join('\n'),
  );

  const r = await first.retriever.search('海归落户要交社保吗', { k: 3 });
  assert.equal(r.hits[0]!.chunk.id, 'city-a#三');
  assert.ok(r.confidence >= 0.5, `confidence ${r.confidence}`);
  assert.ok(typeof r.hits[0]!.signals.bm25 === 'number' && typeof r.hits[0]!.signals.dense === 'number');
  const dense = await first.retriever.search('留学人员落户', { k: 3, mode: 'dense' });
  assert.ok(dense.hits.length > 0);

  // unchanged: loaded from disk, nothing embedded
  const second = await openRetriever({ chunks: baseChunks, documents, corpusDir, dataDir, model, log });
  assert.equal(second.index.status, 'loaded');
  assert.equal(second.trained, false);
  assert.deepEqual(
    (await second.retriever.search('海归落户要交社保吗', { k: 3 })).hits.map((h) => h.chunk.id),
    r.hits.map((h) => h.chunk.id),
  );

  // one chunk changed, one document deleted: rebuilt, only the changed chunk embedded, deleted chunks gone
  const changed = baseChunks
    .filter((c) => c.docId !== 'cn-c')
    .map((c) => (c.id === 'city-a#十四' ? { ...c, text: c.text + '职称评审系统信息化。' } : c));
  const third = await openRetriever({ chunks: changed, documents: documents.slice(0, 2), corpusDir, dataDir, model, log });
  assert.equal(third.index.status, 'built');
  assert.match(third.index.reason ?? '', /corpus changed/);
  assert.equal(third.index.embedded, 1);
  assert.equal(third.index.reused, changed.length - 1);
  const gone = await third.retriever.search('人才公寓租房补贴', { k: 10 });
  assert.ok(gone.hits.every((h) => h.chunk.docId !== 'cn-c'));

  // a corrupted vector file is detected and rebuilt
  const hnsw = join(dataDir, 'index', 'vectors.hnsw');
  const bytes = readFileSync(hnsw);
  writeFileSync(hnsw, bytes.subarray(0, 100));
  const fourth = await openRetriever({ chunks: changed, documents: documents.slice(0, 2), corpusDir, dataDir, model, log });
  assert.equal(fourth.index.status, 'built');
  assert.match(fourth.index.reason ?? '', /vectors\.hnsw|corrupt|truncated/);
  assert.equal(fourth.index.embedded, 0, 'vectors come from the cache');
  assert.ok((await fourth.retriever.search('社保补缴', { k: 1 })).hits[0]!.chunk.id === 'city-a#二');

  // a different model id in the manifest → rebuilt, never served stale
  const fifth = await openRetriever({ chunks: changed, documents: documents.slice(0, 2), corpusDir, dataDir, model: null, log });
  assert.equal(fifth.index.status, 'built');
  assert.match(fifth.index.reason ?? '', /embedding model changed/);
  assert.equal(fifth.retriever.model, 'bm25-only');
});

test('bad input: empty, huge, emoji, injection strings, traditional and full-width text', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-bad-'));
  const { retriever } = await openRetriever({ chunks: baseChunks, documents, corpusDir, dataDir, model: null });
  for (const q of ['', '   ', '😀🎉🙈', '\u0000\u0001']) {
    const r = await retriever.search(q);
    assert.deepEqual(r.hits, []);
    assert.equal(r.confidence, 0);
  }
  const huge = await retriever.search('社保补缴'.repeat(25_000));
  assert.ok(huge.hits.length > 0);
  for (const q of ["'; DROP TABLE chunks; --", '<script>alert(1)</script>', '**落户** [link](http://x) `code`', '${process.exit(1)}']) {
    const r = await retriever.search(q);
    assert.ok(r.confidence >= 0 && r.confidence <= 1);
  }
  const trad = await retriever.search('留學回國人員落戶要交社保嗎', { k: 1 });
  assert.equal(trad.hits[0]!.chunk.id, 'city-a#三');
  const fw = await retriever.search('世界排名前５０名院校', { k: 1 });
  assert.equal(fw.hits[0]!.chunk.id, 'city-a#三');
  // k is clamped
  assert.ok((await retriever.search('人才', { k: 1000 })).hits.length <= 50);
});

test('district named or preferred: that district first; 文号 named: that document first', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-dist-'));
  const { retriever } = await openRetriever({ chunks: baseChunks, documents, corpusDir, dataDir, model: null });
  const named = await retriever.search('长宁 留学回国人员 服务专窗', { k: 1 });
  assert.equal(named.hits[0]!.chunk.docId, 'cn-c');
  const yp = await retriever.search('留学回国人员服务专窗', { k: 1, district: '杨浦区' });
  assert.equal(yp.hits[0]!.chunk.docId, 'yp-b');
  const cn = await retriever.search('留学回国人员服务专窗', { k: 1, district: '长宁' });
  assert.equal(cn.hits[0]!.chunk.docId, 'cn-c');
  const byNumber = await retriever.search('18号文 海外人才', { k: 1 });
  assert.equal(byNumber.hits[0]!.chunk.docId, 'yp-b');
});
