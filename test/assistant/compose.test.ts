import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ageNote,
  clauseLabel,
  deadlineNote,
  sentences,
  sourceLine,
  trimToRelevant,
  validityNote,
  yearsBetween,
} from '../../bot/assistant/compose.ts';
import { detectLang } from '../../bot/assistant/lang.ts';
import { freshState, isExpired, resumeState } from '../../bot/assistant/state.ts';

test('clause labels read naturally', () => {
  assert.equal(clauseLabel('三'), '第三条');
  assert.equal(clauseLabel('十八'), '第十八条');
  assert.equal(clauseLabel('（二）'), '第（二）项');
  assert.equal(clauseLabel('5'), '第5项');
  assert.equal(clauseLabel('第三条'), '第三条');
  assert.equal(clauseLabel('preamble'), '前言');
  assert.equal(clauseLabel('三', 'en'), 'clause 三');
});

test('source line names title, 文号, clause, date and district', () => {
  const line = sourceLine({ title: 'T', docNumber: '沪人社力〔2022〕103号', date: '2022-06-01', level: 'municipal' }, '三');
  assert.equal(line, '——《T》 沪人社力〔2022〕103号 第三条，2022-06-01');
  const d = sourceLine({ title: 'B', date: '2021-05-20', level: 'district', district: '宝山' }, '1');
  assert.match(d, /《B》 第1项，2021-05-20（宝山区）$/);
});

test('trimToRelevant keeps the relevant sentences verbatim and in order', () => {
  const text =
    '加大世界名校留学人员引进力度。在符合留学人员落户基本条件的基础上，对于毕业于世界排名前50名院校的，取消社会保险费缴费基数和缴费时间要求。对于毕业于世界排名51-100名的，全职来本市工作并缴纳社会保险费满6个月后可申办落户。同时开辟绿色通道，由各区根据本区域实际推荐，提供更加高效便捷服务。另有其他无关内容若干，用于测试裁剪。';
  const out = trimToRelevant(text, '排名第80的学校毕业要交多久社保', 90);
  assert.ok(out.includes('51-100名'), out);
  assert.ok(!out.includes('无关内容'), out);
  for (const piece of out.split('…').filter(Boolean)) assert.ok(text.includes(piece), `not verbatim: ${piece}`);
  assert.equal(trimToRelevant('短句。', 'x', 90), '短句。');
  assert.deepEqual(sentences('一。二；三'), ['一。', '二；', '三']);
});

test('validity and deadline notes appear only when the date is past', () => {
  assert.equal(validityNote('2022-07-01', '2023-06-30', '2023-06-30'), null);
  assert.equal(
    validityNote('2022-07-01', '2023-06-30', '2023-07-01'),
    '该措施适用期为2022年7月至2023年6月，现已届满，请向12333确认现行规定。',
  );
  assert.match(validityNote('2030-01-01', null, '2026-01-01')!, /尚未生效/);
  assert.match(validityNote(null, '2022-12-31', '2023-01-01', 'en')!, /expired/);
  assert.equal(deadlineNote('补缴', '2022-12-31', '2022-12-31'), null);
  assert.match(deadlineNote('补缴', '2022-12-31', '2023-01-01')!, /2022年12月31日/);
});

test('document age note uses whole years', () => {
  assert.equal(yearsBetween('2022-06-01', '2025-05-31'), 2);
  assert.equal(yearsBetween('2022-06-01', '2025-06-01'), 3);
  const doc = { title: 'T', date: '2022-06-01' };
  assert.equal(ageNote(doc, '2025-05-31', 3), null);
  assert.match(ageNote(doc, '2025-06-01', 3)!, /已超过3年/);
  assert.equal(ageNote(doc, '2099-01-01', 0), null);
});

test('language detection: English only when the user writes English', () => {
  assert.equal(detectLang('Can I settle in Shanghai after graduating from a top-50 university?'), 'en');
  assert.equal(detectLang('我是QS前50毕业的，UCL，能落户吗'), 'zh');
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
