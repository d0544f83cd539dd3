#!/usr/bin/env node
// The test command (`npm test`, `npm run test:unit`): Node's test runner over test/**/*.test.ts.
//
//   node scripts/test.mjs            every test file
//   node scripts/test.mjs --unit     only the pure-logic files (no app, index, server or child process)
//   node scripts/test.mjs FILE...    the given files
//   node scripts/test.mjs --tsx …    the sources through tsx instead of the test bundle
//   node scripts/test.mjs --cpu …    also the CPU seconds of each file (with the processes it started)
//   node scripts/test.mjs --no-group …  every file in its own process
//   node scripts/test.mjs --plan …   print the processes (files and groups, longest first) and exit
//   node scripts/test.mjs --maps …   stack traces in TypeScript lines (--enable-source-maps: each process
//                                    then reads the bundle's source maps, ≈ 0.3 s more for a file that
//                                    loads the app, so it is off by default)
//
// - The test files run as esbuild bundles (scripts/test-bundle.mjs: dist-test/, rebuilt here whenever
//   any input changed, by content hash) through plain `node --test`: a process then starts in a third
//   of the time the TypeScript loader takes, and `npm test` starts one process per file.
// - Every file runs with TMPDIR pointing into one temporary folder that is removed at the end, so a run
//   leaves nothing behind in the system temp folder whatever a test forgets. tsx's transform cache is the
//   one exception: it is linked to the usual one, so that test processes and the CLI processes they spawn
//   do not transpile every source again in each run (the cache is keyed by content, like tsx's default).
// - Longest files first: each file's wall time is kept in data/test-cache/durations.json
//   (scripts/test-durations.mjs), and the next run starts the longest ones first, so that with two
//   workers they overlap the many short ones instead of running last. Files never timed yet are ordered
//   by a guess (those that build the app, start servers or spawn processes first).
// - One PostgreSQL server per run: when a chosen file uses test/helpers/postgres.ts, a throw-away server
//   (tools/postgres-tempserver.ts) is started here, once, while the first files already run; every file
//   gets its own database on it (POLICYBOT_TEST_POSTGRES names the file with its URL) and the server is
//   stopped at the end. A file run on its own (`node --test …`) starts its own server instead.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledPath, refreshTestBundle, sourceOfBundled, testFiles } from './test-bundle.mjs';

const started = performance.now();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const viaTsx = args.includes('--tsx');
const cpu = args.includes('--cpu');
const maps = args.includes('--maps');
const grouping = !args.includes('--no-group');
const plan = args.includes('--plan');
const named = args.filter((a) => !a.startsWith('--'));

function find(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? find(p) : n.endsWith('.test.ts') ? [p] : [];
    });
}

/** Heavy: opens the real app or index, starts a server or browser, or spawns a process. */
const HEAVY =
  /helpers\/(app|data|postgres)\.ts|telegram\/(harness|emulator)\.ts|broadcast\/helpers\.ts|node:child_process|openRetriever|buildApp/;
const DURATIONS = join(root, 'data', 'test-cache', 'durations.json');
let known = {};
try {
  known = JSON.parse(readFileSync(DURATIONS, 'utf8'));
} catch {
  // first run: guess
}
const files = (named.length ? named.map((f) => join(root, f)) : find(join(root, 'test'))).map((f) => {
  const text = readFileSync(f, 'utf8');
  const heavy = HEAVY.test(text);
  const rel = relative(root, f);
  return { f, rel, heavy, postgres: /helpers\/postgres\.ts/.test(text), estimate: known[rel] ?? (heavy ? 8000 : 1500) };
});
const chosen = (unitOnly ? files.filter((x) => !x.heavy) : files).sort((a, b) => b.estimate - a.estimate);

// The bundle first (seconds when a source changed, milliseconds when not): the PostgreSQL starter below
// and every test process load it.
let bundle = null;
if (!viaTsx) {
  try {
    bundle = await refreshTestBundle(root);
    if (bundle.built) process.stderr.write(`# test bundle rebuilt in ${(bundle.ms / 1000).toFixed(1)} s (dist-test/)\n`);
  } catch (err) {
    process.stderr.write(`# the test files could not be bundled (scripts/test-bundle.mjs):\n${err?.message ?? err}\n`);
    process.exit(1);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'pbtest-'));
// Like /tmp itself: the throw-away PostgreSQL server runs as another user and keeps its socket here.
chmodSync(tmp, 0o1777);
const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
const tsxCache = join(tmpdir(), `tsx-${uid}`);
try {
  mkdirSync(tsxCache, { recursive: true });
  symlinkSync(tsxCache, join(tmp, `tsx-${uid}`));
} catch {
  // no shared cache: tsx makes its own under the temporary folder
}

