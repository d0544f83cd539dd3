/**
 * The offline default embedder: a static character-embedding model learned from the corpus itself
 * and written as a real transformers.js model folder, so it is loaded through exactly the same
 * `pipeline('feature-extraction', …)` code as bge/e5.
 *
 * Training (deterministic, ~seconds):
 *  1. character co-occurrence counts inside CJK runs, window ±`window`, weighted 1/distance;
 *  2. PPMI with context-distribution smoothing (α = 0.75);
 *  3. randomized truncated SVD (sparse products here, QR and the small SVD with ml-matrix):
 *     vectors = U_d · √S_d;
 *  4. SIF weighting a/(a + p(c)) baked into each row, and the frequency-weighted mean row removed
 *     (mean pooling is linear, so this equals SIF sentence embeddings with the common part removed).
 *
 * Output folder (`<outDir>/`): config.json (model_type bert), tokenizer.json (WordPiece over all CJK
 * Unified Ideographs U+4E00–U+9FFF + ASCII), tokenizer_config.json, onnx/model.onnx (Gather of the
 * table, masked by attention_mask → last_hidden_state), and policybot-static.json (training metadata).
 *
 * @example
 * const info = await trainStaticEmbedder(chunks.map((c) => c.text), { outDir: 'data/models/policybot-static-zh' });
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import onnxProto from 'onnx-proto';
import { normalizeForSearch } from './segment.ts';
import { STATIC_MODEL_ID, STATIC_MODEL_MARKER } from './static-model.ts';

export { STATIC_MODEL_ID, STATIC_MODEL_MARKER };

const { onnx } = onnxProto;

/** Options of `trainStaticEmbedder`. */
export interface TrainOptions {
  /** Folder to write (replaced atomically). */
  outDir: string;
  /** Embedding dimension (default 128; capped by the number of distinct characters). */
  dim?: number;
  /** Co-occurrence window (default 3). */
  window?: number;
  /** Power iterations of the randomized SVD (default 3). */
  powerIterations?: number;
  /** Seed of the random projection (default 42): training is deterministic. */
  seed?: number;
}

/** What `trainStaticEmbedder` produced. */
export interface TrainResult {
  outDir: string;
  modelId: string;
  dim: number;
  vocabSize: number;
  /** Distinct corpus characters that received a learned vector. */
  learnedChars: number;
  /** sha256 of the training texts: the model is stale when the corpus changes. */
  corpusHash: string;
  seconds: number;
}

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
const CJK_FIRST = 0x4e00;
const CJK_LAST = 0x9fff;
const CJK_RUN = /[\u4e00-\u9fff]+/g;

/** Builds the fixed WordPiece vocabulary: specials, ASCII (+ `##` continuations), CJK U+4E00–U+9FFF. */
export function buildVocab(): string[] {
  const vocab: string[] = [...SPECIAL];
  const ascii: string[] = [];
  for (let c = 33; c <= 126; c++) {
    const ch = String.fromCharCode(c);
    if (ch >= 'A' && ch <= 'Z') continue; // the normalizer lower-cases
    ascii.push(ch);
  }
  vocab.push(...ascii);
  for (const ch of ascii) if (/[a-z0-9]/.test(ch)) vocab.push('##' + ch);
  for (let c = CJK_FIRST; c <= CJK_LAST; c++) vocab.push(String.fromCharCode(c));
  return vocab;
}

