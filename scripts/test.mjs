#!/usr/bin/env node
// The test command (`npm test`, `npm run test:unit`): Node's test runner over test/**/*.test.ts.
//
//   node scripts/test.mjs            every test file
//   node scripts/test.mjs --unit     only the pure-logic files (no app, index, server or child process)
//   node scripts/test.mjs FILE...    the given files
//
// Every file runs with TMPDIR pointing into one temporary folder that is removed at the end, so a run
// leaves nothing behind in the system temp folder whatever a test forgets. Files that build the app, start
// servers or spawn processes run first: with two workers the long ones then overlap the many short ones.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
const files = (named.length ? named.map((f) => join(root, f)) : find(join(root, 'test'))).map((f) => ({
  f,
  heavy: HEAVY.test(readFileSync(f, 'utf8')),
}));
const chosen = unitOnly ? files.filter((x) => !x.heavy) : [...files.filter((x) => x.heavy), ...files.filter((x) => !x.heavy)];

const tmp = mkdtempSync(join(tmpdir(), 'pbtest-'));
// Like /tmp itself: the throw-away PostgreSQL server runs as another user and keeps its socket here.
chmodSync(tmp, 0o1777);
const cleanup = () => rmSync(tmp, { recursive: true, force: true });
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...chosen.map((x) => relative(root, x.f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TMPDIR: tmp } },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
