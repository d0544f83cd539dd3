import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, toEligibilitySummary } from '../../eligibility/evaluate.ts';
import { extractLang } from './extract-lang.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import { mergeFacts, parseFacts } from '../../eligibility/facts.ts';
import { decodeChoice, nextQuestion, questionFor } from '../../eligibility/questions.ts';
import { loadRuleSet, rulesForText } from '../../eligibility/rules.ts';
import { corpusChunks, RULES_DIR } from './helpers.ts';

const { chunks } = await corpusChunks();
const { rules, catalog } = loadRuleSet(RULES_DIR, { chunks });
const RULE = 'sh-hrss-2022-103-3-top-university';
const asOf = '2022-09-01';

test('a conversation: facts merge over messages, later statements override', () => {
  let facts = extractFacts('我是QS前50名校毕业的，能直接落户吗？', { asOf, lang: extractLang }).facts;
  let [v] = evaluate(rules, facts, asOf, { ruleIds: [RULE], catalog });
  assert.equal(v!.verdict, 'need_more_info');
  assert.deepEqual(v!.missing, ['employedFullTimeInShanghai']);
  const q = nextQuestion([v!], catalog);
  assert.equal(q?.fact, 'employedFullTimeInShanghai');
  assert.match(q!.question, /全职/);
  facts = mergeFacts(facts, extractFacts('是的，我是海归', { asOf, lang: extractLang, expect: 'studiedAbroad' }).facts);
  facts = mergeFacts(facts, extractFacts('还没找到工作', { asOf, lang: extractLang }).facts);
  [v] = evaluate(rules, facts, asOf, { ruleIds: [RULE], catalog });
  assert.equal(v!.verdict, 'not_eligible');
  facts = mergeFacts(facts, extractFacts('上周入职了，在上海全职工作', { asOf, lang: extractLang }).facts);
  [v] = evaluate(rules, facts, asOf, { ruleIds: [RULE], catalog });
  assert.equal(v!.verdict, 'eligible');
  const s = toEligibilitySummary(v!, facts);
  assert.equal(s.ruleId, RULE);
  assert.ok(
    s.conditions.every((c) => c.status === 'pass'),
    'skipped branches are hidden in the summary',
  );
});

test('questions and choices come from the catalog in both languages', () => {
  const zh = questionFor('employedFullTimeInShanghai', catalog);
  const en = questionFor('employedFullTimeInShanghai', catalog, 'en');
  assert.match(zh.question, /全职/);
  assert.match(en.question, /full-time/);
  assert.deepEqual(
    zh.choices?.map((c) => decodeChoice(c.value)),
    [true, false],
  );
  const rank = questionFor('worldRank', catalog);
  assert.deepEqual(decodeChoice(rank.choices![0]!.value), { min: 1, max: 50 });
  assert.doesNotThrow(() => parseFacts({ worldRank: decodeChoice(rank.choices![0]!.value) }, catalog));
});

test('rules are picked by keywords', () => {
  assert.equal(rulesForText(rules, 'QS前50的留学生能落户吗')[0]?.id, RULE);
  assert.equal(rulesForText(rules, '宝山区的人才安居资助最高多少')[0]?.id, 'baoshan-2021-talent-housing-support');
  assert.ok(rulesForText(rules, '疫情期间社保断缴了，补缴后影响落户吗').some((r) => r.id === 'sh-hrss-2022-103-2-si-back-payment'));
});

test('every rule has an English title and Chinese texts; every fact it uses has a question', () => {
  for (const r of rules) {
    assert.ok(r.title.en, `${r.id} title.en`);
    const facts = JSON.stringify([r.conditions, r.appliesIf]).match(/"fact":"(\w+)"/g) ?? [];
    for (const f of facts.map((x) => x.slice(8, -1))) assert.ok(catalog[f], `${r.id}: fact ${f} has no question in facts.yaml`);
  }
});
