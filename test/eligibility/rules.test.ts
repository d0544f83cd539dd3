import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  findClauseChunks,
  loadFactCatalog,
  loadRuleSet,
  normalizeForQuote,
  RuleLoadError,
  verifyCitation,
} from '../../eligibility/rules.ts';
import { questionFor, UNSURE } from '../../eligibility/questions.ts';
import type { Chunk } from '../../retrieval/types.ts';
import { corpusChunks, RULES_DIR } from './helpers.ts';

const chunk = (docId: string, clause: string, path: string[], text: string, n = 0): Chunk => ({
  id: `${docId}#${[...path.map((p) => p.split(/[、）]/)[0]), clause].join('/')}${n ? `~${n}` : ''}`,
  docId,
  title: 't',
  clause,
  path,
  start: n * 100 + path.length * 1000 + clause.length,
  end: 0,
  text,
});

const CHUNKS: Chunk[] = [
  chunk('doc-a', '三', [], '三、加大世界名校留学人员引进力度。对于毕业于世界排名前 50 名院校的，取消要求。'),
  chunk('doc-a', '1', ['一、总体', '（二）区级政策'], '1、聚焦人才“居住难”。特别优秀的可资助200万元。'),
  chunk('doc-a', '1', ['二、其他', '（一）别的'], '1、另一个第一项。'),
  chunk('doc-b', '2', ['一、甲'], '2、聚焦企業(yè)“留才難”。最高每年10萬元。'),
  chunk('doc-c', '五', [], '五、前半句，后半', 1),
  chunk('doc-c', '五', [], '句继续。', 2),
];

const RULE = (over: Record<string, unknown> = {}) => ({
  id: 'test-rule',
  title: '测试',
  cite: { docId: 'doc-a', clause: '三', quote: '毕业于世界排名前50名院校的' },
  conditions: { id: 'rank', fact: 'worldRank', lte: 50 },
  outcomes: { eligible: '符合', not_eligible: '不符合' },
  ...over,
});

function writeRules(rules: unknown[], name = 'r.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  writeFileSync(join(dir, name), JSON.stringify({ rules }));
  return dir;
}

function loadError(rules: unknown[]): string {
  try {
    loadRuleSet(writeRules(rules), { chunks: CHUNKS });
  } catch (e) {
    assert.ok(e instanceof RuleLoadError);
    return e.message;
  }
  assert.fail('expected the rule to be refused');
}

test('a valid rule loads; the quote matches ignoring whitespace', () => {
  const { rules } = loadRuleSet(writeRules([RULE()]), { chunks: CHUNKS });
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0]!.citeChunkIds, ['doc-a#三']);
});

test('clause by path suffix; traditional characters and pinyin glosses are normalized', () => {
  assert.equal(findClauseChunks(CHUNKS, 'doc-a', '1').length, 2);
  assert.equal(findClauseChunks(CHUNKS, 'doc-a', '（二）/1').length, 1);
  assert.equal(findClauseChunks(CHUNKS, 'doc-a', '一/(二)/1').length, 1);
  assert.ok(verifyCitation(CHUNKS, { docId: 'doc-a', clause: '一/（二）/1', quote: '特别优秀的可资助200万元' }).ok);
  assert.ok(!verifyCitation(CHUNKS, { docId: 'doc-a', clause: '二/（一）/1', quote: '特别优秀的可资助200万元' }).ok);
  assert.ok(verifyCitation(CHUNKS, { docId: 'doc-b', clause: '2', quote: '聚焦企业“留才难”。最高每年10万元' }).ok);
  assert.ok(verifyCitation(CHUNKS, { docId: 'doc-c', clause: '五', quote: '后半句继续' }).ok, 'quote spanning a split clause');
  assert.equal(normalizeForQuote('關(guān)于 寶山'), '关于宝山');
});

test('a broken quote is refused naming file, rule id and field', () => {
  const msg = loadError([RULE({ cite: { docId: 'doc-a', clause: '三', quote: '毕业于世界排名前30名院校的' } })]);
  assert.match(msg, /r\.json: rule "test-rule": cite\.quote: quote "毕业于世界排名前30名院校的" does not appear/);
});

test('an unknown clause or document is refused', () => {
  assert.match(
    loadError([RULE({ cite: { docId: 'doc-a', clause: '九', quote: '毕业于世界排名前50名院校的' } })]),
    /rule "test-rule": cite\.clause: clause "九" not found in doc-a/,
  );
  assert.match(
    loadError([RULE({ cite: { docId: 'nope', clause: '三', quote: '毕业于世界排名前50名院校的' } })]),
    /rule "test-rule": cite\.docId: document "nope" is not in the corpus/,
  );
});

