/**
 * Sentence embeddings through transformers.js (`@huggingface/transformers`), with model resolution
 * and per-model pooling:
 *
 * | family                    | pooling | normalize | query prefix                          | passage prefix |
 * |---------------------------|---------|-----------|---------------------------------------|----------------|
 * | bge (`*bge*`)             | cls     | yes       | `为这个句子生成表示以用于检索相关文章：` | –              |
 * | e5 (`*e5*`)               | mean    | yes       | `query: `                             | `passage: `    |
 * | policybot static          | mean    | yes       | –                                     | –              |
 * | anything else             | mean    | yes       | –                                     | –              |
 *
 * Resolution (`resolveEmbeddingModel`): the configured id in MODELS_DIR → remote (only when allowed,
 * from the configured host) → the corpus-trained static model under `<DATA_DIR>/models/`. One log
 * line says which model is in use and why.
 *
 * A local static model is served by table lookup (`loadStaticLookup`): the same vectors as the
 * pipeline, without importing transformers.js, which is loaded only when a text needs the pipeline
 * or another model is in use.
 *
 * @example
 * const choice = resolveEmbeddingModel({ modelId: 'Xenova/bge-small-zh-v1.5', modelsDir: 'models',
 *   allowRemote: false, remoteHost: 'https://huggingface.co/', staticModelDir: 'data/models/policybot-static-zh' });
 * const embedder = await loadEmbedder(choice, logger);
 * const [q] = await embedder.embedQueries(['留学生落户']);
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { STATIC_MODEL_ID, STATIC_MODEL_MARKER, readStaticTable } from './static-model.ts';
import type { LoggerLike } from '../text/log.ts';

export type { LoggerLike } from '../text/log.ts';

/** Pooling and prefixes for one model family. */
export interface PoolingSpec {
  pooling: 'cls' | 'mean';
  normalize: boolean;
  queryPrefix: string;
  passagePrefix: string;
}

/** The bge retrieval instruction for queries. */
export const BGE_QUERY_INSTRUCTION = '为这个句子生成表示以用于检索相关文章：';

/** Pooling/prefix rules by model id (see the table in the file comment). */
export function poolingFor(modelId: string, isStatic = false): PoolingSpec {
  const id = modelId.toLowerCase();
  if (isStatic) return { pooling: 'mean', normalize: true, queryPrefix: '', passagePrefix: '' };
  if (id.includes('bge'))
    return {
      pooling: 'cls',
      normalize: true,
      queryPrefix: id.includes('-zh') ? BGE_QUERY_INSTRUCTION : 'Represent this sentence for searching relevant passages: ',
      passagePrefix: '',
    };
  if (id.includes('e5')) return { pooling: 'mean', normalize: true, queryPrefix: 'query: ', passagePrefix: 'passage: ' };
  return { pooling: 'mean', normalize: true, queryPrefix: '', passagePrefix: '' };
}

/** Which model to load and from where. */
export interface ModelChoice {
  /** Id passed to transformers.js (relative to `localModelPath`, or a hub id when remote). */
  modelId: string;
  /** Local root folder (`env.localModelPath`), when loading from disk. */
  localPath?: string;
  remote: boolean;
  remoteHost?: string;
  isStatic: boolean;
  /** Why this model was chosen (logged). */
  reason: string;
}

/** Inputs of `resolveEmbeddingModel`. */
export interface ResolveOptions {
  modelId: string;
  modelsDir: string;
  allowRemote: boolean;
  remoteHost: string;
  /** Folder of the corpus-trained static model (`<DATA_DIR>/models/policybot-static-zh`). */
  staticModelDir: string;
}

/** Whether a folder holds a loadable transformers.js model (config, tokenizer, onnx/model*.onnx). */
export function isModelFolder(dir: string): boolean {
  if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'tokenizer.json'))) return false;
  return existsSync(join(dir, 'onnx', 'model.onnx')) || existsSync(join(dir, 'onnx', 'model_quantized.onnx'));
}

/**
 * Why a model folder cannot be loaded — a JSON file that does not parse, an empty weights file — as
 * "<file>: <cause>", or undefined when it looks loadable. Cheap: no model is loaded.
 */
/**
 * The parsed JSON of a model file, parsed once per process while its size and mtime stay the same:
 * `modelFolderProblem` checks tokenizer.json (240 KB for the static embedder) and `loadStaticLookup`
 * then needs it too. The value is shared: callers must not change it.
 */
const jsonFiles = new Map<string, { size: number; mtimeMs: number; value: unknown }>();
function readJsonFile(p: string): unknown {
  const st = statSync(p);
  const hit = jsonFiles.get(p);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.value;
  const value: unknown = JSON.parse(readFileSync(p, 'utf8'));
  jsonFiles.set(p, { size: st.size, mtimeMs: st.mtimeMs, value });
  return value;
}

