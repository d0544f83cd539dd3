import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CorpusReadError,
  INGEST_REPORT_FILE,
  buildIngestReport,
  documentsDir,
  parseDocumentFile,
  readCorpus,
  writeIngestReport,
} from '../../retrieval/corpus.ts';
import { hasTraditional } from '../../retrieval/normalize.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusDir = join(root, 'corpus');
const seedsDir = join(root, '..', 'shared', 'seeds');

const HEADER = '---\ntitle: 测试通知\nissuer: 测试局\ndate: 2024-01-31\nlevel: municipal\n---\n';
const GOOD = HEADER + '一、总体要求。按规定办理人才引进手续。\n\n二、附则。本通知自发布之日起施行。\n';

function tempCorpus(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-corpus-'));
  mkdirSync(join(dir, 'documents'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'documents', name), content);
  return dir;
}

test('the shipped corpus: five documents sorted by id, no errors, the seed 002 mojibake reported with its line', async () => {
  const r = await readCorpus(corpusDir);
  assert.deepEqual(
    r.documents.map((d) => d.id),
    ['baoshan-hrss-2021-8E112', 'changning-2020-talent', 'sh-hrss-2022-103', 'sh-hrss-2023-113', 'yangpu-hrss-2021-18'],
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.warnings.length, 1);
  const w = r.warnings[0]!;
  assert.equal(w.file, 'documents/baoshan-hrss-2021-8E112.md');
  const fileLine = readFileSync(join(corpusDir, w.file), 'utf8').split('\n')[w.line! - 1]!;
  assert.ok(fileLine.includes('在上?,F'), fileLine);
  const d = r.documents.find((x) => x.id === 'sh-hrss-2022-103')!;
  assert.equal(d.docNumber, '沪人社力〔2022〕103号');
  assert.equal(d.level, 'municipal');
  assert.equal(d.file, 'documents/sh-hrss-2022-103.md');
  assert.match(d.hash, /^[0-9a-f]{64}$/);
  assert.equal(r.documents.find((x) => x.id === 'changning-2020-talent')!.district, '长宁');
  assert.ok(r.chunks.length > 50);
});

test('corpus files keep the seed text byte for byte after the header', { skip: !existsSync(seedsDir) && 'no ../shared/seeds here' }, () => {
  const docs = readdirSync(join(corpusDir, 'documents')).filter((f) => f.endsWith('.md'));
  let compared = 0;
  for (const f of docs) {
    const bytes = readFileSync(join(corpusDir, 'documents', f));
    const text = bytes.toString('utf8');
    const seed = /^source: "?seed ([^"\n]+)"?$/m.exec(text)?.[1];
    if (!seed) continue;
    const close = text.indexOf('\n---\n', 4);
    const header = Buffer.byteLength(text.slice(0, close + 5), 'utf8');
    assert.ok(bytes.subarray(header).equals(readFileSync(join(seedsDir, seed))), f);
    compared++;
  }
  assert.equal(compared, 5);
});

test('readCorpus accepts the corpus folder or its documents folder, .md and .txt, and ignores other files', async () => {
  const dir = tempCorpus({ 'b-doc.txt': GOOD, 'a-doc.md': GOOD, 'notes.pdf': 'x', '.hidden.md': 'x' });
  const a = await readCorpus(dir);
  const b = await readCorpus(join(dir, 'documents'));
  assert.deepEqual(
    a.documents.map((d) => d.id),
    ['a-doc', 'b-doc'],
  );
  assert.deepEqual(
    b.documents.map((d) => d.id),
    ['a-doc', 'b-doc'],
  );
  assert.equal(documentsDir(dir), join(dir, 'documents'));
  assert.equal(a.documents[0]!.file, 'documents/a-doc.md');
  assert.equal(b.documents[0]!.file, 'a-doc.md');
  assert.deepEqual(
    a.chunks.map((c) => c.id),
    ['a-doc#一', 'a-doc#二', 'b-doc#一', 'b-doc#二'],
  );
});

test('a missing corpus folder throws CorpusReadError naming it', async () => {
  await assert.rejects(
    readCorpus('/nonexistent/policybot-corpus'),
    (e: unknown) => e instanceof CorpusReadError && /corpus folder not found: \/nonexistent/.test((e as Error).message),
  );
});

