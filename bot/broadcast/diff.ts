/**
 * Change detection: compares the previous corpus snapshot with the new one. Pure.
 *
 * Per document: added, removed, or changed (file hash differs AND the normalized clause texts or the
 * metadata differ — a whitespace-only edit is `cosmetic`, not a change). For a changed document the
 * clauses are matched in three passes:
 *   1. identical normalized text (whitespace and the leading clause label ignored) → unchanged, even
 *      when renumbered;
 *   2. remaining pairs by similarity (character-bigram Dice), preferring the same clause path:
 *      same path and similarity ≥ `sameLabelMin`, or any path and similarity ≥ `anyLabelMin` → modified;
 *   3. what is left over: added (new side) / removed (old side).
 *
 * @example
 * const diff = diffSnapshots(previous, current);
 * for (const c of diff.changes) console.log(c.kind, c.docId, c.clauses.length);
 */
import type { ClauseChange, CorpusDiff, CorpusSnapshot, DocChange, SnapshotChunk, SnapshotDocMeta } from './types.ts';

/** Thresholds of the clause matcher. */
export interface DiffOptions {
  /** Minimum similarity to pair two clauses under the same clause path (default 0.3). */
  sameLabelMin?: number;
  /** Minimum similarity to pair clauses under different paths (renumbered and edited; default 0.6). */
  anyLabelMin?: number;
}

const META_FIELDS: (keyof SnapshotDocMeta)[] = ['title', 'docNumber', 'issuer', 'date', 'level', 'district'];

/** A leading clause label: 第三条 / 三、 / （二） / (二) / 5. / 5、 / 5． — removed before comparing texts. */
const LEADING_LABEL =
  /^(?:第[一二三四五六七八九十百零〇\d]+[条章节]|[一二三四五六七八九十百零〇]+[、.．]|[（(][一二三四五六七八九十百零〇\d]+[）)]|\d+[.、．](?!\d))/u;

/** The text used to compare clauses: no whitespace, no leading clause label. */
export function comparableText(text: string): string {
  return text.replace(/\s+/gu, '').replace(LEADING_LABEL, '');
}

/** Character-bigram Dice coefficient of two strings (0..1; 1 for equal strings). */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const g = a.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let common = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2);
    const n = grams.get(g);
    if (n) {
      common++;
      grams.set(g, n - 1);
    }
  }
  return (2 * common) / (a.length - 1 + (b.length - 1));
}

/** Compares two snapshots; `previous` null means an empty library (every document is added). */
export function diffSnapshots(previous: CorpusSnapshot | null, current: CorpusSnapshot, opts: DiffOptions = {}): CorpusDiff {
  const prevDocs = new Map((previous?.docs ?? []).map((d) => [d.id, d]));
  const curDocs = new Map(current.docs.map((d) => [d.id, d]));
  const prevChunks = groupByDoc(previous?.chunks ?? []);
  const curChunks = groupByDoc(current.chunks);
  const changes: DocChange[] = [];
  const cosmetic: string[] = [];
  let unchanged = 0;

  for (const doc of current.docs) {
    const old = prevDocs.get(doc.id);
    const newClauses = curChunks.get(doc.id) ?? [];
    if (!old) {
      changes.push({
        kind: 'added',
        docId: doc.id,
        meta: doc.meta,
        metaChanges: [],
        clauses: newClauses.map((c) => ({ kind: 'added', clause: c.clause, label: c.label, newText: c.text })),
      });
      continue;
    }
    if (old.hash === doc.hash) {
      unchanged++;
      continue;
    }
    const metaChanges = META_FIELDS.filter((f) => (old.meta[f] ?? '') !== (doc.meta[f] ?? '')).map((f) => ({
      field: f,
      ...(old.meta[f] !== undefined ? { from: String(old.meta[f]) } : {}),
      ...(doc.meta[f] !== undefined ? { to: String(doc.meta[f]) } : {}),
    }));
    const clauses = diffClauses(prevChunks.get(doc.id) ?? [], newClauses, opts);
    if (!clauses.length && !metaChanges.length) {
      cosmetic.push(doc.id);
      continue;
    }
    changes.push({ kind: 'changed', docId: doc.id, meta: doc.meta, metaChanges, clauses });
  }
  for (const old of previous?.docs ?? []) {
    if (curDocs.has(old.id)) continue;
    changes.push({
      kind: 'removed',
      docId: old.id,
      meta: old.meta,
      metaChanges: [],
      clauses: (prevChunks.get(old.id) ?? []).map((c) => ({ kind: 'removed', clause: c.clause, label: c.label, oldText: c.text })),
    });
  }
  return { changes, cosmetic, unchanged };
}

