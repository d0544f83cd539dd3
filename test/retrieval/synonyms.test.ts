import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { expandQuery, loadSynonyms, parseSynonyms } from '../../retrieval/synonyms.ts';

test('equivalents expand both ways; expansions one way', () => {
  const t = parseSynonyms('equivalents:\n  - [社保, 社会保险, 五险]\nexpansions:\n  qs: [世界排名]\n');
  const e1 = expandQuery(t, '五险没交', ['五险']);
  assert.deepEqual(
    e1.map((e) => e.terms),
    [['社保', '社会保险']],
  );
  const e2 = expandQuery(t, 'qs排名前50', ['qs', '排名']);
  assert.deepEqual(
    e2.map((e) => e.terms),
    [['世界排名']],
  );
  assert.deepEqual(expandQuery(t, '世界排名', ['世界排名']), []);
});

test('traditional characters in the table are normalized', () => {
  const t = parseSynonyms('equivalents:\n  - [戶口, 落戶]\n');
  assert.deepEqual(t.equivalents[0], ['户口', '落户']);
});

test('malformed tables name the problem', () => {
  assert.throws(() => parseSynonyms('equivalents: 3', 'x.yaml'), /x\.yaml: "equivalents" must be a list/);
  assert.throws(() => parseSynonyms('equivalents:\n  - [只有一个]', 'x.yaml'), /equivalents\[0\]/);
  assert.throws(() => parseSynonyms('expansions: [a]', 'x.yaml'), /"expansions" must be a mapping/);
});

test('the project table loads and covers the user words from the issue', () => {
  const t = loadSynonyms(join(PROJECT_ROOT, 'corpus', 'synonyms.yaml'));
  const terms = (q: string) => expandQuery(t, q, []).flatMap((e) => e.terms);
  assert.ok(terms('海归落户').includes('留学回国人员'));
  assert.ok(terms('五险断缴').includes('社会保险'));
  assert.ok(terms('断缴了怎么办').includes('未按期缴纳'));
  assert.ok(t.inScopePlaces.has('杨浦'));
});
