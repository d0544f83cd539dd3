#!/usr/bin/env node
// Runs one TypeScript entry file of this repository as compiled JavaScript:
//   node scripts/run-compiled.mjs tools/pg-worker-child.ts [args…]
// Like the CLI launcher (scripts/policybot.mjs): the changed sources are first transpiled into dist/
// (scripts/freshness.mjs), then dist/<file>.js runs with the same arguments, so that helper processes
// that tests and benchmarks spawn do not pay the TypeScript loader. Falls back to tsx.
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distIsFresh, refreshDist } from './freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2];
if (!file || !file.endsWith('.ts')) {
  process.stderr.write('usage: node scripts/run-compiled.mjs <file.ts> [args…] (a source file of this repository)\n');
  process.exit(2);
}
const source = resolve(root, file);
process.argv.splice(1, 2, source); // the entry sees its own path, then its arguments
if (distIsFresh(root) || (await refreshDist(root))) {
  await import(pathToFileURL(join(root, 'dist', relative(root, source).replace(/\.ts$/, '.js'))).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
