/**
 * The gap log and feedback, on every channel (web, Telegram, terminal): what the bot could not answer,
 * where a guided check ended without a verdict, and 👍/👎 with a reason. Only the normalized question
 * (personal details masked), the route, the best clause and a confidence are stored — never names,
 * facts or the answer.
 */

/** The channel a record came from. */
export type Channel = 'web' | 'telegram' | 'terminal';

/**
 * Why a question is in the gap log: the bot abstained, a check ended with "need more info" and no
 * further question (a dead end), or a user gave 👎.
 */
export type GapKind = 'abstained' | 'dead_end' | 'thumbs_down';

/** What a channel records for a gap (the store adds id and time). */
export interface GapInput {
  channel: Channel;
  kind: GapKind;
  /** Normalized question text (see normalize.ts): personal details masked, at most 200 characters. */
  question: string;
  route: string | null;
  /** Best clause: `docId` and clause label, when the reply cited one. */
  docId: string | null;
  clause: string | null;
  /** Score of the best citation (0 when none). */
  confidence: number;
  /** The user's reason (👎), normalized like the question; null otherwise. */
  reason: string | null;
}

export interface GapRecord extends GapInput {
  id: number;
  /** ms since epoch. */
  at: number;
}

/** 👍/👎 on one turn of a conversation. */
export interface FeedbackInput {
  channel: Channel;
  /** Opaque conversation reference (the web conversation id, a Telegram chat/message pair…); never a name. */
  conversation: string;
  turn: number;
  rating: 'up' | 'down';
  reason: string | null;
  question: string;
  route: string | null;
  docId: string | null;
  clause: string | null;
}

export interface FeedbackRecord extends FeedbackInput {
  id: number;
  at: number;
}

/** A hand-off that was asked for: only the reference, the channel and where it was delivered. */
export interface HandoffRecord {
  reference: string;
  channel: Channel;
  /** `webhook`, `email`, `webhook,email` or `none` (the user copied the text). */
  delivered: string;
  at: number;
}

/**
 * Storage of the gap log, feedback and hand-off references (scope `web` of the migrations, in the same
 * database as the bot's store). Every method is async so that SQLite and PostgreSQL share it.
 */
export interface FeedbackStore {
  recordGap(gap: GapInput, now?: number): Promise<void>;
  /** Records or replaces the rating of one turn (a user may change 👍 to 👎). */
  recordFeedback(feedback: FeedbackInput, now?: number): Promise<void>;
  /** Gaps since `since` (ms, inclusive), newest first, at most `limit` (default 1000). */
  listGaps(opts?: { since?: number; limit?: number }): Promise<GapRecord[]>;
  /** Feedback since `since`, newest first, at most `limit` (default 1000). */
  listFeedback(opts?: { since?: number; limit?: number }): Promise<FeedbackRecord[]>;
  /** Records a new reference; throws when it exists already (the caller draws another). */
  recordHandoff(handoff: HandoffRecord): Promise<void>;
  /** Sets where a recorded hand-off was delivered. */
  setHandoffDelivered(reference: string, delivered: string): Promise<void>;
  listHandoffs(opts?: { limit?: number }): Promise<HandoffRecord[]>;
}
