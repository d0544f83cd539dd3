import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadCueTables } from '../../eligibility/cues.ts';
import { extractLang } from './extract-lang.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import { findDates } from '../../eligibility/find-dates.ts';
import { monthsFromDuration, normalizeNumerals, parseChineseNumber } from '../../eligibility/numerals.ts';
import { loadUniversityTable } from '../../eligibility/universities.ts';
import { CORPUS_DIR, FIXTURES, HAVE_RANKINGS, NO_RANKINGS_REASON, RANKINGS_FILE } from './helpers.ts';

interface Case {
  text: string;
  asOf?: string;
  facts?: Record<string, unknown>;
  absent?: string[];
  note?: string;
  ambiguity?: string;
  rankings?: boolean;
  expect?: string;
}

const cases = (parse(readFileSync(join(FIXTURES, 'eligibility-extract.yaml'), 'utf8')) as { cases: Case[] }).cases;
const universities = HAVE_RANKINGS
  ? loadUniversityTable(RANKINGS_FILE, {
      colloquialFile: join(CORPUS_DIR, 'universities-colloquial.csv'),
      shortNamesFile: join(CORPUS_DIR, 'lang', 'universities.yaml'),
    })
  : undefined;

// The shipped cue tables' approximate-rank markers (corpus/lang doubt.approxBefore / approxAfter), as the app passes them.
const cues = loadCueTables(join(CORPUS_DIR, 'lang'));
const approximate = { before: cues.doubt.approxBefore, after: cues.doubt.approxAfter };

for (const c of cases) {
  test(`extract: ${c.text}${c.expect ? ` (answer to ${c.expect})` : ''}`, (t) => {
    if (c.rankings && !universities) return t.skip(NO_RANKINGS_REASON);
    const r = extractFacts(c.text, {
      asOf: String(c.asOf ?? '2023-02-15'),
      lang: extractLang,
      universities: c.rankings ? universities : undefined,
      expect: c.expect,
      approximate,
    });
    const ctx = JSON.stringify(r);
    for (const [k, v] of Object.entries(c.facts ?? {})) assert.deepEqual(r.facts[k], v, `${k} in ${ctx}`);
    for (const k of c.absent ?? []) assert.equal(r.facts[k], undefined, `${k} should be unknown: ${ctx}`);
    if (c.note)
      assert.ok(
        r.notes.some((n) => n.includes(c.note!)),
        `note "${c.note}": ${ctx}`,
      );
    if (c.ambiguity)
      assert.ok(
        r.ambiguities.some((a) => a.text === c.ambiguity && a.candidates.length > 1),
        `ambiguity ${c.ambiguity}: ${ctx}`,
      );
  });
}

test('Chinese numerals', () => {
  const table: [string, number][] = [
    ['一', 1],
    ['十', 10],
    ['十五', 15],
    ['六十', 60],
    ['五十一', 51],
    ['一百', 100],
    ['一百零一', 101],
    ['两千', 2000],
    ['二〇二二', 2022],
    ['两', 2],
  ];
  for (const [s, n] of table) assert.equal(parseChineseNumber(s), n, s);
  assert.equal(parseChineseNumber('一直'), undefined);
  assert.equal(normalizeNumerals('世界排名第六十名，社保交了五个月'), '世界排名第60名，社保交了5个月');
  assert.equal(normalizeNumerals('一直在统一的一网通办'), '一直在统一的一网通办');
  assert.equal(normalizeNumerals('二〇二二年十二月'), '2022年12月');
  // A year's last two digits are no either-or pair ("七八个月" is 7 or 8).
  assert.equal(normalizeNumerals('二〇二三年一月一号'), '2023年1月1号');
  assert.equal(normalizeNumerals('七八个月'), '7或8个月');
  assert.equal(monthsFromDuration('半年'), 6);
  assert.equal(monthsFromDuration('一年半'), 18);
  assert.equal(monthsFromDuration('满6个月'.slice(1)), 6);
});

test('dates resolve against asOf', () => {
  const v = (s: string, asOf = '2023-02-15') => findDates(extractLang.dates, s, asOf).map((d) => d.value + (d.to ? `..${d.to}` : ''));
  assert.deepEqual(v('去年12月'), ['2022-12']);
  assert.deepEqual(v('2022年5月'), ['2022-05']);
  assert.deepEqual(v('2023年1月3日'), ['2023-01-03']);
  assert.deepEqual(v('今年1月3号'), ['2023-01-03']);
  assert.deepEqual(v('年底前'), ['2023']);
  assert.deepEqual(v('2022年4月至11月'), ['2022-04..2022-11']);
  assert.deepEqual(v('上个月'), ['2023-01']);
  assert.deepEqual(v('11月', '2023-02-15'), ['2022-11'], 'a month after asOf means last year');
  assert.deepEqual(v('December 2022'), ['2022-12']);
  assert.deepEqual(v('January 3, 2023'), ['2023-01-03']);
});
