import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExtractLangError, fill, loadExtractLang } from '../../eligibility/extract-lang.ts';
import { DateLangError, findDates, loadDateLang } from '../../eligibility/find-dates.ts';
import { CORPUS_DIR } from './helpers.ts';
import { extractLang } from './extract-lang.ts';

const dir = mkdtempSync(join(tmpdir(), 'policybot-extract-lang-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const shipped = readFileSync(join(CORPUS_DIR, 'lang', 'extract.yaml'), 'utf8');

test('the shipped extractor words compile; word lists become the matchers', () => {
  assert.ok(extractLang.negZh.test('没有'));
  assert.ok(extractLang.negZh.test('还没在'));
  assert.ok(!extractLang.negZh.test('已经在'));
  assert.ok(extractLang.yes.test('是的。'));
  assert.ok(extractLang.no.test('not yet'));
  assert.ok(!extractLang.yes.test('是的吧'));
  assert.deepEqual('全职，但是社保没交'.split(extractLang.clauseSplit), ['全职', '', '社保没交']);
  assert.equal(extractLang.districts.length, 16);
});

test('a bad pattern names the file, the key and the regular-expression error', () => {
  writeFileSync(join(dir, 'extract.yaml'), shipped.replace("institutionWord: 'univ|", "institutionWord: '(univ|"));
  assert.throws(
    () => loadExtractLang(dir, []),
    (e: Error) =>
      e instanceof ExtractLangError &&
      /extract\.yaml: institutionWord: .*not a valid regular expression: .*Unterminated group/.test(e.message),
  );
});

test('an unquoted yes/no word that YAML reads as a boolean is refused with its key', () => {
  writeFileSync(join(dir, 'extract.yaml'), shipped.replace("'sure', 'true',", "'sure', true,"));
  assert.throws(
    () => loadExtractLang(dir, []),
    (e: Error) => e instanceof ExtractLangError && /extract\.yaml: answers\.yes\.\d+: /.test(e.message),
  );
});

test('a missing file says where the words belong', () => {
  assert.throws(() => loadExtractLang(join(dir, 'none'), []), /extract\.yaml: missing/);
});

test('a note is its sentence with the placeholders filled; an unknown placeholder stays as written', () => {
  assert.equal(fill(extractLang.notes.whichOne, { name: '东北大学' }), '您说的“东北大学”是哪一所？');
  assert.equal(fill('{a}-{b}', { a: '$&' }), '$&-{b}');
});

test('the date words are data: a relative-year word added to dates.yaml is read with no code', () => {
  const shippedDates = readFileSync(join(CORPUS_DIR, 'lang', 'dates.yaml'), 'utf8');
  writeFileSync(join(dir, 'dates.yaml'), shippedDates.replace('明年: 1 }', '明年: 1, 大前年: -3 }'));
  const D = loadDateLang(dir);
  assert.deepEqual(
    findDates(D, '大前年5月到7月', '2026-12-01').map((d) => `${d.value}..${d.to}`),
    ['2023-05..2023-07'],
  );
  assert.deepEqual(
    findDates(extractLang.dates, '大前年5月到7月', '2026-12-01').map((d) => `${d.value}..${d.to}`),
    ['2024-05..2024-07'],
    'without the word, 前年 inside 大前年 is what the shipped table reads',
  );
});

test('a bad date pattern names dates.yaml, the key and the regular-expression error', () => {
  const shippedDates = readFileSync(join(CORPUS_DIR, 'lang', 'dates.yaml'), 'utf8');
  writeFileSync(join(dir, 'dates.yaml'), shippedDates.replace("monthDay: '(", "monthDay: '(("));
  assert.throws(
    () => loadDateLang(dir),
    (e: Error) => e instanceof DateLangError && /dates\.yaml: patterns\.monthDay: .*not a valid regular expression/.test(e.message),
  );
  assert.throws(() => loadDateLang(join(dir, 'none')), /dates\.yaml: missing/);
});
