import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rmSync } from 'node:fs';
import type { App } from '../../bot/app.ts';
import type { ConversationState } from '../../bot/assistant/types.ts';
import { answerLines } from '../../bot/assistant/json.ts';
import { buildTestApp } from '../helpers/app.ts';
import { floorTests } from '../helpers/understanding.ts';

// Floors near what is measured (docs/assistant.md "Understanding sets"); the rankings-dependent cases
// are skipped without a rankings table.
let app: App;
const now = Date.parse('2026-12-01T02:00:00Z');

before(async () => {
  app = await buildTestApp();
});
after(() => rmSync(app.config.DATA_DIR, { recursive: true, force: true }));

// Checks 1–18 are tune sets now; check 19 is not tuned on (docs/assistant.md "Ninth blind set"): floors a point or two
// below what is measured. Each blind set was held out until its first run; check 3 and check 6 keep one known
// confident wrong verdict each, check 8 three (listed there) so that they cannot get worse unseen, the others none.
floorTests(
  () => app,
  [
    ['understanding-tune.yaml', { messages: 0.98, conversations: 0.95, confidentWrong: 0 }],
    ['understanding-check.yaml', { messages: 0.89, conversations: 0.98, confidentWrong: 0 }],
    ['understanding-check2.yaml', { messages: 0.86, conversations: 0.98, confidentWrong: 0 }],
    ['understanding-check3.yaml', { messages: 0.94, conversations: 0.87, confidentWrong: 1 }],
    ['understanding-check4.yaml', { messages: 0.94, conversations: 0.9, confidentWrong: 0 }],
    // (gg30 asks of the colleague, "他能不能也这样落": answered about him, Fudan — the writer judged the asker's case.)
    ['understanding-check5.yaml', { messages: 0.91, conversations: 0.94, confidentWrong: 0 }],
    ['understanding-check6.yaml', { messages: 0.94, conversations: 0.95, confidentWrong: 1 }],
    ['understanding-check7.yaml', { messages: 0.91, conversations: 0.95, confidentWrong: 0 }],
    // Written at the end of the round and run held out on the final code; a few fixes from it so far.
    ['understanding-check8.yaml', { messages: 0.8, conversations: 0.85, confidentWrong: 3 }],
    // Held out until its first run (2026-12-02: 85.9 % verdicts, 4 confident wrong); fixes from it since.
    ['understanding-check9.yaml', { messages: 0.93, conversations: 0.83, confidentWrong: 0 }],
    // Written during the round, run held out on its final code (88.7 % verdicts, 4 confident wrong); two fixes since.
    ['understanding-check10.yaml', { messages: 0.87, conversations: 0.9, confidentWrong: 0 }],
    // Blind sets 11 and 12 (2026-12-02), held out until their first run (11: 87.1 % verdicts, 8 confident
    // wrong; 12: 91.3 %, 1); fixes from both since (rc32, an expiry question after a check, on 2026-12-03).
    ['understanding-check11.yaml', { messages: 0.93, conversations: 0.95, confidentWrong: 0 }],
    ['understanding-check12.yaml', { messages: 0.95, conversations: 0.97, confidentWrong: 0 }],
    // Blind set 13, held out on the round's code (95.6 % verdicts, 82.5 % conversations, 4 confident wrong).
    ['understanding-check13.yaml', { messages: 0.97, conversations: 0.9, confidentWrong: 0 }],
    // Blind sets 14 and 15, held out on the round's code (14: 97.4 % verdicts, 2 confident wrong; 15: 92.4 %,
    // 1); fixes from both since. Check 14 keeps u033 ("在上海工作" is read as full-time, with the assumption
    // said; its writer would ask).
    ['understanding-check14.yaml', { messages: 0.93, conversations: 0.97, confidentWrong: 1 }],
    ['understanding-check15.yaml', { messages: 0.92, conversations: 0.97, confidentWrong: 0 }],
    // Blind set 16, held out on the round's final understanding code (52eaf7b: 96.2 % verdicts, 97.0 %
    // conversations, 0 confident wrong); a few fixes from it since.
    ['understanding-check16.yaml', { messages: 0.96, conversations: 0.96, confidentWrong: 0 }],
    // Blind set 17, held out on the round's final code (f93c998: 91.4 % verdicts, 87.5 % conversations,
    // 0 confident wrong); some fixes from it since.
    ['understanding-check17.yaml', { messages: 0.95, conversations: 0.95, confidentWrong: 0 }],
    // Blind set 18, held out on the round's last code (98.3 % verdicts, 93.8 % conversations, 0 confident wrong).
    ['understanding-check18.yaml', { messages: 0.97, conversations: 0.95, confidentWrong: 0 }],
    // Blind set 19, held out on the round's final code (cb55d64: 100 % verdicts, 100 % conversations, 0
    // confident wrong); nothing tuned on it.
    ['understanding-check19.yaml', { messages: 0.97, conversations: 0.97, confidentWrong: 0 }],
  ],
);

