/**
 * Evaluation helpers and the baselines `policybot eval` measures in the same run:
 *
 *  (a) `naive-500`: fixed 500-character windows with 100 characters of overlap (the common RAG
 *      default), embedded with the same embedder, exact cosine ranking;
 *  (b) `minisearch-stock`: MiniSearch over the clause chunks with its stock tokenizer (splits on
 *      spaces and punctuation, so a Chinese sentence is one "word"; fuzzy and prefix search on);
 *  (c) `minisearch-bigram`: MiniSearch with a character-bigram tokenizer over plain paragraphs.
 *
 * A hit is correct when it is from the expected document and its text contains the expected phrase
 * (whitespace-insensitive, after the search normalization).
 *
 * @example
 * const set = loadDevSet('test/fixtures/retrieval-dev.yaml');
 * const metrics = scoreRuns(set.questions, runs, 0.5);
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type MiniSearchType from 'minisearch';
import { parse as parseYaml } from 'yaml';
import { cosine, type Embedder } from './embed.ts';
import { normalizeForSearch } from './segment.ts';
import type { PolicyDocument } from './types.ts';

/** One dev-set question. */
export interface DevQuestion {
  id: string;
  q: string;
  answerable: boolean;
  kind: 'direct' | 'paraphrase' | 'unanswerable';
  doc?: string;
  phrase?: string;
  /** Optional split label (e.g. `tune` / `check`) for `policybot eval --split`. */
  split?: string;
}

/** Loads and validates a dev set (YAML `questions: [{ id, q, doc, phrase, kind } | { id, q, answerable: false }]`). */
export function loadDevSet(file: string): { questions: DevQuestion[] } {
  const raw = parseYaml(readFileSync(file, 'utf8')) as { questions?: unknown[] };
  if (!raw || !Array.isArray(raw.questions)) throw new Error(`${file}: expected a "questions:" list`);
  const seen = new Set<string>();
  const questions = raw.questions.map((x, i) => {
    const o = x as Record<string, unknown>;
    const where = `${file}: questions[${i}]${o?.id ? ` (${String(o.id)})` : ''}`;
    if (!o || typeof o.q !== 'string' || !o.id) throw new Error(`${where}: needs "id" and "q"`);
    const id = String(o.id);
    if (seen.has(id)) throw new Error(`${where}: duplicate id`);
    seen.add(id);
    const answerable = o.answerable !== false;
    if (answerable && (typeof o.doc !== 'string' || o.phrase === undefined))
      throw new Error(`${where}: an answerable question needs "doc" and "phrase"`);
    return {
      id,
      q: o.q,
      answerable,
      kind: answerable ? (o.kind === 'paraphrase' ? 'paraphrase' : 'direct') : 'unanswerable',
      doc: answerable ? String(o.doc) : undefined,
      phrase: answerable ? String(o.phrase) : undefined,
      ...(o.split !== undefined ? { split: String(o.split) } : {}),
    } satisfies DevQuestion;
  });
  return { questions };
}

const squash = (s: string) => normalizeForSearch(s).replace(/\s+/g, '');

/** Whether a retrieved unit answers the question (document + phrase, whitespace-insensitive). */
export function isCorrect(q: DevQuestion, hit: { docId: string; text: string }): boolean {
  return !!q.doc && !!q.phrase && hit.docId === q.doc && squash(hit.text).includes(squash(q.phrase));
}

/** A system's answer to one question: ranked units plus an optional confidence. */
export interface RunResult {
  hits: { docId: string; text: string }[];
  confidence?: number;
}

/** Metrics of one system over a dev set. */
export interface Metrics {
  system: string;
  answerable: number;
  r1: number;
  r3: number;
  r5: number;
  mrr: number;
  /** Share of unanswerable questions with confidence below the threshold (undefined: no confidence). */
  abstainUnanswerable?: number;
  /** Share of answerable questions with confidence at or above the threshold. */
  keepAnswerable?: number;
  /** R@1 split by kind. */
  r1Direct: number;
  r1Paraphrase: number;
  /** Ids of answerable questions whose top hit is wrong. */
  misses: string[];
  /** Ids of unanswerable questions that were not abstained on / answerable ones that were. */
  wrongAbstain: string[];
}

