/**
 * Test helper: a real PostgreSQL server for the tests of one file (see tools/postgres-tempserver.ts).
 * `skip` is a reason string when no server binary can be found, so that `npm test` passes on a machine
 * without PostgreSQL (CI installs it: .ci/run); otherwise `server` is running and stopped `after` all tests.
 *
 * @example
 * const pg = await usePostgres();
 * test('x', { skip: pg.skip }, async () => { const url = await pg.server!.createDatabase('x'); … });
 */
import { after } from 'node:test';
import { startTempPostgres, type TempPostgres } from '../../tools/postgres-tempserver.ts';

/** A started server, or the reason the PostgreSQL tests are skipped. */
export interface PostgresForTests {
  server: TempPostgres | null;
  /** false when the server runs; otherwise the reason (passed to `test(…, { skip })`). */
  skip: string | false;
  /** A new empty database (unique name) on the server. */
  freshDatabase(prefix?: string): Promise<string>;
}

let counter = 0;

/** Starts a temp server for this test file (stopped in `after`). Never throws for a missing binary. */
export async function usePostgres(): Promise<PostgresForTests> {
  const started = await startTempPostgres();
  if ('skip' in started) {
    const skip = `PostgreSQL tests skipped: ${started.skip}`;
    process.stderr.write(`# ${skip}\n`);
    return { server: null, skip, freshDatabase: () => Promise.reject(new Error(skip)) };
  }
  after(() => started.stop());
  return {
    server: started,
    skip: false,
    freshDatabase: (prefix = 't') => started.createDatabase(`${prefix}_${process.pid}_${++counter}`),
  };
}
