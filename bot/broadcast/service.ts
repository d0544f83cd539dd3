/**
 * The broadcast feature wired together for the entry points (`policybot serve`, `policybot broadcast`):
 * broadcast store on the bot's connection (SQLite `db` or PostgreSQL `pool`), rate-limited sender,
 * one-run function, manual announcements (the bot's `/broadcast` hook) and the cron schedule. On
 * PostgreSQL (`openBroadcastService`) several instances share the outbox, the global send rate and
 * one scheduler per tick (docs/deployment.md).
 *
 * @example
 * const broadcast = await openBroadcastService(config, { store, send: (id, text) => bot.api.sendMessage(id, text, { parse_mode: 'HTML' }), log, reindex });
 * deps.broadcast = broadcast.announce;     // admin /broadcast <text>
 * broadcast.start();                       // cron schedule + resume an interrupted broadcast
 * // … on shutdown:
 * await broadcast.stop();
 */
import type Database from 'better-sqlite3';
import type { Pool } from 'pg';
import type { ReadCorpusResult } from '../../retrieval/corpus.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { openPgTickGate } from '../store/postgres-lock.ts';
import type { Store } from '../store/types.ts';
import { openPgBroadcastStore, type PgBroadcastStore } from './outbox-postgres.ts';
import { openSqliteBroadcastStore } from './outbox-sqlite.ts';
import { openPgRateLimit } from './rate-limit-pg.ts';
import { announce, runBroadcast, type BroadcastDeps, type RunOptions, type RunResult } from './run.ts';
import { startSchedule, validateSchedule, type BroadcastSchedule, type ScheduleGate } from './schedule.ts';
import {
  limitsFromConfig,
  OutboxSender,
  type Clock,
  type SenderLimits,
  type SendFn,
  type SendReport,
  type SharedRateLimit,
} from './sender.ts';
import type { BroadcastStore } from './types.ts';

export { limitsFromConfig } from './sender.ts';

/** What the service needs from the application. */
export interface BroadcastServiceDeps {
  /** The bot's store; SQLite exposes `db`, PostgreSQL `pool`, which the outbox shares. */
  store: Store & { db?: Database.Database; pool?: Pool };
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
  bstore: BroadcastStore;
  /** `sqlite` (one instance) or `postgres` (shared outbox, shared rate, one scheduler per tick). */
  engine: string;
  sender: OutboxSender;
  /** One sync-and-digest run now (the schedule calls this). */
  runOnce(opts?: RunOptions): Promise<RunResult>;
  /** The bot's `/broadcast <text>` hook: enqueues for every active subscriber, sends in the background. */
  announce(text: string, from: { userId: number; chatId?: number }): Promise<string>;
  /** Starts the cron schedule (validated: throws ConfigError naming BROADCAST_CRON/BROADCAST_TZ) and resumes pending sends. */
  start(): BroadcastSchedule;
  /** Stops the schedule and the sender (sends in flight finish). */
  stop(): Promise<void>;
  /** PostgreSQL: the committed corpus version (what other instances poll to reload their index). */
  committedCorpus?: () => Promise<{ version: number; corpusHash: string } | null>;
}

/** Settings the service reads. */
export type BroadcastServiceConfig = Pick<Config, 'CORPUS_DIR' | 'INBOX_DIR' | 'BROADCAST_CRON' | 'BROADCAST_TZ'> &
  Parameters<typeof limitsFromConfig>[0] &
  Partial<Pick<Config, 'DATABASE_POLL_SECONDS'>>;

/** Minimum spacing between two messages to one chat (ms), from the per-chat and per-group limits. */
export function chatSpacingFromConfig(config: Pick<Config, 'BROADCAST_CHAT_PER_SECOND' | 'BROADCAST_GROUP_PER_MINUTE'>): {
  private: number;
  group: number;
} {
  const perChat = 1000 / config.BROADCAST_CHAT_PER_SECOND;
  return { private: perChat, group: Math.max(perChat, 60_000 / config.BROADCAST_GROUP_PER_MINUTE) };
}

/** The broadcast store of an open bot store: SQLite on its `db`, PostgreSQL on its `pool` (migrated). */
export async function openBroadcastStoreFor(
  store: Store & { db?: Database.Database; pool?: Pool },
  config: Pick<Config, 'BROADCAST_CHAT_PER_SECOND' | 'BROADCAST_GROUP_PER_MINUTE'> & Partial<Pick<Config, 'BROADCAST_IN_DOUBT'>>,
): Promise<BroadcastStore> {
  if (store.db) return openSqliteBroadcastStore(store.db);
  if (store.pool)
    return openPgBroadcastStore(store.pool, {
      chatSpacingMs: chatSpacingFromConfig(config),
      durableInFlightMark: config.BROADCAST_IN_DOUBT === 'skip',
    });
  throw new Error(`broadcast: the ${store.engine} store has no broadcast outbox`);
}

/**
 * Wires the broadcast feature for either engine. PostgreSQL adds what several instances need: the
 * shared outbox (`FOR UPDATE SKIP LOCKED` + leases), the shared send rate (`rate-limit-pg.ts`), one
 * scheduler per tick (`postgres-lock.ts`) and a poll that joins broadcasts enqueued elsewhere.
 *
 * @example
 * const broadcast = await openBroadcastService(config, { store, send, log });
 */
