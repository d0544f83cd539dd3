import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { decide, decidingFacts, gateVerdict, judgeOnSituation, situationDays, type DecideInput } from '../../bot/assistant/decide.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { loadCueTables, yesNo } from '../../eligibility/cues.ts';
import { evaluate } from '../../eligibility/evaluate.ts';
import { extractLang } from '../eligibility/extract-lang.ts';
import { extractFacts } from '../../eligibility/extract.ts';
import type { Facts } from '../../eligibility/facts.ts';
import { keywordText, loadRuleSet } from '../../eligibility/rules.ts';
import { DATE_NAMED, understand } from '../../eligibility/understand.ts';
import { corpusChunks, RULES_DIR } from '../eligibility/helpers.ts';

// The confidence gate of the decision stage over the shipped rules and cue tables (no rankings table).
const { chunks } = await corpusChunks();
const { rules, catalog } = loadRuleSet(RULES_DIR, { chunks });
const cues = loadCueTables(join(PROJECT_ROOT, 'corpus/lang'), new Set(Object.keys(catalog)));
const extract = (t: string, o: { asOf: string; openFact?: string | null; contextYear?: number | null }) =>
  extractFacts(t, { asOf: o.asOf, lang: extractLang, openFact: o.openFact ?? undefined, contextYear: o.contextYear ?? undefined });
const ASOF = '2026-12-01';
const backPay = rules.find((r) => r.id === 'sh-hrss-2022-103-2-si-back-payment')!;
const training = rules.find((r) => r.id === 'sh-hrss-2022-103-15-online-training-subsidy')!;
const ruleFacts = new Map(rules.map((r) => [r.id, new Set<string>()]));

const decideOn = (q: string, candidates = [backPay]) => {
  const x = understand(q, { asOf: ASOF }, { cues, extract, catalog, dates: extractLang.dates });
  const input: DecideInput = {
    candidates,
    facts: x.facts,
    asOf: ASOF,
    situationDate: null,
    kwText: q,
    given: new Set(Object.keys(x.facts)),
    hits: [],
    goals: [],
    ruleFacts,
    doubts: x.doubts,
  };
  return { x, d: decide(input, { catalog })!, ungated: decide({ ...input, doubts: [] }, { catalog })! };
};

test('a month without a year gives no confident verdict: it is asked for, and the doubt is said', () => {
  const { x, d, ungated } = decideOn('公司4月社保因为疫情没交，年底补上的');
  assert.deepEqual(x.doubts.map((z) => [z.fact, z.why]).sort(), [
    ['backPaidOn', 'year'],
    ['missedContributionMonths', 'year'],
  ]);
  assert.equal(ungated.lead.verdict, 'not_eligible', 'without the gate: April and December of 2026, a confident no');
  assert.equal(d.lead.verdict, 'need_more_info');
  assert.ok(['missedContributionMonths', 'backPaidOn'].includes(d.followUpFact!), String(d.followUpFact));
  assert.ok(d.doubted.length > 0);
});

test('a two-digit year named first carries to the months after it: then the verdict stands', () => {
  const { x, d } = decideOn('22年封控 公司4月社保没交 那年年底补上的');
  assert.deepEqual(x.facts.missedContributionMonths, ['2022-04']);
  assert.equal(x.facts.backPaidOn, '2022-12');
  assert.deepEqual(x.doubts, []);
  assert.equal(d.lead.verdict, 'eligible');
  assert.deepEqual(d.doubted, []);
});

