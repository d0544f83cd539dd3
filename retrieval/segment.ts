/**
 * Chinese segmentation for retrieval: one normalization and one tokenizer for documents and queries.
 *
 * - `normalizeForSearch`: NFKC (full-width digits/letters → ASCII), traditional → simplified (OpenCC),
 *   lower case, whitespace collapsed. Idempotent, so already-normalized chunk text is unchanged.
 * - `Segmenter.tokens`: jieba (search mode) with the project dictionary (`corpus/dictionary.txt`),
 *   punctuation and stop words dropped, plus optional character bigrams (prefixed with `BIGRAM_PREFIX`)
 *   of every CJK run, which make the index robust against segmentation differences.
 *
 * @example
 * const seg = createSegmenter({ dictionaryFile: 'corpus/dictionary.txt' });
 * seg.tokens(normalizeForSearch('留學回國人員怎麼落戶？'), { bigrams: true });
 * // → ['留学回国人员', '留学', '回国', '人员', '落户', '#留学', '#学回', …]
 */
import { Jieba } from '@node-rs/jieba';
import * as OpenCC from 'opencc-js/t2cn';
import { toSimplified } from '../text/chinese.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** jieba's stock dictionary and idf table, read from the package folder only when needed. */
const JIEBA_DIR = dirname(createRequire(import.meta.url).resolve('@node-rs/jieba/package.json'));
const JIEBA_DICT = join(JIEBA_DIR, 'dict.txt');
const JIEBA_IDF = join(JIEBA_DIR, 'idf.txt');

/**
 * Default of `SegmenterOptions.minWordFrequency`: 0, the whole stock dictionary. Leaving out the words
 * rarer than 5 (61 % of its 349k entries) halves the segmenter's start-up and gave identical hybrid
 * `policybot eval` numbers on the dev, held-out and fresh sets, but it flips a district-preference case
 * in test/retrieval/search.test.ts (the spurious word 学回 disappears and a heading match outweighs the
 * district bonus), so it stays opt-in until the fusion margin is understood (docs/retrieval.md).
 */
export const DEFAULT_MIN_WORD_FREQUENCY = 0;

/** Prefix of character-bigram tokens, so they never collide with jieba words. */
export const BIGRAM_PREFIX = '#';

/** Queries longer than this (after normalization) are truncated: bounded time on any input. */
export const MAX_QUERY_CHARS = 512;

/**
 * Function words and question words that carry no topic. Not policy data: these are properties of
 * the language (how people ask), so they live here rather than in corpus/.
 */
const STOP_WORDS = new Set(
  (
    '的 了 吗 呢 吧 啊 呀 么 嘛 哦 是 在 和 与 及 或 而 且 就 都 也 还 又 才 把 被 给 让 对 于 为 以 从 向 到 由 ' +
    '我 你 您 他 她 它 我们 你们 他们 自己 这 那 这个 那个 这些 那些 这样 那样 这种 哪 哪个 哪些 哪里 哪儿 ' +
    '什么 怎么 怎样 怎么样 如何 为什么 为何 多少 多久 多长 几 几个 是否 能否 可否 能不能 可不可以 是不是 有没有 ' +
    '请问 请 问 想 想要 想问 一下 知道 告诉 可以 能 会 要 需要 应该 得 该 有 没有 没 不 很 太 更 最 ' +
    '个 些 之 其 等 即 如 若 则 但 但是 因为 所以 如果 的话 这么 那么 吗？ 呢？ 啥 咋 咋办 怎么办 ' +
    '现在 目前 时候 情况 问题 相关 有关 关于 具体 一些 一个 已经 还是 或者 以及 ' +
    '今年 去年 明年 前年 后来 之前 以前 之后 以后 最近 刚 刚刚 马上 一直 然后 还能 能够 可能 比如 好 嗯 ' +
    '帮忙 帮 搞 想来 不能 不能自己 自己 一共 总共 几天 谁 做 按 开 多 大概 大约 一般 那 么 吧 哪家 这边 那边 里 ' +
    // personal context and hedges in long questions ("我老婆…听说…是真的吗")
    '老婆 老公 媳妇 爱人 男朋友 女朋友 朋友 同学 同事 家人 父母 爸妈 爸爸 妈妈 真的 听说 据说 好像 感觉 打算 准备 一家 意思 才能 进去'
  ).split(/\s+/),
);

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
/** 1 for the code units of the `CJK` ranges that are letters (`\p{L}`; unassigned ones are not). */
const cjkLetters = (() => {
  const t = new Uint8Array(65536);
  const letter = /\p{L}/u;
  for (const [lo, hi] of [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ] as const)
    for (let c = lo; c <= hi; c++) if (letter.test(String.fromCharCode(c))) t[c] = 1;
  return t;
})();

