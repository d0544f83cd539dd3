import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { App } from '../../bot/app.ts';
import { loadDevSet, runDevSet, type DevReport } from '../../bot/assistant/devset.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { buildTestApp } from '../helpers/app.ts';

// The fresh set (test/fixtures/assistant-fresh.yaml) was written the way real users type and split into
// `tune` / `check` halves before its first run; only the tune half was looked at while fixing (more tune
// cases were added later; no case ever moved). The check half keeps the generalization honest.
// Measured on the check half with the shared rankings table (2026-11-22):
//   before the fixes: verdicts 27/35 (77%), multi-turn 10/15, abstentions 1/4
//   after:            verdicts 32/35 (91.4%), multi-turn 12/15 (80%), abstentions 1/4
//   2026-12-01, after the understanding stage (issue #11): verdicts 35/35, multi-turn 15/15, abstentions 1/4
// Those failures were read while fixing, so these are no longer held-out numbers (docs/assistant.md); the
// floors are the measured levels, so any regression fails the test.
let app: App;
let opts: Parameters<typeof runDevSet>[2];
const file = join(PROJECT_ROOT, 'test/fixtures/assistant-fresh.yaml');
const explain = (r: DevReport) => r.failures.map((f) => `[${f.kind}] ${f.q}: expected ${f.expected}, got ${f.got}`).join('\n');

before(async () => {
  app = await buildTestApp();
  opts = { hasRankings: !!app.universities, now: Date.parse('2026-11-22T02:00:00Z') };
});

test('fresh set is split into tune and check halves and is large enough', () => {
  const set = loadDevSet(file);
  assert.ok(set.eligibility.length >= 50, `${set.eligibility.length} eligibility messages`);
  assert.ok(set.conversations.length >= 8, `${set.conversations.length} conversations`);
  for (const c of [...set.eligibility, ...set.conversations])
    assert.ok(c.split === 'tune' || c.split === 'check', JSON.stringify(c).slice(0, 80));
  const check = set.eligibility.filter((c) => c.split === 'check').length;
  assert.ok(check >= 25, `${check} check cases`);
});

test('fresh set, check half: every verdict (35/35) and multi-turn check (15/15) right, abstentions ≥ 25% (1/4)', async () => {
  const r = await runDevSet(app.assistant, loadDevSet(file), { ...opts, split: 'check' });
  assert.equal(r.eligibility.accuracy, 1, `verdicts ${r.eligibility.correct}/${r.eligibility.total}\n${explain(r)}`);
  assert.equal(r.conversations.accuracy, 1, `multi-turn ${r.conversations.correct}/${r.conversations.turns}\n${explain(r)}`);
  assert.ok(r.unanswerable.rate >= 0.25, `abstained ${r.unanswerable.abstained}/${r.unanswerable.total}\n${explain(r)}`);
});

test('fresh set, tune half: every verdict and multi-turn check right, abstentions ≥ 50%', async () => {
  const r = await runDevSet(app.assistant, loadDevSet(file), { ...opts, split: 'tune' });
  assert.equal(r.eligibility.accuracy, 1, explain(r));
  assert.equal(r.conversations.accuracy, 1, explain(r));
  assert.ok(r.unanswerable.rate >= 0.5, explain(r));
});