/** Clause-level diff of one document (old and new clauses in document order). */
export function diffClauses(oldClauses: SnapshotChunk[], newClauses: SnapshotChunk[], opts: DiffOptions = {}): ClauseChange[] {
  const sameLabelMin = opts.sameLabelMin ?? 0.3;
  const anyLabelMin = opts.anyLabelMin ?? 0.6;
  const oldCmp = oldClauses.map((c) => comparableText(c.text));
  const newCmp = newClauses.map((c) => comparableText(c.text));
  const oldMatched = new Array<boolean>(oldClauses.length).fill(false);
  const newMatched = new Array<boolean>(newClauses.length).fill(false);

  // Pass 1: identical text. Same label first, then anywhere (renumbered).
  for (const sameLabelOnly of [true, false]) {
    for (let j = 0; j < newClauses.length; j++) {
      if (newMatched[j]) continue;
      for (let i = 0; i < oldClauses.length; i++) {
        if (oldMatched[i] || oldCmp[i] !== newCmp[j]) continue;
        if (sameLabelOnly && oldClauses[i]!.label !== newClauses[j]!.label) continue;
        oldMatched[i] = newMatched[j] = true;
        break;
      }
    }
  }

  // Pass 2: similar text, greedy by score (same label gets a bonus).
  const pairs: { i: number; j: number; sim: number; score: number }[] = [];
  for (let j = 0; j < newClauses.length; j++) {
    if (newMatched[j]) continue;
    for (let i = 0; i < oldClauses.length; i++) {
      if (oldMatched[i]) continue;
      const same = oldClauses[i]!.label === newClauses[j]!.label;
      const sim = similarity(oldCmp[i]!, newCmp[j]!);
      if ((same && sim >= sameLabelMin) || sim >= anyLabelMin) pairs.push({ i, j, sim, score: sim + (same ? 0.2 : 0) });
    }
  }
  pairs.sort((a, b) => b.score - a.score || a.j - b.j);
  const modifiedAt = new Map<number, ClauseChange>();
  for (const p of pairs) {
    if (oldMatched[p.i] || newMatched[p.j]) continue;
    oldMatched[p.i] = newMatched[p.j] = true;
    const o = oldClauses[p.i]!;
    const n = newClauses[p.j]!;
    modifiedAt.set(p.j, {
      kind: 'modified',
      clause: n.clause,
      label: n.label,
      ...(o.label !== n.label ? { oldLabel: o.label } : {}),
      oldText: o.text,
      newText: n.text,
      similarity: Math.round(p.sim * 1000) / 1000,
    });
  }

  // Pass 3: the rest, in document order (new side), removed clauses last (old order).
  const out: ClauseChange[] = [];
  for (let j = 0; j < newClauses.length; j++) {
    const m = modifiedAt.get(j);
    if (m) out.push(m);
    else if (!newMatched[j])
      out.push({ kind: 'added', clause: newClauses[j]!.clause, label: newClauses[j]!.label, newText: newClauses[j]!.text });
  }
  for (let i = 0; i < oldClauses.length; i++) {
    if (!oldMatched[i])
      out.push({ kind: 'removed', clause: oldClauses[i]!.clause, label: oldClauses[i]!.label, oldText: oldClauses[i]!.text });
  }
  return out;
}

function groupByDoc(chunks: SnapshotChunk[]): Map<string, SnapshotChunk[]> {
  const out = new Map<string, SnapshotChunk[]>();
  for (const c of chunks) {
    const list = out.get(c.docId);
    if (list) list.push(c);
    else out.set(c.docId, [c]);
  }
  return out;
}
