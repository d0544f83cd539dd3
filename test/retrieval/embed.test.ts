import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BGE_QUERY_INSTRUCTION, cosine, isModelFolder, isStaticModelFolder, loadEmbedder, poolingFor, resolveEmbeddingModel } from '../../retrieval/embed.ts';
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
  assert.deepEqual(poolingFor('Xenova/bge-small-zh-v1.5'), { pooling: 'cls', normalize: true, queryPrefix: BGE_QUERY_INSTRUCTION, passagePrefix: '' });
  assert.equal(poolingFor('Xenova/multilingual-e5-small').queryPrefix, 'query: ');
  assert.equal(poolingFor('Xenova/multilingual-e5-small').passagePrefix, 'passage: ');
  assert.equal(poolingFor('policybot-static-zh', true).pooling, 'mean');
});

test('model resolution: local folder, remote only when allowed, else the offline static model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-res-'));
  const base = { modelId: 'Xenova/bge-small-zh-v1.5', modelsDir: join(dir, 'models'), remoteHost: 'https://hf-mirror.com/', staticModelDir: join(dir, 'data', 'models', 'policybot-static-zh') };
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
