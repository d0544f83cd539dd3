import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  findUniversityMentions,
  loadUniversityTable,
  lookupUniversity,
  normalizeUniversityName,
  parseCsv,
  RankingsError,
} from '../../eligibility/universities.ts';
import { CORPUS_DIR, HAVE_RANKINGS, NO_RANKINGS_REASON, RANKINGS_FILE } from './helpers.ts';

const COLLOQUIAL = join(CORPUS_DIR, 'universities-colloquial.csv');

test('CSV parser handles quotes and commas', () => {
  assert.deepEqual(parseCsv('a,b\n"x, y","he said ""hi"""\r\n'), [
    ['a', 'b'],
    ['x, y', 'he said "hi"'],
  ]);
});

test('normalization drops hyphens, 分校, brackets, case and "the"', () => {
  assert.equal(normalizeUniversityName('加州大学-伯克利'), normalizeUniversityName('加州大学伯克利分校'));
  assert.equal(normalizeUniversityName('东北大学（仙台）'), '东北大学');
  assert.equal(normalizeUniversityName('The University of Melbourne'), normalizeUniversityName('university of  melbourne'));
  assert.equal(normalizeUniversityName('約翰斯·霍普金斯大學'), '约翰斯霍普金斯大学');
});

// A small synthetic table so that the lookup logic is tested without the shared data.
function miniTable() {
  const dir = mkdtempSync(join(tmpdir(), 'rank-'));
  writeFileSync(
    join(dir, 'top200.csv'),
    [
      'name_en,name_zh,country,qs_year,qs_rank,the_year,the_rank,usnews_year,usnews_rank,arwu_year,arwu_rank',
      'Alpha University,阿尔法大学,United Kingdom,2027,60,2026,45,2026-2027,70,2025,101',
      'Beta Institute of Technology,贝塔理工学院,United States,2027,120,,,2026-2027,101,2025,151',
      'York University North,约克大学（北）,Canada,2027,180,,,,,,',
      'York University South,约克大学（南）,United Kingdom,2027,190,,,,,,',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'aliases.csv'), 'alias,alias_type,name_en,name_zh\nAU,abbreviation_in_source_name,Alpha University,阿尔法大学\n');
  const colloquial = join(dir, 'colloquial.csv');
  writeFileSync(colloquial, 'alias,name_en,scan,note\n阿大,Alpha University,,\n贝塔,Beta Institute of Technology,,\n');
  return loadUniversityTable(join(dir, 'top200.csv'), { colloquialFile: colloquial });
}

test('best rank across the four rankings, with ranking and edition', () => {
  const t = miniTable();
  const r = lookupUniversity(t, '阿尔法大学');
  assert.equal(r.status, 'found');
  if (r.status === 'found') assert.deepEqual(r.university.best, { system: 'THE', edition: '2026', rank: 45 });
  const b = lookupUniversity(t, 'Beta Institute of Technology');
  assert.ok(b.status === 'found' && b.university.best?.rank === 101 && b.university.best.system === 'USNews');
});

test('aliases, colloquial names, fuzzy match, ambiguity and not found', () => {
  const t = miniTable();
  assert.equal(lookupUniversity(t, 'AU').status, 'found');
  assert.equal(lookupUniversity(t, '阿大').status, 'found');
  const fuzzy = lookupUniversity(t, 'Alpha Univeristy');
  assert.ok(fuzzy.status === 'found' && fuzzy.matchedBy === 'fuzzy');
  const amb = lookupUniversity(t, '约克大学');
  assert.ok(amb.status === 'ambiguous' && amb.candidates.length === 2);
  assert.equal(lookupUniversity(t, '约克大学（北）').status, 'found');
  assert.equal(lookupUniversity(t, 'Gamma College').status, 'not_found');
  assert.deepEqual(
    findUniversityMentions(t, '我在阿大读的硕士').map((m) => m.names),
    [['Alpha University']],
  );
});