test('bad files are errors naming the file; the good files are still ingested', async () => {
  const gbk = new Uint8Array([...Buffer.from(HEADER), 0xb9, 0xd8, 0xd3, 0xda, 0x0a]); // 关于 in GBK
  const dir = tempCorpus({
    'good.md': GOOD,
    'empty.md': '',
    'blank.md': '\n\n  \n',
    'no-header.md': '一、总体要求。按规定办理。\n',
    'bad-date.md': HEADER.replace('2024-01-31', '2024-02-30') + '一、正文。\n',
    'binary.md': new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02]),
    'gbk.txt': gbk,
    'header-only.md': HEADER,
    'bad name.md': GOOD,
  });
  const r = await readCorpus(dir);
  assert.deepEqual(
    r.documents.map((d) => d.id),
    ['good'],
  );
  const err = (f: string) => r.errors.find((e) => e.file === `documents/${f}`);
  assert.match(err('empty.md')!.message, /empty file/);
  assert.match(err('blank.md')!.message, /empty file/);
  assert.match(err('no-header.md')!.message, /missing front-matter header/);
  assert.equal(err('no-header.md')!.line, 1);
  assert.match(err('bad-date.md')!.message, /header field "date".*real date/);
  assert.equal(err('bad-date.md')!.line, 4);
  assert.match(err('binary.md')!.message, /binary file/);
  assert.match(err('gbk.txt')!.message, /not valid UTF-8/);
  assert.match(err('header-only.md')!.message, /no text/);
  assert.match(err('bad name.md')!.message, /not a usable document id/);
  assert.equal(r.errors.length, 8);
  const report = buildIngestReport(r, { generatedAt: '2024-01-31T00:00:00.000Z' });
  assert.equal(report.ok, false);
  assert.equal(report.documents, 1);
  assert.equal(report.files.length, 9);
});

test('a 5 MB file is rejected by the size limit, and ingests cleanly when the limit allows it', async () => {
  const para = '一、总体要求。按规定办理人才引进手续，用人单位应当如实申报。\n\n';
  const big = HEADER + para.repeat(Math.ceil((5 * 1024 * 1024) / Buffer.byteLength(para)));
  const dir = tempCorpus({ 'big.md': big, 'good.md': GOOD });
  const r = await readCorpus(dir);
  assert.deepEqual(
    r.documents.map((d) => d.id),
    ['good'],
  );
  assert.match(r.errors[0]!.message, /too large \(5\.0 MiB, limit 2\.0 MiB\)/);
  const allowed = await readCorpus(dir, { maxBytes: 8 * 1024 * 1024 });
  assert.deepEqual(allowed.errors, []);
  assert.ok(allowed.chunks.filter((c) => c.docId === 'big').every((c) => c.text.length <= 600));
});

test('a document in traditional characters and a file with Windows line endings ingest cleanly', async () => {
  const lf =
    HEADER + '一、總體要求\n\n（一）關于人才落戶\n\n按規定辦理人才引進手續，用人單位應當如實申報。\n\n二、附則。本通知自發佈之日起施行。\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const dir = tempCorpus({ 'trad-lf.md': lf, 'trad-crlf.md': crlf });
  const r = await readCorpus(dir);
  assert.deepEqual(r.errors, []);
  const [a, b] = [r.documents.find((d) => d.id === 'trad-lf')!, r.documents.find((d) => d.id === 'trad-crlf')!];
  assert.equal(hasTraditional(a.text), false);
  assert.match(a.text, /关于人才落户/);
  assert.equal(a.text, b.text);
  assert.ok(!b.text.includes('\r'));
  assert.equal(b.rawText, crlf.slice(crlf.indexOf('---\r\n', 4) + 5)); // raw text kept as is
  const ids = (id: string) => r.chunks.filter((c) => c.docId === id).map((c) => c.id.split('#')[1]);
  assert.deepEqual(ids('trad-lf'), ['一/（一）', '二']);
  assert.deepEqual(ids('trad-crlf'), ids('trad-lf'));
  const r2 = r.files.find((f) => f.id === 'trad-lf')!;
  assert.equal(r2.normalization?.traditionalConverted, true);
});

test('duplicate ids (same name, .md and .txt) are an error for the second file', async () => {
  const dir = tempCorpus({ 'same.md': GOOD, 'same.txt': GOOD });
  const r = await readCorpus(dir);
  assert.deepEqual(
    r.documents.map((d) => d.file),
    ['documents/same.md'],
  );
  assert.match(r.errors[0]!.message, /duplicate document id "same"/);
});

test('writeIngestReport writes the JSON atomically and leaves no temp file', async () => {
  const r = await readCorpus(corpusDir);
  const dataDir = join(mkdtempSync(join(tmpdir(), 'policybot-data-')), 'nested');
  const report = buildIngestReport(r, { generatedAt: '2024-01-31T00:00:00.000Z' });
  const p = await writeIngestReport(dataDir, report);
  assert.equal(p, join(dataDir, INGEST_REPORT_FILE));
  await writeIngestReport(dataDir, { ...report, chunks: 1 }); // overwrite
  assert.deepEqual(readdirSync(dataDir), [INGEST_REPORT_FILE]);
  const back = JSON.parse(readFileSync(p, 'utf8'));
  assert.equal(back.chunks, 1);
  assert.equal(back.documents, 5);
  const baoshan = back.files.find((f: { id: string }) => f.id === 'baoshan-hrss-2021-8E112');
  assert.equal(baoshan.warnings[0].line, 11);
  assert.equal(baoshan.normalization.traditionalConverted, true);
});

test('parseDocumentFile is usable on its own', () => {
  const { document, chunks, result } = parseDocumentFile('x.md', new TextEncoder().encode(GOOD));
  assert.equal(document?.id, 'x');
  assert.equal(chunks.length, 2);
  assert.equal(result.chunks, 2);
  assert.deepEqual(result.errors, []);
});