test('a hedged value (上半年, 几个月) does not decide; a doubt on a fact that does not decide changes nothing', () => {
  const { d } = decideOn('我们公司22年上半年因为疫情有几个月社保没交，下半年补了');
  assert.equal(d.lead.verdict, 'need_more_info');
  assert.equal(d.followUpFact, 'missedContributionMonths');
  // Pure gate: a doubt on a fact outside the deciding conditions leaves the verdict alone.
  const [v] = evaluate(
    [backPay],
    { missedContributionMonths: ['2022-05'], missedDueToEpidemic: true, backPaid: true, backPaidOn: '2022-11' } as Facts,
    ASOF,
    { catalog },
  );
  assert.equal(v!.verdict, 'eligible');
  const calls: string[][] = [];
  const g = gateVerdict(v!, [{ fact: 'worldRank', why: 'university', text: 'x' }], (w) => {
    calls.push(w);
    return v!;
  });
  assert.equal(g.verdict, v);
  assert.deepEqual(calls, [], 'not re-evaluated');
  assert.ok(decidingFacts(v!).facts.includes('backPaidOn'));
});

test('a date no fact took stops a condition from standing in today for it', () => {
  const facts = { isEnterpriseEmployee: true, onlineTrainingSubsidiesUsed: 2 } as Facts;
  const [v] = evaluate([training], facts, ASOF, { catalog });
  assert.notEqual(v!.verdict, 'need_more_info', 'today stands in for the training date');
  const g = gateVerdict(
    v!,
    [{ fact: DATE_NAMED, why: 'date', text: '2022年12月' }],
    (_without, noFallback) => evaluate([training], facts, ASOF, { catalog, noFallback })[0]!,
  );
  assert.equal(g.verdict.verdict, 'need_more_info');
  assert.equal(g.verdict.missing[0], 'trainingDate');
  // …and when the person's words place the date, it is judged on it.
  const { d } = decideOn('我在企业上班 22年已经享受过2次线上培训补贴 22年12月还能再报一次吗', [training]);
  assert.equal(d.lead.verdict, 'eligible');
});

test('a future statement is not the present fact ("下个月满6个月")', () => {
  const x = understand('奥克兰大学 全职 社保交了5个月 下个月满6个月', { asOf: ASOF }, { cues, extract, catalog, dates: extractLang.dates });
  assert.equal(x.facts.socialInsuranceMonths, 5);
  assert.ok(!x.spans.some((s) => s.value === 6 && s.role === 'self'), 'the 6 months to come are no fact about now');
});

test('one yes/no list for every channel (corpus/lang answers:)', () => {
  const yn = yesNo(cues);
  for (const t of ['是', '是的。', '嗯嗯', 'Yes', 'yep!', '已补缴']) assert.equal(yn(t), true, t);
  for (const t of ['不是', '还没有', 'No', 'not yet', '没补']) assert.equal(yn(t), false, t);
  for (const t of ['可能吧', '是的我在上海', '', '😀']) assert.equal(yn(t), undefined, t);
});

test('a measure that grants the goal leads one that only keeps the path open; the latter leads an undecided one', () => {
  const top = rules.find((r) => r.id === 'sh-hrss-2022-103-3-top-university')!;
  assert.deepEqual(backPay.grants, [], 'the back-payment measure grants no goal itself (rule data)');
  const base = (facts: Record<string, unknown>): DecideInput => ({
    candidates: [backPay, top],
    facts: facts as Facts,
    asOf: '2022-12-15',
    situationDate: null,
    kwText: '社保 补缴 落户',
    given: new Set(Object.keys(facts)),
    hits: [],
    goals: ['settlement'],
    ruleFacts,
  });
  const arrears = { missedDueToEpidemic: true, missedContributionMonths: ['2022-04', '2022-05'], backPaidOn: '2022-11' };
  // A top-50 graduate with paid-back arrears: both say yes; the measure that grants settlement leads.
  const both = decide(base({ ...arrears, studiedAbroad: true, worldRank: 30, employedFullTimeInShanghai: true }), { catalog })!;
  assert.equal(both.lead.ruleId, top.id);
  assert.equal(both.lead.verdict, 'eligible');
  // Rank unknown: the back-payment answer (yes) leads the settlement check that still needs the rank.
  const open = decide(base({ ...arrears, studiedAbroad: true, employedFullTimeInShanghai: true }), { catalog })!;
  assert.equal(open.lead.ruleId, backPay.id);
  assert.equal(open.lead.verdict, 'eligible');
});