export function modelFolderProblem(dir: string): string | undefined {
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'policybot-static.json']) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    try {
      readJsonFile(p);
    } catch (err) {
      return `${p}: ${(err as Error).message}`;
    }
  }
  for (const f of ['model.onnx', 'model_quantized.onnx']) {
    const p = join(dir, 'onnx', f);
    if (existsSync(p) && statSync(p).size === 0) return `${p}: empty file`;
  }
  return undefined;
}

/** Whether a model folder is a policybot static embedder. */
export function isStaticModelFolder(dir: string): boolean {
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return Boolean(cfg[STATIC_MODEL_MARKER]);
  } catch {
    return false;
  }
}

/**
 * Decides which model to use (pure apart from checking files). The static choice is returned even if
 * its folder does not exist yet: callers train it (`trainStaticEmbedder`) before loading.
 */
export function resolveEmbeddingModel(o: ResolveOptions): ModelChoice {
  const local = join(o.modelsDir, o.modelId);
  if (o.modelId === STATIC_MODEL_ID || o.modelId === 'static') {
    return staticChoice(o, `EMBEDDING_MODEL=${o.modelId} selects the corpus-trained static model`);
  }
  if (isModelFolder(local)) {
    return {
      modelId: o.modelId,
      localPath: o.modelsDir,
      remote: false,
      isStatic: isStaticModelFolder(local),
      reason: `found in MODELS_DIR (${local})`,
    };
  }
  if (o.allowRemote) {
    return {
      modelId: o.modelId,
      remote: true,
      remoteHost: o.remoteHost,
      localPath: o.modelsDir,
      isStatic: false,
      reason: `not in MODELS_DIR; downloading from ${o.remoteHost} (ALLOW_REMOTE_MODELS=true)`,
    };
  }
  return staticChoice(o, `${o.modelId} is not in MODELS_DIR (${local}) and ALLOW_REMOTE_MODELS=false`);
}

function staticChoice(o: ResolveOptions, why: string): ModelChoice {
  return {
    modelId: basename(o.staticModelDir),
    localPath: dirname(o.staticModelDir),
    remote: false,
    isStatic: true,
    reason: `${why}; using the offline corpus-trained embedder`,
  };
}

/** A loaded embedding model. Vectors are Float32Array of length `dim`, L2-normalized. */
export interface Embedder {
  /** Model id as reported in search results and manifests. */
  readonly modelId: string;
  readonly dim: number;
  readonly pooling: PoolingSpec;
  readonly isStatic: boolean;
  /** Embeds queries (with the model's query prefix). */
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  /** Embeds passages (with the model's passage prefix), in batches. */
  embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
}

/** Batch size for passages: large enough for throughput, small enough to keep padding cheap. */
const BATCH = 32;

/** Max characters per passage sent to the model (bge's window is 512 tokens ≈ 512 CJK characters). */
const MAX_PASSAGE_CHARS = 1000;

/**
 * Loads the embedder for `choice`. A local policybot static model is served by a table lookup
 * (`loadStaticLookup`: the same vectors, without loading transformers.js); any other model goes
 * through the feature-extraction pipeline. Throws with the reason when it cannot.
 */
export async function loadEmbedder(choice: ModelChoice, log?: LoggerLike): Promise<Embedder> {
  if (choice.isStatic && !choice.remote && choice.localPath) {
    const dir = join(choice.localPath, choice.modelId);
    if (isStaticModelFolder(dir)) return loadStaticLookup(dir, () => loadPipelineEmbedder(choice), choice, log);
  }
  return loadPipelineEmbedder(choice, log);
}

