import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reply } from '../../bot/assistant/types.ts';
import { escapeHtml, packUnits, renderReply, renderSources, textUnits, TELEGRAM_MAX_MESSAGE } from '../../bot/telegram/format.ts';

/** Plain text → HTML messages, the way renderReply turns an answer into units and packs them. */
const renderText = (text: string, limit = TELEGRAM_MAX_MESSAGE, opts: { headline?: boolean } = {}) =>
  packUnits(textUnits(text, limit, opts), limit);

const reply = (r: Partial<Reply>): Reply => ({ question: 'q', answer: '', grounded: true, citations: [], eligibility: null, ...r });

test('escapeHtml escapes &, <, > and quotes', () => {
  assert.equal(escapeHtml('<a href="x">&amp;</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;');
});

test('headline, quotes and source lines get their markup; everything escaped', () => {
  const [html] = renderText('结论：符合 <见下>\n「条款 & 内容」\n——《文件<1>》 第三条，2022-06-01\n普通 <行>');
  assert.equal(
    html,
    '<b>结论：符合 &lt;见下&gt;</b>\n<blockquote>「条款 &amp; 内容」</blockquote>\n<i>——《文件&lt;1&gt;》 第三条，2022-06-01</i>\n普通 &lt;行&gt;',
  );
});

test('long text splits between lines first, then at sentence/clause ends, never inside a tag', () => {
  const line = '第一句很长。'.repeat(300); // 1800 chars, one line
  const text = Array.from({ length: 5 }, (_, i) => `${i + 1}. ${line}`).join('\n');
  const parts = renderText(text, 1000);
  assert.ok(parts.length >= 10);
  for (const p of parts) {
    assert.ok(p.length <= 1000, `part of ${p.length}`);
    assert.equal((p.match(/<b>/g) ?? []).length, (p.match(/<\/b>/g) ?? []).length);
    assert.match(p, /。(<\/b>)?$/, 'ends at a sentence end');
  }
  assert.equal(parts.join('').replace(/<\/?b>|\n/g, ''), text.replace(/\n/g, ''));
});

test('a run without any boundary is hard-cut by escaped length, keeping entities whole', () => {
  const parts = renderText('&'.repeat(5000), TELEGRAM_MAX_MESSAGE, { headline: false });
  for (const p of parts) {
    assert.ok(p.length <= TELEGRAM_MAX_MESSAGE);
    assert.match(p, /^(&amp;)+$/);
  }
  assert.equal(parts.join('').length, 5000 * 5);
});

test('packUnits never exceeds the limit and keeps order', () => {
  const units = Array.from({ length: 50 }, (_, i) => ({ html: `u${i}`.padEnd(100, '.'), sep: '\n' }));
  const parts = packUnits(units, 450);
  for (const p of parts) assert.ok(p.length <= 450);
  assert.equal(parts.join('\n'), units.map((u) => u.html).join('\n'));
});

test('citations not named in the answer are listed under 来源; named ones are not repeated', () => {
  const c = { docId: 'd', title: '某文件', docNumber: '沪X〔2022〕1号', clause: '三', text: 't', score: 1, date: '2022-01-01' };
  const [a] = renderReply(reply({ answer: '答复内容', citations: [c] }), { mode: 'private' });
  assert.match(a!, /<b>来源<\/b>\n📄 《某文件》 · 沪X〔2022〕1号 · 第三条 · 2022-01-01/);
  const [b] = renderReply(reply({ answer: '答复内容\n——《某文件》 第三条', citations: [c] }), { mode: 'private' });
  assert.ok(!b!.includes('来源'));
});

test('group mode turns an eligibility reply into the general rule without facts', () => {
  const r = reply({
    answer: '结论：符合。\n✓ 毕业于世界排名前50名院校：1–50',
    route: 'eligibility',
    eligibility: {
      ruleId: 'r',
      verdict: 'eligible',
      missing: [],
      facts: { worldRank: 12 },
      conditions: [{ id: 'c', status: 'pass', clause: '三', fact: 'worldRank', value: 12, label: '毕业于世界排名前50名院校' }],
    },
    citations: [{ docId: 'd', title: '某文件', docNumber: null, clause: '三', text: '对于毕业于世界排名前50名院校的……', score: 1 }],
  });
  const out = renderReply(r, { mode: 'group' }).join('\n');
  assert.match(out, /一般规定/);
  assert.match(out, /• 毕业于世界排名前50名院校（第三条）/);
  assert.ok(!out.includes('结论') && !out.includes('1–50') && !out.includes('✓'));
  // information replies are rendered as usual in groups
  assert.match(renderReply(reply({ answer: '宝山区资助' }), { mode: 'group' })[0]!, /宝山区资助/);
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
