import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAnnouncement, buildDigests, escapeHtml, firstChangedSentence, splitMessage } from '../../bot/broadcast/digest.ts';
import { formatClause } from '../../bot/reply/format.ts';
import { loadLocales } from '../../bot/locales/locale.ts';
import { comparableText, diffClauses, diffSnapshots, similarity } from '../../bot/broadcast/diff.ts';
import { buildSnapshot } from '../../bot/broadcast/snapshot.ts';
import { outboxMessages, recipientCounts } from '../../bot/broadcast/topics.ts';
import type { CorpusDiff, SnapshotChunk } from '../../bot/broadcast/types.ts';

const chunk = (docId: string, label: string, text: string): SnapshotChunk => ({
  id: `${docId}#${label}`,
  docId,
  label,
  clause: label.split('/').pop()!,
  text,
});

test('comparable text ignores whitespace and the leading label; similarity is a bigram Dice score', () => {
  assert.equal(comparableText('三、 加大 力度。\n'), '加大力度。');
  assert.equal(comparableText('（二）重点聚焦'), '重点聚焦');
  assert.equal(similarity('abcd', 'abcd'), 1);
  assert.equal(similarity('abcd', 'wxyz'), 0);
  assert.ok(similarity('对于毕业于世界排名前50名院校的', '对于毕业于世界排名前30名院校的') > 0.8);
});

test('clause diff: modified by label, renumbered unchanged, added and removed', () => {
  const old = [
    chunk('d', '一', '一、甲乙丙丁戊己庚辛。'),
    chunk('d', '二', '二、子丑寅卯辰巳午未。'),
    chunk('d', '三', '三、东南西北中发白板。'),
  ];
  const neu = [
    chunk('d', '一', '一、甲乙丙丁戊己庚申。'),
    chunk('d', '二', '二、春夏秋冬风花雪月。'),
    chunk('d', '三', '三、子丑寅卯辰巳午未。'),
  ];
  const d = diffClauses(old, neu);
  assert.deepEqual(
    d.map((c) => [c.kind, c.label]),
    [
      ['modified', '一'],
      ['added', '二'],
      ['removed', '三'],
    ],
  );
  assert.equal(d[0]!.oldText, '一、甲乙丙丁戊己庚辛。');
});

const meta = (level: 'municipal' | 'district', district?: string) => ({
  title: `标题<${district ?? '市'}>`,
  issuer: '某局',
  date: '2024-01-01',
  level,
  ...(district ? { district } : {}),
});

test('digests: escaped HTML, metadata, first changed sentence, /sources pointer, withdrawn documents', () => {
  const prev = buildSnapshot(
    {
      documents: [
        { id: 'a', hash: '1', ...meta('municipal'), docNumber: '沪〔2024〕1号' },
        { id: 'b', hash: '1', ...meta('district', '杨浦') },
      ],
      chunks: [{ id: 'a#一', docId: 'a', clause: '一', text: '一、总则。适用范围为A&B。' }],
    },
    1,
  );
  const cur = buildSnapshot(
    {
      documents: [{ id: 'a', hash: '2', ...meta('municipal'), docNumber: '沪〔2024〕1号' }],
      chunks: [{ id: 'a#一', docId: 'a', clause: '一', text: '一、总则。适用范围为A&B以及<C>。' }],
    },
    2,
  );
  const diff = diffSnapshots(prev, cur);
  const digests = buildDigests(diff, { runKey: 'corpus@2' });
  assert.deepEqual(
    digests.map((d) => [d.key, d.kind]),
    [
      ['corpus@2:a', 'changed'],
      ['corpus@2:b', 'removed'],
    ],
  );
  const text = digests[0]!.parts.join('');
  assert.match(text, /<b>标题&lt;市&gt;<\/b>/);
  assert.match(text, /文号：沪〔2024〕1号/);
  assert.match(text, /层级：市级/);
  assert.match(text, /• <b>第一条<\/b>：适用范围为A&amp;B以及&lt;C&gt;。/);
  assert.match(text, /详见 \/sources/);
  const removed = digests[1]!.parts.join('');
  assert.match(removed, /已从政策库撤下/);
  assert.match(removed, /区级（杨浦区）/);
  assert.doesNotMatch(text.replace(/<\/?b>/g, ''), /<(?!\/?b>)/); // no raw tags besides <b>
});