export async function openBroadcastService(config: BroadcastServiceConfig, deps: BroadcastServiceDeps): Promise<BroadcastService> {
  if (deps.validateSchedule !== false) validateSchedule(config.BROADCAST_CRON, config.BROADCAST_TZ);
  const { store } = deps;
  if (store.db || !store.pool) return createBroadcastService(config, deps);
  const limits = limitsFromConfig(config);
  const bstore = (await openBroadcastStoreFor(store, config)) as PgBroadcastStore;
  const sharedRate = await openPgRateLimit(store.pool, {
    name: 'telegram-broadcast',
    ratePerSecond: limits.globalPerSecond,
    burst: Math.max(1, Math.floor(limits.globalPerSecond / 50)),
  });
  const sender = makeSender(
    bstore,
    deps,
    { ...limits, batchSize: Math.max(5, Math.min(100, Math.ceil(limits.globalPerSecond))) },
    sharedRate,
  );
  const gate = await openPgTickGate(store.pool, 'broadcast', { owner: sender.workerId });
  return wire(config, deps, { engine: 'postgres', bstore, sender, gate, pollMs: (config.DATABASE_POLL_SECONDS ?? 5) * 1000 });
}

function makeSender(bstore: BroadcastStore, deps: BroadcastServiceDeps, limits: SenderLimits, sharedRate?: SharedRateLimit): OutboxSender {
  const { store, log } = deps;
  return new OutboxSender(
    bstore,
    {
      send: deps.send,
      log,
      ...(sharedRate ? { sharedRate } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.workerId ? { workerId: deps.workerId } : {}),
      onInactive: async (chatId, reason) => {
        await store.deactivateSubscriber(chatId, reason);
        if (chatId > 0) await store.markUserInactive(chatId, reason);
      },
    },
    limits,
  );
}

/** Wires the broadcast feature on the embedded SQLite store (one instance). */
export function createBroadcastService(config: BroadcastServiceConfig, deps: BroadcastServiceDeps): BroadcastService {
  const { store } = deps;
  if (deps.validateSchedule !== false) validateSchedule(config.BROADCAST_CRON, config.BROADCAST_TZ);
  if (!store.db) throw new Error(`broadcast: createBroadcastService needs the SQLite store; for ${store.engine} use openBroadcastService`);
  const bstore = openSqliteBroadcastStore(store.db);
  return wire(config, deps, { engine: 'sqlite', bstore, sender: makeSender(bstore, deps, limitsFromConfig(config)) });
}

function wire(
  config: BroadcastServiceConfig,
  deps: BroadcastServiceDeps,
  parts: { engine: string; bstore: BroadcastStore; sender: OutboxSender; gate?: ScheduleGate; pollMs?: number },
): BroadcastService {
  const { store, log } = deps;
  const { bstore, sender } = parts;
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
  let poll: ReturnType<typeof setInterval> | null = null;
  let joining = false;
  const logReport = (what: string, r: SendReport) => log.info(`broadcast: ${what} sent`, { ...r });
  return {
    bstore,
    engine: parts.engine,
    sender,
    ...('corpusVersion' in bstore && typeof (bstore as PgBroadcastStore).corpusVersion === 'function'
      ? { committedCorpus: () => (bstore as PgBroadcastStore).corpusVersion() }
      : {}),
    runOnce: (opts) => runBroadcast(runDeps, opts),
    async announce(text, from) {
      const r = await announce(runDeps, text, from);
      log.info('broadcast: announcement enqueued', { by: from.userId, recipients: r.recipients, rows: r.enqueued });
      r.done
        ?.then((rep) => logReport('announcement', rep))
        .catch((err: unknown) => log.error('broadcast: announcement sending failed', { error: (err as Error).message }));
      if (!r.recipients) return '当前没有订阅者，未发送。';
      return `已加入发送队列：${r.recipients} 位订阅者，${r.enqueued} 条消息，将按频率限制陆续发出。`;
    },
    start() {
      validateSchedule(config.BROADCAST_CRON, config.BROADCAST_TZ);
      schedule = startSchedule({
        cron: config.BROADCAST_CRON,
        timezone: config.BROADCAST_TZ,
        run: () => runBroadcast(runDeps),
        log,
        ...(parts.gate ? { gate: parts.gate } : {}),
      });
      if (parts.pollMs && parts.pollMs > 0) {
        // Several instances: join a broadcast another instance enqueued (the drain shares the work).
        poll = setInterval(() => {
          if (joining) return;
          joining = true;
          bstore
            .nextDue()
            .then((due) => (due === null ? null : sender.drain()))
            .then((rep) => rep && rep.sent + rep.failed + rep.skipped > 0 && logReport('shared outbox', rep))
            .catch((err: unknown) => log.error('broadcast: outbox poll failed', { error: (err as Error).message }))
            .finally(() => (joining = false));
        }, parts.pollMs);
        poll.unref();
      }
      // Resume a broadcast interrupted by a crash or a restart.
      void bstore.counts().then((c) => {
        if (!c.pending) return;
        log.info('broadcast: resuming pending outbox rows', { pending: c.pending });
        sender
          .drain()
          .then((rep) => logReport('resumed outbox', rep))
          .catch((err: unknown) => log.error('broadcast: resume failed', { error: (err as Error).message }));
      });
      return schedule;
    },
    async stop() {
      if (poll) clearInterval(poll);
      poll = null;
      await sender.stop(); // first, so that a run in progress does not wait for a long broadcast
      await schedule?.stop();
      schedule = null;
    },
  };
}
