/**
 * Builds the real application for tests: the shipped corpus and rules, a fresh temporary DATA_DIR
 * (index and offline embedder built there), and the shared rankings table when it is present.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp, type App } from '../../bot/app.ts';
import { PROJECT_ROOT, parseConfig } from '../../bot/config.ts';
import { silentLogger } from '../../bot/logger.ts';

/** The shared rankings table (outside the repository), or undefined when absent. */
export const SHARED_RANKINGS = [process.env.RANKINGS_FILE, resolve(PROJECT_ROOT, '../shared/data/rankings/top200.csv')].find(
  (f): f is string => !!f && existsSync(f),
);

/** A real App over the shipped corpus with its own temporary data folder. */
export async function buildTestApp(overrides: Record<string, string> = {}): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-app-'));
  const config = parseConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(SHARED_RANKINGS ? { RANKINGS_FILE: SHARED_RANKINGS } : {}),
    ...overrides,
  });
  return buildApp(config, { logger: silentLogger });
}
