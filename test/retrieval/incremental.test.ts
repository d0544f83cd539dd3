/**
 * Incremental re-index (issue 17): after one document changes, updating the previous index (only the
 * changed chunks tokenized and embedded, hnswlib markDelete + addPoint) gives the same searches as a
 * full rebuild, and the updated index reloads with its labels.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import type { Embedder } from '../../retrieval/embed.ts';
import { loadOrBuildIndex, type IndexOutcome } from '../../retrieval/index-store.ts';
import { loadDevSet } from '../../retrieval/baselines.ts';
import { Retriever, loadLanguageData } from '../../retrieval/search.ts';
import type { Chunk } from '../../retrieval/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pb-incremental-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A small deterministic embedder (hashed character bigrams, L2-normalized): a real embedder for the index
 * store, which only needs the same vector for the same text; counts what it embeds.
 */
function bigramEmbedder(dim = 64): Embedder & { embeddedTexts: number } {
  const embed = (t: string) => {
    const v = new Float32Array(dim);
    for (let i = 0; i + 1 < t.length; i++) v[(t.charCodeAt(i) * 31 + t.charCodeAt(i + 1)) % dim]! += 1;
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const e = {
    modelId: 'test-bigram-hash',
    dim,
    pooling: { pooling: 'mean', normalize: true, queryPrefix: '', passagePrefix: '' } as const,
    isStatic: true,
    embeddedTexts: 0,
    embedQueries: async (texts: string[]) => texts.map(embed),
    embedPassages: async (texts: string[]) => {
      e.embeddedTexts += texts.length;
      return texts.map(embed);
    },
  };
  return e;
}

test('an update after one document changed searches like a full rebuild, and reloads', async () => {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const { segmenter, synonyms } = loadLanguageData(join(PROJECT_ROOT, 'corpus'));
  const model = { id: 'test-bigram-hash', fingerprint: 'v1' };
  const open = async (dir: string, chunks: Chunk[], embedder: Embedder, force = false): Promise<IndexOutcome> =>
    loadOrBuildIndex({ dir, chunks, documents: corpus.documents, segmenter, model, getEmbedder: async () => embedder, force });
  const before = corpus.chunks;
  const docId = before[0]!.docId;
  // one document edited: a clause reworded, one removed, one added; the others untouched
  const edited: Chunk[] = [];
  let removed = false;
  for (const c of before) {
    if (c.docId !== docId) edited.push(c);
    else if (c === before[0]) edited.push({ ...c, text: `${c.text}自2026年起，留学回国人员落户材料可在线提交。` });
    else if (!removed) removed = true;
    else edited.push(c);
  }
  const lastOfDoc = edited.map((c) => c.docId).lastIndexOf(docId);
  edited.splice(lastOfDoc + 1, 0, {
    ...before[0]!,
    id: `${docId}#新增`,
    clause: '新增',
    text: '新增条款：博士后出站留沪可申请人才公寓与安家补贴。',
  });

  const incDir = join(tmp, 'inc');
  const first = await open(incDir, before, bigramEmbedder());
  assert.equal(first.incremental, undefined);
  const embedder = bigramEmbedder();
  const updated = await open(incDir, edited, embedder);
  assert.equal(updated.reason, 'the corpus changed');
  assert.deepEqual(updated.incremental, { changed: 2, removed: 2, kept: edited.length - 2, vectors: 'updated' });
  assert.equal(embedder.embeddedTexts, 2, 'only the new and the changed chunk are embedded');

  const full = await open(join(tmp, 'full'), edited, bigramEmbedder(), true);
  assert.equal(full.incremental, undefined);
  const sorted = (o: IndexOutcome) => {
    const j = o.data.bm25.toJSON();
    return { ...j, postings: Object.fromEntries(Object.entries(j.postings).sort()) };
  };
  assert.deepEqual(sorted(updated), sorted(full));

  const reloaded = await open(incDir, edited, bigramEmbedder());
  assert.equal(reloaded.status, 'loaded');
  const questions = loadDevSet(join(PROJECT_ROOT, 'test', 'fixtures', 'retrieval-dev.yaml')).questions.map((q) => q.q);
  questions.push('博士后出站留沪人才公寓', '留学回国人员落户材料在线提交');
  const retriever = (o: IndexOutcome) => new Retriever({ data: o.data, segmenter, synonyms, embedder: bigramEmbedder() });
  const [a, b, c] = [retriever(updated), retriever(full), retriever(reloaded)];
  let hits = 0;
  for (const q of questions) {
    const want = await b.search(q, { k: 5 });
    const shape = (r: typeof want) => ({ confidence: r.confidence, hits: r.hits.map((h) => [h.chunk.id, h.score]) });
    assert.deepEqual(shape(await a.search(q, { k: 5 })), shape(want), q);
    assert.deepEqual(shape(await c.search(q, { k: 5 })), shape(want), `reloaded: ${q}`);
    hits += want.hits.length;
  }
  assert.ok(hits > questions.length, 'the searches find something');
  // the new clause is found through both paths
  const top = await a.search('博士后出站留沪人才公寓', { k: 1 });
  assert.equal(top.hits[0]?.chunk.id, `${docId}#新增`);

  // and back: a second update on top of the first (labels of labels), equal to the first build
  const back = await open(incDir, before, bigramEmbedder());
  assert.equal(back.incremental?.vectors, 'updated');
  assert.deepEqual(sorted(back), sorted(first));
  const d = retriever(back);
  const e = retriever(first);
  for (const q of questions.slice(0, 20)) {
    assert.deepEqual(
      (await d.search(q, { k: 5 })).hits.map((h) => [h.chunk.id, h.score]),
      (await e.search(q, { k: 5 })).hits.map((h) => [h.chunk.id, h.score]),
      q,
    );
  }
});

test('a different dictionary or a large change means a full build', async () => {
  const corpus = await readCorpus(join(PROJECT_ROOT, 'corpus'));
  const { segmenter } = loadLanguageData(join(PROJECT_ROOT, 'corpus'));
  const dir = join(tmp, 'large');
  const o = { dir, documents: corpus.documents, segmenter, model: null };
  await loadOrBuildIndex({ ...o, chunks: corpus.chunks });
  const most = corpus.chunks.map((c, i) => (i % 4 === 0 ? c : { ...c, text: `${c.text}（修订）` }));
  const r = await loadOrBuildIndex({ ...o, chunks: most });
  assert.equal(r.status, 'built');
  assert.equal(r.incremental, undefined, 'three quarters changed: rebuilt');
  const few = most.map((c, i) => (i === 1 ? { ...c, text: `${c.text}又修订。` } : c));
  const f = await loadOrBuildIndex({ ...o, chunks: few });
  assert.deepEqual(f.incremental, { changed: 1, removed: 1, kept: few.length - 1, vectors: 'none' });
});
