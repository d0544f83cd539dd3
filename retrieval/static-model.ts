/**
 * Names of the offline corpus-trained static embedder, in a module of their own so that loading a model
 * does not pull in the trainer's dependencies (ml-matrix, onnx-proto, protobufjs), plus the reader of
 * its embedding table for the lookup embedder (retrieval/embed.ts).
 */
import { readFileSync } from 'node:fs';

/** Model id of the corpus-trained static embedder (folder name under `<DATA_DIR>/models/`). */
export const STATIC_MODEL_ID = 'policybot-static-zh';

/** Marker in config.json that identifies a static policybot model (pooling: mean + normalize). */
export const STATIC_MODEL_MARKER = 'policybot_static';

/** The embedding table of a static model, read from its onnx/model.onnx. */
export interface StaticTable {
  table: Float32Array;
  vocabSize: number;
  dim: number;
}

/**
 * Reads the `embeddings` initializer (vocab × dim, float32 raw data) from the ONNX file written by
 * `policybot train-embedder`, with a minimal protobuf reader (ModelProto.graph = 7,
 * GraphProto.initializer = 5, TensorProto dims = 1, data_type = 2, name = 8, raw_data = 9), so that
 * embedding with the static model needs neither onnxruntime nor protobufjs.
 */
export function readStaticTable(file: string): StaticTable {
  const buf = readFileSync(file);
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}; rebuild it with \`policybot train-embedder\``);
  };
  const graph = fields(buf, 0, buf.length, fail).find((f) => f.no === 7 && f.wire === 2);
  if (!graph) fail('no graph in the ONNX model');
  for (const init of fields(buf, graph!.start, graph!.end, fail)) {
    if (init.no !== 5 || init.wire !== 2) continue;
    const parts = fields(buf, init.start, init.end, fail);
    const name = parts.find((f) => f.no === 8 && f.wire === 2);
    if (!name || buf.toString('utf8', name.start, name.end) !== 'embeddings') continue;
    const dims: number[] = [];
    for (const f of parts) {
      if (f.no !== 1) continue;
      if (f.wire === 0) dims.push(f.value);
      else if (f.wire === 2)
        for (let at = f.start; at < f.end; ) {
          const [v, next] = varint(buf, at, fail);
          dims.push(v);
          at = next;
        }
    }
    const type = parts.find((f) => f.no === 2 && f.wire === 0)?.value;
    const raw = parts.find((f) => f.no === 9 && f.wire === 2);
    if (type !== 1 || dims.length !== 2 || !raw) fail('the embeddings table is not a float32 matrix with raw data');
    const [vocabSize, dim] = dims as [number, number];
    if (raw!.end - raw!.start !== vocabSize * dim * 4)
      fail(`the embeddings table holds ${raw!.end - raw!.start} bytes, expected ${vocabSize}×${dim}×4`);
    // a view of the file's buffer when the raw data is 4-byte aligned (no second 10 MB), else a copy
    const at = buf.byteOffset + raw!.start;
    const table =
      at % 4 === 0 ? new Float32Array(buf.buffer, at, vocabSize * dim) : new Float32Array(buf.buffer.slice(at, at + vocabSize * dim * 4));
    return { table, vocabSize, dim };
  }
  return fail('no "embeddings" initializer in the ONNX graph');
}

interface ProtoField {
  no: number;
  wire: number;
  /** varint value (wire 0) */
  value: number;
  /** byte range of a length-delimited field (wire 2) */
  start: number;
  end: number;
}

function varint(buf: Buffer, at: number, fail: (why: string) => never): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) fail('truncated protobuf varint');
    const b = buf[at++]!;
    v += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return [v, at];
  }
  return fail('malformed protobuf varint');
}

function fields(buf: Buffer, start: number, end: number, fail: (why: string) => never): ProtoField[] {
  const out: ProtoField[] = [];
  let at = start;
  while (at < end) {
    const [key, a] = varint(buf, at, fail);
    at = a;
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const [value, b] = varint(buf, at, fail);
      out.push({ no, wire, value, start: at, end: b });
      at = b;
    } else if (wire === 2) {
      const [len, b] = varint(buf, at, fail);
      if (b + len > end) fail('truncated protobuf field');
      out.push({ no, wire, value: len, start: b, end: b + len });
      at = b + len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else fail(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}