// One PostgreSQL server for the files that need one (started concurrently with the first files).
const pgState = join(tmp, 'postgres.json');
let pgServer = null;
const pgReady = chosen.some((x) => x.postgres) ? startPostgres() : Promise.resolve();
async function startPostgres() {
  const write = (o) => {
    writeFileSync(`${pgState}.tmp`, JSON.stringify(o));
    renameSync(`${pgState}.tmp`, pgState);
  };
  try {
    let startTempPostgres;
    if (bundle) ({ startTempPostgres } = await import(pathToFileURL(bundledPath(bundle.dir, 'tools/postgres-tempserver.ts')).href));
    else {
      const { register } = await import('tsx/esm/api');
      register();
      ({ startTempPostgres } = await import('../tools/postgres-tempserver.ts'));
    }
    const pg = await startTempPostgres({ settings: { max_connections: 200 } });
    if ('skip' in pg) return write({ skip: pg.skip });
    pgServer = pg;
    write({ url: pg.url, version: pg.version });
  } catch (err) {
    write({ error: `the shared PostgreSQL server did not start: ${err?.message ?? err}` });
  }
}

// Short files in groups: a process per group instead of per file (scripts/test-group.mjs keeps each
// file's hooks around its own tests). Short = at most LIGHT_MS last time, pure logic or heavy (app,
// servers, child processes) alike: a heavy file pays ≈ 0.4 s more of CPU alone than in a group (the
// process and the bundle's modules; 13 heavy files: 22.6 s of CPU alone, 17.8 s in groups).
/** Short, yet in a process of their own: why. */
const ALONE = {
  'test/telegram/faults.test.ts': 'asserts timeouts of a few hundred milliseconds against a fake Bot API',
};
/**
 * The file times of a quiet 2-core VM add up to about this (ms, 79 files, 2026-12-02); LIGHT_MS and
 * GROUP_MS were chosen there. When the last run was slower (other work on the machine inflates every
 * time), both grow in proportion, so that a loaded run does not split the groups up for the next one.
 */
const QUIET_TOTAL_MS = 185_000;
const knownTotal = testFiles(root).reduce((a, rel) => a + (known[rel] ?? 0), 0);
const slower = Math.max(1, knownTotal / QUIET_TOTAL_MS);
/** A short file: at most this long last time (ms). */
const LIGHT_MS = 5500 * slower;
/** A group: about this long (ms), so that groups still fill the end of the schedule (7 s: 72.8 / 75.5 s wall, against 75.3–79.9 s with 10 s and 72.9 / 76.2 s with 5.5 s, quiet 2-core VM). */
const GROUP_MS = 7000 * slower;
/**
 * Heavy files that share one process and one App (test/helpers/app.ts): each calls `buildTestApp()`
 * without overrides and only reads the app (replies, corpus, rules, config). Alone, each of them paid
 * ≈ 2 s of CPU before its first test (the process, module loading, the app and its retriever); together
 * they pay it once. A file that removes the app's DATA_DIR in `after` goes last (understanding-set).
 */
const SHARED_APP = [
  'test/assistant/dev-set.test.ts',
  'test/assistant/fresh-set.test.ts',
  'test/assistant/assistant.test.ts',
  'test/reply/devset-telegram.test.ts',
  'test/terminal/chat.test.ts',
  'test/assistant/understanding-set.test.ts',
];
/**
 * Files that mostly wait — on timeouts they assert, or on the PostgreSQL server — run side by side in one
 * process (scripts/test-group.mjs, sideBySide), so that together they hold one worker for about as long
 * as the longest of them, not for the sum (quiet 2-core VM: 6.7 + 11.4 + 3.5 s of wall for 1.0 + 2.7 +
 * 0.6 s of CPU in the test processes). Each file's tests still run in order.
 */
const SIDE_BY_SIDE = ['test/postgres/broadcast.test.ts', 'test/telegram/faults.test.ts', 'test/postgres/store.test.ts'];
const groupDir = join(tmp, 'groups');
const groups = [];
const units = [];
const sharing = bundle && grouping ? chosen.filter((x) => SHARED_APP.includes(x.rel)) : [];
if (sharing.length > 1) {
  sharing.sort((a, b) => SHARED_APP.indexOf(a.rel) - SHARED_APP.indexOf(b.rel));
  groups.push({ files: sharing.map((x) => x.rel), estimate: sharing.reduce((a, x) => a + x.estimate, 0), shareApp: true });
}
const waiting = bundle && grouping ? chosen.filter((x) => SIDE_BY_SIDE.includes(x.rel)) : [];
if (waiting.length > 1)
  groups.push({ files: waiting.map((x) => x.rel), estimate: Math.max(...waiting.map((x) => x.estimate)), sideBySide: true });
