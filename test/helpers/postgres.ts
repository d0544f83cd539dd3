/**
 * Test helper: a real PostgreSQL server for the tests of one file (see tools/postgres-tempserver.ts).
 * `skip` is a reason string when no server binary can be found, so that `npm test` passes on a machine
 * without PostgreSQL (CI installs it: .ci/run); otherwise `server` is running and every
 * `freshDatabase()` is a new empty database on it.
 *
 * Under `npm test` the server is the run's one shared server, started by scripts/test.mjs (it writes its
 * URL to the file named by POLICYBOT_TEST_POSTGRES, and stops it at the end): no initdb per file. A file
 * run on its own (`node --import tsx --test file`) starts its own server, stopped `after` all its tests.
 *
 * @example
 * const pg = await usePostgres();
 * test('x', { skip: pg.skip }, async () => { const url = await pg.freshDatabase('x'); … });
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after } from 'node:test';
import { createDatabaseOn, startTempPostgres } from '../../tools/postgres-tempserver.ts';

/** A started server, or the reason the PostgreSQL tests are skipped. */
export interface PostgresForTests {
  /** URL of the server's `postgres` database (superuser), or null when skipped. */
  url: string | null;
  /** false when the server runs; otherwise the reason (passed to `test(…, { skip })`). */
  skip: string | false;
  /** A new empty database (unique name) on the server. */
  freshDatabase(prefix?: string): Promise<string>;
}

/** How long a test file waits for the run's shared server to come up (initdb + start take seconds). */
const SHARED_WAIT_MS = 90_000;

let counter = 0;

function skipped(reason: string): PostgresForTests {
  const skip = `PostgreSQL tests skipped: ${reason}`;
  process.stderr.write(`# ${skip}\n`);
  return { url: null, skip, freshDatabase: () => Promise.reject(new Error(skip)) };
}

function running(url: string): PostgresForTests {
  return {
    url,
    skip: false,
    freshDatabase: (prefix = 't') => createDatabaseOn(url, `${prefix}_${process.pid}_${++counter}`),
  };
}

/** The shared server of this `npm test` run (state file written by scripts/test.mjs). */
async function sharedServer(stateFile: string): Promise<PostgresForTests> {
  const deadline = Date.now() + SHARED_WAIT_MS;
  while (!existsSync(stateFile)) {
    if (Date.now() > deadline)
      throw new Error(`waited ${SHARED_WAIT_MS / 1000}s for the shared PostgreSQL server (${stateFile}, written by scripts/test.mjs)`);
    await sleep(50);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { url?: string; skip?: string; error?: string };
  if (state.error) throw new Error(state.error);
  if (state.skip || !state.url) return skipped(state.skip ?? 'no server');
  return running(state.url);
}

/** The run's shared server, or a server for this file alone (stopped in `after`). Never throws for a missing binary. */
export async function usePostgres(): Promise<PostgresForTests> {
  const stateFile = process.env.POLICYBOT_TEST_POSTGRES;
  if (stateFile) return sharedServer(stateFile);
  const started = await startTempPostgres();
  if ('skip' in started) return skipped(started.skip);
  after(() => started.stop());
  return running(started.url);
}
