#!/usr/bin/env node
// Launcher for the `policybot` CLI: runs the compiled dist/. When dist/ was not built from the current
// sources (an edited checkout, a clone without `npm run build`), the changed files are first transpiled
// into dist/ with esbuild (scripts/freshness.mjs: a fraction of a second, no type check) — so an edited
// checkout never runs stale code, and no process pays the TypeScript loader. Only when that is impossible
// (esbuild missing) does it run the sources through tsx.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distIsFresh, refreshDist } from './freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'scripts', 'policybot.js');

if (distIsFresh(root) || (await refreshDist(root))) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./policybot.ts');
}