for (const x of chosen) {
  if ((sharing.length > 1 && sharing.includes(x)) || (waiting.length > 1 && waiting.includes(x))) continue;
  const short = bundle && grouping && x.estimate <= LIGHT_MS && !(x.rel in ALONE);
  if (!short) {
    units.push({ path: bundle ? relative(root, bundledPath(bundle.dir, x.rel)) : x.rel, estimate: x.estimate });
    continue;
  }
  // first fit, longest first (chosen is sorted so)
  let g = groups.find((g) => !g.shareApp && !g.sideBySide && g.estimate + x.estimate <= GROUP_MS);
  if (!g) groups.push((g = { files: [], estimate: 0 }));
  g.files.push(x.rel);
  g.estimate += x.estimate;
}
const groupNames = {};
if (groups.length) mkdirSync(groupDir);
for (const [i, g] of groups.entries()) {
  if (g.files.length === 1) {
    units.push({ path: relative(root, bundledPath(bundle.dir, g.files[0])), estimate: g.estimate });
    continue;
  }
  const file = join(groupDir, `g${i + 1}.test.mjs`);
  const runner = pathToFileURL(join(root, 'scripts', 'test-group.mjs')).href;
  const list = g.files.map((f) => [f, pathToFileURL(bundledPath(bundle.dir, f)).href]);
  const importTimes = `${file}.imports.json`;
  writeFileSync(
    file,
    `import { runGroup } from ${JSON.stringify(runner)};\nawait runGroup(${JSON.stringify(list)}, ${JSON.stringify(importTimes)}, ${JSON.stringify({ shareApp: !!g.shareApp, sideBySide: !!g.sideBySide })});\n`,
  );
  g.importTimes = importTimes;
  groupNames[file] = `group ${i + 1} (${g.files.length} files${g.shareApp ? ', one app' : g.sideBySide ? ', side by side' : ''})`;
  units.push({ path: file, estimate: g.estimate });
}
units.sort((a, b) => b.estimate - a.estimate);
if (plan) {
  for (const u of units) {
    const g = groups.find((g) => u.path === join(groupDir, `g${groups.indexOf(g) + 1}.test.mjs`));
    const name = g ? `${groupNames[u.path]}: ${g.files.join(' ')}` : sourceOfBundled(root, u.path);
    process.stdout.write(`${(u.estimate / 1000).toFixed(1).padStart(6)} s  ${name}\n`);
  }
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const timesFile = join(tmp, 'durations.json');
const cpuFile = join(tmp, 'cpu.jsonl');
const child = spawn(
  process.execPath,
  [
    ...(bundle ? (maps ? ['--enable-source-maps'] : []) : ['--import', 'tsx']),
    ...(cpu ? [`--import=${pathToFileURL(join(root, 'scripts', 'test-cpu.mjs')).href}`] : []),
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'test-durations.mjs')}`,
    `--test-reporter-destination=${timesFile}`,
    ...units.map((u) => u.path),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      TMPDIR: tmp,
      POLICYBOT_TEST_POSTGRES: pgState,
      POLICYBOT_TEST_BUNDLE: bundle?.dir ?? '',
      POLICYBOT_TEST_CPU: cpu ? cpuFile : '',
    },
  },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', async (code, signal) => {
  await pgReady;
  await pgServer?.stop();
  let times = {};
  try {
    times = JSON.parse(readFileSync(timesFile, 'utf8'));
  } catch {
    // the run was interrupted
  }
  // a grouped file's time: its suite (from the reporter) and its import (scripts/test-group.mjs)
  for (const g of groups) {
    if (!g.importTimes) continue;
    try {
      for (const [name, ms] of Object.entries(JSON.parse(readFileSync(g.importTimes, 'utf8')))) if (name in times) times[name] += ms;
    } catch {
      // the group did not get that far
    }
  }
  let cpuLines = [];
  try {
    cpuLines = readFileSync(cpuFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  } catch {
    // no --cpu, or not Linux
  }
  rmSync(tmp, { recursive: true, force: true });
  if (cpuLines.length) {
    const perFile = Object.fromEntries(
      cpuLines.map((c) => [groupNames[c.file] ?? sourceOfBundled(root, c.file), Math.round((c.self + c.children) * 100) / 100]),
    );
    mkdirSync(dirname(DURATIONS), { recursive: true });
    writeFileSync(join(dirname(DURATIONS), 'cpu.json'), `${JSON.stringify(perFile, null, 1)}\n`);
    const total = Object.values(perFile).reduce((a, b) => a + b, 0);
    const top = Object.entries(perFile)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([f, s]) => `# ${s.toFixed(1).padStart(6)} s CPU  ${f}`);
    process.stderr.write(
      `\n# CPU of the test processes and their children: ${total.toFixed(1)} s (data/test-cache/cpu.json); the most:\n${top.join('\n')}\n`,
    );
  }
  if (Object.keys(times).length) {
    mkdirSync(dirname(DURATIONS), { recursive: true });
    writeFileSync(DURATIONS, `${JSON.stringify({ ...known, ...times }, null, 1)}\n`);
    const slow = Object.entries(times)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([f, ms]) => `${(ms / 1000).toFixed(1).padStart(6)} s  ${f}`);
    const wall = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\n# ${Object.keys(times).length} files in ${wall} s; the slowest:\n${slow.map((l) => `# ${l}`).join('\n')}\n`);
  }
  if (code && bundle && !maps)
    process.stderr.write('# stack traces above are in the bundle (dist-test/); for TypeScript lines rerun the file with --maps or --tsx\n');
  process.exit(code ?? (signal ? 1 : 0));
});
