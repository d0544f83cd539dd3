/**
 * Builds the real application for tests: the shipped corpus and rules, a fresh temporary DATA_DIR
 * holding a copy of the run's shared index and offline embedder (test/helpers/data.ts), and a rankings
 * table: RANKINGS_FILE (or ../shared) when present, else the small synthetic fixture.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp, type App } from '../../bot/app.ts';
import { PROJECT_ROOT, parseConfig } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';
import { seededDataDir } from './data.ts';

/** The shared third-party rankings table (outside the repository), or undefined when absent. */
export const SHARED_RANKINGS = [process.env.RANKINGS_FILE, resolve(PROJECT_ROOT, '../shared/data/rankings/top200.csv')].find(
  (f): f is string => !!f && existsSync(f),
);

/** Invented ranks for the universities the tests name (test/fixtures/rankings/README.md). */
export const RANKINGS_FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'rankings', 'top200.csv');

/** The rankings table the tests use: the shared one when present, else the synthetic fixture. */
export const TEST_RANKINGS = SHARED_RANKINGS ?? RANKINGS_FIXTURE;

/**
 * Apps shared by the files of one process: set (to an empty map) by scripts/test-group.mjs for the
 * `SHARED_APP` group of scripts/test.mjs, absent otherwise. Keyed by the overrides.
 */
declare global {
  var __policybotSharedTestApps: Map<string, Promise<App>> | undefined;
}

/**
 * A real App over the shipped corpus with its own temporary data folder (removed when the process
 * exits). In the `SHARED_APP` group of `npm test` (scripts/test.mjs) the files that ask for the same
 * overrides get the same App, built once: such a file only reads it (no reload, no change to its
 * config or data folder).
 */
export async function buildTestApp(overrides: Record<string, string> = {}): Promise<App> {
  const shared = globalThis.__policybotSharedTestApps;
  if (!shared) return buildOwnTestApp(overrides);
  const key = JSON.stringify(Object.entries(overrides).sort());
  let app = shared.get(key);
  if (!app) {
    app = buildOwnTestApp(overrides);
    shared.set(key, app);
    app.catch(() => shared.delete(key));
  }
  const ready = await app;
  if (!existsSync(ready.config.DATA_DIR))
    throw new Error(
      `test/helpers/app.ts: the shared test app's DATA_DIR (${ready.config.DATA_DIR}) was removed by an earlier file of its group; ` +
        'a file that removes it goes last in SHARED_APP (scripts/test.mjs), or out of that group',
    );
  return ready;
}

async function buildOwnTestApp(overrides: Record<string, string>): Promise<App> {
  const config = parseConfig({
    DATA_DIR: await seededDataDir('pb-app-'),
    LOG_LEVEL: 'silent',
    RANKINGS_FILE: TEST_RANKINGS,
    ...overrides,
  });
  return buildApp(config, { logger: silentLogger });
}
