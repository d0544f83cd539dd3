/**
 * The storage interface of the bot: sessions, users, subscribers, usage counters and update
 * de-duplication. Engine-neutral (no SQL, every method async) so that the embedded SQLite
 * implementation (`sqlite.ts`) can be replaced by PostgreSQL behind the same interface.
 *
 * Extension: other features (the broadcast outbox, ingest state) add their own interface next to
 * this one and their own migration scope (see `migrations.ts`); they do not widen `Store`.
 */

/** A subscription topic: `all`, `municipal` (市级), `district:<name>` (杨浦…), `keyword:<word>` (落户…). */
export type Topic = string;

/** Chat kinds a subscription can belong to (supergroups count as groups). */
export type SubscriberChatType = 'private' | 'group';

/** A chat that receives policy-update broadcasts. */
export interface Subscriber {
  chatId: number;
  chatType: SubscriberChatType;
  /** Topics, deduplicated; `['all']` means everything. */
  topics: Topic[];
  active: boolean;
  /** Why the subscriber went inactive (`unsubscribed`, `blocked`, `kicked`…), when inactive. */
  inactiveReason: string | null;
  /** ms since epoch. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Session storage with the shape of grammY's `StorageAdapter<T>` (read/write/delete/readAllKeys), so
 * the Telegram layer passes it to `session({ storage })` and any other grammY adapter can replace it.
 */
export interface SessionStorage<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
  readAllKeys(): AsyncIterable<string>;
}

/** Counters for `/stats`. `day` is YYYY-MM-DD in the caller's time zone. */
export interface UsageStats {
  day: string;
  /** Users seen at least once and not marked inactive. */
  users: number;
  /** Users who blocked the bot (or were otherwise marked inactive). */
  inactiveUsers: number;
  questionsToday: number;
  abstainedToday: number;
  /** abstainedToday / questionsToday, 0 when there were no questions. */
  abstentionRate: number;
  /** Active subscribers (private and group). */
  subscribers: number;
  groupSubscribers: number;
  /** All metrics counted today, by name (questions, abstained, eligibility, group_questions, errors…). */
  metrics: Record<string, number>;
}

/** State of an update in the de-duplication table. */
export type UpdateClaim = 'new' | 'retry' | 'done';

/** The bot's store. Every method is async so that a networked engine fits the same interface. */
export interface Store {
  /** `sqlite` or `postgres` (for logs and /stats). */
  readonly engine: string;

  /** Session storage (grammY `StorageAdapter` shape); values are JSON-serializable. */
  sessions<T>(): SessionStorage<T>;
  /** Deletes session keys equal to one of `equals` or ending with `endsWith` (for /forget). Returns the count. */
  deleteSessions(match: { equals?: string[]; endsWith?: string }): Promise<number>;

  /** Records that a user interacted now (creates the row, re-activates a user who came back). */
  touchUser(userId: number, now?: number): Promise<void>;
  /** Marks a user inactive (e.g. 403 "bot was blocked by the user"). */
  markUserInactive(userId: number, reason: string, now?: number): Promise<void>;
  /**
   * Erases what is stored about a user: the user row and the sessions matched by `sessionMatch`.
   * SQLite: the freed bytes are zeroed (`secure_delete`) and the WAL is checkpointed and truncated, so
   * that nothing of the rows stays readable in the database files.
   */
  forgetUser(userId: number, sessionMatch: { equals?: string[]; endsWith?: string }): Promise<void>;
  /**
   * Deletes sessions not written for `idleMs` (SESSION_IDLE_MINUTES), erased like `forgetUser` does.
   * Returns the count. Run periodically by the bot (`startBot`).
   */
  sweepSessions(idleMs: number, now?: number): Promise<number>;

  getSubscriber(chatId: number): Promise<Subscriber | null>;
  /** Creates or re-activates a subscription with these topics. */
  subscribe(chatId: number, chatType: SubscriberChatType, topics: Topic[], now?: number): Promise<Subscriber>;
  /** Replaces the topics of an existing subscription (creates it, active, when missing). */
  setTopics(chatId: number, chatType: SubscriberChatType, topics: Topic[], now?: number): Promise<Subscriber>;
  /** Marks a subscription inactive (`unsubscribed`, `blocked`, `kicked`…); no-op when missing. */
  deactivateSubscriber(chatId: number, reason: string, now?: number): Promise<void>;
  /** Subscribers, oldest first; `activeOnly` defaults to true. */
  listSubscribers(opts?: { activeOnly?: boolean }): Promise<Subscriber[]>;

  /** Adds `by` (default 1) to each named metric of `day`. */
  incrementUsage(day: string, metrics: string[], by?: number): Promise<void>;
  stats(day: string): Promise<UsageStats>;

  /**
   * Persists updates fetched by long polling before their offset is confirmed to Telegram (state
   * `received`, with the payload), so that a crash before they are handled does not lose them.
   * Already known updates are left as they are.
   */
  receiveUpdates(updates: { update_id: number }[], now?: number): Promise<void>;
  /**
   * Marks a Telegram update as being handled (pass the update to keep its payload for a replay).
   * Returns `new` the first time, `retry` when a previous attempt started but never finished (crash),
   * `done` when it was fully handled (skip it).
   */
  beginUpdate(update: number | { update_id: number }, now?: number): Promise<UpdateClaim>;
  /** Marks an update as fully handled (its payload is dropped). */
  finishUpdate(updateId: number, now?: number): Promise<void>;
  /** Updates received or started but never finished (oldest first), to replay at start. */
  unfinishedUpdates<U = unknown>(limit?: number): Promise<U[]>;
  /**
   * Records part `part` (0, 1, … in send order) of the reply to an update: `null` just before it is sent
   * (in flight), then the message id once Telegram accepted it. A recorded id is never overwritten by null.
   */
  recordReply(updateId: number, part: number, messageId: number | null, now?: number): Promise<void>;
  /** A reply part's record: its message id, `null` when a send was in flight (crash: in doubt), undefined when none. */
  sentReply(updateId: number, part: number): Promise<number | null | undefined>;
  /** Deletes a reply part's record (the send failed for certain, so a replay must send it). */
  dropReply(updateId: number, part: number): Promise<void>;
  /** Deletes `done` update marks (and sent-reply records) older than `olderThanMs` (Telegram keeps updates 24 h). Returns the count of update marks. */
  pruneUpdates(olderThanMs: number, now?: number): Promise<number>;

  /** Flushes and closes; further calls fail. Idempotent. */
  close(): Promise<void>;
}
