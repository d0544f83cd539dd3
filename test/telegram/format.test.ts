import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reply } from '../../bot/assistant/types.ts';
import { loadLocales } from '../../bot/locales/locale.ts';
import { escapeHtml, renderReplyTelegram, renderSources, TELEGRAM_MAX_MESSAGE } from '../../bot/telegram/format.ts';
import { eligibilityZh } from '../reply/samples.ts';
import { validateTelegramHtml } from '../reply/telegram-html.ts';

const locales = loadLocales();
const reply = (r: Partial<Reply>): Reply => ({ question: 'q', answer: '', grounded: true, citations: [], eligibility: null, ...r });

const eligibility = (): Reply =>
  reply({
    route: 'eligibility',
    lang: 'zh',
    blocks: eligibilityZh(),
    eligibility: {
      ruleId: 'sh-hrss-2022-103-3-top-university',
      verdict: 'not_eligible',
      missing: [],
      facts: { worldRank: 68, socialInsuranceMonths: 5 },
      conditions: [{ id: 'rank_51_100', status: 'pass', clause: '三', fact: 'worldRank', value: 68, label: '毕业于世界排名51-100名院校' }],
    },
  });

test('escapeHtml escapes &, <, > and quotes', () => {
  assert.equal(escapeHtml('<a href="x">&amp;</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;');
});

test('a private reply is its blocks rendered: answer line first, the quote with its citation, valid HTML', () => {
  const { messages, buttons } = renderReplyTelegram(eligibility(), locales, {}, 'private');
  for (const m of messages) assert.deepEqual(validateTelegramHtml(m).errors, [], m);
  assert.ok(messages[0]!.startsWith('<b>暂不符合：'), messages[0]);
  assert.match(messages.join('\n'), /<i>——沪人社力〔2022〕103号第三条（2022年6月1日）<\/i>/);
  assert.match(messages.join('\n'), /✗ 在本市缴纳社会保险费满6个月：5个月/);
  assert.deepEqual(buttons, []);
});

test('a clause already quoted in the conversation is cited by label only', () => {
  const r = eligibility();
  const out = renderReplyTelegram(r, locales, { quoted: new Set([r.blocks!.quote!.citation.clauseId]) }, 'private').messages.join('\n');
  assert.ok(!out.includes('<blockquote>「'), out);
  assert.match(out, /依据：沪人社力〔2022〕103号第三条（上文已引）/);
});

test('the follow-up question is bold and its choices become buttons (private only)', () => {
  const r = eligibility();
  r.blocks!.followUp = {
    fact: 'socialInsuranceMonths',
    question: '您在上海已连续缴纳社会保险费几个月了？',
    choices: [
      { label: '满6个月', value: '6' },
      { label: '不满6个月', value: '0' },
    ],
  };
  const priv = renderReplyTelegram(r, locales, {}, 'private');
  assert.match(priv.messages.at(-1)!, /<b>您在上海已连续缴纳社会保险费几个月了？<\/b>$/);
  assert.deepEqual(
    priv.buttons.map((b) => b.label),
    ['满6个月', '不满6个月'],
  );
  const info = reply({ route: 'information', blocks: { ...r.blocks!, kind: 'information', conditions: [] } });
  assert.deepEqual(renderReplyTelegram(info, locales, {}, 'group').buttons, []);
});

test('group mode turns an eligibility reply into the general rule without facts', () => {
  const out = renderReplyTelegram(eligibility(), locales, {}, 'group');
  const text = out.messages.join('\n');
  for (const m of out.messages) assert.deepEqual(validateTelegramHtml(m).errors, [], m);
  assert.match(text, /一般规定/);
  assert.match(text, /• 毕业于世界排名51-100名院校（第三条）/);
  assert.match(text, /<blockquote>「【加大世界名校留学人员引进力度】/);
  assert.ok(!text.includes('暂不符合') && !text.includes('5个月') && !text.includes('第68名') && !text.includes('✓'), text);
  assert.deepEqual(out.buttons, []);
  // information replies are rendered as usual in groups
  const info = reply({
    route: 'information',
    blocks: { ...eligibilityZh(), kind: 'information', conditions: [], answer: { text: '宝山区资助' } },
  });
  assert.match(renderReplyTelegram(info, locales, {}, 'group').messages[0]!, /<b>宝山区资助<\/b>/);
});

test('a reply without blocks (a test double) is shown as it is, escaped, with its question', () => {
  const r = reply({ answer: '答复 <内容> & 条款', grounded: false, followUp: { fact: 'x', question: '还有一个问题？' } });
  const [m] = renderReplyTelegram(r, locales, {}, 'private').messages;
  assert.equal(m, '<b>答复 &lt;内容&gt; &amp; 条款</b>\n\n<b>还有一个问题？</b>');
});

test('/sources rendering handles an empty library and long lists', () => {
  assert.deepEqual(renderSources([]), ['资料库中暂无文件。']);
  const docs = Array.from({ length: 80 }, (_, i) => ({
    id: `d${i}`,
    title: `文件${i}`.padEnd(60, '长'),
    issuer: '局',
    date: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
    level: 'municipal' as const,
  }));
  const parts = renderSources(docs);
  assert.ok(parts.length >= 2);
  for (const p of parts) assert.ok(p.length <= TELEGRAM_MAX_MESSAGE);
});