/** Loads a feature-extraction pipeline for `choice` (imports transformers.js on first use). */
export async function loadPipelineEmbedder(choice: ModelChoice, log?: LoggerLike): Promise<Embedder> {
  const tf = await import('@huggingface/transformers');
  const { env } = tf;
  env.allowLocalModels = Boolean(choice.localPath);
  if (choice.localPath) env.localModelPath = choice.localPath.endsWith('/') ? choice.localPath : choice.localPath + '/';
  env.allowRemoteModels = choice.remote;
  if (choice.remote && choice.remoteHost) env.remoteHost = choice.remoteHost.endsWith('/') ? choice.remoteHost : choice.remoteHost + '/';
  if (choice.remote) env.cacheDir = choice.localPath ?? env.cacheDir;
  env.logLevel = tf.LogLevel?.ERROR ?? env.logLevel;
  const pooling = poolingFor(choice.modelId, choice.isStatic);
  const extractor = await tf.pipeline('feature-extraction', choice.modelId, { dtype: 'fp32' });
  const run = async (texts: string[]): Promise<Float32Array[]> => {
    if (!texts.length) return [];
    const out = await extractor(texts, { pooling: pooling.pooling, normalize: pooling.normalize });
    const dims = out.dims as number[];
    const dim = dims[dims.length - 1]!;
    const data = out.data as Float32Array;
    const vecs: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) vecs.push(fixNaN(data.slice(i * dim, (i + 1) * dim)));
    return vecs;
  };
  const probe = await run(['测试']);
  const dim = probe[0]!.length;
  const name = choice.isStatic ? `${choice.modelId} (static, corpus-trained)` : choice.modelId;
  log?.info(`embedding model: ${name}, dim ${dim}, pooling ${pooling.pooling} — ${choice.reason}`);
  return {
    modelId: choice.modelId,
    dim,
    pooling,
    isStatic: choice.isStatic,
    embedQueries: (texts) => run(texts.map((t) => pooling.queryPrefix + clip(t))),
    async embedPassages(texts, onProgress) {
      // batches of similar length: padding to the longest text of a batch is wasted work
      const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
      const out: Float32Array[] = new Array(texts.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const idx = order.slice(i, i + BATCH);
        const vecs = await run(idx.map((j) => pooling.passagePrefix + clip(texts[j]!)));
        idx.forEach((j, k) => (out[j] = vecs[k]!));
        onProgress?.(Math.min(i + BATCH, texts.length), texts.length);
      }
      return out;
    },
  };
}

/** Counters of a static lookup embedder: texts embedded by lookup and texts handed to the pipeline. */
export interface StaticLookupStats {
  lookups: number;
  pipeline: number;
}

/** An Embedder served by table lookup, with its counters. */
export type StaticLookupEmbedder = Embedder & { readonly stats: StaticLookupStats };

const SPECIAL_TOKEN_TEXT = /\[(?:PAD|UNK|CLS|SEP|MASK)\]/i;
const UNICODE_PUNCT = /^\p{P}$/u;
const UNSAFE_CATEGORY = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Mn}]$/u;

/**
 * The static model without transformers.js: its tokenizer (BertNormalizer + BertPreTokenizer +
 * WordPiece over the model's vocabulary) and mean pooling over the table rows, reproducing the
 * pipeline's arithmetic (float32 rows summed in doubles, the mean and the L2 norm rounded to float32
 * as transformers.js does). Texts with a character outside the cases reproduced here (CJK U+4E00–
 * U+9FFF, ASCII, plain whitespace, Unicode punctuation) go to the pipeline, loaded on first need, so
 * the vectors are the pipeline's in every case (test/retrieval/embed.test.ts compares them).
 */