test('invalid fields are refused naming the field', () => {
  assert.match(
    loadError([RULE({ conditions: { id: 'rank', fact: 'worldRnk', lte: 50 } })]),
    /rule "test-rule": conditions\.fact \(condition "rank"\): unknown fact "worldRnk"/,
  );
  assert.match(
    loadError([RULE({ conditions: { id: 'rank', fact: 'worldRank', lte: 'fifty' } })]),
    /rule "test-rule": conditions\.lte \(condition "rank", fact worldRank\): expected a number/,
  );
  assert.match(
    loadError([
      RULE({
        conditions: {
          all: [
            { id: 'a', fact: 'studiedAbroad', eq: true },
            { id: 'b', fact: 'backPaidOn', before: '2022-13-01' },
          ],
        },
      }),
    ]),
    /conditions\.all\[1\]\.before \(condition "b", fact backPaidOn\): expected a date/,
  );
  assert.match(
    loadError([RULE({ conditions: { id: 'x', fact: 'worldRank', lte: 50, gte: 1 } })]),
    /conditions \(condition "x"\): needs exactly one operator/,
  );
  assert.match(loadError([RULE({ conditions: { id: 'x', fact: 'studiedAbroad', before: '2022-01-01' } })]), /"before" needs a date fact/);
  assert.match(loadError([RULE({ valid_from: '2022-02-30' })]), /rule "test-rule": valid_from: expected a date/);
  assert.match(loadError([RULE({ outcome: {} })]), /rule "test-rule": \(root\): Unrecognized key: "outcome"/);
  assert.match(loadError([RULE({ id: 'Bad Id' })]), /rule "Bad Id": id: use lower-case/);
  assert.match(loadError([RULE(), RULE()]), /rule "test-rule": id: duplicate/);
  assert.match(
    loadError([
      RULE({
        conditions: {
          all: [
            { id: 'a', fact: 'studiedAbroad', eq: true },
            { id: 'a', fact: 'worldRank', lte: 3 },
          ],
        },
      }),
    ]),
    /duplicate condition id "a"/,
  );
});

test('onError: skip leaves out only the broken rule and logs it', () => {
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m) };
  const dir = writeRules([RULE(), RULE({ id: 'bad', cite: { docId: 'doc-a', clause: '三', quote: '不存在的引文内容' } })]);
  const { rules } = loadRuleSet(dir, { chunks: CHUNKS, logger, onError: 'skip' });
  assert.deepEqual(
    rules.map((r) => r.id),
    ['test-rule'],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /rule "bad": cite\.quote/);
});

test('YAML rule files: dates may be unquoted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  writeFileSync(
    join(dir, 'a.yaml'),
    `id: y\ntitle: t\ncite: { docId: doc-a, clause: 三, quote: 毕业于世界排名前 50 名院校的 }\nvalid_from: 2022-06-01\nconditions: { id: d, fact: backPaidOn, deadline: 2022-12-31 }\noutcomes: { eligible: a, not_eligible: b }\n`,
  );
  const { rules } = loadRuleSet(dir, { chunks: CHUNKS });
  assert.equal(rules[0]!.validFrom, '2022-06-01');
});

test('every shipped rule loads against the real corpus', async () => {
  const { chunks, source } = await corpusChunks();
  const { rules } = loadRuleSet(RULES_DIR, { chunks });
  assert.ok(rules.length >= 1, `rules loaded from ${source} chunks`);
  for (const r of rules) assert.ok(r.citeChunkIds.length > 0, r.id);
});

test('breaking the quote of a shipped rule is refused with file, rule id and field', async () => {
  const { chunks } = await corpusChunks();
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  const text = readFileSync(join(RULES_DIR, 'sh-hrss-2022-103-3.yaml'), 'utf8').replace('世界排名前50名院校', '世界排名前30名院校');
  writeFileSync(join(dir, 'broken.yaml'), text);
  assert.throws(
    () => loadRuleSet(dir, { chunks, catalogFile: join(RULES_DIR, 'facts.yaml') }),
    /broken\.yaml: rule "sh-hrss-2022-103-3-top-university": cite\.quote/,
  );
});

test('the complete example in docs/rules.md loads and behaves as the doc says', async () => {
  const { chunks } = await corpusChunks();
  const md = readFileSync(join(RULES_DIR, '..', '..', 'docs', 'rules.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  writeFileSync(join(dir, 'example.yaml'), yaml);
  const { rules } = loadRuleSet(dir, { chunks, catalogFile: join(RULES_DIR, 'facts.yaml') });
  const { evaluate } = await import('../../eligibility/evaluate.ts');
  const v = (facts: Record<string, unknown>, asOf = '2022-09-01') => evaluate(rules, facts, asOf)[0]!;
  assert.equal(v({ studiedAbroad: true, worldRank: 50, employedFullTimeInShanghai: true }).verdict, 'eligible');
  assert.equal(
    v({ studiedAbroad: true, worldRank: 75, employedFullTimeInShanghai: true, socialInsuranceMonths: 5 }).verdict,
    'not_eligible',
  );
  assert.deepEqual(v({ worldRank: { min: 1, max: 100 } }).missing, ['worldRank', 'employedFullTimeInShanghai', 'socialInsuranceMonths']);
  const assumed = v({ worldRank: 30, employedFullTimeInShanghai: true });
  assert.equal(assumed.verdict, 'eligible');
  assert.ok(assumed.notes.some((n) => n.startsWith('假定您符合前提（留学人员（境外留学毕业））')));
  assert.equal(v({ studiedAbroad: false }).verdict, 'not_applicable');
  assert.equal(v({ studiedAbroad: true, worldRank: 3, employedFullTimeInShanghai: true }, '2022-05-31').verdict, 'not_applicable');
});

test('a "not sure" button must lead to a declared fact; it is offered as the last choice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-catalog-'));
  const file = join(dir, 'facts.yaml');
  const fact = (ask: string) =>
    `facts:\n  worldRank:\n    type: number\n    question: 排名？\n    choices:\n      - { value: 1, label: 第一 }\n    unsure: { label: 不清楚, ask: ${ask}, hint: 去查 }\n  university:\n    type: string\n    question: 哪所？\n`;
  writeFileSync(file, fact('school'));
  assert.throws(
    () => loadFactCatalog(file),
    (e: unknown) => e instanceof RuleLoadError && /worldRank.*unsure\.ask.*"school"/.test(e.message),
  );
  writeFileSync(file, fact('university'));
  const catalog = loadFactCatalog(file);
  assert.deepEqual(questionFor('worldRank', catalog).choices, [
    { label: '第一', value: '1' },
    { label: '不清楚', value: UNSURE },
  ]);
});
