#!/usr/bin/env node
// The test command (`npm test`, `npm run test:unit`): Node's test runner over test/**/*.test.ts.
//
//   node scripts/test.mjs            every test file
//   node scripts/test.mjs --unit     only the pure-logic files (no app, index, server or child process)
//   node scripts/test.mjs FILE...    the given files
//
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
import { fileURLToPath } from 'node:url';

const started = performance.now();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
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
  return { f, rel, heavy, postgres: /helpers\/postgres\.ts/.test(text), estimate: known[rel] ?? (heavy ? 8000 : 500) };
});
const chosen = (unitOnly ? files.filter((x) => !x.heavy) : files).sort((a, b) => b.estimate - a.estimate);

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
    const { register } = await import('tsx/esm/api');
    register();
    const { startTempPostgres } = await import('../tools/postgres-tempserver.ts');
    const pg = await startTempPostgres({ settings: { max_connections: 200 } });
    if ('skip' in pg) return write({ skip: pg.skip });
    pgServer = pg;
    write({ url: pg.url, version: pg.version });
  } catch (err) {
    write({ error: `the shared PostgreSQL server did not start: ${err?.message ?? err}` });
  }
}

const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const timesFile = join(tmp, 'durations.json');
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'test-durations.mjs')}`,
    `--test-reporter-destination=${timesFile}`,
    ...chosen.map((x) => x.rel),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TMPDIR: tmp, POLICYBOT_TEST_POSTGRES: pgState } },
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
  rmSync(tmp, { recursive: true, force: true });
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
  process.exit(code ?? (signal ? 1 : 0));
});
