/**
 * The web channel's tables on SQLite (migration scope `web`): the gap log, feedback and hand-off
 * references, sharing the connection of the bot's SqliteStore. Web conversations themselves live in
 * the core `sessions` table under the key `web:<conversation id>`.
 *
 * @example
 * const store = openSqliteStore({ file });
 * const feedback = openSqliteFeedbackStore(store.db); // applies the `web` migrations
 */
import type Database from 'better-sqlite3';
import type { FeedbackInput, FeedbackRecord, FeedbackStore, GapInput, GapRecord, HandoffRecord } from '../feedback/types.ts';
import { applySqliteMigrations, type SqliteMigration } from './sqlite-migrations.ts';

/** Schema of the web channel (scope `web`); never edit a shipped version, add one. */
export const webMigrations: SqliteMigration[] = [
  {
    scope: 'web',
    version: 1,
    name: 'gap log, feedback, hand-off references',
    up: `
      CREATE TABLE gap_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        channel    TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('abstained', 'dead_end', 'thumbs_down')),
        question   TEXT NOT NULL,
        route      TEXT,
        doc_id     TEXT,
        clause     TEXT,
        confidence REAL NOT NULL DEFAULT 0,
        reason     TEXT,
        at         INTEGER NOT NULL
      );
      CREATE INDEX gap_log_at ON gap_log (at);
      CREATE TABLE feedback (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        channel      TEXT NOT NULL,
        conversation TEXT NOT NULL,
        turn         INTEGER NOT NULL,
        rating       TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        reason       TEXT,
        question     TEXT NOT NULL,
        route        TEXT,
        doc_id       TEXT,
        clause       TEXT,
        at           INTEGER NOT NULL,
        UNIQUE (channel, conversation, turn)
      );
      CREATE INDEX feedback_at ON feedback (at);
      CREATE TABLE handoffs (
        reference TEXT PRIMARY KEY,
        channel   TEXT NOT NULL,
        delivered TEXT NOT NULL,
        at        INTEGER NOT NULL
      );
    `,
  },
];

interface GapRow {
  id: number;
  channel: string;
  kind: string;
  question: string;
  route: string | null;
  doc_id: string | null;
  clause: string | null;
  confidence: number;
  reason: string | null;
  at: number;
}
interface FeedbackRow {
  id: number;
  channel: string;
  conversation: string;
  turn: number;
  rating: string;
  reason: string | null;
  question: string;
  route: string | null;
  doc_id: string | null;
  clause: string | null;
  at: number;
}

/** Maps a gap_log row (either engine) to a record. */
export function gapFromRow(r: GapRow): GapRecord {
  return {
    id: Number(r.id),
    channel: r.channel as GapRecord['channel'],
    kind: r.kind as GapRecord['kind'],
    question: r.question,
    route: r.route,
    docId: r.doc_id,
    clause: r.clause,
    confidence: Number(r.confidence),
    reason: r.reason,
    at: Number(r.at),
  };
}

/** Maps a feedback row (either engine) to a record. */
export function feedbackFromRow(r: FeedbackRow): FeedbackRecord {
  return {
    id: Number(r.id),
    channel: r.channel as FeedbackRecord['channel'],
    conversation: r.conversation,
    turn: Number(r.turn),
    rating: r.rating as 'up' | 'down',
    reason: r.reason,
    question: r.question,
    route: r.route,
    docId: r.doc_id,
    clause: r.clause,
    at: Number(r.at),
  };
}

/** Applies the `web` migrations and returns the store. */
export function openSqliteFeedbackStore(db: Database.Database, now = Date.now()): FeedbackStore {
  applySqliteMigrations(db, webMigrations, now);
  const q = {
    gap: db.prepare(
      'INSERT INTO gap_log (channel, kind, question, route, doc_id, clause, confidence, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    feedback: db.prepare(`INSERT INTO feedback (channel, conversation, turn, rating, reason, question, route, doc_id, clause, at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (channel, conversation, turn) DO UPDATE SET rating = excluded.rating, reason = excluded.reason, at = excluded.at`),
    gaps: db.prepare('SELECT * FROM gap_log WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?'),
    feedbacks: db.prepare('SELECT * FROM feedback WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?'),
    handoff: db.prepare('INSERT INTO handoffs (reference, channel, delivered, at) VALUES (?, ?, ?, ?)'),
    handoffs: db.prepare('SELECT * FROM handoffs ORDER BY at DESC LIMIT ?'),
    delivered: db.prepare('UPDATE handoffs SET delivered = ? WHERE reference = ?'),
  };
  return {
    async recordGap(g: GapInput, at = Date.now()) {
      q.gap.run(g.channel, g.kind, g.question, g.route, g.docId, g.clause, g.confidence, g.reason, at);
    },
    async recordFeedback(f: FeedbackInput, at = Date.now()) {
      q.feedback.run(f.channel, f.conversation, f.turn, f.rating, f.reason, f.question, f.route, f.docId, f.clause, at);
    },
    async listGaps(opts = {}) {
      return (q.gaps.all(opts.since ?? 0, opts.limit ?? 1000) as GapRow[]).map(gapFromRow);
    },
    async listFeedback(opts = {}) {
      return (q.feedbacks.all(opts.since ?? 0, opts.limit ?? 1000) as FeedbackRow[]).map(feedbackFromRow);
    },
    async recordHandoff(h: HandoffRecord) {
      q.handoff.run(h.reference, h.channel, h.delivered, h.at);
    },
    async setHandoffDelivered(reference: string, delivered: string) {
      q.delivered.run(delivered, reference);
    },
    async listHandoffs(opts = {}) {
      return (q.handoffs.all(opts.limit ?? 100) as HandoffRecord[]).map((r) => ({ ...r, at: Number(r.at) }));
    },
  };
}