/** The code units `String.prototype.trim` removes (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether a UTF-16 code unit is in the ranges of `CJK` (the bigram alphabet). */
function isCjk(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);
}
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * The search normalization shared by documents and queries: NFKC, traditional → simplified,
 * lower case, whitespace collapsed to single spaces.
 */
export function normalizeForSearch(text: string): string {
  const nfkc = text.normalize('NFKC');
  const s = mayChangeWhenSimplified(nfkc) ? toSimplified(nfkc) : nfkc;
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The OpenCC conversion `toSimplified` uses (text/chinese.ts: Hong Kong forms → simplified). Its
 * dictionaries decide which characters can make it change a text (`mayChangeWhenSimplified`).
 */
const SIMPLIFY_CONFIG = 'hk2s';

let witnesses: { bmp: Uint8Array; astral: Set<number>; min: number } | undefined;

/**
 * One witness character per OpenCC dictionary entry that changes text (key ≠ value): a key can only
 * match where all its characters occur, so a text with none of the witnesses comes out of every trie of
 * the chain unchanged. Witness: a character of the key that is itself converted on its own (a
 * traditional character), else the first character where key and value differ. Built once (~10 ms);
 * test/retrieval/segment.test.ts checks every CJK character and the corpus against the real conversion.
 */
function loadWitnesses(): { bmp: Uint8Array; astral: Set<number>; min: number } {
  if (witnesses) return witnesses;
  const config = (OpenCC.Locale as unknown as { configs: Record<string, unknown> }).configs[SIMPLIFY_CONFIG];
  if (!config) throw new Error(`opencc-js has no "${SIMPLIFY_CONFIG}" configuration: update retrieval/segment.ts (SIMPLIFY_CONFIG)`);
  const entries: [string, string][] = [];
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      for (const e of x.split('|')) {
        const sp = e.indexOf(' ');
        if (sp > 0) entries.push([e.slice(0, sp), e.slice(sp + 1)]);
      }
    } else if (Array.isArray(x)) {
      if (x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string' && !x[0].includes(' ')) entries.push([x[0], x[1]]);
      else for (const y of x) walk(y);
    } else if (x && typeof x === 'object') for (const y of Object.values(x)) walk(y);
  };
  walk(config);
  const single = new Set<number>();
  for (const [k, v] of entries) if (k !== v && [...k].length === 1) single.add(k.codePointAt(0)!);
  const bmp = new Uint8Array(65536);
  const astral = new Set<number>();
  for (const [k, v] of entries) {
    if (k === v || !k) continue;
    const kc = [...k].map((c) => c.codePointAt(0)!);
    const vc = [...v].map((c) => c.codePointAt(0)!);
    let w = kc.find((c) => single.has(c));
    if (w === undefined) w = kc.find((c, i) => c !== vc[i]) ?? kc[0]!;
    if (w < 65536) bmp[w] = 1;
    else astral.add(w);
  }
  let min = 0xd800; // surrogates are always looked at
  for (let c = 0; c < min; c++) if (bmp[c] === 1) min = c;
  return (witnesses = { bmp, astral, min });
}

/** False when `toSimplified(text) === text` is certain (no witness character occurs): the conversion can be skipped. */
export function mayChangeWhenSimplified(text: string): boolean {
  const { bmp, astral, min } = loadWitnesses();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < min) continue; // no witness below the smallest one (ASCII, punctuation)
    if (c >= 0xd800 && c <= 0xdbff) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) {
        if (astral.has(cp)) return true;
        i++;
        continue;
      }
    }
    if (bmp[c] === 1) return true;
  }
  return false;
}

