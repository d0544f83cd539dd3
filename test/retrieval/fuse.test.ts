import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { Bm25Index } from '../../retrieval/bm25.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import {
  DEFAULT_FUSION,
  analyzeQuery,
  confidenceOf,
  coverage,
  coverageOfRows,
  createHeadingMemo,
  createQueryMemo,
  docMatch,
  fuseCandidates,
  type HeadingMemo,
} from '../../retrieval/fuse.ts';
import { openRetriever, type Retriever } from '../../retrieval/search.ts';
import { createSegmenter, normalizeQuery } from '../../retrieval/segment.ts';
import { parseSynonyms } from '../../retrieval/synonyms.ts';
import type { Chunk } from '../../retrieval/types.ts';

const seg = createSegmenter();
const syn = parseSynonyms('equivalents:\n  - [海归, 留学人员]\ninScopePlaces: [上海]\n');

test('concepts: sub-words join their word, expansions join the concept they came from', () => {
  const bm25 = Bm25Index.build([['留学人员', '落户'], ['职称']]);
  const q = analyzeQuery('海归落户', seg, syn, bm25, DEFAULT_FUSION);
  const haigui = q.concepts.find((c) => c.word === '海归')!;
  assert.ok(haigui.terms.includes('留学人员'));
  // 海归 is unseen but its expansion is seen: weighted like the expansion
  assert.equal(haigui.weight, bm25.idf('留学人员'));
  assert.ok(q.terms.some((t) => t.term === '留学人员' && t.weight === DEFAULT_FUSION.synonymWeight));
});

test('coverage of many rows at once equals coverage row by row', () => {
  const texts = ['本市居住证积分落户', '留学人员落户材料', '职称评审', '人才公寓申请', '海归人才落户公寓', '创业补贴', '落户'];
  const docs = Array.from({ length: 300 }, (_, i) => seg.tokens(texts[(i * 7) % texts.length]! + texts[i % 5]!));
  const bm25 = Bm25Index.build(docs);
  const q = analyzeQuery('海归落户要什么材料，人才公寓呢', seg, syn, bm25, DEFAULT_FUSION);
  assert.ok(q.concepts.length >= 4);
  const rows = [299, 3, 0, 150, 151, 7, 42, 298, 11];
  const many = coverageOfRows(q, bm25, rows);
  assert.equal(many.size, rows.length);
  for (const r of rows) assert.equal(many.get(r), coverage(q, bm25, r), `row ${r}`);
  assert.ok(new Set(many.values()).size > 1, 'the rows should differ in coverage');
});

test('confidence: coverage curve, out-of-scope place penalty, empty query', () => {
  const texts = ['本市居住证积分落户', '职称评审', '人才公寓', '创业补贴', '高校毕业生就业'];
  const chunks: Chunk[] = texts.map((text, i) => ({
    id: `a#${i}`,
    docId: 'a',
    title: 't',
    clause: String(i),
    path: [],
    start: 0,
    end: text.length,
    text,
  }));
  const bm25 = Bm25Index.build(texts.map((t) => seg.tokens(t)));
  const run = (text: string) => {
    const q = analyzeQuery(text, seg, syn, bm25, DEFAULT_FUSION);
    const fused = fuseCandidates({
      q,
      bm25Hits: bm25.search(q.terms, 5),
      bm25,
      chunks,
      headings: texts.map(() => ''),
      docs: new Map(),
      opts: DEFAULT_FUSION,
    });
    return confidenceOf(q, fused[0], DEFAULT_FUSION);
  };
  assert.ok(run('本市积分落户') > 0.9);
  assert.ok(run('上海积分落户') > 0.5, 'an in-scope place is not penalized');
  assert.ok(run('北京积分落户') < 0.5, 'a place outside the corpus');
  assert.equal(run(''), 0);
  assert.ok(run('积分落户') > run('积分落户 天气 股票 彩票'));
});

test('docMatch: 文号, district named, district preference', () => {
  const bm25 = Bm25Index.build([['x']]);
  const q = analyzeQuery('103号文 杨浦', seg, syn, bm25, DEFAULT_FUSION, ['杨浦']);
  assert.deepEqual(q.docNumbers, ['103']);
  assert.equal(docMatch(q, { title: 't', docNumber: '沪人社力〔2022〕103号' }), 1);
  assert.equal(docMatch(q, { title: 't', district: '杨浦' }), 1);
  assert.equal(docMatch(q, { title: 't', docNumber: '沪人社专〔2023〕113号' }), 0);
  const plain = analyzeQuery('人才公寓', seg, syn, bm25, DEFAULT_FUSION, ['长宁']);
  assert.equal(docMatch(plain, { title: 't', district: '长宁' }, '长宁'), 0.5);
});

