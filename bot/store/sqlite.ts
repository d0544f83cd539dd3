/**
 * The embedded SQLite implementation of `Store` (better-sqlite3, WAL mode), one file under DATA_DIR.
 *
 * @example
 * const store = openSqliteStore({ file: join(config.DATA_DIR, 'policybot.sqlite') });
 * await store.subscribe(chatId, 'private', ['all']);
 * await store.close();
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { applySqliteMigrations, coreMigrations, replyMigrations, type SqliteMigration } from './sqlite-migrations.ts';
import { normalizeTopics } from './topics.ts';
import type { SessionStorage, Store, Subscriber, SubscriberChatType, Topic, UpdateClaim, UsageStats } from './types.ts';

/** Options of `openSqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a throw-away store. Parent folders are created. */
  file: string;
  /** Extra migration scopes (e.g. the broadcast outbox); the core scope is always applied first. */
  migrations?: SqliteMigration[];
  /** Clock (ms since epoch), for tests. */
  now?: () => number;
}

interface SubscriberRow {
  chat_id: number;
  chat_type: SubscriberChatType;
  topics: string;
  active: number;
  inactive_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** Opens (creating and migrating when needed) the SQLite store. */
export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}

/** `Store` on better-sqlite3. `db` is public so that feature modules (broadcast outbox) can share the connection. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly db: Database.Database;
  readonly file: string;
  /** The migrations applied by this open (`scope@version`). */
  readonly appliedMigrations: string[];
  private readonly clock: () => number;
  private closed = false;
  private readonly q;

  constructor(opts: SqliteStoreOptions) {
    this.file = opts.file;
    this.clock = opts.now ?? Date.now;
    if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
    try {
      this.db = new Database(opts.file);
    } catch (err) {
      throw new Error(`cannot open the SQLite store ${opts.file}: ${(err as Error).message} (check DATA_DIR and its permissions)`);
    }
    try {
      // deleted rows (sessions with a person's facts, update payloads) are overwritten with zeros, not just unlinked
      this.db.pragma('secure_delete = ON');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
      this.appliedMigrations = applySqliteMigrations(
        this.db,
        [...coreMigrations, ...replyMigrations, ...(opts.migrations ?? [])],
        this.clock(),
      );
    } catch (err) {
      this.db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new Error(
          `the SQLite store ${opts.file} is not a readable database (${(err as Error).message}): stop the bot, move the file (and its -wal/-shm files) away or restore a backup, then start again to create a fresh one (DATA_DIR=${dirname(opts.file)})`,
        );
      }
      throw err;
    }
    const db = this.db;
    this.q = {
      sessionGet: db.prepare<[string], { value: string }>('SELECT value FROM sessions WHERE key = ?'),
      sessionPut: db.prepare(
        'INSERT INTO sessions (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      sessionDel: db.prepare('DELETE FROM sessions WHERE key = ?'),
      sessionDelSuffix: db.prepare('DELETE FROM sessions WHERE substr(key, -length(?)) = ?'),
      sessionKeys: db.prepare<[], { key: string }>('SELECT key FROM sessions ORDER BY key'),
      sessionSweep: db.prepare('DELETE FROM sessions WHERE updated_at < ?'),
      userTouch: db.prepare(
        'INSERT INTO users (user_id, first_seen, last_seen, active) VALUES (?, ?, ?, 1) ON CONFLICT (user_id) DO UPDATE SET last_seen = excluded.last_seen, active = 1, inactive_reason = NULL',
      ),
      userInactive: db.prepare(
        'INSERT INTO users (user_id, first_seen, last_seen, active, inactive_reason) VALUES (?, ?, ?, 0, ?) ON CONFLICT (user_id) DO UPDATE SET active = 0, inactive_reason = excluded.inactive_reason',
      ),
      userDelete: db.prepare('DELETE FROM users WHERE user_id = ?'),
      subGet: db.prepare<[number], SubscriberRow>('SELECT * FROM subscribers WHERE chat_id = ?'),
      subUpsert: db.prepare(
        `INSERT INTO subscribers (chat_id, chat_type, topics, active, inactive_reason, created_at, updated_at)
         VALUES (?, ?, ?, 1, NULL, ?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET chat_type = excluded.chat_type, topics = excluded.topics, active = 1,
           inactive_reason = NULL, updated_at = excluded.updated_at`,
      ),
      subDeactivate: db.prepare('UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ? WHERE chat_id = ?'),
      subList: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers ORDER BY created_at, chat_id'),
      subListActive: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers WHERE active = 1 ORDER BY created_at, chat_id'),
      usageAdd: db.prepare(
        'INSERT INTO usage_daily (day, metric, n) VALUES (?, ?, ?) ON CONFLICT (day, metric) DO UPDATE SET n = n + excluded.n',
      ),
      usageDay: db.prepare<[string], { metric: string; n: number }>('SELECT metric, n FROM usage_daily WHERE day = ?'),
      usersCount: db.prepare<[], { active: number | null; inactive: number | null }>(
        'SELECT SUM(active = 1) AS active, SUM(active = 0) AS inactive FROM users',
      ),
      subsCount: db.prepare<[], { total: number | null; groups: number | null }>(
        "SELECT COUNT(*) AS total, SUM(chat_type = 'group') AS groups FROM subscribers WHERE active = 1",
      ),
      updGet: db.prepare<[number], { state: string }>('SELECT state FROM processed_updates WHERE update_id = ?'),
      updReceive: db.prepare(
        "INSERT INTO processed_updates (update_id, state, payload, at) VALUES (?, 'received', ?, ?) ON CONFLICT (update_id) DO NOTHING",
      ),
      updBegin: db.prepare(
        "INSERT INTO processed_updates (update_id, state, payload, at) VALUES (?, 'started', ?, ?) ON CONFLICT (update_id) DO UPDATE SET state = 'started', at = excluded.at, payload = COALESCE(processed_updates.payload, excluded.payload)",
      ),
      updFinish: db.prepare(
        "INSERT INTO processed_updates (update_id, state, payload, at) VALUES (?, 'done', NULL, ?) ON CONFLICT (update_id) DO UPDATE SET state = 'done', payload = NULL, at = excluded.at",
      ),
      updOpen: db.prepare<[number], { payload: string }>(
        "SELECT payload FROM processed_updates WHERE state != 'done' AND payload IS NOT NULL ORDER BY update_id LIMIT ?",
      ),
      updPrune: db.prepare("DELETE FROM processed_updates WHERE at < ? AND state = 'done'"),
      replyPut: db.prepare(
        'INSERT INTO sent_replies (update_id, part, message_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (update_id, part) DO UPDATE SET message_id = COALESCE(excluded.message_id, sent_replies.message_id), at = excluded.at',
      ),
      replyGet: db.prepare<[number, number], { message_id: number | null }>(
        'SELECT message_id FROM sent_replies WHERE update_id = ? AND part = ?',
      ),
      replyDel: db.prepare('DELETE FROM sent_replies WHERE update_id = ? AND part = ?'),
      replyPrune: db.prepare('DELETE FROM sent_replies WHERE at < ?'),
    };
  }

  private check(): void {
    if (this.closed) throw new Error(`the SQLite store ${this.file} is closed`);
  }

  sessions<T>(): SessionStorage<T> {
    const q = this.q;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async read(key) {
        self.check();
        const row = q.sessionGet.get(key);
        if (!row) return undefined;
        try {
          return JSON.parse(row.value) as T;
        } catch {
          return undefined; // a corrupt row is treated as no session; it is overwritten on the next write
        }
      },
      async write(key, value) {
        self.check();
        q.sessionPut.run(key, JSON.stringify(value), self.clock());
      },
      async delete(key) {
        self.check();
        q.sessionDel.run(key);
      },
      async has(key) {
        self.check();
        return q.sessionGet.get(key) !== undefined;
      },
      async *readAllKeys() {
        self.check();
        for (const row of q.sessionKeys.all()) yield row.key;
      },
    };
  }

  async deleteSessions(match: { equals?: string[]; endsWith?: string }): Promise<number> {
    this.check();
    return this.db.transaction(() => {
      let n = 0;
      for (const key of match.equals ?? []) n += this.q.sessionDel.run(key).changes;
      if (match.endsWith) n += this.q.sessionDelSuffix.run(match.endsWith, match.endsWith).changes;
      return n;
    })();
  }

  async touchUser(userId: number, now = this.clock()): Promise<void> {
    this.check();
    this.q.userTouch.run(userId, now, now);
  }

  async markUserInactive(userId: number, reason: string, now = this.clock()): Promise<void> {
    this.check();
    this.q.userInactive.run(userId, now, now, reason);
  }

  async forgetUser(userId: number, sessionMatch: { equals?: string[]; endsWith?: string }): Promise<void> {
    this.check();
    this.db.transaction(() => {
      this.q.userDelete.run(userId);
      for (const key of sessionMatch.equals ?? []) this.q.sessionDel.run(key);
      if (sessionMatch.endsWith) this.q.sessionDelSuffix.run(sessionMatch.endsWith, sessionMatch.endsWith);
    })();
    this.eraseWal();
  }

  async sweepSessions(idleMs: number, now = this.clock()): Promise<number> {
    this.check();
    const n = this.q.sessionSweep.run(now - idleMs).changes;
    if (n > 0) this.eraseWal();
    return n;
  }

  /**
   * Copies the WAL into the database and truncates it to 0 bytes: old page images in the WAL (with rows
   * just deleted) would otherwise stay in the -wal file until overwritten. Returns false when a reader
   * kept the checkpoint from completing (it is retried by the next erase and at close).
   */
  eraseWal(): boolean {
    if (this.file === ':memory:') return true;
    const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return r?.busy === 0;
  }

  async getSubscriber(chatId: number): Promise<Subscriber | null> {
    this.check();
    const row = this.q.subGet.get(chatId);
    return row ? toSubscriber(row) : null;
  }

  async subscribe(chatId: number, chatType: SubscriberChatType, topics: Topic[], now = this.clock()): Promise<Subscriber> {
    this.check();
    const t = normalizeTopics(topics);
    this.q.subUpsert.run(chatId, chatType, JSON.stringify(t), now, now);
    return toSubscriber(this.q.subGet.get(chatId)!);
  }

  async setTopics(chatId: number, chatType: SubscriberChatType, topics: Topic[], now = this.clock()): Promise<Subscriber> {
    return this.subscribe(chatId, chatType, topics, now);
  }

  async deactivateSubscriber(chatId: number, reason: string, now = this.clock()): Promise<void> {
    this.check();
    this.q.subDeactivate.run(reason, now, chatId);
  }

  async listSubscribers(opts: { activeOnly?: boolean } = {}): Promise<Subscriber[]> {
    this.check();
    const rows = opts.activeOnly === false ? this.q.subList.all() : this.q.subListActive.all();
    return rows.map(toSubscriber);
  }

  async incrementUsage(day: string, metrics: string[], by = 1): Promise<void> {
    this.check();
    if (!metrics.length) return;
    this.db.transaction(() => {
      for (const m of metrics) this.q.usageAdd.run(day, m, by);
    })();
  }

  async stats(day: string): Promise<UsageStats> {
    this.check();
    const metrics: Record<string, number> = {};
    for (const r of this.q.usageDay.all(day)) metrics[r.metric] = r.n;
    const users = this.q.usersCount.get()!;
    const subs = this.q.subsCount.get()!;
    const questionsToday = metrics.questions ?? 0;
    const abstainedToday = metrics.abstained ?? 0;
    return {
      day,
      users: users.active ?? 0,
      inactiveUsers: users.inactive ?? 0,
      questionsToday,
      abstainedToday,
      abstentionRate: questionsToday ? abstainedToday / questionsToday : 0,
      subscribers: subs.total ?? 0,
      groupSubscribers: subs.groups ?? 0,
      metrics,
    };
  }

  async receiveUpdates(updates: { update_id: number }[], now = this.clock()): Promise<void> {
    this.check();
    if (!updates.length) return;
    this.db.transaction(() => {
      for (const u of updates) this.q.updReceive.run(u.update_id, JSON.stringify(u), now);
    })();
  }

  async beginUpdate(update: number | { update_id: number }, now = this.clock()): Promise<UpdateClaim> {
    this.check();
    const id = typeof update === 'number' ? update : update.update_id;
    const payload = typeof update === 'number' ? null : JSON.stringify(update);
    return this.db.transaction((): UpdateClaim => {
      const row = this.q.updGet.get(id);
      if (row?.state === 'done') return 'done';
      this.q.updBegin.run(id, payload, now);
      return row?.state === 'started' ? 'retry' : 'new';
    })();
  }

  async finishUpdate(updateId: number, now = this.clock()): Promise<void> {
    this.check();
    this.q.updFinish.run(updateId, now);
  }

  async unfinishedUpdates<U = unknown>(limit = 1000): Promise<U[]> {
    this.check();
    const out: U[] = [];
    for (const r of this.q.updOpen.all(limit)) {
      try {
        out.push(JSON.parse(r.payload) as U);
      } catch {
        // unreadable payload: skipped (it is pruned with the others)
      }
    }
    return out;
  }

  async recordReply(updateId: number, part: number, messageId: number | null, now = this.clock()): Promise<void> {
    this.check();
    this.q.replyPut.run(updateId, part, messageId, now);
  }

  async sentReply(updateId: number, part: number): Promise<number | null | undefined> {
    this.check();
    return this.q.replyGet.get(updateId, part)?.message_id;
  }

  async dropReply(updateId: number, part: number): Promise<void> {
    this.check();
    this.q.replyDel.run(updateId, part);
  }

  async pruneUpdates(olderThanMs: number, now = this.clock()): Promise<number> {
    this.check();
    this.q.replyPrune.run(now - olderThanMs);
    return this.q.updPrune.run(now - olderThanMs).changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

function toSubscriber(r: SubscriberRow): Subscriber {
  let topics: Topic[];
  try {
    const parsed = JSON.parse(r.topics) as unknown;
    topics = Array.isArray(parsed) ? normalizeTopics(parsed.map(String)) : ['all'];
  } catch {
    topics = ['all'];
  }
  return {
    chatId: r.chat_id,
    chatType: r.chat_type,
    topics,
    active: r.active === 1,
    inactiveReason: r.inactive_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