test('the keywords of the clause that asks count again: the wage-base question leads the settlement path', () => {
  const top = rules.find((r) => r.id === 'sh-hrss-2022-103-3-top-university')!;
  const wage = rules.find((r) => r.id === 'sh-hrss-2022-103-1-average-wage-base')!;
  const input: DecideInput = {
    candidates: [top, wage],
    facts: { studiedAbroad: true, applicationDate: '2022-06' } as Facts,
    asOf: ASOF,
    situationDate: null,
    kwText: keywordText('22年6月办的留学生落户 社平工资还维持现有基数吗'),
    given: new Set(['studiedAbroad', 'applicationDate']),
    // As the search ranks them for this question: the wage-base clause first, the settlement clause second.
    hits: [wage, top].map((r, i) => ({ chunk: chunks.find((c) => r.citeChunkIds.includes(c.id))!, score: 2 - i }) as never),
    goals: ['settlement'],
    ruleFacts,
  };
  const without = decide(input, { catalog })!;
  const asked = decide({ ...input, askedKwText: keywordText('社平工资还维持现有基数吗') }, { catalog })!;
  assert.equal(asked.lead.ruleId, wage.id);
  assert.notEqual(without.lead.ruleId, asked.lead.ruleId, 'it is the asking clause that decides here');
});

test('a year is judged on both ends of the part of it the measure was in force; they must agree', () => {
  const wage = rules.find((r) => r.id === 'sh-hrss-2022-103-1-average-wage-base')!;
  assert.deepEqual(situationDays(training, '2022', ASOF), ['2022-06-01', '2022-12-31'], 'in force from June 2022');
  assert.deepEqual(situationDays(training, '2021', ASOF), [ASOF], 'not in force that year: judged today');
  assert.deepEqual(situationDays(training, '2022-07/2022-12', ASOF), ['2022-07-01', '2022-12-31']);
  assert.deepEqual(situationDays(training, '2022-10-01', ASOF), ['2022-10-01']);
  const used = { isEnterpriseEmployee: true, onlineTrainingSubsidiesUsed: 1 } as Facts;
  assert.equal(judgeOnSituation(training, used, '2022', ASOF, { catalog }).verdict, 'eligible');
  // 2023 for the wage base (July 2022 – June 2023): January passes, December fails — the date is asked.
  const y = judgeOnSituation(wage, {} as Facts, '2023', ASOF, { catalog });
  assert.equal(y.verdict, 'need_more_info');
  assert.deepEqual(y.missing, ['applicationDate']);
  assert.equal(
    judgeOnSituation(wage, { applicationDate: '2023-01/2023-03' } as Facts, '2023-01/2023-03', ASOF, { catalog }).verdict,
    'eligible',
  );
});

test('what the person says was done is done by today: a deadline passed since the situation needs the date', () => {
  const facts = { missedContributionMonths: ['2022-07'], missedDueToEpidemic: true, backPaid: true } as Facts;
  const then = evaluate([backPay], facts, '2022-07-01', { catalog })[0]!;
  assert.equal(then.verdict, 'eligible', 'as if told in July 2022');
  const told = evaluate([backPay], facts, '2022-07-01', { catalog, today: ASOF })[0]!;
  assert.equal(told.verdict, 'need_more_info');
  assert.deepEqual(told.missing, ['backPaidOn']);
  // A year asked of its own time, when the measure was not yet in force: not applicable then.
  const top = rules.find((r) => r.id === 'sh-hrss-2022-103-3-top-university')!;
  assert.deepEqual(situationDays(top, '2021', ASOF, true), ['2021-12-31']);
  assert.deepEqual(situationDays(top, '2021', ASOF, false), [ASOF]);
});
