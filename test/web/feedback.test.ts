/**
 * The pure pieces of the gap log and the hand-off (masks from corpus/redact.yaml, gap kinds, grouping,
 * packet text), the SQLite feedback store, the terminal chat's gap hook, and the SMTP client against a
 * fake server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Reply } from '../../bot/assistant/types.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { createGapLog, gapKind, groupGaps, loadMasks, normalizeForLog, type GapRecord } from '../../bot/feedback/index.ts';
import { asksForPerson, loadHandoffCues } from '../../bot/handoff/cues.ts';
import { buildPacket, newReference, packetText } from '../../bot/handoff/packet.ts';
import { sendMail } from '../../bot/handoff/smtp.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openSqliteStore } from '../../bot/store/index.ts';
import { openSqliteFeedbackStore } from '../../bot/store/sqlite-web.ts';
import { runTerminalChat } from '../../bot/terminal/chat.ts';
import { loadWebTexts } from '../../bot/web/texts.ts';

const masks = loadMasks(join(PROJECT_ROOT, 'corpus', 'redact.yaml'));
const tmp = mkdtempSync(join(tmpdir(), 'pb-feedback-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const reply = (over: Partial<Reply>): Reply => ({
  question: 'q',
  answer: 'a',
  grounded: true,
  citations: [],
  eligibility: null,
  followUp: null,
  route: 'information',
  ...over,
});

describe('gap log: masks and kinds', () => {
  it('masks names, phone, ID and e-mail, keeps the question', () => {
    const s = normalizeForLog('我叫王小明，手机 13912345678，身份证 31010119900101123X，邮箱 a.b@x.cn，王先生说 前50名 能落户吗？', masks);
    assert.doesNotMatch(s, /王小明|13912345678|31010119900101123X|a\.b@x\.cn|王先生/);
    assert.match(s, /我叫〈姓名〉/);
    assert.match(s, /前50名 能落户吗\?/);
    assert.equal([...normalizeForLog('落'.repeat(500), masks)].length, 200);
  });

  it('names the file and entry of a bad mask', () => {
    const f = join(tmp, 'bad.yaml');
    writeFileSync(f, 'masks:\n  - name: broken\n    pattern: "(unclosed"\n    replacement: x\n');
    assert.throws(() => loadMasks(f), /bad\.yaml: masks\[0\] \(broken\): bad regular expression/);
  });

  it('classifies abstentions and dead ends, not greetings or answers', () => {
    assert.equal(gapKind(reply({ grounded: false, route: 'out_of_scope' })), 'abstained');
    assert.equal(gapKind(reply({ grounded: false, route: 'greeting' })), null);
    assert.equal(gapKind(reply({ citations: [{ docId: 'd', title: 't', docNumber: null, clause: '三', text: 'x', score: 1 }] })), null);
    const check = { ruleId: 'r', verdict: 'need_more_info' as const, missing: ['worldRank'], facts: {}, conditions: [] };
    assert.equal(gapKind(reply({ eligibility: check, followUp: null, route: 'eligibility' })), 'dead_end');
    assert.equal(gapKind(reply({ eligibility: check, followUp: { fact: 'worldRank', question: '?' }, route: 'eligibility' })), null);
  });

  it('finds requests for a person in the cue words of corpus/handoff.yaml', () => {
    const cues = loadHandoffCues(join(PROJECT_ROOT, 'corpus', 'handoff.yaml'));
    assert.ok(asksForPerson('我要转人工', cues));
    assert.ok(asksForPerson('Can I talk to a REAL PERSON?', cues));
    assert.ok(!asksForPerson('宝山区的人才安居资助最高多少？', cues));
  });
});

describe('gap log: grouping and the store', () => {
  const rec = (id: number, question: string, kind: GapRecord['kind'] = 'abstained', reason: string | null = null): GapRecord => ({
    id,
    channel: 'web',
    kind,
    question,
    route: null,
    docId: null,
    clause: null,
    confidence: 0,
    reason,
    at: 1_000 + id,
  });

  it('groups similar questions with counts, most frequent first', () => {
    const groups = groupGaps([
      rec(1, '火星上的社保怎么交?'),
      rec(2, '火星上的社保怎么交?'),
      rec(3, '火星上社保怎么交呢?', 'thumbs_down', '没回答'),
      rec(4, '宝山区的人才公寓怎么申请?'),
    ]);
    assert.equal(groups.length, 2);
    assert.equal(groups[0]!.question, '火星上的社保怎么交?');
    assert.equal(groups[0]!.count, 3);
    assert.deepEqual(groups[0]!.kinds, { abstained: 2, thumbs_down: 1 });
    assert.deepEqual(groups[0]!.variants, ['火星上社保怎么交呢?']);
    assert.deepEqual(groups[0]!.reasons, ['没回答']);
    assert.equal(groupGaps([rec(1, 'a b'), rec(2, 'c d')], { similarity: 0 }).length, 1);
    assert.throws(() => groupGaps([], { similarity: 2 }), /similarity must be between 0 and 1/);
  });

  it('stores gaps and ratings on SQLite; a new rating of a turn replaces the old one', async () => {
    const store = openSqliteStore({ file: join(tmp, 'fb.sqlite') });
    try {
      const fb = openSqliteFeedbackStore(store.db);
      const log = createGapLog({ store: fb, masks, logger: silentLogger, now: () => 5000 });
      assert.equal(await log.recordReply('telegram', '我叫李雷，火星社保？', reply({ grounded: false, route: 'out_of_scope' })), true);
      assert.equal(await log.recordReply('telegram', '你好', reply({ grounded: false, route: 'greeting' })), false);
      const base = { channel: 'web' as const, conversation: 'c1', turn: 1, question: 'q', route: null, docId: 'd', clause: '三' };
      await log.recordRating({ ...base, rating: 'up' });
      await log.recordRating({ ...base, rating: 'down', reason: '电话13912345678' });
      const feedback = await fb.listFeedback();
      assert.equal(feedback.length, 1);
      assert.equal(feedback[0]!.rating, 'down');
      assert.equal(feedback[0]!.reason, '电话〈电话〉');
      const gaps = await fb.listGaps();
      assert.deepEqual(gaps.map((g) => g.kind).sort(), ['abstained', 'thumbs_down']);
      assert.equal(gaps.find((g) => g.kind === 'abstained')!.question, '我叫〈姓名〉,火星社保?');
      assert.equal((await fb.listGaps({ since: 6000 })).length, 0);
      // reopening applies no migration twice
      openSqliteFeedbackStore(store.db);
    } finally {
      await store.close();
    }
  });
});

describe('terminal chat', () => {
  it('records its abstentions in the gap log', async () => {
    const store = openSqliteStore({ file: join(tmp, 'term.sqlite') });
    try {
      const fb = openSqliteFeedbackStore(store.db);
      const assistant = {
        sources: () => [],
        reply: async (_s: unknown, text: string, _a: string, now = 0) => ({
          reply: reply({ question: text, grounded: text.includes('落户'), route: text.includes('落户') ? 'information' : 'out_of_scope' }),
          state: { facts: {}, updatedAt: now },
        }),
      };
      const answered = await runTerminalChat({
        assistant,
        input: Readable.from(['落户怎么办？\n', '火星上的社保？\n']),
        output: new PassThrough(),
        asOf: () => '2026-11-20',
        gapLog: createGapLog({ store: fb, masks, logger: silentLogger }),
      });
      assert.equal(answered, 2);
      const gaps = await fb.listGaps();
      assert.deepEqual(
        gaps.map((g) => [g.channel, g.kind, g.question]),
        [['terminal', 'abstained', '火星上的社保?']],
      );
    } finally {
      await store.close();
    }
  });
});

describe('hand-off packet', () => {
  it('lists questions, facts, each condition with status and clause, and the documents', () => {
    const ref = newReference(Date.parse('2026-11-30T20:00:00Z'));
    assert.match(ref, /^PB-261201-\d{6}$/); // Shanghai date
    const packet = buildPacket({
      reference: ref,
      channel: 'web',
      now: 0,
      facts: { worldRank: { min: 1, max: 50 } },
      turns: [
        {
          question: '能落户吗？',
          eligibility: {
            ruleId: 'rule-1',
            verdict: 'need_more_info',
            missing: ['socialInsuranceMonths'],
            facts: {},
            conditions: [
              { id: 'rank', status: 'pass', clause: '三', fact: 'worldRank', value: { min: 1, max: 50 }, label: '世界排名前50名' },
              { id: 'si', status: 'unknown', clause: '三', fact: 'socialInsuranceMonths' },
            ],
          },
          citations: [{ docId: 'sh-hrss-2022-103', title: '通知', docNumber: '沪人社力〔2022〕103号', clause: '三', date: '2022-06-01' }],
        },
      ],
    });
    const zh = loadWebTexts().zh;
    const text = packetText(packet, zh.packet, zh);
    assert.match(text, new RegExp(`参考号: ${ref}`));
    assert.match(text, /1\. 能落户吗？/);
    assert.match(text, /worldRank: \{"min":1,"max":50\}/);
    assert.match(text, /\[满足\] 世界排名前50名 \(三; worldRank = /);
    assert.match(text, /\[未知\] si \(三; socialInsuranceMonths\)/);
    assert.match(text, /通知 沪人社力〔2022〕103号 \(三\) 2022-06-01/);
  });
});

describe('SMTP client', () => {
  let server: Server | undefined;
  after(() => server?.close());

  it('sends one UTF-8 message to a local SMTP server', async () => {
    const got: string[] = [];
    server = createServer((sock) => {
      sock.setEncoding('utf8');
      let data = false;
      let buf = '';
      sock.write('220 fake ESMTP\r\n');
      sock.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\r\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          got.push(line);
          if (data) {
            if (line === '.') {
              data = false;
              sock.write('250 queued\r\n');
            }
            continue;
          }
          if (line.startsWith('EHLO')) sock.write('250-fake\r\n250 AUTH PLAIN\r\n');
          else if (line.startsWith('AUTH PLAIN')) sock.write('235 ok\r\n');
          else if (line === 'DATA') {
            data = true;
            sock.write('354 go\r\n');
          } else if (line === 'QUIT') sock.end('221 bye\r\n');
          else sock.write('250 ok\r\n');
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await sendMail(
      { host: '127.0.0.1', port, from: 'bot@example.cn', user: 'u', password: 'p', requireTlsForAuth: false },
      { to: 'case@example.cn', subject: 'PB-261201-000001 转人工', text: '参考号: PB-261201-000001' },
      3000,
    );
    assert.ok(got.includes('MAIL FROM:<bot@example.cn>'));
    assert.ok(got.includes('RCPT TO:<case@example.cn>'));
    const b64 = got.slice(got.indexOf('') + 1, got.indexOf('.')).join('');
    assert.equal(Buffer.from(b64, 'base64').toString('utf8'), '参考号: PB-261201-000001');
    assert.ok(got.some((l) => l.startsWith('Subject: =?UTF-8?B?')));
    // AUTH over a clear connection is refused unless explicitly allowed
    await assert.rejects(
      sendMail(
        { host: '127.0.0.1', port, from: 'bot@example.cn', user: 'u', password: 'p' },
        { to: 'x@example.cn', subject: 's', text: 't' },
        3000,
      ),
      /refusing to send SMTP_PASSWORD in clear text/,
    );
  });
});
