import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BIGRAM_PREFIX, MAX_QUERY_CHARS, createSegmenter, normalizeForSearch, normalizeQuery } from '../../retrieval/segment.ts';

test('normalizeForSearch: full-width digits, traditional characters, case and spaces', () => {
  assert.equal(normalizeForSearch('２０２２年　留學回國人員 落戶'), '2022年 留学回国人员 落户');
  assert.equal(normalizeForSearch('QS  排名'), 'qs 排名');
  // idempotent
  const once = normalizeForSearch('關於寶山區人才落戶');
  assert.equal(normalizeForSearch(once), once);
});

test('normalizeQuery truncates a 100 KB query', () => {
  const q = normalizeQuery('落户'.repeat(50_000));
  assert.ok(q.length <= MAX_QUERY_CHARS);
});

test('the project dictionary keeps policy terms whole; stop words and punctuation are dropped', () => {
  const seg = createSegmenter({ dictionaryText: '居转户 3000 n\n留学回国人员 3000 n' });
  const words = seg.tokens(normalizeForSearch('留学回国人员怎么办理居转户？'), { bigrams: false });
  assert.ok(words.includes('居转户'), words.join('|'));
  assert.ok(words.includes('留学回国人员'), words.join('|'));
  assert.ok(!words.includes('怎么'));
  assert.ok(!words.some((w) => /[？?，]/.test(w)));
});

test('bigrams are prefixed and cover every adjacent CJK pair', () => {
  const seg = createSegmenter();
  const toks = seg.tokens('社保补缴');
  const bigrams = toks.filter((t) => t.startsWith(BIGRAM_PREFIX)).map((t) => t.slice(BIGRAM_PREFIX.length));
  assert.deepEqual(bigrams, ['社保', '保补', '补缴']);
});

test('place names are recognised; empty and emoji input give nothing', () => {
  const seg = createSegmenter();
  assert.deepEqual(seg.placeNames('北京积分落户'), ['北京']);
  assert.deepEqual(seg.tokens(''), []);
  assert.deepEqual(seg.tokens(normalizeForSearch('😀😀🎉')), []);
});

test('general idf: generic words weigh less than topical ones', () => {
  const seg = createSegmenter();
  assert.ok(seg.generalIdf('公司') < seg.generalIdf('公积金'));
});

test('place names from the tokens: the same as the tagger on every fixture line', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { PROJECT_ROOT } = await import('../../bot/config.ts');
  // the project dictionary, and a user word tagged ns
  const seg = createSegmenter({
    dictionaryFile: join(PROJECT_ROOT, 'corpus', 'dictionary.txt'),
    dictionaryText: '临港新片区 3000 ns',
    lazy: false,
  });
  const lazy = createSegmenter({ dictionaryText: '临港新片区 3000 ns' });
  const texts = ['北京积分落户', '临港新片区的人才政策', '😀', 'abc 123', '在上海工作满六个月'];
  for (const f of readdirSync(join(PROJECT_ROOT, 'test', 'fixtures')).filter((n) => n.endsWith('.yaml')))
    texts.push(...readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', f), 'utf8').split('\n'));
  const unique = [...new Set(texts.map((t) => normalizeQuery(t)))];
  let skipped = 0;
  let places = 0;
  for (const text of unique) {
    const words = seg.tokens(text, { bigrams: false });
    const tagged = seg.placeNames(text);
    assert.deepEqual(seg.placeNames(text, words), tagged, text);
    if (tagged.length) places++;
    else skipped++;
  }
  assert.ok(skipped > 1000 && places > 300, `skipped ${skipped}, with places ${places}`);
  assert.deepEqual(seg.placeNames('临港新片区的人才政策', seg.tokens('临港新片区的人才政策', { bigrams: false })), ['临港新片区']);
  // not warmed (lazy dictionary): the tagger always runs, the same answer
  assert.deepEqual(lazy.placeNames('北京积分落户', []), ['北京']);
});
