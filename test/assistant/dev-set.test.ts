import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { App } from '../../bot/app.ts';
import { devSetFromRetrievalFile, loadDevSet, runDevSet, type DevReport } from '../../bot/assistant/devset.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { buildTestApp } from '../helpers/app.ts';

// The targets on the project's own dev sets: verdicts 100% correct, the right clause first for
// ≥ 95% of answerable questions, ≥ 90% abstention on unanswerable ones.
let app: App;
let opts: Parameters<typeof runDevSet>[2];
const fixtures = join(PROJECT_ROOT, 'test/fixtures');
const explain = (r: DevReport) => r.failures.map((f) => `[${f.kind}] ${f.q}: expected ${f.expected}, got ${f.got}`).join('\n');

before(async () => {
  app = await buildTestApp();
  const clauseText = (docId: string, clause: string) =>
    app.corpus.chunks
      .filter((c) => c.docId === docId && c.clause === clause)
      .map((c) => c.text)
      .join('');
  opts = { hasRankings: !!app.universities, clauseText, now: Date.parse('2026-11-22T02:00:00Z') };
});

test('assistant dev set: verdicts, multi-turn checks, first citations, abstentions', async () => {
  const r = await runDevSet(app.assistant, loadDevSet(join(fixtures, 'assistant-dev.yaml')), opts);
  assert.equal(r.eligibility.accuracy, 1, explain(r));
  assert.equal(r.conversations.accuracy, 1, explain(r));
  assert.ok(r.information.rate >= 0.95, explain(r));
  assert.ok(r.unanswerable.rate >= 0.9, explain(r));
  assert.ok(r.eligibility.total >= 12 && r.conversations.turns >= 8);
});

test('retrieval dev questions asked through the assistant keep the right clause first', async () => {
  const set = devSetFromRetrievalFile(join(fixtures, 'retrieval-dev.yaml'), '2026-11-22');
  assert.ok(set.information.length >= 60);
  const r = await runDevSet(app.assistant, set, opts);
  assert.ok(r.information.rate >= 0.93, `${r.information.rate}\n${explain(r)}`);
  assert.ok(r.unanswerable.rate >= 0.9, explain(r));
});
