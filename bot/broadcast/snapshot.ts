/**
 * Corpus snapshots: the part of the ingested corpus that change detection compares (document hashes,
 * metadata, clause texts). Pure: building a snapshot from `readCorpus` output; persistence is in the
 * broadcast store (`outbox-sqlite.ts`).
 *
 * @example
 * const snap = buildSnapshot(await readCorpus(corpusDir), prev?.version ?? 0);
 */
import { createHash } from 'node:crypto';
import type { Chunk, PolicyDocument } from '../../retrieval/types.ts';
import type { CorpusSnapshot, SnapshotChunk, SnapshotDoc } from './types.ts';

/** The parts of a parsed corpus a snapshot needs. */
export interface CorpusInput {
  documents: Pick<PolicyDocument, 'id' | 'hash' | 'title' | 'docNumber' | 'issuer' | 'date' | 'level' | 'district'>[];
  chunks: Pick<Chunk, 'id' | 'docId' | 'clause' | 'text'>[];
}

/** Builds the snapshot of a parsed corpus; `version` is the number it will be stored under. */
export function buildSnapshot(corpus: CorpusInput, version: number, now = Date.now()): CorpusSnapshot {
  const docs: SnapshotDoc[] = corpus.documents
    .map((d) => ({
      id: d.id,
      hash: d.hash,
      meta: {
        title: d.title,
        ...(d.docNumber ? { docNumber: d.docNumber } : {}),
        issuer: d.issuer,
        date: d.date,
        level: d.level,
        ...(d.district ? { district: d.district } : {}),
      },
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Parts of a split clause (`…~2`) are joined back into one clause, in chunk order.
  const byBase = new Map<string, SnapshotChunk>();
  for (const c of corpus.chunks) {
    const base = c.id.replace(/~\d+$/, '');
    const hashAt = base.indexOf('#');
    const label = hashAt >= 0 ? base.slice(hashAt + 1) : c.clause;
    const prev = byBase.get(base);
    if (prev) prev.text += c.text;
    else byBase.set(base, { id: base, docId: c.docId, label, clause: c.clause, text: c.text });
  }
  return { version, corpusHash: corpusHash(docs), createdAt: now, docs, chunks: [...byBase.values()] };
}

/** sha256 over the sorted `id:hash` lines: equal hashes ⇔ the same files. */
export function corpusHash(docs: Pick<SnapshotDoc, 'id' | 'hash'>[]): string {
  const lines = docs.map((d) => `${d.id}:${d.hash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
