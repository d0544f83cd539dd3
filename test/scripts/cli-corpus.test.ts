import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCorpus } from '../../retrieval/corpus.ts';
import { hasTraditional } from '../../retrieval/normalize.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'scripts', 'policybot.mjs');

function cli(args: string[], env: Record<string, string> = {}) {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'policybot-cli-'));
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'policybot-cwd-')), // no stray .env
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CORPUS_DIR: join(root, 'corpus'),
      LOG_LEVEL: 'warn',
      ...env,
      DATA_DIR: dataDir,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, dataDir };
}

test('policybot ingest on the shipped corpus: summary, report, exit 0', () => {
  const r = cli(['ingest', '--no-index']); // the corpus step only (indexes are tested with retrieval)
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Ingested 5 document\(s\) → \d+ chunks/);
  assert.match(r.stdout, /Warnings: 1/);
  assert.match(r.stdout, /baoshan-hrss-2021-8E112\.md:11: unrecoverable character/);
  assert.match(r.stdout, /Errors: 0/);
  const report = JSON.parse(readFileSync(join(r.dataDir, 'ingest-report.json'), 'utf8'));
  assert.equal(report.ok, true);
  assert.equal(report.documents, 5);
  assert.deepEqual(
    readdirSync(r.dataDir).filter((f) => f.includes('.tmp')),
    [],
  ); // no temp file left behind (the store file holds the broadcast baseline)
});

test('policybot chunks --json: seed 000 measures 一…十八, seed 002 simplified, texts verbatim', async () => {
  const r = cli(['chunks', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const chunks = JSON.parse(r.stdout) as Array<{
    id: string;
    docId: string;
    title: string;
    docNumber: string | null;
    clause: string;
    path: string[];
    text: string;
  }>;
  assert.deepEqual(Object.keys(chunks[0]!), ['id', 'docId', 'title', 'docNumber', 'clause', 'path', 'text']);
  const s000 = chunks.filter((c) => c.docId === 'sh-hrss-2022-103');
  assert.deepEqual(
    s000.map((c) => c.clause),
    [
      'preamble',
      '一',
      '二',
      '三',
      '四',
      '五',
      '六',
      '七',
      '八',
      '九',
      '十',
      '十一',
      '十二',
      '十三',
      '十四',
      '十五',
      '十六',
      '十七',
      '十八',
    ],
  );
  assert.ok(s000.every((c) => c.docNumber === '沪人社力〔2022〕103号'));
  const s002 = chunks.filter((c) => c.docId === 'baoshan-hrss-2021-8E112');
  assert.ok(s002.length > 5);
  for (const c of s002) {
    assert.doesNotMatch(c.text, /[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]/);
    assert.equal(hasTraditional(c.text), false, c.id);
  }
  const corpus = await readCorpus(join(root, 'corpus'));
  const strip = (s: string) => s.replace(/\s+/g, '');
  for (const c of chunks) {
    const doc = corpus.documents.find((d) => d.id === c.docId)!;
    assert.ok(strip(doc.text).includes(strip(c.text)), c.id);
  }
});

test('policybot chunks --doc ID lists one document; an unknown id is a clear error', () => {
  const r = cli(['chunks', '--doc', 'sh-hrss-2022-103']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sh-hrss-2022-103#三 .*加大世界名校留学人员引进力度/);
  assert.doesNotMatch(r.stdout, /yangpu/);
  const bad = cli(['chunks', '--doc', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no document "nope".*known ids: baoshan-hrss-2021-8E112/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('policybot ingest with a bad header exits 1 naming file and line; the rest is still reported', () => {
  const corpus = mkdtempSync(join(tmpdir(), 'policybot-badcorpus-'));
  mkdirSync(join(corpus, 'documents'));
  writeFileSync(
    join(corpus, 'documents', 'good.md'),
    '---\ntitle: 测试\nissuer: 测试局\ndate: 2024-01-31\nlevel: municipal\n---\n一、正文。按规定办理。\n',
  );
  writeFileSync(
    join(corpus, 'documents', 'bad.md'),
    '---\ntitle: 测试\nissuer: 测试局\ndate: 2024/01/31\nlevel: municipal\n---\n一、正文。\n',
  );
  writeFileSync(join(corpus, 'documents', 'binary.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]));
  const r = cli(['ingest', '--no-index', '--corpus', corpus]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /documents\/bad\.md:4: header field "date": expected a real date as YYYY-MM-DD, got "2024\/01\/31"/);
  assert.match(r.stderr, /documents\/binary\.txt: binary file/);
  assert.match(r.stderr, /2 file\(s\) could not be ingested/);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  assert.match(r.stdout, /Ingested 1 document\(s\)/);
  const report = JSON.parse(readFileSync(join(r.dataDir, 'ingest-report.json'), 'utf8'));
  assert.equal(report.ok, false);
  assert.equal(report.errors, 2);
  assert.equal(report.documents, 1);
});

test('policybot ingest --corpus on a missing folder is a clear error', () => {
  const r = cli(['ingest', '--corpus', '/nonexistent/corpus-dir']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /corpus folder not found: \/nonexistent\/corpus-dir/);
  assert.ok(!existsSync(join(r.dataDir, 'ingest-report.json')));
});
