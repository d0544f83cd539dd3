/**
 * One search index and one trained offline embedder per test run, shared by every test file.
 *
 * Building them takes seconds (training the static embedder, embedding every clause, hnswlib), and
 * every file that opens the real app used to do it again in its own DATA_DIR. `seededDataDir()` returns a
 * fresh temporary DATA_DIR that already holds a copy of `index/`, `models/` and `segmenter/` (the sorted
 * jieba dictionary of one-shot processes), built once under
 * `data/test-cache/<key>/` (git-ignored). The key hashes everything that shapes those files — the corpus
 * and the retrieval sources — so an edit to either builds a new seed; the app still verifies the copy's
 * manifest against the corpus and rebuilds it if anything disagrees, so a stale seed costs time, never
 * correctness. Concurrent test processes build it once: the first takes a lock (an atomic `mkdir`),
 * the others wait for the finished folder, which appears by an atomic rename.
 *
 * Temporary folders made here are removed when the test process exits; `npm test` (scripts/test.mjs)
 * also runs every file under a temporary TMPDIR that it removes at the end.
 *
 * @example
 * const dataDir = await seededDataDir();      // index + embedder ready, private to this test
 * spawnSync(cli, ['ask', '…'], { env: { DATA_DIR: dataDir } });
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../bot/config.ts';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder removed when this process exits. */
export function tempDir(prefix = 'pb-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Inputs of the seed: the corpus and the code that turns it into index files and the embedder. */
const KEY_SOURCES = ['corpus', 'retrieval', 'text', 'bot/config.ts', 'bot/retrieval-config.ts', 'bot/app.ts'];

function filesUnder(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => filesUnder(join(path, n)));
}

/** Hash of the seed's inputs (a few hundred KB of text: a few milliseconds). */
export function seedKey(root = PROJECT_ROOT): string {
  const h = createHash('sha256');
  for (const src of KEY_SOURCES) {
    for (const f of filesUnder(join(root, src))) {
      h.update(f.slice(root.length));
      h.update(readFileSync(f));
    }
  }
  return h.digest('hex').slice(0, 16);
}

const CACHE = join(PROJECT_ROOT, 'data', 'test-cache');
const STALE_LOCK_MS = 5 * 60_000;
const WAIT_MS = 180_000;

let seedPromise: Promise<string> | undefined;

/** The folder holding the shared `index/` and `models/` (built on first use in this run). */
export function seedDir(): Promise<string> {
  seedPromise ??= buildSeed();
  return seedPromise;
}

async function buildSeed(): Promise<string> {
  const dir = join(CACHE, seedKey());
  const lock = `${dir}.lock`;
  mkdirSync(CACHE, { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(dir)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another process builds it; take over a lock left by a killed one.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`test seed: waited ${WAIT_MS / 1000}s for ${dir} (lock ${lock}); remove the lock if no test run is active`);
      await sleep(100);
      continue;
    }
    try {
      if (existsSync(dir)) break;
      const work = `${dir}.tmp-${process.pid}`;
      rmSync(work, { recursive: true, force: true });
      // Imported here so that tests that never need the app do not load it.
      const { buildApp } = await import('../../bot/app.ts');
      const { parseConfig } = await import('../../bot/config.ts');
      const { silentLogger } = await import('../../bot/logger.ts');
      await buildApp(parseConfig({ DATA_DIR: work, LOG_LEVEL: 'silent' }), { logger: silentLogger });
      // the sorted jieba dictionary one-shot processes (`policybot ask`) read, as `ingest` writes it
      const { ensureStockTable } = await import('../../retrieval/segment.ts');
      ensureStockTable(join(work, 'segmenter'));
      for (const leftover of readdirSync(work))
        if (!['index', 'models', 'segmenter'].includes(leftover)) rmSync(join(work, leftover), { recursive: true, force: true });
      renameSync(work, dir);
      // Seeds of earlier sources are never used again.
      for (const old of readdirSync(CACHE))
        if (/^[0-9a-f]{16}$/.test(old) && join(CACHE, old) !== dir) rmSync(join(CACHE, old), { recursive: true, force: true });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/** A fresh DATA_DIR (removed at exit) with a private copy of the shared index and embedder. */
export async function seededDataDir(prefix = 'pb-data-'): Promise<string> {
  const seed = await seedDir();
  const d = tempDir(prefix);
  cpSync(seed, d, { recursive: true });
  return d;
}