test('a contradiction is resolved in favour of the later statement and said back', async () => {
  const { reply, state } = await app.assistant.reply(undefined, 'QS第30，哦不对是130，在上海全职，能落户吗', '2026-12-01', now);
  assert.equal(state.facts.worldRank, 130);
  assert.equal(reply.eligibility?.verdict, 'not_eligible');
  assert.match(reply.answer, /130/);
  assert.ok(reply.answer.includes('更正'), 'the correction is said back');
});

test('a bare corrected number in a later turn replaces the fact it shares digits with, a unit names its own', async () => {
  const one = await app.assistant.reply(undefined, '学校QS第30 全职 社保2个月 能直接落吗', '2026-12-01', now);
  const two = await app.assistant.reply(one.state, '哦不对 是130', '2026-12-01', now);
  assert.equal(two.state.facts.worldRank, 130);
  assert.equal(two.state.facts.socialInsuranceMonths, 2);
  assert.equal(two.reply.eligibility?.verdict, 'not_eligible');
  const three = await app.assistant.reply(two.state, '社保也说错了 是8个月', '2026-12-01', now);
  assert.equal(three.state.facts.socialInsuranceMonths, 8);
  assert.equal(three.state.facts.worldRank, 130);
});

test('a date given for an event is dropped when the event is later denied; a time of the story is no answer', async () => {
  const one = await app.assistant.reply(undefined, '新设人力资源服务机构 疫情欠社保能先办许可吗', '2026-12-01', now);
  const two = await app.assistant.reply(one.state, '22年10月那会儿的事', '2026-12-01', now);
  assert.equal(two.state.facts.backPaidOn, undefined, 'the time of the story is not when it was back-paid');
  assert.equal(two.state.situationDate?.slice(0, 7), '2022-10');
  const three = await app.assistant.reply(
    { ...two.state, facts: { ...two.state.facts, backPaidOn: '2022-10' } },
    '我们当时不愿意承诺 也没补缴',
    '2026-12-01',
    now,
  );
  assert.equal(three.state.facts.backPaidOn, undefined);
  assert.equal(three.reply.eligibility?.verdict, 'not_eligible');
});

test("another person's facts are theirs, unless the question is asked for them", async () => {
  const about = await app.assistant.reply(
    undefined,
    '我老公在宝山上班 我在徐汇 属于高层次人才 能申请宝山那个安居资助吗',
    '2026-12-01',
    now,
  );
  assert.equal(about.state.facts.workDistrict, '徐汇', "the husband's district is not the person's");
  const forHim = await app.assistant.reply(undefined, '我老公是前50名校毕业的，在上海全职上班，他能直接落户吗', '2026-12-01', now);
  assert.equal(forHim.reply.eligibility?.verdict, 'eligible', 'asked for him: his facts are the case');
  const hearsay = await app.assistant.reply(
    undefined,
    '听说我老公的同事是前50名校毕业的，在上海全职上班，他能直接落户吗',
    '2026-12-01',
    now,
  );
  assert.notEqual(hearsay.reply.eligibility?.verdict, 'eligible', 'hearsay stays reported');
});

