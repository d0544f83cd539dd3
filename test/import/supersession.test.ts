/**
 * Supersession: a document that repeals a corpus document ("《…》（文号）同时废止") records it in
 * `supersedes:`; answers quoting the older document get a note naming the newer one, and the
 * broadcast digest of the newer document announces the repeal.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runBroadcast, saveBaselineIfNone } from '../../bot/broadcast/run.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import { parseFrontMatter } from '../../retrieval/frontmatter.ts';
import { importInbox } from '../../retrieval/import/inbox.ts';
import { loadImportLang } from '../../retrieval/import/lang.ts';
import { repealDigestLine, repealedBy, supersessionNote } from '../../retrieval/import/supersession.ts';
import { openStores } from '../broadcast/helpers.ts';
import { FIXTURES, REPO } from './helpers.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const lang = loadImportLang(join(REPO, 'corpus'));

const OLD = `---
title: "上海市人力资源和社会保障局关于做好就业见习工作的通知"
doc_number: "沪人社规〔2019〕5号"
issuer: "上海市人力资源和社会保障局"
date: 2019-03-01
level: municipal
---
一、见习基地按照本市月最低工资标准的60%向见习人员发放见习生活补贴，补贴由市财政全额承担。
`;

const docs = [
  { id: 'old', title: '旧通知', docNumber: '沪人社规〔2019〕5号' },
  { id: 'new', title: '新通知', docNumber: '沪人社规〔2024〕12号', supersedes: ['old'] },
  { id: 'other', title: '另一文件', supersededBy: ['new'] },
];

test('repealedBy and the notes: from supersedes of the newer document or superseded_by of the older', () => {
  assert.deepEqual(
    repealedBy('old', docs).map((d) => d.id),
    ['new'],
  );
  assert.deepEqual(
    repealedBy('other', docs).map((d) => d.id),
    ['new'],
  );
  assert.deepEqual(repealedBy('new', docs), []);
  assert.equal(
    supersessionNote('old', docs, 'zh', lang.data.supersession),
    '该文件已被《新通知》（沪人社规〔2024〕12号）废止，请以新文件为准。',
  );
  assert.equal(
    supersessionNote('old', docs, 'en', lang.data.supersession),
    'This document has been repealed by "新通知" (沪人社规〔2024〕12号); follow the newer document.',
  );
  assert.equal(supersessionNote('new', docs, 'zh'), undefined);
  assert.equal(
    repealDigestLine(docs[1]!, docs, lang.data.supersession),
    '本文件同时废止：《旧通知》。今后引用被废止文件的回答会注明这一点。',
  );
});

test('header fields supersedes / superseded_by: a list or one id; a bad id names the line', () => {
  const head = (extra: string) => `---\ntitle: 关于某事的通知\nissuer: 某局\ndate: 2024-01-01\nlevel: municipal\n${extra}\n---\n正文。\n`;
  assert.deepEqual(parseFrontMatter(head('supersedes: [a-1, b-2]'), 'x.md').meta.supersedes, ['a-1', 'b-2']);
  assert.deepEqual(parseFrontMatter(head('superseded_by: c-3'), 'x.md').meta.supersededBy, ['c-3']);
  assert.throws(() => parseFrontMatter(head('supersedes: 沪人社'), 'x.md'), /x\.md:6: header field "supersedes": expected a document id/);
});

test('importing a repealing notice: supersedes written, the digest announces the repeal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-sup-'));
  temps.push(dir);
  const corpusDir = join(dir, 'corpus');
  cpSync(join(REPO, 'corpus', 'documents'), join(corpusDir, 'documents'), { recursive: true });
  writeFileSync(join(corpusDir, 'documents', 'sh-hrss-2019-5.md'), OLD);
  const inboxDir = join(dir, 'inbox');
  mkdirSync(inboxDir);
  writeFileSync(join(inboxDir, 'notice.txt'), readFileSync(join(FIXTURES, 'notice-municipal-gui.txt')));
  const { store, bstore } = openStores(join(dir, 'db.sqlite'));
  try {
    await store.subscribe(9, 'private', ['all']);
    assert.equal(await saveBaselineIfNone(bstore, await readCorpus(corpusDir)), 'saved');
    const r = await importInbox({ inboxDir, corpusDir, lang });
    assert.deepEqual(r.imported, [{ file: 'notice.txt', id: 'sh-hrss-2024-12' }]);
    const corpus = await readCorpus(corpusDir);
    assert.deepEqual(corpus.documents.find((d) => d.id === 'sh-hrss-2024-12')?.supersedes, ['sh-hrss-2019-5']);
    assert.match(
      supersessionNote('sh-hrss-2019-5', corpus.documents, 'zh') ?? '',
      /^该文件已被《上海市人力资源和社会保障局关于进一步做好高校毕业生就业见习补贴工作的通知》（沪人社规〔2024〕12号）废止/,
    );
    const dry = await runBroadcast({ corpusDir, bstore, subscribers: () => store.listSubscribers() }, { dryRun: true });
    const digest = dry.digests.find((d) => d.docId === 'sh-hrss-2024-12');
    assert.ok(digest, 'a digest for the new document');
    assert.match(digest.parts.join('\n'), /本文件同时废止：《上海市人力资源和社会保障局关于做好就业见习工作的通知》/);
  } finally {
    await store.close();
  }
});
