/**
 * The fast index build gives the same tokens and the same index as the plain one (issue 17): the
 * normalization that skips OpenCC when no character can change, the token visitor that hands out
 * bigrams by character code, and the builder that interns terms to ids.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bm25Builder, Bm25Index } from '../../retrieval/bm25.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { addChunkTokens, chunkTokens } from '../../retrieval/index-store.ts';
import { BIGRAM_PREFIX, createSegmenter, mayChangeWhenSimplified, normalizeForSearch, type Segmenter } from '../../retrieval/segment.ts';
import { toSimplified } from '../../text/chinese.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { join } from 'node:path';

/** The tokenizer as it was before the visitor (reference): jieba words, trim + regex filter, regex runs. */
function referenceTokens(seg: Segmenter, text: string, o: { bigrams?: boolean } = {}): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const w of seg.cut(text)) {
    const t = w.trim();
    if (!t || !/[\p{L}\p{N}]/u.test(t)) continue;
    if (seg.isStopWord(t)) continue;
    out.push(t);
  }
  if (o.bigrams !== false) {
    for (const run of text.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g) ?? []) {
      for (let i = 0; i + 1 < run.length; i++) out.push(BIGRAM_PREFIX + run.slice(i, i + 2));
    }
  }
  return out;
}

const ODD = [
  '',
  ' ',
  '落户 ',
  ' 社保',
  '２０２２年　留學回國人員 落戶',
  'QS 排名 top50，985/211 院校',
  '😀落户😀社保𠀋𠀋',
  '\u9fff\u9ffe\ufa6e\ufada测试', // unassigned code points in the CJK ranges
  '第一条\t第二款\u00a0第三项\u3000完',
  'ａｂｃ　１２３　ⅻ',
  '豈更車賈滑串句龜', // CJK compatibility ideographs
  '臺灣 台湾 台灣 户口 戶口 吃飯 喫飯',
];

test('the token visitor gives the same tokens as the reference tokenizer (corpus chunks and odd input)', async () => {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const seg = createSegmenter({ dictionaryFile: join(PROJECT_ROOT, 'corpus', 'dictionary.txt') });
  const texts = [...ODD, ...corpus.chunks.flatMap((c) => [c.text, c.heading ?? '', c.title, c.path.join(' ')])];
  for (const raw of texts) {
    const text = normalizeForSearch(raw);
    assert.deepEqual(seg.tokens(text), referenceTokens(seg, text), raw);
    assert.deepEqual(seg.tokens(text, { bigrams: false }), referenceTokens(seg, text, { bigrams: false }), raw);
    assert.deepEqual(seg.tokens(raw), referenceTokens(seg, raw), `unnormalized: ${raw}`);
  }
});

test('normalizeForSearch skips OpenCC only where it cannot change anything (every BMP character, corpus, odd input)', async () => {
  let skipped = 0;
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCharCode(c);
    if (!mayChangeWhenSimplified(s)) {
      skipped++;
      assert.equal(toSimplified(s), s, `U+${c.toString(16)} converts but is not flagged`);
    }
  }
  assert.ok(skipped > 59_000, `only ${skipped} characters take the fast path`);
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const slow = (t: string) => toSimplified(t.normalize('NFKC')).toLowerCase().replace(/\s+/g, ' ').trim();
  for (const t of [...ODD, ...corpus.chunks.map((c) => c.text), '關於寶山區人才落戶', '乾隆 乾燥 著名 沿著']) {
    assert.equal(normalizeForSearch(t), slow(t), t);
  }
});

test('the builder (terms interned, bigrams by code) gives the same index as building from token lists', async () => {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const seg = createSegmenter({ dictionaryFile: join(PROJECT_ROOT, 'corpus', 'dictionary.txt') });
  const b = new Bm25Builder();
  for (const c of corpus.chunks) addChunkTokens(b, seg, c);
  const fast = b.finish();
  // the same with blocks of 16 pairs: hundreds of blocks, filled and released across documents
  const small = new Bm25Builder({ blockShift: 4 });
  for (const c of corpus.chunks) addChunkTokens(small, seg, c);
  assert.deepEqual(small.finish().toJSON(), fast.toJSON());
  const plain = Bm25Index.build(corpus.chunks.map((c) => chunkTokens(seg, c)));
  assert.ok(fast.size > 50);
  // same postings, lengths and parameters (term order aside), hence the same scores
  const sortKeys = (j: ReturnType<Bm25Index['toJSON']>) => ({ ...j, postings: Object.fromEntries(Object.entries(j.postings).sort()) });
  assert.deepEqual(sortKeys(fast.toJSON()), sortKeys(plain.toJSON()));
  const q = seg.tokens(normalizeForSearch('留学回国人员落户需要缴纳多久社保')).map((term) => ({ term, weight: 1 }));
  assert.deepEqual(fast.search(q, 10), plain.search(q, 10));
});

test('empty documents and a key that names an existing string term share one term', () => {
  const b = new Bm25Builder();
  b.add('#社保');
  b.endDoc();
  b.endDoc(); // empty
  const key = '社'.charCodeAt(0) * 65536 + '保'.charCodeAt(0);
  assert.equal(b.addKeyed(key), false);
  b.addKeyedNew(key, '#社保');
  assert.equal(b.addKeyed(key), true);
  b.endDoc();
  const idx = b.finish();
  assert.equal(idx.size, 3);
  assert.equal(idx.df('#社保'), 2);
  // doc 2 holds the term twice (once defined, once by key)
  assert.deepEqual(
    idx.search([{ term: '#社保', weight: 1 }], 5).map((h) => h.doc),
    [2, 0],
  );
});

test('binary round trip gives identical scores; a damaged file is named', () => {
  const idx = Bm25Index.build([['社保', '补缴', '人才'], [], ['人才', '人才', '公寓'], ['留学', '落户', '社保']]);
  const buf = idx.toBinary();
  const again = Bm25Index.fromBinary(buf);
  assert.deepEqual(again.toJSON(), idx.toJSON());
  // an odd byte offset (a Buffer slice of a pooled read) still loads
  const shifted = Buffer.alloc(buf.length + 1);
  buf.copy(shifted, 1);
  assert.deepEqual(Bm25Index.fromBinary(shifted.subarray(1)).toJSON(), idx.toJSON());
  assert.throws(() => Bm25Index.fromBinary(buf.subarray(0, buf.length - 3)), /BM25 index file: truncated data/);
  assert.throws(() => Bm25Index.fromBinary(Buffer.from('not an index at all')), /not a policybot BM25 file/);
});
