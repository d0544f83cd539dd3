/**
 * The floor test of an understanding set (docs/assistant.md "Understanding sets"): no more confident wrong
 * verdicts than listed, every shown fact with a source, and, with the shared rankings table, messages and
 * conversations at or above their floors. The rankings-dependent cases are skipped without that table.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { App } from '../../bot/app.ts';
import { loadUnderstandingSet, runUnderstandingSet } from '../../bot/assistant/devset.ts';
import { PROJECT_ROOT } from '../../bot/config.ts';

export interface Floors {
  messages: number;
  conversations: number;
  confidentWrong: number;
}

const fixtures = join(PROJECT_ROOT, 'test/fixtures');
const now = Date.parse('2026-12-01T02:00:00Z');

/** One test per set file of test/fixtures, on the app `getApp` gives once the file's `before` has run. */
export function floorTests(getApp: () => App, sets: readonly (readonly [string, Floors])[]): void {
  for (const [name, floors] of sets) {
    test(`${name}: no confident wrong verdict, every shown fact has a source, floors hold`, async () => {
      const app = getApp();
      // The sets' ranks are those of the shared table; with another table (or none) their cases are skipped.
      const realRankings =
        !!app.universities && !!app.config.RANKINGS_FILE && /shared\/data\/rankings\/top200\.csv$/.test(app.config.RANKINGS_FILE);
      const r = await runUnderstandingSet(app.assistant, loadUnderstandingSet(join(fixtures, name)), { hasRankings: realRankings, now });
      const why = r.failures.map((f) => `${f.id} ${f.q}: ${f.problems.join('; ')}`).join('\n');
      assert.ok(r.confidentWrong <= floors.confidentWrong, `${r.confidentWrong} confident wrong\n${why}`);
      assert.equal(r.unsourcedFacts, 0, 'property: every ✓/✗ fact has a span or a button answer');
      if (realRankings) {
        assert.ok(r.messages.accuracy >= floors.messages, `${r.messages.accuracy}\n${why}`);
        assert.ok(r.conversations.accuracy >= floors.conversations, `${r.conversations.accuracy}\n${why}`);
      }
    });
  }
}
