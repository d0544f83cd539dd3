/**
 * The parsed-corpus cache (retrieval/corpus.ts): a read served from it equals a fresh parse, a changed
 * file is parsed again, and a cache written by other code or options is ignored.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { corpusCodeKey, readCorpus } from '../../retrieval/corpus.ts';

let root = '';
let corpusDir = '';
let cacheDir = '';

before(() => {
  root = mkdtempSync(join(tmpdir(), 'policybot-corpus-cache-'));
  corpusDir = join(root, 'corpus');
  cacheDir = join(root, 'data', 'corpus-cache');
  cpSync(join(PROJECT_ROOT, 'corpus', 'documents'), join(corpusDir, 'documents'), { recursive: true });
});
after(() => rmSync(root, { recursive: true, force: true }));

const cacheFile = () => join(cacheDir, 'parsed-corpus.json');

test('a read from the cache equals a fresh parse; a changed file is parsed again', async () => {
  const fresh = await readCorpus(corpusDir);
  const first = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-1' });
  assert.deepEqual(first, fresh);
  const written = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { files: Record<string, { chunks: unknown[] }> };
  assert.equal(Object.keys(written.files).length, fresh.files.length);
  // poison the cached chunks: a second read must come from the cache (and so show the poison)
  for (const f of Object.values(written.files)) for (const c of f.chunks as { text: string }[]) c.text = 'FROM-CACHE';
  writeFileSync(cacheFile(), JSON.stringify(written));
  const cached = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-1' });
  assert.ok(cached.chunks.length > 0 && cached.chunks.every((c) => c.text === 'FROM-CACHE'));
  // another code key (or other options) ignores the cache and rewrites it
  const other = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-2' });
  assert.deepEqual(other, fresh);
  const again = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-2', chunk: { maxChars: 300 } });
  assert.ok(again.chunks.every((c) => c.text !== 'FROM-CACHE'));
  // one document edited: only it is parsed again (the others still come from the poisoned cache)
  await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-2' });
  const c2 = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { files: Record<string, { chunks: unknown[] }> };
  for (const f of Object.values(c2.files)) for (const c of f.chunks as { text: string }[]) c.text = 'FROM-CACHE';
  writeFileSync(cacheFile(), JSON.stringify(c2));
  const doc = fresh.files[0]!;
  const path = join(corpusDir, doc.file);
  writeFileSync(path, readFileSync(path, 'utf8') + '\n\n第九十九条 本办法自发布之日起施行。\n');
  const edited = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-2' });
  const reparsed = (await readCorpus(corpusDir)).chunks.filter((c) => c.docId === doc.id);
  assert.deepEqual(
    edited.chunks.filter((c) => c.docId === doc.id),
    reparsed,
  );
  assert.ok(reparsed.some((c) => c.text.includes('第九十九条')));
  assert.ok(edited.chunks.filter((c) => c.docId !== doc.id).every((c) => c.text === 'FROM-CACHE'));
});

test('a corrupt cache file is ignored and replaced', async () => {
  writeFileSync(cacheFile(), '{"version":1,"key":');
  const r = await readCorpus(corpusDir, { cacheDir, cacheKey: 'test-code-3' });
  assert.deepEqual(r, await readCorpus(corpusDir));
  assert.equal((JSON.parse(readFileSync(cacheFile(), 'utf8')) as { key: string }).key.includes('test-code-3'), true);
});

test('outside the CLI bundle (sources through tsx) there is no code key, so no cache', () => {
  assert.equal(corpusCodeKey(), undefined);
});