export async function loadStaticLookup(
  dir: string,
  pipeline: () => Promise<Embedder>,
  choice?: ModelChoice,
  log?: LoggerLike,
): Promise<StaticLookupEmbedder> {
  const { table, dim, vocabSize } = readStaticTable(join(dir, 'onnx', 'model.onnx'));
  const tok = readJsonFile(join(dir, 'tokenizer.json')) as {
    model: { vocab: Record<string, number>; unk_token: string; max_input_chars_per_word?: number; continuing_subword_prefix?: string };
  };
  // the parsed object itself (own properties only), not a Map of its 21k entries: built per process, a
  // Map cost ~15 ms of the cold start and looks up no faster
  const vocabObject = tok.model.vocab;
  const vocab = {
    get: (token: string): number | undefined => (Object.hasOwn(vocabObject, token) ? vocabObject[token] : undefined),
    values: () => Object.values(vocabObject),
  };
  const unk = vocab.get(tok.model.unk_token);
  const cls = vocab.get('[CLS]');
  const sep = vocab.get('[SEP]');
  if (unk === undefined || cls === undefined || sep === undefined)
    throw new Error(
      `${join(dir, 'tokenizer.json')}: the vocabulary lacks [UNK], [CLS] or [SEP]; retrain with \`policybot train-embedder\``,
    );
  for (const id of vocab.values())
    if (id >= vocabSize)
      throw new Error(
        `${join(dir, 'tokenizer.json')}: token id ${id} is outside the ${vocabSize}-row table of onnx/model.onnx; retrain with \`policybot train-embedder\``,
      );
  const maxWord = tok.model.max_input_chars_per_word ?? 100;
  const prefix = tok.model.continuing_subword_prefix ?? '##';
  const pooling = poolingFor(STATIC_MODEL_ID, true);
  const stats: StaticLookupStats = { lookups: 0, pipeline: 0 };
  let slow: Promise<Embedder> | undefined;
  /** Token id of each CJK character U+4E00–U+9FFF, looked up on first use (−1 until then). */
  const cjkIds = new Int32Array(0x9fff - 0x4e00 + 1).fill(-1);
  /** Other characters seen: their token id as a punctuation mark, or −1 (needs the pipeline). */
  const punct = new Map<string, number>();

  /** WordPiece of one word (greedy longest match), as transformers.js does. */
  const wordPiece = (word: string[], out: number[]): void => {
    if (word.length > maxWord) {
      out.push(unk);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? prefix : '') + word.slice(start, end).join('');
        found = vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        out.push(unk);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  };

  /** Token ids with [CLS] … [SEP], or undefined when the text needs the pipeline. */
  const tokenize = (text: string): number[] | undefined => {
    if (!text.trim() || SPECIAL_TOKEN_TEXT.test(text)) return undefined;
    const ids: number[] = [cls];
    let word: string[] = [];
    const flush = () => {
      if (word.length) wordPiece(word, ids);
      word = [];
    };
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0x4e00 && cp <= 0x9fff) {
        flush();
        let id = cjkIds[cp - 0x4e00]!;
        if (id < 0) id = cjkIds[cp - 0x4e00] = vocab.get(ch) ?? unk;
        ids.push(id);
      } else if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\u3000') {
        flush();
      } else if (cp >= 33 && cp <= 126) {
        if ((cp >= 48 && cp <= 57) || (cp >= 97 && cp <= 122)) word.push(ch);
        else if (cp >= 65 && cp <= 90) word.push(ch.toLowerCase());
        else {
          flush();
          ids.push(vocab.get(ch) ?? unk);
        }
      } else {
        let id = punct.get(ch);
        if (id === undefined) {
          id = UNICODE_PUNCT.test(ch) && !UNSAFE_CATEGORY.test(ch) && ch.normalize('NFD') === ch ? (vocab.get(ch) ?? unk) : -1;
          punct.set(ch, id);
        }
        if (id < 0) return undefined;
        flush();
        ids.push(id);
      }
    }
    flush();
    ids.push(sep);
    return ids;
  };

  const pool = (ids: number[]): Float32Array => {
    // row by row (cache-friendly); each component still sums its tokens in order, as the pipeline does
    const D = dim;
    const rows = table; // locals, not the closure's context: V8 then keeps them in registers
    const sum = new Float64Array(D);
    for (let j = 0; j < ids.length; j++) {
      const row = ids[j]! * D;
      for (let k = 0; k < D; k++) sum[k] = sum[k]! + rows[row + k]!;
    }
    const mean = new Float32Array(dim);
    for (let k = 0; k < dim; k++) mean[k] = sum[k]! / ids.length;
    // Tensor.norm: a float32 accumulator, then ** (1 / 2); Tensor.normalize_: float32 division
    const acc = new Float32Array(1);
    for (let k = 0; k < dim; k++) acc[0] = acc[0]! + mean[k]! ** 2;
    const norm = new Float32Array([acc[0]! ** (1 / 2)])[0]!;
    for (let k = 0; k < dim; k++) mean[k] = mean[k]! / norm;
    return fixNaN(mean);
  };

  const embed = async (texts: string[], kind: 'query' | 'passage'): Promise<Float32Array[]> => {
    const textPrefix = kind === 'query' ? pooling.queryPrefix : pooling.passagePrefix;
    const out: Float32Array[] = new Array(texts.length);
    const rest: number[] = [];
    texts.forEach((t, i) => {
      const ids = tokenize(textPrefix + clip(t));
      if (ids) {
        out[i] = pool(ids);
        stats.lookups++;
      } else rest.push(i);
    });
    if (rest.length) {
      stats.pipeline += rest.length;
      const e = await (slow ??= pipeline());
      const vecs = kind === 'query' ? await e.embedQueries(rest.map((i) => texts[i]!)) : await e.embedPassages(rest.map((i) => texts[i]!));
      rest.forEach((i, j) => (out[i] = vecs[j]!));
    }
    return out;
  };

  const name = choice ? `${choice.modelId} (static, corpus-trained; table lookup)` : STATIC_MODEL_ID;
  log?.info(`embedding model: ${name}, dim ${dim}, pooling mean${choice ? ` — ${choice.reason}` : ''}`);
  return {
    modelId: choice?.modelId ?? STATIC_MODEL_ID,
    dim,
    pooling,
    isStatic: true,
    stats,
    embedQueries: (texts) => embed(texts, 'query'),
    async embedPassages(texts, onProgress) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += 4096) {
        out.push(...(await embed(texts.slice(i, i + 4096), 'passage')));
        onProgress?.(Math.min(i + 4096, texts.length), texts.length);
      }
      return out;
    },
  };
}

function clip(t: string): string {
  const s = t.length > MAX_PASSAGE_CHARS ? t.slice(0, MAX_PASSAGE_CHARS) : t;
  return s.trim() ? s : '[UNK]';
}

/** A zero or NaN vector (empty input) becomes a zero vector: cosine with it is 0, never NaN. */
function fixNaN(v: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return new Float32Array(v.length);
  return v;
}

/** Cosine similarity of two L2-normalized vectors (a dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