/** Normalizes a user query and truncates it to `MAX_QUERY_CHARS` (a 100 KB paste stays cheap). */
export function normalizeQuery(query: string): string {
  // Truncate before and after normalization: NFKC/OpenCC cost is linear, keep it bounded.
  return normalizeForSearch(query.slice(0, MAX_QUERY_CHARS * 2)).slice(0, MAX_QUERY_CHARS);
}

/** Options for `Segmenter.tokens`. */
export interface TokenOptions {
  /** Add character bigrams of CJK runs (prefixed with `BIGRAM_PREFIX`). Default true. */
  bigrams?: boolean;
  /** Keep stop words (default false). */
  keepStopWords?: boolean;
}

/** A loaded jieba instance with the project dictionary. */
export interface Segmenter {
  /** Hash of the dictionaries in use: part of the index manifest (a new dictionary means a new index). */
  readonly fingerprint: string;
  /** Loads jieba's dictionaries now (they load on the first cut otherwise): for serving processes. */
  warm(): void;
  /**
   * How much of jieba's stock dictionary is loaded: none yet, the words of the texts cut so far
   * (`lazy`; `words`: how many stock words), or all of it (`whole`, after `warm()` or without the sorted table).
   */
  dictionaryState(): { state: 'none' | 'lazy' | 'whole'; words: number };
  /** Raw jieba words (search mode), no filtering. Input should already be normalized. */
  cut(text: string): string[];
  /** Index/query tokens: words without punctuation and stop words, plus optional bigrams. */
  tokens(text: string, opts?: TokenOptions): string[];
  /**
   * The same tokens as `tokens`, in the same order, without building bigram strings: `word` gets each
   * word, `bigram` the two UTF-16 code units of each character bigram (the token would be
   * `BIGRAM_PREFIX + String.fromCharCode(a, b)`). For the index build: interning by code skips creating
   * and hashing millions of short strings.
   */
  visitTokens(text: string, opts: TokenOptions, word: (w: string) => void, bigram: (a: number, b: number) => void): void;
  /**
   * Words that jieba's dictionary tags as place names (`ns`). `words`: the text's tokens
   * (`tokens(text, { bigrams: false })`), when the caller has them: once the whole dictionary is loaded,
   * a text none of whose words the dictionary tags `ns` is answered `[]` without jieba's tagger (the
   * tagger's words are among them: jieba's search cut is its plain cut plus sub-words).
   */
  placeNames(text: string, words?: readonly string[]): string[];
  /** Whether a token is a stop word. */
  isStopWord(token: string): boolean;
  /**
   * General-language idf of a word (jieba's idf table, ~270k words; unknown words get the table's
   * median of rare words, 12). Used to weigh query words that occur nowhere in the corpus.
   */
  generalIdf(word: string): number;
}

/**
 * jieba's general idf table (`word idf` lines, ~270k), indexed by the first character of each word.
 * Building a Map of every word cost ~0.2 s at start-up; this index costs ~40 ms and a lookup scans only
 * the lines that start with the same character. Looked-up values are memoized.
 */
interface IdfIndex {
  text: string;
  byFirst: Map<number, number[]>;
  memo: Map<string, number | undefined>;
}

let idfIndex: IdfIndex | undefined;

function loadIdfIndex(): IdfIndex {
  if (idfIndex) return idfIndex;
  const text = readFileSync(JIEBA_IDF, 'utf8');
  const byFirst = new Map<number, number[]>();
  for (let pos = 0; pos < text.length; ) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    if (end > pos) {
      const c = text.charCodeAt(pos);
      const list = byFirst.get(c);
      if (list) list.push(pos);
      else byFirst.set(c, [pos]);
    }
    pos = end + 1;
  }
  return (idfIndex = { text, byFirst, memo: new Map() });
}

/** General-language idf of `word`, or undefined when jieba's table does not have it. */
export function lookupGeneralIdf(word: string): number | undefined {
  if (!word) return undefined;
  const idx = loadIdfIndex();
  if (idx.memo.has(word)) return idx.memo.get(word);
  let value: number | undefined;
  for (const off of idx.byFirst.get(word.charCodeAt(0)) ?? []) {
    if (idx.text.charCodeAt(off + word.length) !== 32 || !idx.text.startsWith(word, off)) continue;
    const nl = idx.text.indexOf('\n', off);
    value = Number(idx.text.slice(off + word.length + 1, nl < 0 ? undefined : nl));
    break;
  }
  if (idx.memo.size > 50_000) idx.memo.clear();
  idx.memo.set(word, value);
  return value;
}

