/**
 * Groups gap-log entries by similar question, for `policybot gaps` and /admin: questions whose
 * character-bigram sets overlap by at least `similarity` (Jaccard) fall into one group, greedily,
 * most frequent first. Pure.
 */
import type { GapKind, GapRecord } from './types.ts';

/** Options of `groupGaps`. */
export interface GroupOptions {
  /** Jaccard similarity of character bigrams (0–1) at or above which two questions are one group; default 0.5. */
  similarity?: number;
}

export interface GapGroup {
  /** The most frequent question of the group (ties: the newest). */
  question: string;
  count: number;
  kinds: Partial<Record<GapKind, number>>;
  channels: string[];
  /** Other phrasings in the group (distinct, at most 5). */
  variants: string[];
  /** The most frequent best clause (`docId 条款`), when any. */
  bestClause: string | null;
  /** 👎 reasons given (distinct, at most 5). */
  reasons: string[];
  lastAt: number;
}

function bigrams(s: string): Set<string> {
  const chars = [...s.toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '')];
  const out = new Set<string>();
  if (chars.length === 1) out.add(chars[0]!);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return out;
}

/** Jaccard similarity of two bigram sets. */
export function similarity(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

function mostFrequent(values: string[]): string | null {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestN = 0;
  for (const [v, c] of n) if (c > bestN) [best, bestN] = [v, c];
  return best;
}

/** Groups the records (any order); groups come out by count, then most recent. */
export function groupGaps(records: GapRecord[], opts: GroupOptions = {}): GapGroup[] {
  const threshold = opts.similarity ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`groupGaps: similarity must be between 0 and 1 (got ${threshold})`);
  // distinct questions, most frequent first, so that a group's seed is its most common phrasing
  const byQuestion = new Map<string, GapRecord[]>();
  for (const r of records) byQuestion.set(r.question, [...(byQuestion.get(r.question) ?? []), r]);
  const distinct = [...byQuestion.entries()].sort(
    (a, b) => b[1].length - a[1].length || Math.max(...b[1].map((r) => r.at)) - Math.max(...a[1].map((r) => r.at)),
  );
  const clusters: { seed: Set<string>; questions: string[] }[] = [];
  for (const [q] of distinct) {
    const grams = bigrams(q);
    const home = clusters.find((c) => similarity(c.seed, grams) >= threshold);
    if (home) home.questions.push(q);
    else clusters.push({ seed: grams, questions: [q] });
  }
  const groups = clusters.map((c): GapGroup => {
    const rows = c.questions.flatMap((q) => byQuestion.get(q)!);
    const kinds: Partial<Record<GapKind, number>> = {};
    for (const r of rows) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    return {
      question: c.questions[0]!,
      count: rows.length,
      kinds,
      channels: [...new Set(rows.map((r) => r.channel))].sort(),
      variants: c.questions.slice(1, 6),
      bestClause: mostFrequent(rows.filter((r) => r.docId).map((r) => `${r.docId} ${r.clause ?? ''}`.trim())),
      reasons: [...new Set(rows.map((r) => r.reason).filter((x): x is string => !!x))].slice(0, 5),
      lastAt: Math.max(...rows.map((r) => r.at)),
    };
  });
  return groups.sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
}