test('bad input never crashes the assistant and a conversation survives it', async () => {
  let state: ConversationState | undefined;
  for (const q of ['', '9'.repeat(20_000), '😀', 'QS 30 全职 in 上海 🎓 能落户吗', '落户'.repeat(10_000)]) {
    const res = await app.assistant.reply(state, q, '2026-12-01', now);
    assert.equal(typeof res.reply.answer, 'string');
    state = res.state;
  }
});

test('every rule of the goal: a granting path leads, the others are mentioned', async () => {
  const { reply } = await app.assistant.reply(
    undefined,
    'QS排名第11的学校毕业，在上海上班，22年公司有三个月社保是后来补的，落户受影响吗',
    '2026-12-01',
    now,
  );
  assert.equal(reply.eligibility?.ruleId, 'sh-hrss-2022-103-3-top-university');
  assert.equal(reply.eligibility?.verdict, 'eligible');
  assert.ok(
    reply.decision?.verdicts.some((v) => v.ruleId === 'sh-hrss-2022-103-2-si-back-payment'),
    'the back-payment rule was evaluated too',
  );
});

test('ask --json contract: a conversation line answers its turns as one conversation; plain lines stay fresh', async () => {
  const lines = [JSON.stringify({ id: 'c1', turns: ['QS排名第70，想落户', '是全职', '六个月了'], asOf: '2026-12-01' }), '', '是的'];
  const [conv, plain] = (await answerLines(app.assistant, lines, '2026-12-01')) as Record<string, any>[];
  assert.deepEqual(Object.keys(conv!), ['id', 'question', 'answer', 'grounded', 'citations', 'eligibility', 'followUp', 'blocks', 'turns']);
  assert.equal(conv!.id, 'c1');
  assert.equal(conv!.turns.length, 3);
  assert.equal(conv!.question, '六个月了');
  assert.equal(conv!.eligibility.verdict, 'eligible', 'the bare answers filled the open questions');
  assert.equal(conv!.turns[0].eligibility.verdict, 'need_more_info');
  assert.equal(plain!.eligibility, null, 'a plain line is a fresh conversation');
  await assert.rejects(answerLines(app.assistant, ['{"id":"x","turns":[]}'], '2026-12-01'), /stdin line 1: turns/);
  await assert.rejects(answerLines(app.assistant, ['{"id":"x",'], '2026-12-01'), /stdin line 1: not valid JSON/);
});

test('the profile question lists every measure with its verdict, a granting one first', async () => {
  const { reply } = await app.assistant.reply(
    undefined,
    '我在宝山一家重点企业做骨干，QS第30的学校毕业，全职，我能享受哪些政策',
    '2026-12-01',
    now,
  );
  assert.equal(reply.decision?.verdicts.length, app.ruleSet.rules.length, 'every rule is evaluated');
  assert.equal(reply.eligibility?.verdict, 'eligible');
  for (const r of app.ruleSet.rules) assert.ok(reply.answer.includes(typeof r.title === 'string' ? r.title : r.title.zh), r.id);
});

test('the confidence gate in a conversation: an unresolved correction and a bare answer with a unit', async () => {
  let res = await app.assistant.reply(undefined, '曼大毕业 想落户', '2026-12-01', now);
  res = await app.assistant.reply(res.state, '是全职', '2026-12-01', now);
  res = await app.assistant.reply(res.state, '打错了 是曼彻斯特城市大学', '2026-12-01', now);
  assert.equal(res.reply.eligibility?.verdict, 'need_more_info', 'the earlier rank of 曼大 no longer counts');
  assert.equal(res.reply.followUp?.fact, 'worldRank');
  assert.equal(res.state.facts.worldRank, undefined);
  // "5 months" answers the months of social insurance, not the rank asked for.
  let s = await app.assistant.reply(undefined, 'Want hukou, graduated from Leeds', '2026-12-01', now);
  s = await app.assistant.reply(s.state, 'full-time', '2026-12-01', now);
  s = await app.assistant.reply(s.state, '5 months', '2026-12-01', now);
  assert.notEqual(s.state.facts.worldRank, 5);
  assert.notEqual(s.reply.eligibility?.verdict, 'eligible');
});