/** Options for `createSegmenter`. */
export interface SegmenterOptions {
  /** jieba user dictionary (`word [freq] [tag]` per line). Missing file → only the stock dictionary. */
  dictionaryFile?: string;
  /** Extra dictionary text (tests). */
  dictionaryText?: string;
  /**
   * Stock-dictionary words with a frequency (jieba's second column) below this are left out. 0 keeps all
   * 349k words; 1–100 are sensible; default `DEFAULT_MIN_WORD_FREQUENCY`. Part of the fingerprint.
   */
  minWordFrequency?: number;
  /**
   * Folder for the trimmed stock dictionary, written once (atomically) and read by every later process:
   * trimming costs more than it saves when repeated. Default: `<tmpdir>/policybot-jieba`.
   */
  cacheDir?: string;
  /**
   * false: always load the whole stock dictionary. Default: until `warm()`, load only the words of the
   * texts cut, when `cacheDir` holds the sorted stock table (`ensureStockTable`).
   */
  lazy?: boolean;
  /**
   * Characters a segmenter that is not warmed cuts word by word before it loads the whole dictionary
   * (an index build in a one-shot process). 0 to ∞; default `LAZY_CHAR_BUDGET`.
   */
  lazyCharBudget?: number;
}

/** jieba's stock dictionary without the words rarer than `minFreq`, cached in `cacheDir`. */
export function stockDictionary(minFreq: number, cacheDir = join(tmpdir(), 'policybot-jieba')): Buffer {
  if (minFreq <= 0) return readFileSync(JIEBA_DICT);
  const file = join(cacheDir, `jieba-2.0.2-${statSync(JIEBA_DICT).size}-min${minFreq}.txt`);
  if (existsSync(file)) return readFileSync(file);
  const text = readFileSync(JIEBA_DICT, 'latin1'); // ASCII structure; words pass through byte for byte
  const keep: string[] = [];
  for (let pos = 0; pos < text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const sp = text.indexOf(' ', pos);
    if (sp > pos && sp < nl) {
      const sp2 = text.indexOf(' ', sp + 1);
      if (Number(text.slice(sp + 1, sp2 > sp && sp2 < nl ? sp2 : nl)) >= minFreq) keep.push(text.slice(pos, nl));
    }
    pos = nl + 1;
  }
  const out = Buffer.from(keep.join('\n') + '\n', 'latin1');
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, file);
  } catch {
    // A read-only cache folder only costs the trimming again next time.
  }
  return out;
}

/** Layout version of the sorted stock-dictionary table (`stockTablePath`); a new layout means a new file name. */
const STOCK_TABLE_MAGIC = 'PBJIEBA1';
const STOCK_TABLE_HEADER = 20; // magic (8) + entry count (u32) + total frequency (f64)

/**
 * jieba's stock dictionary sorted by the UTF-8 bytes of each word, with line offsets: a word can be
 * looked up by binary search without parsing the 349k lines (reading the file costs a few ms). Used by
 * a segmenter that has not been warmed: it loads into jieba only the stock words that occur in the
 * texts it cuts, which segments exactly like the whole dictionary (see `createSegmenter`).
 */
export interface StockTable {
  /** `word freq tag\n` lines, sorted by the word's UTF-8 bytes. */
  text: Buffer;
  /** Byte offset of each line in `text`, then `text.length`. */
  offsets: Uint32Array;
  /** Sum of all frequencies: jieba's `total`, which every word's log probability is divided by. */
  total: number;
}

/** File of the sorted stock table for `minFreq` in `dir` (named by jieba's version and dictionary size). */
export function stockTablePath(dir: string, minFreq = DEFAULT_MIN_WORD_FREQUENCY): string {
  return join(dir, `jieba-2.0.2-${statSync(JIEBA_DICT).size}-min${minFreq}.sorted.bin`);
}

