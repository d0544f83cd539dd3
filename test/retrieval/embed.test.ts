import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../bot/config.ts';
import { readCorpus } from '../../retrieval/corpus.ts';
import {
  BGE_QUERY_INSTRUCTION,
  cosine,
  isModelFolder,
  isStaticModelFolder,
  loadEmbedder,
  loadPipelineEmbedder,
  loadStaticLookup,
  poolingFor,
  resolveEmbeddingModel,
  type StaticLookupEmbedder,
} from '../../retrieval/embed.ts';
import { passageText } from '../../retrieval/index-store.ts';
import { readStaticTable } from '../../retrieval/static-model.ts';
import { buildVocab, trainStaticEmbedder } from '../../retrieval/train-embedder.ts';

const corpus = [
  '留学回国人员落户需要缴纳社会保险费满六个月',
  '留学人员毕业于世界排名前五十名院校的可以直接落户',
  '海外留学人员回国创业可以享受创业补贴',
  '用人单位未按期缴纳社会保险费的可以补缴',
  '职称评审材料可以就近提交，在线面谈答辩',
  '职称评审委员会负责专业技术人员职称评审',
  '人才公寓租金补贴和安居资助',
  '高校毕业生就业招聘活动和网络招聘',
].flatMap((s) => [s, s.split('').reverse().join('')]);

test('pooling rules per model family', () => {
  assert.deepEqual(poolingFor('Xenova/bge-small-zh-v1.5'), {
    pooling: 'cls',
    normalize: true,
    queryPrefix: BGE_QUERY_INSTRUCTION,
    passagePrefix: '',
  });
  assert.equal(poolingFor('Xenova/multilingual-e5-small').queryPrefix, 'query: ');
  assert.equal(poolingFor('Xenova/multilingual-e5-small').passagePrefix, 'passage: ');
  assert.equal(poolingFor('policybot-static-zh', true).pooling, 'mean');
});

test('model resolution: local folder, remote only when allowed, else the offline static model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-res-'));
  const base = {
    modelId: 'Xenova/bge-small-zh-v1.5',
    modelsDir: join(dir, 'models'),
    remoteHost: 'https://hf-mirror.com/',
    staticModelDir: join(dir, 'data', 'models', 'policybot-static-zh'),
  };
  const offline = resolveEmbeddingModel({ ...base, allowRemote: false });
  assert.equal(offline.isStatic, true);
  assert.equal(offline.modelId, 'policybot-static-zh');
  assert.match(offline.reason, /ALLOW_REMOTE_MODELS=false/);
  const remote = resolveEmbeddingModel({ ...base, allowRemote: true });
  assert.equal(remote.remote, true);
  assert.equal(remote.remoteHost, 'https://hf-mirror.com/');
});

test('the vocabulary covers all CJK Unified Ideographs and ASCII', () => {
  const vocab = buildVocab();
  const set = new Set(vocab);
  assert.ok(set.has('\u4e00') && set.has('\u9fff') && set.has('落'));
  assert.ok(set.has('a') && set.has('##a') && set.has('7') && set.has('[CLS]'));
  assert.equal(new Set(vocab).size, vocab.length);
});

test('train → transformers.js model folder → feature-extraction pipeline, end to end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-emb-'));
  const out = join(dir, 'policybot-static-zh');
  const r = await trainStaticEmbedder(corpus, { outDir: out, dim: 16 });
  assert.equal(r.dim, 16);
  assert.ok(r.learnedChars > 50);
  assert.ok(isModelFolder(out) && isStaticModelFolder(out));
  assert.ok(existsSync(join(out, 'tokenizer_config.json')));
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.hidden_size, 16);

  const e = await loadEmbedder({ modelId: 'policybot-static-zh', localPath: dir, remote: false, isStatic: true, reason: 'test' });
  assert.equal(e.dim, 16);
  const [a, b, c, empty, emoji] = await e.embedQueries(['留学人员落户', '留学回国人员落户', '职称评审', '', '😀']);
  for (const v of [a!, b!, c!, empty!, emoji!]) {
    assert.equal(v.length, 16);
    assert.ok(v.every(Number.isFinite));
  }
  assert.ok(Math.abs(cosine(a!, a!) - 1) < 1e-4);
  assert.ok(cosine(a!, b!) > cosine(a!, c!), 'related sentences are closer');
  // batched passages equal single embeddings (padding is masked)
  const batch = await e.embedPassages(['留学人员落户', '职称评审委员会负责专业技术人员职称评审']);
  assert.ok(cosine(batch[0]!, a!) > 0.999);
  // deterministic training
  const r2 = await trainStaticEmbedder(corpus, { outDir: join(dir, 'again'), dim: 16 });
  assert.deepEqual(readFileSync(join(dir, 'again', 'onnx', 'model.onnx')), readFileSync(join(out, 'onnx', 'model.onnx')));
  assert.equal(r2.corpusHash, r.corpusHash);
});

test('the static model by table lookup gives the pipeline vectors exactly, without loading transformers.js', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-lookup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  await trainStaticEmbedder(corpus, { outDir: join(dir, 'policybot-static-zh'), dim: 16 });
  const choice = { modelId: 'policybot-static-zh', localPath: dir, remote: false, isStatic: true, reason: 'test' };
  const lookup = await loadEmbedder(choice);
  assert.ok('stats' in lookup, 'a local static model is served by lookup');
  const stats = (lookup as StaticLookupEmbedder).stats;
  const pipeline = await loadPipelineEmbedder(choice);
  const real = (await readCorpus(join(PROJECT_ROOT, 'corpus'))).chunks.map(passageText);
  const safe = [
    ...corpus,
    ...real,
    'ABC abc123 Top50 QS',
    '社保（二）、《通知》“引号”：第3条；',
    'a-b_c.d/e',
    'x'.repeat(150),
    'HR\t人事\n专员\r\u3000留学',
    '沪人社力〔2022〕103号',
    '——、…·',
    'e5-small',
  ];
  const unsafe = ['', '   ', '😀', '[UNK] 落户', 'café 留学', '１２３', 'ＡＢＣ落户', '①②', '\u3400字', 'tab\u00a0nbsp', '\u200b零宽'];
  const texts = [...safe, ...unsafe];
  const [fastQ, slowQ] = [await lookup.embedQueries(texts), await pipeline.embedQueries(texts)];
  texts.forEach((t, i) => assert.deepEqual(fastQ[i], slowQ[i], `query vector of ${JSON.stringify(t.slice(0, 30))}`));
  assert.deepEqual(stats, { lookups: safe.length, pipeline: unsafe.length });
  const [fastP, slowP] = [await lookup.embedPassages(texts), await pipeline.embedPassages(texts)];
  texts.forEach((t, i) => assert.deepEqual(fastP[i], slowP[i], `passage vector of ${JSON.stringify(t.slice(0, 30))}`));

  // a fresh lookup embedder on safe texts never asks for the pipeline (transformers.js stays unloaded)
  let asked = 0;
  const alone = await loadStaticLookup(join(dir, 'policybot-static-zh'), async () => (asked++, pipeline));
  await alone.embedPassages(real);
  await alone.embedQueries(['海归落户要交多久社保？']);
  assert.equal(asked, 0);
  assert.equal(alone.stats.lookups, real.length + 1);
});

test('a damaged static model table is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-table-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'model.onnx');
  writeFileSync(file, Buffer.from([0x3a, 0x05, 0x01]));
  assert.throws(() => readStaticTable(file), /model\.onnx: truncated protobuf field; rebuild it with `policybot train-embedder`/);
});
