/**
 * The broadcast feature wired together for the entry points (`policybot serve`, `policybot broadcast`):
 * broadcast store on the bot's SQLite connection, rate-limited sender, one-run function, manual
 * announcements (the bot's `/broadcast` hook) and the cron schedule.
 *
 * @example
 * const broadcast = createBroadcastService(config, { store, send: (id, text) => bot.api.sendMessage(id, text, { parse_mode: 'HTML' }), log, reindex });
 * deps.broadcast = broadcast.announce;     // admin /broadcast <text>
 * broadcast.start();                       // cron schedule + resume an interrupted broadcast
 * // … on shutdown:
 * await broadcast.stop();
 */
import type Database from 'better-sqlite3';
import type { ReadCorpusResult } from '../../retrieval/corpus.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';
import { openSqliteBroadcastStore, type SqliteBroadcastStore } from './outbox-sqlite.ts';
import { announce, runBroadcast, type BroadcastDeps, type RunOptions, type RunResult } from './run.ts';
import { startSchedule, validateSchedule, type BroadcastSchedule } from './schedule.ts';
import { OutboxSender, type Clock, type SenderLimits, type SendFn, type SendReport } from './sender.ts';

/** Sender limits from the BROADCAST_* settings. */
export function limitsFromConfig(
  config: Pick<Config, 'BROADCAST_RATE_PER_SECOND' | 'BROADCAST_CHAT_PER_SECOND' | 'BROADCAST_GROUP_PER_MINUTE' | 'BROADCAST_MAX_ATTEMPTS' | 'BROADCAST_LEASE_SECONDS' | 'BROADCAST_IN_DOUBT'>,
): SenderLimits {
  return {
    globalPerSecond: config.BROADCAST_RATE_PER_SECOND,
    perChatPerSecond: config.BROADCAST_CHAT_PER_SECOND,
    perGroupPerMinute: config.BROADCAST_GROUP_PER_MINUTE,
    maxAttempts: config.BROADCAST_MAX_ATTEMPTS,
    leaseMs: config.BROADCAST_LEASE_SECONDS * 1000,
    maxInFlight: Math.max(1, Math.min(8, Math.ceil(config.BROADCAST_RATE_PER_SECOND / 4))),
    inDoubt: config.BROADCAST_IN_DOUBT,
  };
}

/** What the service needs from the application. */
export interface BroadcastServiceDeps {
  /** The bot's store; the SQLite implementation exposes `db`, which the outbox shares. */
  store: Store & { db?: Database.Database };
  /** Sends one HTML message (grammY `api.sendMessage` with parse_mode HTML). */
  send: SendFn;
  log: Logger;
  /** Rebuilds the search index from the new corpus in the same run. */
  reindex?: (corpus: ReadCorpusResult) => Promise<void>;
  clock?: Clock;
  workerId?: string;
  /**
   * Validate BROADCAST_CRON / BROADCAST_TZ now (default true), so that `serve` stops with a clear
   * ConfigError before the bot starts; one-off runs (`policybot broadcast`) pass false.
   */
  validateSchedule?: boolean;
}

/** The wired broadcast feature. */
export interface BroadcastService {
  bstore: SqliteBroadcastStore;
  sender: OutboxSender;
  /** One sync-and-digest run now (the schedule calls this). */
  runOnce(opts?: RunOptions): Promise<RunResult>;
  /** The bot's `/broadcast <text>` hook: enqueues for every active subscriber, sends in the background. */
  announce(text: string, from: { userId: number; chatId?: number }): Promise<string>;
  /** Starts the cron schedule (validated: throws ConfigError naming BROADCAST_CRON/BROADCAST_TZ) and resumes pending sends. */
  start(): BroadcastSchedule;
  /** Stops the schedule and the sender (sends in flight finish). */
  stop(): Promise<void>;
}

/** Wires the broadcast feature (see the module comment). */
export function createBroadcastService(
  config: Pick<Config, 'CORPUS_DIR' | 'INBOX_DIR' | 'BROADCAST_CRON' | 'BROADCAST_TZ'> & Parameters<typeof limitsFromConfig>[0],
  deps: BroadcastServiceDeps,
): BroadcastService {
  const { store, log } = deps;
  if (deps.validateSchedule !== false) validateSchedule(config.BROADCAST_CRON, config.BROADCAST_TZ);
  if (!store.db) throw new Error(`broadcast: the ${store.engine} store has no broadcast outbox yet; use the embedded SQLite store (unset DATABASE_URL)`);
  const bstore = openSqliteBroadcastStore(store.db);
  const sender = new OutboxSender(
    bstore,
    {
      send: deps.send,
      log,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.workerId ? { workerId: deps.workerId } : {}),
      onInactive: async (chatId, reason) => {
        await store.deactivateSubscriber(chatId, reason);
        if (chatId > 0) await store.markUserInactive(chatId, reason);
      },
    },
    limitsFromConfig(config),
  );
  const runDeps: BroadcastDeps = {
    corpusDir: config.CORPUS_DIR,
    ...(config.INBOX_DIR ? { inboxDir: config.INBOX_DIR } : {}),
    bstore,
    subscribers: () => store.listSubscribers(),
    sender,
    ...(deps.reindex ? { reindex: deps.reindex } : {}),
    log,
  };
  let schedule: BroadcastSchedule | null = null;
  const logReport = (what: string, r: SendReport) => log.info(`broadcast: ${what} sent`, { ...r });
  return {
    bstore,
    sender,
    runOnce: (opts) => runBroadcast(runDeps, opts),
    async announce(text, from) {
      const r = await announce(runDeps, text, from);
      log.info('broadcast: announcement enqueued', { by: from.userId, recipients: r.recipients, rows: r.enqueued });
      r.done?.then((rep) => logReport('announcement', rep)).catch((err: unknown) => log.error('broadcast: announcement sending failed', { error: (err as Error).message }));
      if (!r.recipients) return '当前没有订阅者，未发送。';
      return `已加入发送队列：${r.recipients} 位订阅者，${r.enqueued} 条消息，将按频率限制陆续发出。`;
    },
    start() {
      validateSchedule(config.BROADCAST_CRON, config.BROADCAST_TZ);
      schedule = startSchedule({ cron: config.BROADCAST_CRON, timezone: config.BROADCAST_TZ, run: () => runBroadcast(runDeps), log });
      // Resume a broadcast interrupted by a crash or a restart.
      void bstore.counts().then((c) => {
        if (!c.pending) return;
        log.info('broadcast: resuming pending outbox rows', { pending: c.pending });
        sender.drain().then((rep) => logReport('resumed outbox', rep)).catch((err: unknown) => log.error('broadcast: resume failed', { error: (err as Error).message }));
      });
      return schedule;
    },
    async stop() {
      await sender.stop(); // first, so that a run in progress does not wait for a long broadcast
      await schedule?.stop();
      schedule = null;
    },
  };
}
