/**
 * Test helpers: the repository paths, the shared rankings table (when present) and the corpus chunks
 * (from retrieval/corpus.ts `readCorpus` when it exists, otherwise a minimal clause splitter).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Chunk } from '../../retrieval/types.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = join(REPO, 'corpus');
export const RULES_DIR = join(CORPUS_DIR, 'rules');
export const FIXTURES = join(REPO, 'test', 'fixtures');
/** The shared rankings table; never copied into the repository. */
export const RANKINGS_FILE = resolve(REPO, '..', 'shared', 'data', 'rankings', 'top200.csv');
export const HAVE_RANKINGS = existsSync(RANKINGS_FILE);
export const NO_RANKINGS_REASON = `rankings table not found at ${RANKINGS_FILE}`;

let cached: { chunks: Chunk[]; source: string } | undefined;

/** Chunks of the real corpus; `source` says whether readCorpus or the fallback splitter made them. */
export async function corpusChunks(): Promise<{ chunks: Chunk[]; source: string }> {
  if (cached) return cached;
  const corpusModule = join(REPO, 'retrieval', 'corpus.ts');
  if (existsSync(corpusModule)) {
    const mod = (await import('../../retrieval/corpus.ts')) as {
      readCorpus?: (dir: string, opts?: unknown) => { chunks: Chunk[] } | Promise<{ chunks: Chunk[] }>;
    };
    if (mod.readCorpus) {
      const res = await mod.readCorpus(CORPUS_DIR);
      cached = { chunks: res.chunks, source: 'readCorpus' };
      return cached;
    }
  }
  cached = { chunks: fallbackChunks(join(CORPUS_DIR, 'documents')), source: 'fallback' };
  return cached;
}

/** Minimal clause splitter for tests: one chunk per line that starts with a clause label. */
export function fallbackChunks(dir: string): Chunk[] {
  const out: Chunk[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.md'))) {
    const docId = f.replace(/\.md$/, '');
    const body = readFileSync(join(dir, f), 'utf8').replace(/^---[\s\S]*?\n---\n/, '');
    let path: string[] = [];
    let offset = 0;
    for (const line of body.split('\n')) {
      const m =
        /^\s*([一二三四五六七八九十]+)、/.exec(line) ??
        /^\s*[（(]([一二三四五六七八九十]+)[）)]/.exec(line) ??
        /^\s*(\d+)[、.．]/.exec(line);
      if (m) {
        let clause = m[1]!;
        if (/^\s*[（(]/.test(line)) {
          clause = `（${clause}）`;
          path = [path[0] ?? ''].filter(Boolean);
        } else if (/^\s*\d/.test(line)) path = path.slice(0, 2);
        else path = [];
        out.push({
          id: `${docId}#${[...path.map((p) => p.split(/[、）]/)[0]!), clause].join('/')}`,
          docId,
          title: docId,
          clause,
          path: [...path],
          start: offset,
          end: offset + line.length,
          text: line,
        });
        if (!/^\s*\d/.test(line)) path = [...path, line.slice(0, 20)];
      } else if (out.length && out[out.length - 1]!.docId === docId && line.trim()) {
        out[out.length - 1]!.text += line;
      }
      offset += line.length + 1;
    }
  }
  return out;
}