test('a malformed rankings file is refused with file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rank-'));
  writeFileSync(join(dir, 'bad.csv'), 'name,rank\nx,1\n');
  assert.throws(
    () => loadUniversityTable(join(dir, 'bad.csv')),
    (e: unknown) => e instanceof RankingsError && /bad\.csv: line 1: missing column/.test(e.message),
  );
  writeFileSync(join(dir, 'bad2.csv'), 'name_en,name_zh,country,qs_year,qs_rank\nX U,,UK,2027,abc\n');
  assert.throws(() => loadUniversityTable(join(dir, 'bad2.csv')), /bad2\.csv: line 2: qs_rank "abc"/);
  assert.throws(() => loadUniversityTable(join(dir, 'missing.csv')), /rankings file not found/);
});

const NAMES: [string, string | null, number | null][] = [
  ['帝国理工', 'Imperial College London', 2],
  ['UCL', 'University College London', 8],
  ['新加坡国立大学', 'National University of Singapore', 10],
  ['墨尔本大学', 'The University of Melbourne', 22],
  ['加州大学伯克利分校', 'University of California, Berkeley', 5],
  ['港大', 'The University of Hong Kong', 11],
  ['港科大', 'The Hong Kong University of Science and Technology', null],
  ['哥大', 'Columbia University', null],
  ['UIUC', 'University of Illinois Urbana, Champaign', 41],
  ['Harvard', 'Harvard University', 1],
  ['香港中文大學', 'The Chinese University of Hong Kong', 18],
];

test('real table: colloquial and official names → best rank', (t) => {
  if (!HAVE_RANKINGS) return t.skip(NO_RANKINGS_REASON);
  const table = loadUniversityTable(RANKINGS_FILE, { colloquialFile: COLLOQUIAL });
  for (const [q, name, rank] of NAMES) {
    const r = lookupUniversity(table, q);
    assert.equal(r.status, 'found', q);
    if (r.status !== 'found') continue;
    assert.equal(r.university.nameEn, name, q);
    if (rank !== null) assert.equal(r.university.best?.rank, rank, q);
  }
  for (const q of ['东北大学', '约克大学', '华盛顿大学', 'NTU', '女王大学', '纽卡斯尔大学']) {
    assert.equal(lookupUniversity(table, q).status, 'ambiguous', q);
  }
  assert.equal(lookupUniversity(table, '野鸡大学').status, 'not_found');
});

test('every colloquial name points at the table or says why not', (t) => {
  if (!HAVE_RANKINGS) return t.skip(NO_RANKINGS_REASON);
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
  loadUniversityTable(RANKINGS_FILE, { colloquialFile: COLLOQUIAL, logger });
  assert.deepEqual(
    warnings.filter((w) => w.includes('colloquial')),
    [],
  );
});

test(
  'short names derived from the table count only next to a study word; a city with several is asked',
  { skip: !HAVE_RANKINGS && NO_RANKINGS_REASON },
  () => {
    const t = loadUniversityTable(RANKINGS_FILE, {
      colloquialFile: COLLOQUIAL,
      shortNamesFile: join(CORPUS_DIR, 'lang', 'universities.yaml'),
    });
    const names = (q: string) => findUniversityMentions(t, q).map((m) => [m.surface, m.names, !!m.derived]);
    assert.deepEqual(names('graduated from Leeds'), [['Leeds', ['University of Leeds'], true]]);
    assert.deepEqual(names('Warwick grad'), [['Warwick', ['The University of Warwick'], true]]);
    assert.deepEqual(names('利兹硕士'), [['利兹', ['University of Leeds'], false]], 'a listed alias');
    assert.deepEqual(names('明尼苏达双城毕业'), [['明尼苏达双城', ['University of Minnesota, Twin Cities'], true]]);
    assert.deepEqual(names('working in Leeds'), [], 'a place without a study word');
    assert.deepEqual(names('在多伦多上班'), []);
    assert.deepEqual(names('多伦多硕士'), [], '多伦多 is a city with several universities: asked, not guessed');
    assert.deepEqual(
      names('多伦多大学硕士').map((m) => m[1]),
      [['University of Toronto']],
    );
  },
);
