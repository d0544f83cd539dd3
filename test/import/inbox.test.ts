/**
 * The inbox (any format, done/ and failed/ with .error.txt, crash-safe under SIGKILL between the
 * steps) and the broadcast baseline saved at the first ingest. Everything runs on temp copies of the
 * corpus; nothing touches the repository's corpus/documents.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import iconv from 'iconv-lite';
import { runBroadcast, saveBaselineIfNone } from '../../bot/broadcast/run.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { importInbox } from '../../retrieval/import/inbox.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';
import { openStores } from '../broadcast/helpers.ts';
import { FIXTURES, REPO } from './helpers.ts';
import { nodeArgsFor } from '../helpers/child.ts';
import { buildPdf, layoutPdf } from '../../scripts/fixtures/make-pdf.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const lang = loadImportLang(join(REPO, 'corpus'));
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** A temp corpus (copy of the shipped documents) with an inbox holding four files (three without the PDF). */
function setup(opts: { pdf?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-inbox-'));
  temps.push(dir);
  const corpusDir = join(dir, 'corpus');
  cpSync(join(REPO, 'corpus', 'documents'), join(corpusDir, 'documents'), { recursive: true });
  const inboxDir = join(dir, 'inbox');
  mkdirSync(inboxDir);
  if (opts.pdf !== false)
    writeFileSync(join(inboxDir, 'a-notice.pdf'), buildPdf(layoutPdf(fixture('notice-municipal-gui.txt'), { pageNumbers: true })));
  else writeFileSync(join(inboxDir, 'a-notice.txt'), fixture('notice-municipal-gui.txt'));
  writeFileSync(join(inboxDir, 'b-measures.txt'), iconv.encode(fixture('measures-district-numerals.txt'), 'gbk'));
  writeFileSync(join(inboxDir, 'c-photo.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
  writeFileSync(join(inboxDir, 'd-reply.txt'), fixture('reply-no-number.txt'));
  return { dir, corpusDir, inboxDir, docs: join(corpusDir, 'documents') };
}

const IMPORTED = (pdf = true): Record<string, string> => ({
  [pdf ? 'a-notice.pdf' : 'a-notice.txt']: 'sh-hrss-2024-12',
  'b-measures.txt': 'jiading-hrss-2023-7',
});

/** The end state every run must reach: each file once in done/ or failed/, each document once in the corpus. */
function assertSettled(s: ReturnType<typeof setup>, pdf = true) {
  assert.deepEqual(readdirSync(s.inboxDir).sort(), ['done', 'failed']);
  assert.deepEqual(readdirSync(join(s.inboxDir, 'done')).sort(), Object.keys(IMPORTED(pdf)));
  assert.deepEqual(readdirSync(join(s.inboxDir, 'failed')).sort(), [
    'c-photo.png',
    'c-photo.png.error.txt',
    'd-reply.txt',
    'd-reply.txt.error.txt',
  ]);
  const docs = readdirSync(s.docs).sort();
  assert.deepEqual(
    docs.filter((f) => !f.endsWith('.md')),
    [],
    'no temp file left in documents/',
  );
  for (const id of Object.values(IMPORTED(pdf))) assert.equal(docs.filter((f) => f.startsWith(id)).length, 1, id);
  assert.equal(docs.length, 5 + 2);
  assert.match(readFileSync(join(s.inboxDir, 'failed', 'd-reply.txt.error.txt'), 'utf8'), /^d-reply\.txt: cannot read the title/);
}

test('inbox: imported files move to done/, failures to failed/ with .error.txt; a second run is a no-op', async () => {
  const s = setup();
  const r = await importInbox({ inboxDir: s.inboxDir, corpusDir: s.corpusDir, lang });
  assert.deepEqual(
    r.imported,
    Object.entries(IMPORTED()).map(([file, id]) => ({ file, id })),
  );
  assert.deepEqual(
    r.failed.map((f) => f.file),
    ['c-photo.png', 'd-reply.txt'],
  );
  assertSettled(s);
  const corpus = await readCorpus(s.corpusDir);
  assert.deepEqual(corpus.errors, []);
  assert.equal(corpus.documents.find((d) => d.id === 'jiading-hrss-2023-7')?.validTo, '2024-12-31');
  const again = await importInbox({ inboxDir: s.inboxDir, corpusDir: s.corpusDir, lang });
  assert.deepEqual(again, { imported: [], failed: [] });
});

test('inbox under SIGKILL between the steps: nothing lost, nothing imported twice', async () => {
  // (text inputs: each child process is a cold start, and the PDF path is covered above)
  const points: Array<[string, string]> = [
    ['written', 'b-measures.txt'], // document written, file not yet moved to done/
    ['error-noted', 'c-photo.png'], // .error.txt written, file not yet moved to failed/
  ];
  for (const [step, file] of points) {
    const s = setup({ pdf: false });
    const child = spawnSync(process.execPath, [...nodeArgsFor('test/import/inbox-child.ts'), s.inboxDir, s.corpusDir, step, file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.signal, 'SIGKILL', `killed after ${step} ${file}: ${child.stderr}`);
    const r = await importInbox({ inboxDir: s.inboxDir, corpusDir: s.corpusDir, lang });
    assert.ok(r.imported.length + r.failed.length >= 1, `${step} ${file}: the rerun finished the work`);
    assertSettled(s, false);
  }
});

test('broadcast baseline at the first ingest: a dry run after adding a document shows its digest', async () => {
  const s = setup();
  const { store, bstore } = openStores(join(s.dir, 'db.sqlite'));
  try {
    await store.subscribe(5, 'private', ['all']);
    const deps = { corpusDir: s.corpusDir, bstore, subscribers: () => store.listSubscribers() };
    assert.equal(await saveBaselineIfNone(bstore, await readCorpus(s.corpusDir)), 'saved');
    assert.equal(await saveBaselineIfNone(bstore, await readCorpus(s.corpusDir)), 'exists');
    await importInbox({ inboxDir: s.inboxDir, corpusDir: s.corpusDir, lang });
    const dry = await runBroadcast(deps, { dryRun: true });
    assert.equal(dry.status, 'changed');
    assert.deepEqual(
      dry.diff?.changes
        .filter((c) => c.kind === 'added')
        .map((c) => c.docId)
        .sort(),
      Object.values(IMPORTED()).sort(),
    );
    assert.ok(dry.digests.length >= 1);
    assert.equal(dry.recipients[0]?.recipients, 1);
    assert.ok(existsSync(join(s.docs, 'sh-hrss-2024-12.md')));
  } finally {
    await store.close();
  }
});
