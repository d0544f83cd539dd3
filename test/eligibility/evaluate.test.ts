import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { evaluate } from '../../eligibility/evaluate.ts';
import { parseFacts } from '../../eligibility/facts.ts';
import { loadRuleSet } from '../../eligibility/rules.ts';
import { corpusChunks, FIXTURES, RULES_DIR } from './helpers.ts';

interface Case {
  name: string;
  rule: string;
  asOf: string;
  facts: Record<string, unknown>;
  verdict: string;
  missing?: string[];
  firstMissing?: string;
  conditions?: Record<string, string>;
  reason?: string;
  note?: string;
}

const { chunks } = await corpusChunks();
const { rules, catalog } = loadRuleSet(RULES_DIR, { chunks });
const file = join(FIXTURES, 'eligibility-rules.yaml');
const cases = (parse(readFileSync(file, 'utf8')) as { cases: Case[] }).cases;

for (const c of cases) {
  test(`rule case: ${c.name}`, () => {
    const rule = rules.find((r) => r.id === c.rule);
    assert.ok(rule, `rule ${c.rule} not loaded`);
    const facts = parseFacts(c.facts, catalog);
    const [v] = evaluate([rule], facts, String(c.asOf), { catalog });
    assert.ok(v);
    const ctx = JSON.stringify(
      {
        verdict: v.verdict,
        missing: v.missing,
        reasons: v.reasons.map((r) => r.zh),
        notes: v.notes,
        conditions: v.conditions.map((x) => `${x.id}:${x.status}`),
      },
      null,
      1,
    );
    assert.equal(v.verdict, c.verdict, ctx);
    if (c.missing) assert.deepEqual(v.missing, c.missing, ctx);
    if (c.firstMissing) assert.equal(v.missing[0], c.firstMissing, ctx);
    for (const [id, status] of Object.entries(c.conditions ?? {})) {
      assert.equal(v.conditions.find((x) => x.id === id)?.status, status, `${id}: ${ctx}`);
    }
    if (c.reason)
      assert.ok(
        v.reasons.some((r) => r.zh.includes(c.reason!)),
        `reason "${c.reason}": ${ctx}`,
      );
    if (c.note)
      assert.ok(
        v.notes.some((n) => n.includes(c.note!)),
        `note "${c.note}": ${ctx}`,
      );
  });
}

test('evaluate is pure: same input, same output; asOf must be a date', () => {
  const facts = { studiedAbroad: true, worldRank: 60 };
  assert.deepEqual(evaluate(rules, facts, '2022-08-01'), evaluate(rules, facts, '2022-08-01'));
  assert.throws(() => evaluate(rules, facts, 'today'), /asOf must be YYYY-MM-DD/);
});
