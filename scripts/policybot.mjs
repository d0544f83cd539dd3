#!/usr/bin/env node
// Launcher for the `policybot` CLI: runs the compiled dist/ when it was built from the current sources
// (fast start), otherwise the TypeScript sources through the tsx loader.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceStamp } from './freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'scripts', 'policybot.js');
const stampFile = join(root, 'dist', 'build-stamp.json');

function distIsFresh() {
  if (!existsSync(compiled) || !existsSync(stampFile)) return false;
  try {
    const built = JSON.parse(readFileSync(stampFile, 'utf8'));
    const now = sourceStamp(root);
    return built.hash === now.hash && built.files === now.files;
  } catch {
    return false;
  }
}

if (distIsFresh()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./policybot.ts');
}