/** Builds the sorted table from jieba's stock dictionary (words rarer than `minFreq` left out): ~0.5 s. */
export function buildStockTable(minFreq = DEFAULT_MIN_WORD_FREQUENCY, cacheDir?: string): StockTable {
  const raw = stockDictionary(minFreq, cacheDir);
  // words as latin1 strings: one character per byte, so that string order is UTF-8 byte order
  const lines: { word: string; line: Buffer }[] = [];
  const byWord = new Map<string, number>(); // a repeated word: the last line wins, as in jieba
  let total = 0;
  for (let pos = 0; pos < raw.length; ) {
    let nl = raw.indexOf(10, pos);
    if (nl < 0) nl = raw.length;
    const sp = raw.indexOf(32, pos);
    if (sp > pos && sp < nl) {
      const sp2 = raw.indexOf(32, sp + 1);
      const freq = Number(raw.toString('latin1', sp + 1, sp2 > sp && sp2 < nl ? sp2 : nl));
      const key = raw.toString('latin1', pos, sp);
      const entry = { word: key, line: raw.subarray(pos, nl) };
      const prev = byWord.get(key);
      if (prev === undefined) {
        byWord.set(key, lines.length);
        lines.push(entry);
      } else {
        total -= lineFreq(lines[prev]!.line);
        lines[prev] = entry;
      }
      total += Number.isFinite(freq) ? freq : 0;
    }
    pos = nl + 1;
  }
  lines.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  const offsets = new Uint32Array(lines.length + 1);
  let size = 0;
  for (let i = 0; i < lines.length; i++) {
    offsets[i] = size;
    size += lines[i]!.line.length + 1;
  }
  offsets[lines.length] = size;
  const text = Buffer.allocUnsafe(size);
  for (let i = 0; i < lines.length; i++) {
    lines[i]!.line.copy(text, offsets[i]);
    text[offsets[i + 1]! - 1] = 10;
  }
  return { text, offsets, total };
}

function lineFreq(line: Buffer): number {
  const sp = line.indexOf(32);
  const sp2 = line.indexOf(32, sp + 1);
  const f = Number(line.toString('latin1', sp + 1, sp2 > sp ? sp2 : line.length));
  return Number.isFinite(f) ? f : 0;
}

/**
 * Writes the sorted stock table for `minFreq` into `dir` (atomically) unless it is there already.
 * Called where the index is built or opened (`openRetriever`), so that later processes — a one-question
 * `policybot ask` — need not load the whole dictionary. Returns the file, or undefined when `dir` cannot
 * be written (the segmenter then loads the whole dictionary, as before).
 */
export function ensureStockTable(dir: string, minFreq = DEFAULT_MIN_WORD_FREQUENCY): string | undefined {
  const file = stockTablePath(dir, minFreq);
  if (existsSync(file)) return file; // checked when read: a corrupt one is removed there, and rebuilt next time
  const t = buildStockTable(minFreq, dir);
  const header = Buffer.alloc(STOCK_TABLE_HEADER);
  header.write(STOCK_TABLE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(t.offsets.length - 1, 8);
  header.writeDoubleLE(t.total, 12);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([header, Buffer.from(t.offsets.buffer, t.offsets.byteOffset, t.offsets.byteLength), t.text]));
    renameSync(tmp, file);
    return file;
  } catch {
    return undefined; // a read-only data folder: every process loads the whole dictionary
  }
}

/** Reads a table written by `ensureStockTable`; undefined when missing, of another layout or truncated (never trusted). */
export function readStockTable(file: string): StockTable | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < STOCK_TABLE_HEADER || buf.toString('latin1', 0, 8) !== STOCK_TABLE_MAGIC) return undefined;
  const count = buf.readUInt32LE(8);
  const textStart = STOCK_TABLE_HEADER + 4 * (count + 1);
  if (buf.length < textStart) return undefined;
  const offsets =
    buf.byteOffset % 4 === 0
      ? new Uint32Array(buf.buffer, buf.byteOffset + STOCK_TABLE_HEADER, count + 1)
      : new Uint32Array(buf.buffer.slice(buf.byteOffset + STOCK_TABLE_HEADER, buf.byteOffset + textStart));
  if (offsets[count] !== buf.length - textStart) return undefined;
  return { text: buf.subarray(textStart), offsets, total: buf.readDoubleLE(12) };
}

