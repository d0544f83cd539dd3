// Several light test files in one process (scripts/test.mjs), each still around its own hooks.
//
// `runGroup` imports the (bundled) files of a group one after the other while collecting the calls
// their top level makes to node:test (test, it, describe, suite, before, after, beforeEach, afterEach:
// Node's builtin exports are patched and synced, so the files' own `import { test } from 'node:test'`
// see the collectors), then replays each file's calls inside its own `describe('<file>')`: a file's
// before/after hooks run around its own tests only, and its tests run after the previous file's. A
// file that fails to load fails alone. The price of a process (≈ 0.35 s CPU for a bundled file on the
// 2-core VM) is paid once per group. Node places the tests of a grouped file at this module's lines:
// the suite's name says the file, and `node scripts/test.mjs <file>` runs it alone.
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

const nodeTest = createRequire(import.meta.url)('node:test');
const NAMES = ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'];
const real = Object.fromEntries(NAMES.map((n) => [n, nodeTest[n]]));

/** The calls being collected from the top level of the file being imported, or null (forward them). */
let collecting = null;

function deferred(fn) {
  const f = (...args) => {
    if (!collecting) return fn(...args);
    collecting.push(() => fn(...args));
    return undefined;
  };
  for (const m of ['skip', 'todo', 'only']) if (typeof fn[m] === 'function') f[m] = deferred(fn[m]);
  return f;
}

/**
 * Runs the files `[[name, url], …]` of one group: imports them one after the other (their top-level
 * code, awaits included, runs as it would alone), then one suite per file named `name`. The time each
 * import took (ms, which the suite's own duration leaves out) is written to `importTimesFile`.
 * `shareApp`: the files' `buildTestApp()` calls with the same overrides get one App
 * (test/helpers/app.ts reads the map set here), built by the first file that asks.
 * `sideBySide`: the files' suites run at the same time (inside one suite, SIDE_BY_SIDE_SUITE), for
 * files that mostly wait (timeouts, a database server), so that their waits overlap.
 */
export async function runGroup(files, importTimesFile, { shareApp = false, sideBySide = false } = {}) {
  if (shareApp) globalThis.__policybotSharedTestApps = new Map();
  for (const n of NAMES) nodeTest[n] = deferred(real[n]);
  syncBuiltinESMExports();
  const suites = [];
  const importMs = {};
  for (const [name, url] of files) {
    const calls = [];
    collecting = calls;
    let failure;
    const t0 = performance.now();
    try {
      await import(url);
    } catch (err) {
      failure = err;
    } finally {
      collecting = null;
    }
    importMs[name] = Math.round(performance.now() - t0);
    suites.push({ name, calls, failure });
  }
  if (importTimesFile) writeFileSync(importTimesFile, JSON.stringify(importMs));
  // Side by side, each file's own tests still run one after the other (concurrency 1 is not inherited).
  const options = sideBySide ? { concurrency: 1 } : {};
  const replay = () => {
    for (const { name, calls, failure } of suites) {
      if (failure)
        real.test(name, options, () => {
          throw failure;
        });
      else
        real.describe(name, options, () => {
          for (const call of calls) call();
        });
    }
  };
  if (sideBySide) real.describe(SIDE_BY_SIDE_SUITE, { concurrency: true }, replay);
  else replay();
}

/** The suite around the files of a side-by-side group (scripts/test-durations.mjs times the files inside it). */
export const SIDE_BY_SIDE_SUITE = 'files that mostly wait, side by side';
