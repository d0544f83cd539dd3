/**
 * The web channel's store on a real PostgreSQL (throw-away server on 127.0.0.1; skipped with the reason
 * when no PostgreSQL binary exists — .ci/run installs it): the `web` migrations applied once even by two
 * instances starting together, gaps, ratings (a new rating of a turn replaces the old one), hand-off
 * references, and a web conversation in the shared `sessions` table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGapLog, openFeedbackStore } from '../../bot/feedback/index.ts';
import { silentLogger } from '../../bot/logger.ts';
import { openStoreReady } from '../../bot/store/index.ts';
import { openPgFeedbackStore } from '../../bot/store/postgres-web.ts';
import { usePostgres } from '../helpers/postgres.ts';

const pg = await usePostgres();

test('gap log, feedback and hand-offs on PostgreSQL', { skip: pg.skip }, async () => {
  const url = await pg.freshDatabase('web');
  const a = await openStoreReady({ dataDir: '/nonexistent', databaseUrl: url, pgPoolMax: 4 });
  const b = await openStoreReady({ dataDir: '/nonexistent', databaseUrl: url, pgPoolMax: 4 });
  try {
    assert.equal(a.engine, 'postgres');
    // two instances migrate at once: the advisory lock lets exactly one create the tables
    const [fa, fb] = await Promise.all([openFeedbackStore(a), openPgFeedbackStore(b.pool!)]);
    const { rows } = await a.pool!.query("SELECT count(*)::int AS n FROM schema_migrations WHERE scope = 'web'");
    assert.equal(rows[0].n, 1);

    const log = createGapLog({ store: fa, masks: [], logger: silentLogger, now: () => 10_000 });
    assert.ok(
      await log.recordReply('web', '火星上的社保怎么交？', {
        question: 'q',
        answer: 'a',
        grounded: false,
        citations: [],
        eligibility: null,
        route: 'out_of_scope',
      }),
    );
    const base = {
      channel: 'web' as const,
      conversation: 'abc',
      turn: 2,
      question: 'q',
      route: 'eligibility',
      docId: 'sh-hrss-2022-103',
      clause: '三',
    };
    await log.recordRating({ ...base, rating: 'up' });
    await log.recordRating({ ...base, rating: 'down', reason: '不对' });
    const feedback = await fb.listFeedback();
    assert.equal(feedback.length, 1);
    assert.equal(feedback[0]!.rating, 'down');
    assert.equal(feedback[0]!.turn, 2);
    const gaps = await fb.listGaps();
    assert.deepEqual(gaps.map((g) => g.kind).sort(), ['abstained', 'thumbs_down']);
    assert.equal(typeof gaps[0]!.at, 'number');
    assert.equal((await fb.listGaps({ since: 20_000 })).length, 0);

    await fa.recordHandoff({ reference: 'PB-261201-000001', channel: 'web', delivered: 'webhook', at: 1 });
    await assert.rejects(fb.recordHandoff({ reference: 'PB-261201-000001', channel: 'web', delivered: 'none', at: 2 }));
    assert.equal((await fb.listHandoffs())[0]!.reference, 'PB-261201-000001');

    // a web conversation is a row of the shared sessions table, seen by every instance
    await a.sessions<{ n: number }>().write('web:AAAAAAAAAAAAAAAAAAAAAAAA', { n: 1 });
    assert.deepEqual(await b.sessions<{ n: number }>().read('web:AAAAAAAAAAAAAAAAAAAAAAAA'), { n: 1 });
  } finally {
    await a.close();
    await b.close();
  }
});
