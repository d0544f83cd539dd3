/**
 * The distributed broadcast end to end on a real PostgreSQL server: 3 worker PROCESSES drain one
 * outbox of 2 000 recipients through the shared token bucket and grammY's Api to a loopback fake
 * Bot API that counts deliveries; worker 1 is SIGKILLed mid-run. Every recipient must be reached;
 * a duplicate is only allowed for a row the killed worker had in flight (in doubt, resent by the
 * default BROADCAST_IN_DOUBT=resend) — the numbers are printed for the record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPgWorkers } from '../../tools/pg-workers.ts';
import { usePostgres } from '../helpers/postgres.ts';

const pgs = await usePostgres();
/**
 * Recipients. The workers are bound by PostgreSQL round trips (a few per message: about 650 msg/s on a
 * quiet 2-core VM, under 200/s while other suites share the cores), so this sets the file's time; 2 000
 * rows still give each worker hundreds of claims and the kill a full batch of leased rows in flight.
 * `policybot bench-pg` runs the same scenario with 20 000.
 */
const ROWS = 2000;

test(
  '3 worker processes, 2 000 recipients, one worker SIGKILLed: everyone reached once, duplicates only from its in-flight rows',
  { skip: pgs.skip, timeout: 90_000 },
  async () => {
    const url = await pgs.freshDatabase('mw');
    const r = await runPgWorkers({ url, rows: ROWS, workers: 3, rate: 2000, leaseMs: 2000, killAt: 0.4 });
    process.stderr.write(
      `# multi-worker: delivered ${r.delivered}, distinct ${r.distinct}, duplicates ${r.duplicates}, missing ${r.missing}; ` +
        `at the kill worker 1 held ${r.kill!.claimed} leased rows, ${r.kill!.inFlight} in flight (${r.kill!.reachedServer} had reached the API); ${Math.round(r.measuredRate)} msg/s\n`,
    );
    assert.equal(r.missing, 0, 'every recipient received the message');
    assert.equal(r.distinct, ROWS);
    assert.deepEqual(r.outbox, { pending: 0, sent: ROWS, failed: 0, skipped: 0, total: ROWS });
    assert.ok(r.kill, 'worker 1 was killed');
    for (const chat of r.duplicated)
      assert.ok(r.kill.inFlightChats.includes(chat), `chat ${chat} got a duplicate but was not in flight at the kill`);
    assert.ok(r.duplicates <= r.kill.inFlight, `${r.duplicates} duplicates > ${r.kill.inFlight} rows in flight`);
    assert.ok(r.duplicates <= r.kill.reachedServer, 'a resent row that had not reached the API is no duplicate');
    assert.equal(r.reports.length, 2, 'the two surviving workers finished and reported');
    assert.equal(
      r.reports.reduce((a, x) => a + (x.inDoubt ?? 0), 0),
      r.kill.inFlight,
      'the survivors found exactly the in-flight rows in doubt',
    );
  },
);
