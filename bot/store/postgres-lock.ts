/**
 * One scheduler among several instances: a cron tick runs on exactly one of them.
 *
 * `pgTickGate(pool, job)` returns the gate `startSchedule({ gate })` calls at every tick:
 * 1. `pg_try_advisory_lock(job)` on a dedicated connection — held for the whole run, so a run still
 *    in progress on one instance makes the others skip (no overlap across instances; the lock is
 *    released by PostgreSQL if that instance dies);
 * 2. `INSERT INTO scheduler_ticks (job, tick) … ON CONFLICT DO NOTHING` — the tick (its scheduled
 *    second) is claimed once: an instance whose timer fires a little later, after the first one has
 *    already finished and unlocked, finds the tick taken and skips.
 * A tick whose runner died is not retried by the others (at most once per tick); the next tick, and
 * every instance's start, drain what the outbox still holds.
 *
 * @example
 * const gate = await openPgTickGate(store.pool, 'broadcast', { owner: workerId });
 * startSchedule({ cron, timezone, run, gate });
 */
import type { Pool } from 'pg';
import { applyPgMigrations, type PgMigration } from './postgres-migrations.ts';

/** Schema (scope `scheduler`). */
export const schedulerPgMigrations: PgMigration[] = [
  {
    scope: 'scheduler',
    version: 1,
    name: 'claimed scheduler ticks',
    up: `CREATE TABLE scheduler_ticks (
      job        TEXT NOT NULL,
      tick       BIGINT NOT NULL,
      owner      TEXT NOT NULL,
      claimed_at BIGINT NOT NULL,
      PRIMARY KEY (job, tick)
    )`,
  },
];

/** What a tick gate answers: a held slot to release after the run, or why the tick is not ours. */
export type TickGateResult = { release(): Promise<void> } | { skip: 'running-elsewhere' | 'tick-taken' };

/** Decides whether this instance runs the tick scheduled at `tick`. */
export type TickGate = (tick: Date) => Promise<TickGateResult>;

/** Advisory lock key of a job name: a stable 31-bit hash in the "policybot" lock class. */
export function jobLockKey(job: string): [number, number] {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(job, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [0x70b0, h & 0x7fffffff];
}

/** The gate of `job` on `pool` (see the module comment). `owner` is recorded with each claimed tick. */
export function pgTickGate(pool: Pool, job: string, opts: { owner?: string; now?: () => number } = {}): TickGate {
  const [cls, key] = jobLockKey(job);
  const owner = opts.owner ?? `pid:${process.pid}`;
  const clock = opts.now ?? Date.now;
  return async (tick) => {
    const tickKey = Math.round(tick.getTime() / 1000); // the scheduled second
    const client = await pool.connect();
    let locked = false;
    try {
      locked = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [cls, key])).rows[0]!.ok;
      if (!locked) {
        client.release();
        return { skip: 'running-elsewhere' };
      }
      const ins = await client.query(
        'INSERT INTO scheduler_ticks (job, tick, owner, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [job, tickKey, owner, clock()],
      );
      if (ins.rowCount !== 1) {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [cls, key]);
        client.release();
        return { skip: 'tick-taken' };
      }
    } catch (err) {
      // a broken connection must not go back to the pool with the lock held
      client.release(err as Error);
      throw err;
    }
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        try {
          await client.query('SELECT pg_advisory_unlock($1, $2)', [cls, key]);
          client.release();
        } catch (err) {
          client.release(err as Error); // destroying the connection also drops the lock
        }
      },
    };
  };
}

/** Applies the `scheduler` migrations and returns the gate. */
export async function openPgTickGate(pool: Pool, job: string, opts: { owner?: string; now?: () => number } = {}): Promise<TickGate> {
  await applyPgMigrations(pool, schedulerPgMigrations);
  return pgTickGate(pool, job, opts);
}
