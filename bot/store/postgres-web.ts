/**
 * The web channel's tables on PostgreSQL (migration scope `web`): the same schema and behaviour as
 * `sqlite-web.ts`, on the bot's pool.
 *
 * @example
 * const feedback = await openPgFeedbackStore(store.pool); // applies the `web` migrations
 */
import type { Pool } from 'pg';
import type { FeedbackInput, FeedbackStore, GapInput, HandoffRecord } from '../feedback/types.ts';
import { applyPgMigrations, type PgMigration } from './postgres-migrations.ts';
import { feedbackFromRow, gapFromRow } from './sqlite-web.ts';

/** Schema of the web channel on PostgreSQL (scope `web`); never edit a shipped version, add one. */
export const webPgMigrations: PgMigration[] = [
  {
    scope: 'web',
    version: 1,
    name: 'gap log, feedback, hand-off references',
    up: `
      CREATE TABLE gap_log (
        id         BIGSERIAL PRIMARY KEY,
        channel    TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('abstained', 'dead_end', 'thumbs_down')),
        question   TEXT NOT NULL,
        route      TEXT,
        doc_id     TEXT,
        clause     TEXT,
        confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
        reason     TEXT,
        at         BIGINT NOT NULL
      );
      CREATE INDEX gap_log_at ON gap_log (at);
      CREATE TABLE feedback (
        id           BIGSERIAL PRIMARY KEY,
        channel      TEXT NOT NULL,
        conversation TEXT NOT NULL,
        turn         INTEGER NOT NULL,
        rating       TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        reason       TEXT,
        question     TEXT NOT NULL,
        route        TEXT,
        doc_id       TEXT,
        clause       TEXT,
        at           BIGINT NOT NULL,
        UNIQUE (channel, conversation, turn)
      );
      CREATE INDEX feedback_at ON feedback (at);
      CREATE TABLE handoffs (
        reference TEXT PRIMARY KEY,
        channel   TEXT NOT NULL,
        delivered TEXT NOT NULL,
        at        BIGINT NOT NULL
      );
    `,
  },
];

/** Applies the `web` migrations (under the migration advisory lock) and returns the store. */
export async function openPgFeedbackStore(pool: Pool, now = Date.now()): Promise<FeedbackStore> {
  await applyPgMigrations(pool, webPgMigrations, now);
  return {
    async recordGap(g: GapInput, at = Date.now()) {
      await pool.query(
        'INSERT INTO gap_log (channel, kind, question, route, doc_id, clause, confidence, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [g.channel, g.kind, g.question, g.route, g.docId, g.clause, g.confidence, g.reason, at],
      );
    },
    async recordFeedback(f: FeedbackInput, at = Date.now()) {
      await pool.query(
        `INSERT INTO feedback (channel, conversation, turn, rating, reason, question, route, doc_id, clause, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (channel, conversation, turn) DO UPDATE SET rating = EXCLUDED.rating, reason = EXCLUDED.reason, at = EXCLUDED.at`,
        [f.channel, f.conversation, f.turn, f.rating, f.reason, f.question, f.route, f.docId, f.clause, at],
      );
    },
    async listGaps(opts = {}) {
      const { rows } = await pool.query('SELECT * FROM gap_log WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2', [
        opts.since ?? 0,
        opts.limit ?? 1000,
      ]);
      return rows.map(gapFromRow);
    },
    async listFeedback(opts = {}) {
      const { rows } = await pool.query('SELECT * FROM feedback WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2', [
        opts.since ?? 0,
        opts.limit ?? 1000,
      ]);
      return rows.map(feedbackFromRow);
    },
    async recordHandoff(h: HandoffRecord) {
      await pool.query('INSERT INTO handoffs (reference, channel, delivered, at) VALUES ($1, $2, $3, $4)', [
        h.reference,
        h.channel,
        h.delivered,
        h.at,
      ]);
    },
    async setHandoffDelivered(reference: string, delivered: string) {
      await pool.query('UPDATE handoffs SET delivered = $1 WHERE reference = $2', [delivered, reference]);
    },
    async listHandoffs(opts = {}) {
      const { rows } = await pool.query('SELECT * FROM handoffs ORDER BY at DESC LIMIT $1', [opts.limit ?? 100]);
      return rows.map((r) => ({ reference: r.reference, channel: r.channel, delivered: r.delivered, at: Number(r.at) }));
    },
  };
}
