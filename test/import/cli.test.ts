/**
 * The `policybot import` command end to end, on a temp copy of the corpus: a folder of good and bad
 * files in one run (--json, one line per file, exit 1, nothing partial left in documents/), the
 * field report, --dry-run writing nothing, and `ingest --inbox` (with the baseline of a fresh install).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import iconv from 'iconv-lite';
import { buildPdf, layoutPdf } from '../../scripts/fixtures/make-pdf.ts';
import { FIXTURES, REPO } from './helpers.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const bin = join(REPO, 'scripts', 'policybot.mjs');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function tempCorpus() {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-import-cli-'));
  temps.push(dir);
  const corpusDir = join(dir, 'corpus');
  cpSync(join(REPO, 'corpus', 'documents'), join(corpusDir, 'documents'), { recursive: true });
  return { dir, corpusDir, docs: join(corpusDir, 'documents') };
}

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'policybot-cwd-')),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('import a folder: good files written, each bad one a one-line error naming it, nothing partial left', () => {
  const t = tempCorpus();
  const inDir = join(t.dir, 'in');
  mkdirSync(inDir);
  writeFileSync(
    join(inDir, 'a.pdf'),
    buildPdf(layoutPdf(fixture('notice-municipal-gui.txt').toString('utf8'), { columns: 2, pageNumbers: true })),
  );
  writeFileSync(join(inDir, 'b.txt'), iconv.encode(fixture('measures-district-numerals.txt').toString('utf8'), 'gbk'));
  writeFileSync(join(inDir, 'c-empty.docx'), '');
  writeFileSync(join(inDir, 'd-scan.pdf'), buildPdf([{ lines: [], scan: true }]));
  writeFileSync(join(inDir, 'e-reply.txt'), fixture('reply-no-number.txt'));
  const before = readdirSync(t.docs).sort();
  const env = { CORPUS_DIR: t.corpusDir, DATA_DIR: join(t.dir, 'data') };
  const r = cli(['import', inDir, '--json'], env);
  assert.equal(r.code, 1, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => [x.file.slice(inDir.length + 1), x.id, x.error === null]),
    [
      ['a.pdf', 'sh-hrss-2024-12', true],
      ['b.txt', 'jiading-hrss-2023-7', true],
      ['c-empty.docx', null, false],
      ['d-scan.pdf', null, false],
      ['e-reply.txt', null, false],
    ],
  );
  assert.match(rows[3].error, /^scanned PDF: no text layer; OCR it first/);
  assert.equal(rows[0].header.docNumber.line, 3);
  assert.equal(rows[1].header.date.value, '2023-04-26');
  assert.deepEqual(
    readdirSync(t.docs).sort(),
    [...before, 'jiading-hrss-2023-7.md', 'sh-hrss-2024-12.md'].sort(),
    'only the two good files, no temp file',
  );
  // a missing title is given on the command line; the human report names the line of each field
  const reply = cli(['import', join(inDir, 'e-reply.txt'), '--title', '关于加强闵行区高技能人才培养的建议的答复', '--dry-run'], env);
  assert.equal(reply.code, 0, reply.stderr);
  assert.match(reply.stdout, /→ minhang-hrss-2022-09-15\.md \(text, utf-8\)/);
  assert.match(reply.stdout, /date {7}2022-09-15 {2}— line 17, signature, high/);
  assert.match(reply.stdout, /docNumber {2}\(not found: /);
  assert.match(reply.stdout, /\(dry run: nothing written\)/);
  assert.ok(!readdirSync(t.docs).includes('minhang-hrss-2022-09-15.md'), 'dry run writes nothing');
});

test('ingest --inbox imports INBOX_DIR, then ingests and saves the broadcast baseline', () => {
  const t = tempCorpus();
  const inbox = join(t.dir, 'inbox');
  mkdirSync(inbox);
  writeFileSync(join(inbox, 'notice.txt'), fixture('notice-municipal-gui.txt'));
  writeFileSync(join(inbox, 'bad.bin'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
  const env = { CORPUS_DIR: t.corpusDir, DATA_DIR: join(t.dir, 'data'), INBOX_DIR: inbox };
  const r = cli(['ingest', '--inbox', '--no-index'], env);
  assert.equal(r.code, 1, r.stderr); // one inbox file failed
  assert.match(r.stdout, /Inbox .*: 1 imported, 1 failed/);
  assert.match(r.stdout, /notice\.txt → sh-hrss-2024-12 \(moved to done\/\)/);
  assert.match(r.stdout, /Ingested 6 document\(s\)/);
  assert.match(r.stdout, /Broadcast baseline saved \(6 documents\)/);
  assert.deepEqual(readdirSync(join(inbox, 'failed')).sort(), ['bad.bin', 'bad.bin.error.txt']);
});