/**
 * Compares the word of the line at `start` (up to its space) with `key[0..end)` bytewise: < 0, 0, > 0.
 * Plain loops: words are a few bytes, and Buffer.compare's native call costs more than the comparison.
 */
function compareWord(text: Buffer, start: number, key: Buffer, end: number): number {
  for (let i = 0; ; i++) {
    const a = text[start + i]!;
    if (a === 32) return i === end ? 0 : -1; // the word ended first
    if (i === end) return 1; // the key ended first
    const b = key[i]!;
    if (a !== b) return a - b;
  }
}

/** Whether the word of the line at `start` begins with `key[0..end)`. */
function wordHasPrefix(text: Buffer, start: number, key: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const a = text[start + i]!;
    if (a === 32 || a !== key[i]) return false;
  }
  return true;
}

/** Index of the first line whose word is ≥ `key[0..keyEnd)` (bytewise), searching `[lo, hi)`. */
function lowerBound(t: StockTable, key: Buffer, keyEnd: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareWord(t.text, t.offsets[mid]!, key, keyEnd) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The line of stock word `word`, or undefined when the dictionary does not have it. */
export function stockLine(t: StockTable, word: string): string | undefined {
  const key = Buffer.from(word, 'utf8');
  const i = lowerBound(t, key, key.length, 0, t.offsets.length - 1);
  if (i >= t.offsets.length - 1) return undefined;
  const start = t.offsets[i]!;
  if (compareWord(t.text, start, key, key.length) !== 0) return undefined;
  return t.text.toString('utf8', start, t.offsets[i + 1]! - 1);
}

/**
 * The lines of every stock word that occurs in `text` (as a substring, at character boundaries), each
 * once, by binary search per start position and growing prefix. Cost: ~20 comparisons per character
 * and word length, microseconds for a question.
 */
export function stockWordsIn(t: StockTable, text: string): Map<string, string> {
  const found = new Map<string, string>();
  const bytes = Buffer.from(text, 'utf8');
  const count = t.offsets.length - 1;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i]! & 0xc0) === 0x80) continue; // not the start of a character
    const key = bytes.subarray(i);
    let lo = 0;
    let hi = count;
    for (let end = 1; end <= key.length; end++) {
      if (end < key.length && (key[end]! & 0xc0) === 0x80) continue; // grow by whole characters
      lo = lowerBound(t, key, end, lo, hi);
      if (lo >= hi) break;
      const start = t.offsets[lo]!;
      // no word starts with this prefix: a longer one cannot either
      if (!wordHasPrefix(t.text, start, key, end)) break;
      if (t.text[start + end] === 32) {
        const word = key.toString('utf8', 0, end);
        if (!found.has(word)) found.set(word, t.text.toString('utf8', start, t.offsets[lo + 1]! - 1));
      }
      // the words with this prefix form the range [lo, hi') — narrow hi to it for the next, longer prefix
      hi = upperBoundPrefix(t, key, end, lo, hi);
    }
  }
  return found;
}

