/**
 * The shortcuts of `POST /api/chat`: the zod-free body check accepts exactly what zod accepts, with the
 * same value; the stored turns keep only the newest eligibility check, and the hand-off packet built
 * from them is the same as from every turn in full.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPacket, type PacketTurn } from '../../bot/handoff/packet.ts';
import { ChatBody, MAX_TURNS, keepTurns, quickChatBody } from '../../bot/web/server.ts';

test('quickChatBody: the value of ChatBody.parse for valid bodies, undefined (zod then explains) for the rest', () => {
  const bodies: unknown[] = [
    { text: '海归落户' },
    { text: '' },
    { text: 'x', conversationId: 'abc' },
    { text: 'x', lang: 'en' },
    { text: 'x', lang: 'zh', conversationId: 'A_b-1' },
    { text: 'x', extra: 1, nested: { a: 1 } },
    { text: 'x', lang: 'fr' },
    { text: 'x', lang: null },
    { text: 'x', conversationId: null },
    { text: 'x', conversationId: 7 },
    { text: 42 },
    { text: null },
    {},
    [],
    ['x'],
    null,
    'text',
    3,
    true,
    JSON.parse('{"text":"x","__proto__":{"lang":"de"}}'),
  ];
  let valid = 0;
  for (const body of bodies) {
    const zod = ChatBody.safeParse(body);
    const quick = quickChatBody(body);
    if (zod.success) {
      valid++;
      assert.deepEqual(quick, zod.data, JSON.stringify(body));
      assert.deepEqual(Object.keys(quick!).sort(), Object.keys(zod.data).sort(), JSON.stringify(body));
    } else assert.equal(quick, undefined, JSON.stringify(body));
  }
  assert.equal(valid, 7);
});

test('keepTurns: the last MAX_TURNS turns, the newest check only, the same hand-off packet', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const check = (n: number) =>
    ({
      ruleId: `rule-${n % 3}`,
      verdict: n % 2 ? 'eligible' : 'need_more_info',
      missing: [],
      facts: { worldRank: n },
      conditions: [{ id: `c${n}`, label: `条件${n}`, status: 'pass', clause: '三', fact: 'worldRank', value: n }],
    }) as unknown as PacketTurn['eligibility'];
  let full: (PacketTurn & { n: number })[] = [];
  let kept: (PacketTurn & { n: number })[] = [];
  let checks = 0;
  for (let n = 1; n <= 3 * MAX_TURNS; n++) {
    const withCheck = rand() < 0.4;
    checks += withCheck ? 1 : 0;
    const turn = {
      n,
      question: `问题${n}`,
      eligibility: withCheck ? check(n) : null,
      citations: [{ docId: `doc-${n % 4}`, title: `标题${n % 4}`, docNumber: null, clause: String(n % 5) }],
    };
    full = [...full, turn].slice(-MAX_TURNS);
    kept = keepTurns(kept, turn);
    assert.deepEqual(
      kept.map((t) => t.n),
      full.map((t) => t.n),
    );
    assert.ok(kept.filter((t) => t.eligibility).length <= 1, `turn ${n}: one check at most`);
    const packet = (turns: PacketTurn[]) => buildPacket({ reference: 'PB-1', channel: 'web', now: 0, turns, facts: {} });
    assert.deepEqual(packet(kept), packet(full), `turn ${n}`);
  }
  assert.ok(checks > 10 && kept.some((t) => t.eligibility), 'the sequence exercises checks');
  // the turns given are not changed
  const before = [{ n: 1, question: 'a', eligibility: check(1), citations: [] }];
  keepTurns(before, { n: 2, question: 'b', eligibility: check(2), citations: [] });
  assert.ok(before[0]!.eligibility);
});