test('long digests are split under 4096 characters at line boundaries', () => {
  const clauses = Array.from({ length: 200 }, (_, i) => chunk('big', String(i + 1), `${i + 1}、${'很长的条款内容'.repeat(20)}${i}。`));
  const cur = buildSnapshot(
    {
      documents: [{ id: 'big', hash: 'h', ...meta('municipal') }],
      chunks: clauses.map((c) => ({ id: c.id, docId: c.docId, clause: c.clause, text: c.text })),
    },
    1,
  );
  const diff: CorpusDiff = diffSnapshots(null, cur);
  const [d] = buildDigests(diff, { runKey: 'x', maxClauses: 500, maxQuote: 400 });
  assert.ok(d!.parts.length > 1);
  for (const p of d!.parts) {
    assert.ok(p.length < 4096, `part of ${p.length} chars`);
    assert.equal((p.match(/<b>/g) ?? []).length, (p.match(/<\/b>/g) ?? []).length, 'tags balanced in every part');
  }
  assert.match(d!.parts[1]!, /^\(2\/\d+\) /);
  // A single enormous line is cut without breaking an entity.
  const parts = splitMessage(['&amp;'.repeat(2000)], 4096);
  for (const p of parts) assert.doesNotMatch(p.replace(/^\(\d+\/\d+\) /, ''), /&(?!amp;)|&a?m?p?$/);
});

test('announcements are escaped; helpers', () => {
  const a = buildAnnouncement('明天<系统维护>&升级', 'announce:1');
  assert.equal(a.parts[0], '📢 <b>通知</b>\n明天&lt;系统维护&gt;&amp;升级');
  assert.equal(escapeHtml('<a href="x">&'), '&lt;a href="x"&gt;&amp;');
  // digests write clause labels as replies do (bot/reply/format.ts): the path where a label repeats
  const { zh } = loadLocales();
  assert.equal(formatClause('一/（二）/1', zh), '一/（二）/1');
  assert.equal(formatClause('preamble', zh), '开头部分');
  assert.equal(firstChangedSentence('甲。乙。丙。', '甲。乙改。丙。'), '乙改。');
});

test('topic filtering: a 宝山 document reaches 宝山 and all-topic subscribers only', () => {
  const prev = buildSnapshot({ documents: [], chunks: [] }, 1);
  const cur = buildSnapshot(
    {
      documents: [{ id: 'bs', hash: 'h', ...meta('district', '宝山') }],
      chunks: [{ id: 'bs#一', docId: 'bs', clause: '一', text: '一、给予人才公寓租金补贴。' }],
    },
    2,
  );
  const digests = buildDigests(diffSnapshots(prev, cur), { runKey: 'corpus@2' });
  const subs = [
    { chatId: 1, chatType: 'private' as const, topics: ['all'], active: true },
    { chatId: 2, chatType: 'private' as const, topics: ['district:宝山'], active: true },
    { chatId: 3, chatType: 'private' as const, topics: ['district:杨浦'], active: true },
    { chatId: 4, chatType: 'private' as const, topics: ['municipal'], active: true },
    { chatId: 5, chatType: 'group' as const, topics: ['keyword:博士后'], active: true },
    { chatId: 6, chatType: 'private' as const, topics: ['all'], active: false },
    { chatId: 7, chatType: 'group' as const, topics: ['keyword:人才公寓'], active: true },
  ];
  const rows = outboxMessages(digests, subs, 'corpus@2');
  assert.deepEqual(
    rows.map((r) => r.chatId),
    [1, 2, 7],
  ); // 7: its keyword occurs in the new clause
  assert.deepEqual(
    recipientCounts(
      digests,
      subs.filter((s) => s.chatId !== 7),
    ),
    [{ key: 'corpus@2:bs', recipients: 2, parts: 1 }],
  );
  assert.deepEqual(
    rows.map((r) => r.dedupeKey),
    ['corpus@2:bs|1|0', 'corpus@2:bs|2|0', 'corpus@2:bs|7|0'],
  );
  assert.equal(rows[2]!.chatType, 'group');
});