/** First line in `[lo, hi)` whose word does not start with `key[0..end)` (all before it do). */
function upperBoundPrefix(t: StockTable, key: Buffer, end: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wordHasPrefix(t.text, t.offsets[mid]!, key, end)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A word no text contains (private-use characters): it carries the frequency of the stock words not
 * loaded yet, so that jieba's total — and with it every word's log probability — is the whole
 * dictionary's.
 */
const REST_WORD = '\ue000\ue001\ue002\ue003';

/**
 * Default of `SegmenterOptions.lazyCharBudget`: 20,000 characters (a thousand questions) are cut with
 * words loaded as they occur; more (an index build) loads the whole dictionary, which is then cheaper.
 */
export const LAZY_CHAR_BUDGET = 20_000;

const cache = new Map<string, Segmenter>();

/**
 * Creates (or reuses) a segmenter. Loading jieba's stock dictionary takes ~0.25 s (~0.15 s trimmed), so it
 * happens on the first cut (or `warm()`), and instances are cached per dictionary content.
 *
 * Without `warm()`, and when `cacheDir` holds the sorted stock table (`ensureStockTable`), a cut loads
 * only the stock words that occur in its text, plus `REST_WORD` with the frequency of all the others:
 * jieba (no HMM) builds its DAG from the dictionary words that are substrings of the text and weighs
 * each by log(freq / total), so it cuts exactly as with the whole dictionary (the user dictionary is
 * loaded after the stock words it overrides, as in the full load). After `lazyCharBudget` characters
 * it loads the whole dictionary. test/retrieval/segment-lazy.test.ts holds the two equal on the corpus
 * and the dev questions.
 */
export function createSegmenter(opts: SegmenterOptions = {}): Segmenter {
  let userDict = opts.dictionaryText ?? '';
  if (opts.dictionaryFile && existsSync(opts.dictionaryFile)) userDict = readFileSync(opts.dictionaryFile, 'utf8') + '\n' + userDict;
  const minFreq = opts.minWordFrequency ?? DEFAULT_MIN_WORD_FREQUENCY;
  // the fingerprint hashes the dictionary as written (cleaning it needs OpenCC: that waits for the first cut)
  const fingerprint = createHash('sha256')
    .update(`jieba-2.0.2 min${minFreq} raw\n`)
    .update(userDict)
    .update([...STOP_WORDS].join(' '))
    .digest('hex')
    .slice(0, 16);
  const budget = opts.lazyCharBudget ?? LAZY_CHAR_BUDGET;
  const key = `${fingerprint} ${opts.lazy === false ? 'full' : `${opts.cacheDir ?? ''} ${budget}`}`;
  const cached = cache.get(key);
  if (cached) return cached;

  // jieba's dictionary (~0.25 s to load) is loaded on the first cut, not here: a process that only
  // checks or rebuilds nothing (an unchanged `ingest`, `config`, the rules) never pays for it.
  let loaded: Jieba | undefined;
  const full = (): Jieba => {
    if (loaded) return loaded;
    const jieba = Jieba.withDict(stockDictionary(minFreq, opts.cacheDir));
    const cleaned = cleanDictionary(userDict);
    if (cleaned) jieba.loadDict(Buffer.from(cleaned, 'utf8'));
    lazy = undefined;
    return (loaded = jieba);
  };
  let placeWords: { words: Set<string>; stopWords: string[] } | undefined;
  let lazy: { jieba: Jieba; table: StockTable; user: Set<string>; has: Set<string>; rest: number; chars: number } | undefined;
  let lazyTried = opts.lazy === false || !opts.cacheDir;
  const startLazy = (): typeof lazy => {
    lazyTried = true;
    const file = stockTablePath(opts.cacheDir!, minFreq);
    const table = readStockTable(file);
    if (!table) {
      if (existsSync(file)) rmSync(file, { force: true }); // corrupt or of another layout: rebuilt by the next ensureStockTable
      return undefined;
    }
    const cleaned = cleanDictionary(userDict);
    const user = new Set(cleaned ? cleaned.split('\n').map((l) => l.slice(0, l.indexOf(' '))) : []);
    // the stock entries of user words first, so that the user dictionary replaces them as in the full load
    const first: string[] = [];
    let rest = table.total;
    const has = new Set<string>();
    for (const w of user) {
      const line = stockLine(table, w);
      if (line === undefined) continue;
      first.push(line);
      has.add(w);
      rest -= lineFreq(Buffer.from(line, 'utf8'));
    }
    const jieba = Jieba.withDict(Buffer.from([...first, `${REST_WORD} ${rest} x`].join('\n'), 'utf8'));
    if (cleaned) jieba.loadDict(Buffer.from(cleaned, 'utf8'));
    return (lazy = { jieba, table, user, has, rest, chars: 0 });
  };
  /** The jieba instance to cut `text` with: the whole dictionary, or the lazy one with `text`'s words loaded. */
  const j = (text: string): Jieba => {
    if (loaded) return loaded;
    if (!lazy && (lazyTried || !startLazy())) return full();
    const l = lazy!;
    l.chars += text.length;
    if (l.chars > budget) return full();
    const add: string[] = [];
    for (const [w, line] of stockWordsIn(l.table, text)) {
      if (l.has.has(w) || l.user.has(w)) continue;
      l.has.add(w);
      add.push(line);
      l.rest -= lineFreq(Buffer.from(line, 'utf8'));
    }
    if (add.length) {
      add.push(`${REST_WORD} ${l.rest} x`); // replaces the rest's frequency: jieba's total stays the same
      l.jieba.loadDict(Buffer.from(add.join('\n'), 'utf8'));
    }
    return l.jieba;
  };

  const seg: Segmenter = {
    fingerprint,
    cut: (text) => (text ? j(text).cutForSearch(text, false) : []),
    warm() {
      full();
      // the place-word set too (~20 ms), so that the first question does not pay for it
      placeWords ??= loadPlaceWords(stockDictionary(minFreq, opts.cacheDir), cleanDictionary(userDict));
    },
    dictionaryState: () =>
      loaded ? { state: 'whole', words: 0 } : lazy ? { state: 'lazy', words: lazy.has.size } : { state: 'none', words: 0 },
    tokens(text, o = {}) {
      const out: string[] = [];
      seg.visitTokens(
        text,
        o,
        (w) => out.push(w),
        (a, b) => out.push(BIGRAM_PREFIX + String.fromCharCode(a, b)),
      );
      return out;
    },
    visitTokens(text, o, word, bigram) {
      if (!text) return;
      const keepStop = o.keepStopWords === true;
      for (const w of j(text).cutForSearch(text, false)) {
        let t = w;
        // fast path (most words): starts with a CJK letter and ends with no space, so trim() would keep it
        // and WORD_CHAR would match; otherwise the general test
        if (!(cjkLetters[w.charCodeAt(0)] === 1 && !isSpace(w.charCodeAt(w.length - 1)))) {
          t = w.trim();
          if (!t || !WORD_CHAR.test(t)) continue;
        }
        if (!keepStop && STOP_WORDS.has(t)) continue;
        word(t);
      }
      if (o.bigrams !== false) {
        // the character bigrams of every maximal CJK run (as text.match(CJK_RUN) would give the runs)
        let prev = -1;
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (isCjk(c)) {
            if (prev >= 0) bigram(prev, c);
            prev = c;
          } else prev = -1;
        }
      }
    },
    placeNames(text, words) {
      if (!text) return [];
      if (words && loaded) {
        const ns = (placeWords ??= loadPlaceWords(stockDictionary(minFreq, opts.cacheDir), cleanDictionary(userDict)));
        if (!words.some((w) => ns.words.has(w)) && !ns.stopWords.some((w) => text.includes(w))) return [];
      }
      return j(text)
        .tag(text, false)
        .filter((t) => t.tag === 'ns' && CJK.test(t.word))
        .map((t) => t.word);
    },
    isStopWord: (t) => STOP_WORDS.has(t),
    generalIdf: (w) => lookupGeneralIdf(w) ?? 12,
  };
  cache.set(fingerprint, seg);
  return seg;
}

