// Whether dist/ was compiled from the current sources — a stamp of every source file's path, size and
// mtime — and `refreshDist`, which brings a stale dist/ up to date by transpiling only the changed files
// with esbuild (no type check, like the tsx loader; `npm run build` and `npm ci` type-check).
// `refreshBundle` then bundles the CLI (dispatcher + one entry per command, shared chunks) into
// dist-bundle/: one file per command instead of hundreds of modules to resolve at every start.
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

/** Takes a lock folder (atomic mkdir), waiting for another holder; a lock older than a minute is taken over. */
async function takeLock(lock) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** esbuild, or null when it cannot be loaded (the callers then fall back to running the sources through tsx). */
const loadEsbuild = () => import('esbuild').catch(() => null);

/**
 * Brings dist/ up to date with the sources by transpiling the files that changed since the last build
 * (all of them when dist/ has no per-file record) with esbuild, removing the output of deleted sources,
 * and writing a new stamp. Concurrent callers (parallel CLI processes) serialize on a lock folder.
 * Returns false when esbuild is unavailable or fails: the caller then runs the sources through tsx.
 */
export async function refreshDist(root) {
  const esbuild = await loadEsbuild();
  if (!esbuild) return false;
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const lock = join(dist, '.refresh.lock');
  if (!(await takeLock(lock))) return false;
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

/**
 * Pure-JavaScript packages on every command's start-up path, bundled into dist-bundle/ (loading their
 * hundreds of small modules one by one is much of a cold start). Every other package stays external:
 * native addons, packages that find files next to themselves, and the lazily loaded heavy ones.
 */
const OLD_CHUNK_MS = 24 * 3600_000;
const BUNDLED_PACKAGES = /^(zod|yaml|js-yaml)(\/|$)/;

/** True when dist-bundle/ was bundled from the current sources. */
export function bundleIsFresh(root, stamp = sourceStamp(root)) {
  try {
    const built = JSON.parse(readFileSync(join(root, 'dist-bundle', STAMP), 'utf8'));
    return built.hash === stamp.hash && built.files === stamp.files && existsSync(join(root, 'dist-bundle', 'scripts', 'policybot.js'));
  } catch {
    return false;
  }
}

/**
 * Bundles scripts/policybot.ts and scripts/commands/*.ts from the sources into dist-bundle/ (same depth
 * below the repository as dist/, so paths found from a module's own location still resolve; shared code
 * in dist-bundle/scripts/chunks/). Built under a lock (parallel starts build it once) in a temporary
 * folder, then moved into place file by file: chunks, entry files, stamp. Returns false when esbuild fails.
 */
export async function refreshBundle(root) {
  const esbuild = await loadEsbuild();
  if (!esbuild) return false;
  const out = join(root, 'dist-bundle');
  const lock = `${out}.lock`;
  if (!(await takeLock(lock))) return false;
  const files = sourceFiles(root);
  const stamp = sourceStamp(root, files);
  const work = `${out}.tmp-${process.pid}`;
  try {
    if (bundleIsFresh(root, stamp)) return true; // another process just built it
    rmSync(work, { recursive: true, force: true });
    const commands = readdirSync(join(root, 'scripts', 'commands'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, 'scripts', 'commands', f));
    await esbuild.build({
      // The web channel's assistant threads start from their own entry (bot/web/assistant-pool.ts).
      entryPoints: [join(root, 'scripts', 'policybot.ts'), ...commands, join(root, 'bot', 'web', 'assistant-worker.ts')],
      outdir: work,
      outbase: root,
      bundle: true,
      splitting: true,
      // Shared code, named by content: a later bundle adds chunks and never changes one, so a running
      // process can still load the chunks of its own bundle lazily.
      chunkNames: 'scripts/chunks/[name]-[hash]',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      // CommonJS packages inside the bundle (yaml) call require() for Node's modules.
      banner: {
        js: "import { createRequire as __pbCreateRequire } from 'node:module'; const require = __pbCreateRequire(import.meta.url);",
      },
      plugins: [
        {
          name: 'external-packages',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (a) => (BUNDLED_PACKAGES.test(a.path) ? undefined : { path: a.path, external: true }));
          },
        },
      ],
    });
    // Into place: chunks first (new names), then the entry files (each rename atomic), the stamp last.
    const chunks = join(out, 'scripts', 'chunks');
    const commandsOut = join(out, 'scripts', 'commands');
    mkdirSync(chunks, { recursive: true });
    mkdirSync(commandsOut, { recursive: true });
    const fresh = new Set(readdirSync(join(work, 'scripts', 'chunks')));
    for (const f of fresh) renameSync(join(work, 'scripts', 'chunks', f), join(chunks, f));
    const entries = new Set(readdirSync(join(work, 'scripts', 'commands')));
    for (const f of entries) renameSync(join(work, 'scripts', 'commands', f), join(commandsOut, f));
    for (const f of readdirSync(commandsOut)) if (!entries.has(f)) rmSync(join(commandsOut, f), { force: true });
    mkdirSync(join(out, 'bot', 'web'), { recursive: true });
    renameSync(join(work, 'bot', 'web', 'assistant-worker.js'), join(out, 'bot', 'web', 'assistant-worker.js'));
    renameSync(join(work, 'scripts', 'policybot.js'), join(out, 'scripts', 'policybot.js'));
    writeFileSync(join(out, STAMP), `${JSON.stringify(stamp)}\n`);
    // Chunks of earlier bundles: kept a day for processes still running them.
    for (const f of readdirSync(chunks))
      if (!fresh.has(f) && Date.now() - statSync(join(chunks, f)).mtimeMs > OLD_CHUNK_MS) rmSync(join(chunks, f), { force: true });
    rmSync(work, { recursive: true, force: true });
    return true;
  } catch {
    rmSync(work, { recursive: true, force: true });
    return false;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
