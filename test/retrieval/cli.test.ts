import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';

const bin = join(PROJECT_ROOT, 'scripts', 'policybot.mjs');

/** A fresh working folder and only the environment the CLI needs (the seed corpus, this data folder). */
function childOptions(dataDir: string) {
  return {
    cwd: mkdtempSync(join(tmpdir(), 'pb-cwd-')),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CORPUS_DIR: join(PROJECT_ROOT, 'corpus'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
  };
}

function cli(args: string[], dataDir: string, input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    ...childOptions(dataDir),
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `cli`, without blocking: independent runs over a built index go in parallel. */
function cliAsync(args: string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      ...childOptions(dataDir),
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('search --json reads queries from stdin (JSONL, one process), building the index on demand; eval reports all systems', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
  const r = cli(['search', '--json', '--k', '2'], dataDir, 'QS排名第80的学校毕业，落户要交多久社保？\n\n北京积分落户\n😀\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /built the search index/);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(Object.keys(lines[0]), ['query', 'model', 'confidence', 'results']);
  assert.deepEqual(Object.keys(lines[0].results[0]), ['chunkId', 'docId', 'title', 'docNumber', 'clause', 'text', 'score']);
  assert.equal(lines[0].results[0].chunkId, 'sh-hrss-2022-103#三');
  assert.equal(lines[0].model, 'policybot-static-zh');
  assert.ok(lines[1].confidence < 0.5);
  assert.deepEqual(lines[2].results, []);
  assert.ok(existsSync(join(dataDir, 'index', 'manifest.json')));
  assert.ok(existsSync(join(dataDir, 'models', 'policybot-static-zh', 'onnx', 'model.onnx')));

  const [text, usage, ev] = await Promise.all([
    cliAsync(['search', '海归落户'], dataDir),
    cliAsync(['search'], dataDir),
    cliAsync(['eval', '--json', '--no-baselines'], dataDir),
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stderr, /built the search index/, 'the second run loads the index');
  assert.match(text.stdout, /置信度/);

  assert.equal(usage.code, 2);

  assert.equal(ev.code, 0, ev.stderr);
  const m = JSON.parse(ev.stdout);
  assert.ok(m.answerable >= 60 && m.paraphrases * 3 >= m.answerable && m.questions - m.answerable >= 8, 'dev set size');
  assert.deepEqual(
    m.metrics.map((x: { system: string }) => x.system.split(' ')[0]),
    ['bm25', 'dense', 'hybrid'],
  );
  const hybrid = m.metrics[2];
  assert.ok(hybrid.r1 >= 0.9 && hybrid.r3 >= 0.95, JSON.stringify(hybrid));
});
