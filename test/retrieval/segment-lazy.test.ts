/**
 * The segmenter that is not warmed (a one-shot `policybot ask`) loads only the stock words of the texts
 * it cuts, from the sorted table (retrieval/segment.ts). It must cut exactly like the whole dictionary:
 * compared here on every line of the corpus documents and of the question fixtures.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import {
  createSegmenter,
  ensureStockTable,
  normalizeForSearch,
  readStockTable,
  stockLine,
  stockTablePath,
  stockWordsIn,
} from '../../retrieval/segment.ts';

const dictionaryFile = join(PROJECT_ROOT, 'corpus', 'dictionary.txt');
let dir = '';
/** The reference segmenter over the whole dictionary, loaded once (≈ 0.3 s) for all the tests. */
let wholeSegmenter: ReturnType<typeof createSegmenter> | undefined;
const wholeDictionary = () => (wholeSegmenter ??= createSegmenter({ dictionaryFile, lazy: false }));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'policybot-seg-lazy-'));
  assert.ok(ensureStockTable(dir), 'the sorted table is written');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every non-empty normalized line of the corpus documents and of the test fixtures (questions, messages). */
function lines(): string[] {
  const out: string[] = [];
  const docs = join(PROJECT_ROOT, 'corpus', 'documents');
  const fixtures = join(PROJECT_ROOT, 'test', 'fixtures');
  for (const f of readdirSync(docs)) out.push(...readFileSync(join(docs, f), 'utf8').split('\n'));
  for (const f of readdirSync(fixtures)) if (f.endsWith('.yaml')) out.push(...readFileSync(join(fixtures, f), 'utf8').split('\n'));
  return out.map(normalizeForSearch).filter(Boolean);
}

test('the sorted table finds the words of a text, each with its stock line', () => {
  const table = readStockTable(stockTablePath(dir))!;
  assert.ok(table.offsets.length > 300_000, `${table.offsets.length} entries`);
  const words = stockWordsIn(table, '北京积分落户');
  for (const w of ['北京', '积分', '落户', '北', '京']) assert.ok(words.has(w), `${w} in ${[...words.keys()].join('|')}`);
  assert.ok(!words.has('京积'));
  assert.match(stockLine(table, '北京')!, /^北京 \d+ ns$/);
  assert.equal(stockLine(table, '北京积'), undefined);
  assert.equal(stockWordsIn(table, '').size, 0);
});

test('cut lazily, every corpus and fixture line is segmented exactly as with the whole dictionary', () => {
  const whole = wholeDictionary();
  const lazy = createSegmenter({ dictionaryFile, cacheDir: dir, lazyCharBudget: Number.POSITIVE_INFINITY });
  const all = lines();
  assert.ok(all.length > 5000, `${all.length} lines`);
  let differ = 0;
  const examples: string[] = [];
  for (const t of all) {
    const a = whole.tokens(t).join('|') + ' / ' + whole.placeNames(t).join('|');
    const b = lazy.tokens(t).join('|') + ' / ' + lazy.placeNames(t).join('|');
    if (a !== b) {
      differ++;
      if (examples.length < 3) examples.push(`${t}\n  whole: ${a}\n  lazy:  ${b}`);
    }
  }
  assert.equal(differ, 0, examples.join('\n'));
  const s = lazy.dictionaryState();
  assert.equal(s.state, 'lazy', 'the comparison went through the lazy path');
  assert.ok(s.words > 1000 && s.words < 100_000, `${s.words} stock words loaded`);
  assert.equal(whole.dictionaryState().state, 'whole');
});

test('past its budget, or when warmed, the segmenter loads the whole dictionary and cuts the same', () => {
  const whole = wholeDictionary();
  const lazy = createSegmenter({ dictionaryFile, cacheDir: dir, lazyCharBudget: 20 });
  assert.equal(lazy.dictionaryState().state, 'none');
  const q = normalizeForSearch('宝山区的人才安居资助最高多少？');
  assert.deepEqual(lazy.tokens(q), whole.tokens(q));
  assert.equal(lazy.dictionaryState().state, 'lazy');
  const q2 = normalizeForSearch('留学回国人员怎么落户？深圳的政策一样吗');
  assert.deepEqual(lazy.tokens(q2), whole.tokens(q2));
  assert.equal(lazy.dictionaryState().state, 'whole');
  const warmed = createSegmenter({ dictionaryFile, cacheDir: dir, lazyCharBudget: 1e6 });
  warmed.warm();
  assert.equal(warmed.dictionaryState().state, 'whole');
});

test('a corrupt sorted table is removed and the whole dictionary is loaded instead', () => {
  const bad = mkdtempSync(join(tmpdir(), 'policybot-seg-bad-'));
  try {
    const file = stockTablePath(bad);
    writeFileSync(file, readFileSync(stockTablePath(dir)).subarray(0, 100_000)); // truncated
    const seg = createSegmenter({ dictionaryFile, cacheDir: bad });
    assert.deepEqual(seg.tokens('北京积分落户'), wholeDictionary().tokens('北京积分落户'));
    assert.equal(seg.dictionaryState().state, 'whole');
    assert.ok(!existsSync(file), 'removed: the next ensureStockTable writes it again');
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});
