import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { HAVE_RANKINGS, NO_RANKINGS_REASON, RANKINGS_FILE, REPO } from './helpers.ts';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'policybot.mjs'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', RANKINGS_FILE: '', AS_OF: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('check --json evaluates the facts on the given date', () => {
  const r = cli([
    'check',
    '--facts',
    '{"studiedAbroad":true,"worldRank":75,"employedFullTimeInShanghai":true,"socialInsuranceMonths":6}',
    '--as-of',
    '2022-09-01',
    '--rule',
    'sh-hrss-2022-103-3-top-university',
    '--json',
  ]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.asOf, '2022-09-01');
  assert.equal(j.verdicts.length, 1);
  assert.equal(j.verdicts[0].verdict, 'eligible');
  assert.equal(j.verdicts[0].cite.docId, 'sh-hrss-2022-103');
});

test('check prints a Chinese summary and the next question', () => {
  const r = cli([
    'check',
    '--facts',
    '{"worldRank":{"min":51,"max":100}}',
    '--as-of',
    '2022-09-01',
    '--rule',
    'sh-hrss-2022-103-3-top-university',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /【需要更多信息】/);
  assert.match(r.out, /还需要：您是否已在（或即将在）上海的用人单位全职工作/);
});

test('check refuses bad facts and unknown rules with exit code 2', () => {
  const bad = cli(['check', '--facts', '{"worldRank":"sixty"}']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /worldRank/);
  const unknownFact = cli(['check', '--facts', '{"rank":3}']);
  assert.match(unknownFact.err, /rank: unknown fact/);
  const rule = cli(['check', '--facts', '{}', '--rule', 'nope']);
  assert.equal(rule.code, 2);
  assert.match(rule.err, /unknown rule "nope"/);
});

test('facts --json shows what was extracted', () => {
  const r = cli(['facts', '我QS排名第六十，全职在上海，社保交了半年', '--as-of', '2022-09-01', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.facts, { worldRank: 60, rankingSystem: 'QS', employedFullTimeInShanghai: true, socialInsuranceMonths: 6 });
});

test('facts looks universities up when RANKINGS_FILE is set', (t) => {
  if (!HAVE_RANKINGS) return t.skip(NO_RANKINGS_REASON);
  const r = cli(['facts', '墨尔本大学毕业', '--json'], { RANKINGS_FILE });
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).facts.worldRank, 22);
});
