import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { parseBlocks } from '../../bot/reply/blocks.ts';
import { seededDataDir } from '../helpers/data.ts';

const bin = join(PROJECT_ROOT, 'scripts', 'policybot.mjs');
const dataDir = await seededDataDir('policybot-ask-');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'policybot-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', DATA_DIR: dataDir },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ask --json prints the documented shape, with the eligibility check', () => {
  const r = cli(['ask', '我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？', '--json', '--as-of', '2026-11-22']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(o), ['question', 'answer', 'grounded', 'citations', 'eligibility', 'followUp', 'blocks']);
  assert.equal(o.grounded, true);
  assert.deepEqual(Object.keys(o.citations[0]), ['docId', 'title', 'docNumber', 'clause', 'text', 'score']);
  assert.equal(o.citations[0].docNumber, '沪人社力〔2022〕103号');
  assert.equal(o.eligibility.verdict, 'eligible');
  for (const c of o.eligibility.conditions) assert.ok(['pass', 'fail', 'unknown'].includes(c.status));
  // blocks: the structured reply, valid against its schema; `answer` is its plain-text rendering, answer line first
  const blocks = parseBlocks(o.blocks);
  assert.equal(blocks.kind, 'eligibility');
  assert.equal(blocks.answer.verdict, 'eligible');
  assert.ok(o.answer.startsWith(blocks.answer.text), o.answer);
  assert.equal(blocks.quote?.citation.docNumber, '沪人社力〔2022〕103号');
});

test('ask --json without a question answers one JSON line per input line, each a new conversation', () => {
  const lines = ['宝山区的人才安居资助最高多少？', '北京积分落户需要多少分？', '', '是的'];
  const r = cli(['ask', '--json'], lines.join('\n'));
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(out.length, 3, 'blank lines are skipped');
  assert.equal(out[0].citations[0].docId, 'baoshan-hrss-2021-8E112');
  assert.equal(out[1].grounded, false);
  assert.deepEqual(out[1].citations, []);
  // another city is told apart: that city's 12333, not the generic abstention
  assert.equal(out[1].blocks.kind, 'out_of_scope');
  assert.match(out[1].answer, /北京的12333（外地拨打：010-12333）/);
  assert.equal(out[2].eligibility, null, '"是的" on its own is not an answer to anything: stateless');
});

test('ask: a bad --as-of is a usage error naming the flag, without a stack trace', () => {
  const r = cli(['ask', '你好', '--as-of', '2026/11/22']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--as-of expects a date as YYYY-MM-DD/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
