import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLang } from '../../bot/assistant/lang.ts';
import { ageNoteBlock, yearsBetween } from '../../bot/assistant/reply.ts';
import { freshState, isExpired, resumeState } from '../../bot/assistant/state.ts';
import { loadLocales } from '../../bot/locales/locale.ts';
import { timeTruth } from '../../bot/reply/answer.ts';
import { formatClause } from '../../bot/reply/format.ts';
import { citationLine } from '../../bot/reply/view.ts';
import { sentences } from '../../text/sentences.ts';
import { trimQuote } from '../../text/quote.ts';

const locales = loadLocales();
const { zh, en } = locales;
const kit = { locales, scope: null, cues: [], labels: new Map<string, string>(), scorer: () => 0 };

test('clause labels read naturally', () => {
  assert.equal(formatClause('三', zh), '第三条');
  assert.equal(formatClause('十八', zh), '第十八条');
  assert.equal(formatClause('（二）', zh), '（二）');
  assert.equal(formatClause('5', zh), '第5项');
  assert.equal(formatClause('一/（二）/1', zh), '一/（二）/1');
  assert.equal(formatClause('三', en), '三');
});

test('the citation line names 文号, clause and date; without 文号 the title', () => {
  const c = { docId: 'd', clauseId: 'd#三', title: 'T', docNumber: '沪人社力〔2022〕103号', clause: '三', date: '2022-06-01' };
  assert.equal(citationLine(c, zh), '——沪人社力〔2022〕103号第三条（2022年6月1日）');
  assert.equal(citationLine({ ...c, docNumber: null, clause: '1' }, zh), '——《T》第1项（2022年6月1日）');
  assert.equal(citationLine({ ...c, docNumber: null }, en), '— d, clause 三, 2022-06-01');
});

test('the quote keeps the answering sentence verbatim and whole, in order', () => {
  const text =
    '加大世界名校留学人员引进力度。在符合留学人员落户基本条件的基础上，对于毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求。对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。同时开辟绿色通道，由各区根据本区域实际推荐，提供更加高效便捷服务。另有其他无关内容若干，用于测试裁剪。';
  const answer = '对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。';
  const out = trimQuote(text, answer, { maxChars: 90 });
  assert.ok(out.includes(answer), out);
  assert.ok(!out.includes('无关内容'), out);
  for (const piece of out.split('…').filter(Boolean)) assert.ok(text.includes(piece), `not verbatim: ${piece}`);
  assert.equal(trimQuote('短句。', null, { maxChars: 90 }), '短句。');
  assert.deepEqual(sentences('一。二；三'), ['一。', '二；', '三']);
});

test('the time truth appears only when the period is over or not yet begun', () => {
  assert.equal(timeTruth({ status: 'in_force', validFrom: '2022-07-01', validTo: '2023-06-30' }, zh), null);
  assert.equal(
    timeTruth({ status: 'expired', validFrom: '2022-07-01', validTo: '2023-06-30' }, zh),
    '该措施仅适用于2022年7月至2023年6月，已届满。',
  );
  assert.match(timeTruth({ status: 'not_yet', validFrom: '2030-01-01' }, zh)!, /尚未生效/);
  assert.match(timeTruth({ status: 'expired', validTo: '2022-12-31' }, en)!, /ended on 2022-12/);
});

test('document age note uses whole years', () => {
  assert.equal(yearsBetween('2022-06-01', '2025-05-31'), 2);
  assert.equal(yearsBetween('2022-06-01', '2025-06-01'), 3);
  assert.equal(ageNoteBlock(kit, '2022-06-01', '2025-05-31', 3, 'zh'), null);
  const note = ageNoteBlock(kit, '2022-06-01', '2025-06-01', 3, 'zh')!;
  assert.match(note.text, /已超过3年/);
  assert.equal(note.kind, 'age');
  assert.doesNotMatch(ageNoteBlock(kit, '2022-06-01', '2025-06-01', 3, 'en')!.text, /\p{Script=Han}/u);
  assert.equal(ageNoteBlock(kit, '2022-06-01', '2099-01-01', 0, 'zh'), null);
});

test('language detection: English only when the user writes English', () => {
  assert.equal(detectLang('Can I settle in Shanghai after graduating from a top-50 university?'), 'en');
  assert.equal(detectLang('我是QS前50毕业的，UCL，能落户吗'), 'zh');
  assert.equal(detectLang('What is the 东方英才领军项目 in the 2023 plan?'), 'en', 'a Chinese name inside an English question');
  assert.equal(detectLang('Warwick MSc 毕业，现在上海全职，社保已经交满7个月了'), 'zh');
  assert.equal(detectLang('😀😀'), 'zh');
  assert.equal(detectLang('I work full-time in 上海, can I get hukou?'), 'en');
});

test('conversation state expires after the idle time', () => {
  const s = { ...freshState(0), facts: { worldRank: 10 } };
  assert.equal(isExpired(s, 30 * 60_000, 30), false);
  assert.equal(isExpired(s, 30 * 60_000 + 1, 30), true);
  assert.deepEqual(resumeState(s, 31 * 60_000, 30).facts, {});
  assert.deepEqual(resumeState(s, 60_000, 30).facts, { worldRank: 10 });
  assert.deepEqual(resumeState({ bogus: 1 } as never, 0, 30).facts, {});
});