/**
 * Every word that the stock or the user dictionary tags `ns` (a superset of what the tagger can call a
 * place: an entry overridden with another tag stays in), and those of them that are stop words (the
 * tokens leave them out, so a text is searched for them instead; none today — a guard for a stop word
 * added later). About 17k words, ~20 ms, once.
 */
function loadPlaceWords(stock: Buffer, user: string): { words: Set<string>; stopWords: string[] } {
  const words = new Set<string>();
  const text = stock.toString('utf8');
  for (let pos = 0; pos < text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.charCodeAt(nl - 1) === 13 ? text.slice(pos, nl - 1) : text.slice(pos, nl);
    if (line.endsWith(' ns')) words.add(line.slice(0, line.indexOf(' ')));
    pos = nl + 1;
  }
  for (const line of user.split('\n')) {
    const parts = line.split(' ');
    if (parts[2] === 'ns' && parts[0]) words.add(parts[0]);
  }
  return { words, stopWords: [...STOP_WORDS].filter((w) => words.has(w)) };
}

/** Keeps only well-formed dictionary lines (`word [freq] [tag]`), so a typo cannot break jieba. */
function cleanDictionary(text: string): string {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const parts = line.split(/\s+/);
    const word = normalizeForSearch(parts[0]!);
    const freq = parts[1] && /^\d+$/.test(parts[1]) ? parts[1] : '2000';
    const tag = parts[2] ?? 'n';
    lines.push(`${word} ${freq} ${tag}`);
  }
  return lines.join('\n');
}
