// Whether dist/ was compiled from the current sources — a stamp of every source file's path, size and
// mtime — and `refreshDist`, which brings a stale dist/ up to date by transpiling only the changed files
// with esbuild (no type check, like the tsx loader; `npm run build` and `npm ci` type-check).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SOURCE_DIRS = ['bot', 'retrieval', 'eligibility', 'text', 'tools', 'scripts'];

/** Every TypeScript source: `{ rel, sig }` with `sig` = "size:mtime", sorted by path. */
export function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const s = statSync(p);
        out.push({ rel: p.slice(root.length), sig: `${s.size}:${Math.floor(s.mtimeMs)}` });
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** A short fingerprint of the TypeScript sources (paths, sizes, modification times). */
export function sourceStamp(root, files = sourceFiles(root)) {
  const text = files.map((f) => `${f.rel}:${f.sig}`).join('\n');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return { files: files.length, hash: h.toString(16) };
}

const STAMP = 'build-stamp.json';
const FILES = 'build-files.json';

/** True when dist/ holds the compiled current sources. */
export function distIsFresh(root, stamp = sourceStamp(root)) {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'scripts', 'policybot.js'))) return false;
  try {
    const built = JSON.parse(readFileSync(join(dist, STAMP), 'utf8'));
    return built.hash === stamp.hash && built.files === stamp.files;
  } catch {
    return false;
  }
}

/** Writes the stamp and the per-file signatures of a finished build (scripts/build.mjs and `refreshDist`). */
export function writeStamp(root, files = sourceFiles(root)) {
  const dist = join(root, 'dist');
  writeFileSync(join(dist, FILES), `${JSON.stringify(Object.fromEntries(files.map((f) => [f.rel, f.sig])))}\n`);
  writeFileSync(join(dist, STAMP), `${JSON.stringify(sourceStamp(root, files))}\n`);
}

/** `./x.ts` → `./x.js` in the relative import specifiers of esbuild's output (what tsc's rewriteRelativeImportExtensions does). */
export function rewriteImports(code) {
  return code.replace(/(["'])(\.\.?\/[^"'\n]*?)\.ts\1/g, '$1$2.js$1');
}

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 60_000;

/**
 * Brings dist/ up to date with the sources by transpiling the files that changed since the last build
 * (all of them when dist/ has no per-file record) with esbuild, removing the output of deleted sources,
 * and writing a new stamp. Concurrent callers (parallel CLI processes) serialize on a lock folder.
 * Returns false when esbuild is unavailable or fails: the caller then runs the sources through tsx.
 */
export async function refreshDist(root) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const lock = join(dist, '.refresh.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    const files = sourceFiles(root);
    if (distIsFresh(root, sourceStamp(root, files))) return true; // another process just did it
    let before = {};
    try {
      before = JSON.parse(readFileSync(join(dist, FILES), 'utf8'));
    } catch {
      // no record: transpile everything
    }
    const now = new Set(files.map((f) => f.rel));
    for (const rel of Object.keys(before)) if (!now.has(rel)) rmSync(join(dist, rel.replace(/\.ts$/, '.js')), { force: true });
    const changed = files.filter((f) => before[f.rel] !== f.sig || !existsSync(join(dist, f.rel.replace(/\.ts$/, '.js'))));
    if (changed.length) {
      const r = await esbuild.build({
        entryPoints: changed.map((f) => join(root, f.rel)),
        outdir: dist,
        outbase: root,
        bundle: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      for (const out of r.outputFiles) {
        mkdirSync(dirname(out.path), { recursive: true });
        const tmp = `${out.path}.${process.pid}.tmp`;
        writeFileSync(tmp, rewriteImports(out.text));
        renameSync(tmp, out.path);
      }
    }
    writeStamp(root, files);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
