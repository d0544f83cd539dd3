#!/usr/bin/env node
// Launcher for the `policybot` CLI. Runs the CLI bundled from the current sources (dist-bundle/: one
// entry per command and shared chunks, built with esbuild), else the compiled dist/. When they were not
// built from the current sources (an edited checkout, a clone without `npm run build`), the changed
// files are first transpiled into dist/ and the bundle rebuilt (scripts/freshness.mjs: well under a
// second, no type check — `npm run build` and `npm ci` type-check), so an edited checkout never runs
// stale code and no process pays the TypeScript loader. Only when esbuild is missing does it run the
// sources through tsx.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIsFresh, distIsFresh, refreshBundle, refreshDist, sourceStamp } from './freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = sourceStamp(root);

if (bundleIsFresh(root, stamp) || (await refreshBundle(root))) {
  await import(pathToFileURL(join(root, 'dist-bundle', 'scripts', 'policybot.js')).href);
} else if (distIsFresh(root, stamp) || (await refreshDist(root))) {
  await import(pathToFileURL(join(root, 'dist', 'scripts', 'policybot.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./policybot.ts');
}
