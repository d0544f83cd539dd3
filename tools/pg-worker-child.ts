/**
 * One worker process of tools/pg-workers.ts: `node [--import tsx] tools/pg-worker-child.ts '<json>'`
 * where the JSON is a `PgWorkerArgs`. Drains the PostgreSQL outbox and prints the sender's report as one
 * JSON line on stdout. Kept apart from the CLI so that a worker loads only what it needs.
 */
import { drainPgOutbox, type PgWorkerArgs } from './pg-workers.ts';

const arg = process.argv[2];
if (!arg) {
  process.stderr.write('usage: pg-worker-child.ts \'{"url":"postgres://…","apiRoot":"http://127.0.0.1:…",…}\'\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await drainPgOutbox(JSON.parse(arg) as PgWorkerArgs))}\n`);