// ── the real corpus, BM25 + structure signals (no model: fast) ──────────────────────────────
let retriever: Retriever;
let dataDir: string;
before(async () => {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  dataDir = mkdtempSync(join(tmpdir(), 'pb-real-'));
  retriever = (
    await openRetriever({
      chunks: corpus.chunks,
      documents: corpus.documents,
      corpusDir: join(PROJECT_ROOT, 'corpus'),
      dataDir,
      model: null,
    })
  ).retriever;
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('real corpus: the memos (expansion tokens, heading tests) change no analysis and no score', () => {
  const questions = [
    '海归落户要交多久社保？',
    'QS排名第80的学校毕业，落户要交多久社保？',
    '留學回國人員怎麼落戶',
    '杨浦区人才公寓怎么申请',
    '五险断缴了对居住证积分有影响吗',
    '博士后进站补贴',
    '北京积分落户',
    '103号文 第三条',
    'UCL毕业的硕士想落户',
    '',
  ];
  const { data, segmenter, synonyms } = retriever;
  const memo = createQueryMemo(segmenter, synonyms);
  const districts = [...new Set([...data.docs.values()].map((d) => d.district).filter((d): d is string => !!d))];
  // a heading memo that holds two terms at most: it is cleared again and again while in use
  const tiny: HeadingMemo = { ...createHeadingMemo(data.headings), maxTerms: 2 };
  const big = createHeadingMemo(data.headings);
  let headingMatches = 0;
  for (let round = 0; round < 2; round++)
    for (const question of questions) {
      const text = normalizeQuery(question);
      const plain = analyzeQuery(text, segmenter, synonyms, data.bm25, DEFAULT_FUSION, districts);
      const memoized = analyzeQuery(text, segmenter, synonyms, data.bm25, DEFAULT_FUSION, districts, memo);
      assert.deepEqual(memoized, plain, question);
      const noBigrams = { ...DEFAULT_FUSION, bigramWeight: 0 };
      assert.deepEqual(
        analyzeQuery(text, segmenter, synonyms, data.bm25, noBigrams, districts, memo),
        analyzeQuery(text, segmenter, synonyms, data.bm25, noBigrams, districts),
        `${question} (no bigrams)`,
      );
      const input = {
        q: plain,
        bm25Hits: data.bm25.search(plain.terms, 50),
        bm25: data.bm25,
        chunks: data.chunks,
        headings: data.headings,
        docs: data.docs,
        opts: DEFAULT_FUSION,
      };
      const reference = fuseCandidates(input);
      assert.deepEqual(fuseCandidates({ ...input, headingMemo: big }), reference, question);
      assert.deepEqual(fuseCandidates({ ...input, headingMemo: tiny }), reference, `${question} (tiny memo)`);
      // a memo of other headings is not used
      const other = createHeadingMemo(data.headings.map(() => ''));
      assert.deepEqual(fuseCandidates({ ...input, headingMemo: other }), reference, `${question} (foreign memo)`);
      headingMatches += reference.filter((f) => f.signals.heading > 0).length;
    }
  assert.ok(memo.termTokens.size > 0, 'expansion terms were memoized');
  assert.ok(big.has.size > 0 && tiny.has.size <= 2);
  assert.ok(headingMatches > 20, `the heading signal is exercised (${headingMatches} candidates)`);
});

test('real corpus: the questions from the issue find the right clause', async () => {
  const a = await retriever.search('QS排名第80的学校毕业，落户要交多久社保？', { k: 3 });
  assert.equal(a.hits[0]!.chunk.id, 'sh-hrss-2022-103#三');
  assert.ok(a.confidence >= 0.5);
  const b = await retriever.search('去年公司没按时给我交五险，后来补上了，对我申请户口有影响吗', { k: 3 });
  assert.equal(b.hits[0]!.chunk.id, 'sh-hrss-2022-103#二');
  assert.ok(b.confidence >= 0.5);
});

test('real corpus: out-of-scope questions get a low confidence', async () => {
  for (const q of ['北京积分落户', '今天天气', '深圳的人才补贴', '住房公积金提取条件']) {
    const r = await retriever.search(q);
    assert.ok(r.confidence < 0.5, `${q}: ${r.confidence}`);
  }
});
