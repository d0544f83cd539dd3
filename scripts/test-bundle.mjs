// The test bundle of `npm test` (scripts/test.mjs): every test file bundled with esbuild into
// dist-test/ (one entry per test file, the modules they share in dist-test/chunks/), run by plain
// `node --test` instead of `node --import tsx`. Loading a bundle costs a process a fraction of what
// resolving and transpiling the TypeScript module graph does (≈ 0.3 s against ≈ 0.85 s for bot/app.ts
// on the 2-core VM), and `npm test` starts one process per test file.
//
// - Same behaviour as the sources: in the repository's own modules `import.meta.url`, `.dirname` and
//   `.filename` are replaced by those of the SOURCE file, so paths found from a module's location
//   (corpus/, locales, fixtures, PROJECT_ROOT) are the ones tsx would give. Packages stay external
//   (native addons, packages that find files next to themselves), as in the CLI bundle.
// - Child entries: the files tests start as a process or thread (CHILD_ENTRIES) are bundled too;
//   test/helpers/child.ts finds them (POLICYBOT_TEST_BUNDLE names dist-test/), and the assistant pool
//   finds its bundled worker through the `__PB_TEST_BUNDLE_WORKER__` constant defined here.
// - Never stale: the stamp records the entry list and the SHA-256 of every input esbuild read (the
//   metafile: sources, test files, bundled packages) and of this file; the bundle is rebuilt when any
//   of them differs. Built in a temporary folder under a lock, then moved into place.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
/** Files that tests start as a child process or worker thread, and the runner's PostgreSQL starter (scripts/test.mjs). */
export const CHILD_ENTRIES = ['bot/web/assistant-worker.ts', 'test/import/inbox-child.ts', 'tools/postgres-tempserver.ts'];
/** Pure-JavaScript packages bundled in (as in the CLI bundle, scripts/freshness.mjs); every other package stays external. */
const BUNDLED_PACKAGES = /^(zod|yaml|js-yaml)(\/|$)/;
const STAMP = 'test-bundle-stamp.json';

/** Every `*.test.ts` under test/, relative to the repository, sorted. */
export function testFiles(root) {
  const walk = (dir) =>
    readdirSync(join(root, dir))
      .sort()
      .flatMap((n) => {
        const rel = `${dir}/${n}`;
        return statSync(join(root, rel)).isDirectory() ? walk(rel) : n.endsWith('.test.ts') ? [rel] : [];
      });
  return walk('test');
}

/** `test/x/y.test.ts` → its bundled file (absolute). */
export function bundledPath(out, rel) {
  return join(out, rel.replace(/\.ts$/, '.js'));
}

const sha = (file) => {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 20);
  } catch {
    return 'missing';
  }
};

function isFresh(root, out, entries) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(out, STAMP), 'utf8'));
  } catch {
    return false;
  }
  if (stamp.self !== sha(SELF) || JSON.stringify(stamp.entries) !== JSON.stringify(entries)) return false;
  if (!entries.every((e) => existsSync(bundledPath(out, e)))) return false;
  return Object.entries(stamp.inputs).every(([rel, h]) => sha(join(root, rel)) === h);
}

async function takeLock(lock) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`test bundle: ${lock} is held by another run; remove it if no \`npm test\` is running`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Replaces `import.meta.url/dirname/filename` by the source file's own (a module of this repository). */
function sourceMeta(path, text) {
  if (!text.includes('import.meta')) return text;
  return text
    .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
    .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)))
    .replaceAll('import.meta.filename', JSON.stringify(path));
}

/**
 * Brings `<root>/dist-test` up to date with the test files and everything they import; returns
 * `{ dir, built, ms }`. Throws with esbuild's messages when a file cannot be bundled.
 */
export async function refreshTestBundle(root) {
  const out = join(root, 'dist-test');
  const entries = [...testFiles(root), ...CHILD_ENTRIES].sort();
  const t0 = performance.now();
  if (isFresh(root, out, entries)) return { dir: out, built: false, ms: performance.now() - t0 };
  const lock = `${out}.lock`;
  await takeLock(lock);
  const work = `${out}.tmp-${process.pid}`;
  try {
    if (isFresh(root, out, entries)) return { dir: out, built: false, ms: performance.now() - t0 };
    const esbuild = await import('esbuild');
    rmSync(work, { recursive: true, force: true });
    const nodeModules = `${sep}node_modules${sep}`;
    const r = await esbuild.build({
      entryPoints: entries.map((e) => join(root, e)),
      outdir: work,
      outbase: root,
      bundle: true,
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      metafile: true,
      absWorkingDir: root,
      logLevel: 'silent',
      define: { __PB_TEST_BUNDLE_WORKER__: JSON.stringify(pathToFileURL(join(out, 'bot', 'web', 'assistant-worker.js')).href) },
      // CommonJS packages inside the bundle (yaml) call require() for Node's modules.
      banner: {
        js: "import { createRequire as __pbCreateRequire } from 'node:module'; const require = __pbCreateRequire(import.meta.url);",
      },
      plugins: [
        {
          name: 'policybot-test',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (a) => (BUNDLED_PACKAGES.test(a.path) ? undefined : { path: a.path, external: true }));
            build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (a) => {
              if (a.path.includes(nodeModules)) return undefined;
              const loader = /\.m?ts$/.test(a.path) ? 'ts' : 'js';
              return { contents: sourceMeta(a.path, readFileSync(a.path, 'utf8')), loader };
            });
          },
        },
      ],
    });
    const inputs = Object.fromEntries(
      Object.keys(r.metafile.inputs)
        .filter((p) => !p.includes(':')) // esbuild's virtual modules
        .map((p) => [p, sha(join(root, p))]),
    );
    writeFileSync(join(work, STAMP), `${JSON.stringify({ self: sha(SELF), entries, inputs }, null, 1)}\n`);
    rmSync(out, { recursive: true, force: true });
    renameSync(work, out);
    return { dir: out, built: true, ms: performance.now() - t0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

/** `dist-test/test/x/y.test.js` (absolute or relative) → `test/x/y.test.ts`; other paths unchanged. */
export function sourceOfBundled(root, file) {
  const rel = relative(root, file).split(sep).join('/');
  const m = /^dist-test\/(.+)\.js$/.exec(rel);
  return m ? `${m[1]}.ts` : rel;
}