/** Computes the metrics of one system from its per-question results. */
export function scoreRun(system: string, questions: DevQuestion[], results: Map<string, RunResult>, threshold: number): Metrics {
  const ans = questions.filter((q) => q.answerable);
  const un = questions.filter((q) => !q.answerable);
  let r1 = 0,
    r3 = 0,
    r5 = 0,
    mrr = 0,
    d1 = 0,
    dN = 0,
    p1 = 0,
    pN = 0;
  const misses: string[] = [];
  const wrongAbstain: string[] = [];
  let keep = 0;
  let hasConf = false;
  for (const q of ans) {
    const r = results.get(q.id);
    const rank = r ? r.hits.slice(0, 10).findIndex((h) => isCorrect(q, h)) : -1;
    if (rank === 0) r1++;
    else misses.push(q.id);
    if (rank >= 0 && rank < 3) r3++;
    if (rank >= 0 && rank < 5) r5++;
    if (rank >= 0) mrr += 1 / (rank + 1);
    if (q.kind === 'paraphrase') {
      pN++;
      if (rank === 0) p1++;
    } else {
      dN++;
      if (rank === 0) d1++;
    }
    if (r?.confidence !== undefined) {
      hasConf = true;
      if (r.confidence >= threshold) keep++;
      else wrongAbstain.push(q.id);
    }
  }
  let abstain = 0;
  for (const q of un) {
    const r = results.get(q.id);
    if (r?.confidence !== undefined) {
      hasConf = true;
      if (r.confidence < threshold) abstain++;
      else wrongAbstain.push(q.id);
    }
  }
  const n = Math.max(1, ans.length);
  return {
    system,
    answerable: ans.length,
    r1: r1 / n,
    r3: r3 / n,
    r5: r5 / n,
    mrr: mrr / n,
    abstainUnanswerable: hasConf ? abstain / Math.max(1, un.length) : undefined,
    keepAnswerable: hasConf ? keep / n : undefined,
    r1Direct: d1 / Math.max(1, dN),
    r1Paraphrase: p1 / Math.max(1, pN),
    misses,
    wrongAbstain,
  };
}

/** A searchable baseline. */
export interface Baseline {
  name: string;
  search(query: string, k: number): Promise<RunResult> | RunResult;
}

type Doc = Pick<PolicyDocument, 'id' | 'text'>;

/** Fixed-size character windows with overlap over each document's text (no structure). */
export function naiveWindows(documents: Doc[], size = 500, overlap = 100): { docId: string; text: string }[] {
  const out: { docId: string; text: string }[] = [];
  const step = Math.max(1, size - overlap);
  for (const d of documents) {
    for (let i = 0; i < d.text.length; i += step) {
      out.push({ docId: d.id, text: d.text.slice(i, i + size) });
      if (i + size >= d.text.length) break;
    }
  }
  return out;
}

/** (a) naive 500-char windows + the same embedder, exact cosine. */
export async function naiveDenseBaseline(documents: Doc[], embedder: Embedder, size = 500, overlap = 100): Promise<Baseline> {
  const units = naiveWindows(documents, size, overlap);
  const vecs = await embedder.embedPassages(units.map((u) => u.text));
  return {
    name: `naive-${size} + ${embedder.modelId}`,
    async search(query, k) {
      const [qv] = await embedder.embedQueries([normalizeForSearch(query)]);
      const scored = units.map((u, i) => ({ u, s: cosine(qv!, vecs[i]!) })).sort((a, b) => b.s - a.s);
      return { hits: scored.slice(0, k).map((x) => x.u) };
    },
  };
}

/**
 * MiniSearch is a dev dependency (baselines and the bench only): loaded here, on first use, so that
 * nothing the bot runs needs it installed.
 */
export function loadMiniSearch(): typeof MiniSearchType {
  const mod = createRequire(import.meta.url)('minisearch') as typeof MiniSearchType | { default: typeof MiniSearchType };
  return 'default' in mod ? mod.default : mod;
}

function miniSearchBaseline(name: string, units: { docId: string; text: string }[], tokenize?: (t: string) => string[]): Baseline {
  const MiniSearch = loadMiniSearch();
  const ms = new MiniSearch<{ id: number; docId: string; text: string }>({
    fields: ['text'],
    storeFields: ['docId', 'text'],
    ...(tokenize ? { tokenize } : {}),
    searchOptions: tokenize ? {} : { prefix: true, fuzzy: 0.2 },
  });
  ms.addAll(units.map((u, i) => ({ id: i, ...u })));
  return {
    name,
    search(query, k) {
      const res = ms.search(query).slice(0, k);
      return { hits: res.map((r) => ({ docId: r.docId as string, text: r.text as string })) };
    },
  };
}

/** (b) MiniSearch with its stock tokenizer over the given units (the clause chunks). */
export function miniSearchStockBaseline(units: { docId: string; text: string }[]): Baseline {
  return miniSearchBaseline('minisearch-stock (clause chunks)', units);
}

/** Character bigrams of the CJK runs plus ASCII words (the MiniSearch "Chinese" recipe). */
export function bigramTokenize(text: string): string[] {
  const s = normalizeForSearch(text);
  const out: string[] = [];
  for (const run of s.match(/[\u4e00-\u9fff]+|[a-z0-9]+/g) ?? []) {
    if (/^[a-z0-9]/.test(run) || run.length === 1) out.push(run);
    else for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
}

/** (c) MiniSearch with a character-bigram tokenizer over plain paragraphs (non-empty lines). */
export function miniSearchBigramBaseline(documents: Doc[]): Baseline {
  const paras = documents.flatMap((d) =>
    d.text
      .split(/\n+/)
      .map((t) => t.trim())
      .filter(Boolean)
      .map((text) => ({ docId: d.id, text })),
  );
  return miniSearchBaseline('minisearch-bigram (paragraphs)', paras, bigramTokenize);
}