/** Trains the static embedder on `texts` and writes the model folder. */
export async function trainStaticEmbedder(texts: string[], opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const window = opts.window ?? 3;
  const seed = opts.seed ?? 42;
  const norm = texts.map((t) => normalizeForSearch(t));
  const corpusHash = createHash('sha256').update(norm.join('\u0000')).digest('hex');

  // 1. character counts and co-occurrences (sparse, symmetric)
  const charIndex = new Map<string, number>();
  const freq: number[] = [];
  const co: Map<number, number>[] = [];
  let totalChars = 0;
  for (const text of norm) {
    for (const run of text.match(CJK_RUN) ?? []) {
      const ids: number[] = [];
      for (const ch of run) {
        let id = charIndex.get(ch);
        if (id === undefined) {
          id = charIndex.size;
          charIndex.set(ch, id);
          freq.push(0);
          co.push(new Map());
        }
        freq[id]!++;
        totalChars++;
        ids.push(id);
      }
      for (let i = 0; i < ids.length; i++) {
        for (let j = i + 1; j <= i + window && j < ids.length; j++) {
          const w = 1 / (j - i);
          const a = ids[i]!;
          const b = ids[j]!;
          co[a]!.set(b, (co[a]!.get(b) ?? 0) + w);
          co[b]!.set(a, (co[b]!.get(a) ?? 0) + w);
        }
      }
    }
  }
  const n = charIndex.size;
  const dim = Math.max(2, Math.min(opts.dim ?? 128, n - 1));
  if (n < 4) throw new Error(`train-embedder: the corpus has only ${n} distinct Chinese characters; add documents to corpus/documents/`);

  // 2. PPMI (context distribution smoothing α = 0.75), stored as CSR
  const rowSum = co.map((m) => [...m.values()].reduce((s, v) => s + v, 0));
  const total = rowSum.reduce((s, v) => s + v, 0);
  const ctxPow = rowSum.map((v) => Math.pow(v, 0.75));
  const ctxPowSum = ctxPow.reduce((s, v) => s + v, 0);
  const indptr = new Int32Array(n + 1);
  const colsArr: number[] = [];
  const valsArr: number[] = [];
  for (let a = 0; a < n; a++) {
    for (const [b, c] of co[a]!) {
      const pmi = Math.log(c / total / ((rowSum[a]! / total) * (ctxPow[b]! / ctxPowSum)));
      if (pmi > 0) {
        colsArr.push(b);
        valsArr.push(pmi);
      }
    }
    indptr[a + 1] = colsArr.length;
  }
  const cols = Int32Array.from(colsArr);
  const vals = Float64Array.from(valsArr);
  const spmm = (x: Matrix): Matrix => {
    // M (n×n, CSR) · x (n×k); M is symmetric, so this is also Mᵀ·x
    const k = x.columns;
    const out = new Matrix(n, k);
    for (let r = 0; r < n; r++) {
      const row = new Float64Array(k);
      for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
        const v = vals[p]!;
        const xr = x.getRow(cols[p]!);
        for (let j = 0; j < k; j++) row[j]! += v * xr[j]!;
      }
      out.setRow(r, Array.from(row));
    }
    return out;
  };

  // 3. randomized SVD
  const oversample = Math.min(10, n - dim);
  const k = dim + Math.max(0, oversample);
  const rand = mulberry32(seed);
  const omega = new Matrix(n, k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) omega.set(i, j, gaussian(rand));
  let q = orthonormal(spmm(omega));
  for (let it = 0; it < (opts.powerIterations ?? 3); it++) q = orthonormal(spmm(orthonormal(spmm(q))));
  const bT = spmm(q); // (Qᵀ M)ᵀ = M Q  (n×k)
  const svd = new SingularValueDecomposition(bT.transpose(), { autoTranspose: true });
  const uSmall = svd.leftSingularVectors; // k×k
  const s = svd.diagonal;
  const u = q.mmul(uSmall); // n×k
  const learned = new Matrix(n, dim);
  for (let j = 0; j < dim; j++) {
    const sc = Math.sqrt(Math.max(s[j] ?? 0, 0));
    for (let i = 0; i < n; i++) learned.set(i, j, u.get(i, j) * sc);
  }

  // 4. SIF weights, common component removed
  const a = 1e-3;
  const rowsOut: Float64Array[] = [];
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const p = freq[i]! / totalChars;
    const w = a / (a + p);
    const r = Float64Array.from(learned.getRow(i), (v) => v * w);
    rowsOut.push(r);
    for (let j = 0; j < dim; j++) mean[j]! += r[j]! * p;
  }
  for (const r of rowsOut) for (let j = 0; j < dim; j++) r[j]! -= mean[j]!;

  // the full table: vocab × dim (float32); unseen characters stay zero, specials get a tiny non-zero row
  const vocab = buildVocab();
  const table = new Float32Array(vocab.length * dim);
  const typicalNorm = median(rowsOut.map((r) => Math.hypot(...r))) || 1;
  for (let id = 0; id < SPECIAL.length; id++) table[id * dim] = 1e-3 * typicalNorm; // [PAD]/[UNK]/[CLS]/[SEP]/[MASK]
  let learnedChars = 0;
  vocab.forEach((tok, id) => {
    const ci = tok.length === 1 ? charIndex.get(tok) : undefined;
    if (ci === undefined) return;
    learnedChars++;
    const r = rowsOut[ci]!;
    for (let j = 0; j < dim; j++) table[id * dim + j] = r[j]!;
  });

  writeModelFolder(opts.outDir, vocab, table, dim, {
    corpusHash,
    dim,
    window,
    seed,
    learnedChars,
    trainedAt: new Date().toISOString(),
    method: 'char co-occurrence → PPMI(α=0.75) → randomized SVD → SIF weights, common component removed',
  });
  return {
    outDir: opts.outDir,
    modelId: STATIC_MODEL_ID,
    dim,
    vocabSize: vocab.length,
    learnedChars,
    corpusHash,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Writes config/tokenizer/onnx files into a temp folder, then swaps it into place. */
function writeModelFolder(outDir: string, vocab: string[], table: Float32Array, dim: number, meta: Record<string, unknown>): void {
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'onnx'), { recursive: true });
  const vocabObj: Record<string, number> = {};
  vocab.forEach((t, i) => (vocabObj[t] = i));
  const id = (t: string) => vocabObj[t]!;
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dim,
    vocab_size: vocab.length,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    max_position_embeddings: 1 << 20,
    pad_token_id: 0,
    [STATIC_MODEL_MARKER]: { pooling: 'mean', normalize: true },
  };
  const special = (t: string) => ({
    id: id(t),
    content: t,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: vocabObj },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    tokenize_chinese_chars: true,
    model_max_length: 1 << 20,
    unk_token: '[UNK]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(tmp, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(tmp, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  writeFileSync(join(tmp, 'onnx', 'model.onnx'), buildGatherOnnx(table, vocab.length, dim));
  writeFileSync(join(tmp, 'policybot-static.json'), JSON.stringify({ modelId: STATIC_MODEL_ID, ...meta }, null, 2));
  mkdirSync(dirname(outDir), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
}

/**
 * The ONNX graph: last_hidden_state = Gather(table, input_ids) · unsqueeze(float(attention_mask), -1).
 * token_type_ids is declared (BERT tokenizers produce it) but unused.
 */
export function buildGatherOnnx(table: Float32Array, vocabSize: number, dim: number): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const dynamic = (name: string, elemType: number, dims: (string | number)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'policybot_static_embedder',
    initializer: [
      onnx.TensorProto.create({
        name: 'embeddings',
        dataType: T.FLOAT,
        dims: [vocabSize, dim],
        rawData: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
      }),
      onnx.TensorProto.create({ name: 'axes_last', dataType: T.INT64, dims: [1], int64Data: [-1] }),
    ],
    node: [
      onnx.NodeProto.create({
        opType: 'Gather',
        input: ['embeddings', 'input_ids'],
        output: ['gathered'],
        name: 'gather',
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      }),
      onnx.NodeProto.create({
        opType: 'Cast',
        input: ['attention_mask'],
        output: ['mask_f'],
        name: 'cast',
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }],
      }),
      onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['mask_f', 'axes_last'], output: ['mask_3d'], name: 'unsqueeze' }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['gathered', 'mask_3d'], output: ['last_hidden_state'], name: 'mask' }),
    ],
    input: [
      dynamic('input_ids', T.INT64, ['batch', 'sequence']),
      dynamic('attention_mask', T.INT64, ['batch', 'sequence']),
      dynamic('token_type_ids', T.INT64, ['batch', 'sequence']),
    ],
    output: [dynamic('last_hidden_state', T.FLOAT, ['batch', 'sequence', dim])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'policybot train-embedder',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

function orthonormal(m: Matrix): Matrix {
  return new QrDecomposition(m).orthogonalMatrix.subMatrix(0, m.rows - 1, 0, Math.min(m.columns, m.rows) - 1);
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}
