/**
 * The stored turns of a web conversation keep only the newest eligibility check, and the hand-off packet
 * built from them is the same as from every turn in full.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPacket, type PacketTurn } from '../../bot/handoff/packet.ts';
import { MAX_TURNS, keepTurns } from '../../bot/web/server.ts';

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
