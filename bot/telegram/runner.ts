/**
 * Starting and stopping the bot (kept out of `createBot`): long polling with @grammyjs/runner (concurrent
 * updates, per-chat order kept by `sequentialize` inside the bot), or a webhook HTTP server.
 *
 * Shutdown (`stop()`): stop fetching / accepting, let updates already received finish (bounded by
 * `stopTimeoutMs`), then return. Updates received but not finished stay unmarked in the store and are
 * redelivered by Telegram after the restart (the offset is only confirmed by the next getUpdates call);
 * updates that did finish are skipped on redelivery by the de-duplication middleware. Nothing is lost.
 *
 * @example
 * const running = await startBot(bot, { mode: 'polling', logger });
 * process.once('SIGTERM', () => running.stop().then(() => process.exit(0)));
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConcurrentSink, createRunner, createSource } from '@grammyjs/runner';
import { webhookCallback, type Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Logger } from '../logger.ts';
import { startSessionSweep } from '../store/sweep.ts';
import type { Store } from '../store/types.ts';
import { registerCommands } from './commands.ts';
import type { BotContext } from './context.ts';
import { createPoller, realClock, type Clock } from './polling.ts';

/** Update kinds the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/** Options of `startBot`. */
export interface StartBotOptions {
  mode: 'polling' | 'webhook';
  logger: Logger;
  /**
   * Durable update log: polled updates are persisted before their offset is confirmed, and updates left
   * unfinished by a crash are replayed at start. Without it a crash can lose the updates being handled.
   */
  store?: Store;
  /** Max time `stop()` waits for running updates (ms); default 4000 so the process exits within 5 s. */
  stopTimeoutMs?: number;
  /** Updates handled at the same time (different chats); default 64. */
  concurrency?: number;
  /** Long-polling timeout in seconds (TELEGRAM_POLL_TIMEOUT_SECONDS); default 25. */
  pollTimeoutSeconds?: number;
  /** Longest wait between getUpdates attempts while Telegram is unreachable or another instance polls (ms); default 5000. */
  retryMaxMs?: number;
  /** getMe at start gives up after this long in all (ms; TELEGRAM_STARTUP_SECONDS); default 10 000. */
  startupMs?: number;
  /**
   * Deletes sessions idle for `idleMs` (SESSION_IDLE_MINUTES) every `everyMs` (default: a tenth of
   * idleMs, between 10 s and 5 min) and once at start. Needs `store`.
   */
  sessionSweep?: { idleMs: number; everyMs?: number };
  /** Time source for the poller's waits (tests pass a fast clock). */
  clock?: Clock;
  /** When getMe fails at start: build the bot user from the token id and this username instead of failing. */
  fallbackUsername?: string;
  /** Skip setMyCommands (tests). */
  skipCommands?: boolean;
  webhook?: { url: string; secret?: string; port: number; host: string; path?: string };
}

/** A started bot. */
export interface RunningBot {
  mode: 'polling' | 'webhook';
  /** Resolves when the bot stopped (by `stop()` or a fatal polling error, which it rethrows). */
  done: Promise<void>;
  /** Stops fetching/accepting and waits for running updates (bounded). Idempotent. */
  stop(): Promise<{ unfinished: number }>;
  /** Updates received and not finished yet. */
  pending(): number;
  /** Webhook mode: the port the HTTP server listens on. */
  port?: number;
}

/** Counts updates in flight; `idle()` resolves when none is left. */
class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];
  add(k = 1): void {
    this.n += k;
  }
  done(): void {
    this.n = Math.max(0, this.n - 1);
    if (this.n === 0) for (const w of this.waiters.splice(0)) w();
  }
  get count(): number {
    return this.n;
  }
  idle(timeoutMs: number): Promise<void> {
    if (this.n === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** The runner settings from the configuration (what `serve` passes to `startBot`). */
export function runnerTiming(config: {
  TELEGRAM_POLL_TIMEOUT_SECONDS: number;
  TELEGRAM_RETRY_MAX_SECONDS: number;
  TELEGRAM_STARTUP_SECONDS: number;
  TELEGRAM_CONCURRENCY: number;
}): Pick<StartBotOptions, 'pollTimeoutSeconds' | 'retryMaxMs' | 'startupMs' | 'concurrency'> {
  return {
    concurrency: config.TELEGRAM_CONCURRENCY,
    pollTimeoutSeconds: config.TELEGRAM_POLL_TIMEOUT_SECONDS,
    retryMaxMs: config.TELEGRAM_RETRY_MAX_SECONDS * 1000,
    startupMs: config.TELEGRAM_STARTUP_SECONDS * 1000,
  };
}

/** getMe bounded by `startupMs` in all (retries included), with a fallback from the token id + BOT_USERNAME; 401 always fails. */
async function boundedGetMe(bot: Bot<BotContext>, ms: number): Promise<UserFromGetMe> {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`no answer within ${ms / 1000} s (TELEGRAM_STARTUP_SECONDS)`));
    }, ms);
  });
  try {
    return await Promise.race([bot.api.getMe(ac.signal as never), deadline]);
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

async function initBot(bot: Bot<BotContext>, opts: StartBotOptions): Promise<void> {
  try {
    // not bot.init(): grammY retries a failing getMe there forever; ours gives up after startupMs
    if (!bot.isInited()) bot.botInfo = await boundedGetMe(bot, opts.startupMs ?? 10_000);
  } catch (err) {
    const e = err as { error_code?: number; message?: string };
    const id = Number(bot.token.split(':')[0]);
    if (e.error_code !== 401 && opts.fallbackUsername && Number.isFinite(id)) {
      opts.logger.warn('getMe failed; using BOT_USERNAME and the id from the token', { err: e.message });
      bot.botInfo = { id, is_bot: true, first_name: opts.fallbackUsername, username: opts.fallbackUsername } as UserFromGetMe;
      return;
    }
    throw new Error(
      `cannot reach the Telegram Bot API (getMe failed: ${e.message ?? String(err)}). Check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT` +
        (e.error_code === 401 ? ' — the token was rejected (401)' : ''),
    );
  }
}

/** Starts the bot in the given mode. Non-essential start-up calls (setMyCommands, deleteWebhook) only warn. */
export async function startBot(bot: Bot<BotContext>, opts: StartBotOptions): Promise<RunningBot> {
  const log = opts.logger;
  await initBot(bot, opts);
  if (!opts.skipCommands) void registerCommands(bot.api, log);
  if (opts.store) {
    await opts.store.pruneUpdates(48 * 3600_000).catch((err) => log.warn('pruning update marks failed', { err }));
    await replayUnfinished(bot, opts.store, log);
  }
  const stopSweep = opts.store && opts.sessionSweep ? startSessionSweep(opts.store, opts.sessionSweep, log) : () => undefined;
  log.info('bot started', { username: bot.botInfo.username, mode: opts.mode });
  let running: RunningBot;
  try {
    running = opts.mode === 'webhook' ? await startWebhook(bot, opts) : startPolling(bot, opts);
  } catch (err) {
    stopSweep();
    throw err;
  }
  const stop = running.stop.bind(running);
  running.stop = () => {
    stopSweep();
    return stop();
  };
  return running;
}

/** Handles the updates a previous run received but did not finish (per-chat order kept by sequentialize). */
export async function replayUnfinished(bot: Bot<BotContext>, store: Store, log: Logger): Promise<number> {
  const updates = await store.unfinishedUpdates<Update>();
  if (!updates.length) return 0;
  log.info('replaying updates left unfinished by the previous run', { count: updates.length });
  const results = await Promise.allSettled(updates.map((u) => bot.handleUpdate(u)));
  for (const r of results) if (r.status === 'rejected') log.error('replayed update failed', { err: r.reason });
  return updates.length;
}

function startPolling(bot: Bot<BotContext>, opts: StartBotOptions): RunningBot {
  const log = opts.logger;
  const inflight = new InFlight();
  const stopTimeoutMs = opts.stopTimeoutMs ?? 4000;
  const clock = opts.clock ?? realClock;
  const fetchUpdates = createPoller(bot.api, {
    timeoutSeconds: opts.pollTimeoutSeconds ?? 25,
    retryMaxMs: opts.retryMaxMs ?? 5000,
    allowedUpdates: ALLOWED_UPDATES,
    logger: log,
    clock,
  });
  let deletedWebhook = false;
  const supplier = {
    async supply(batchSize: number, signal: AbortSignal): Promise<Update[]> {
      if (!deletedWebhook) {
        deletedWebhook = true;
        await bot.api.deleteWebhook().catch((err) => log.warn('deleteWebhook failed; continuing', { err: (err as Error).message }));
      }
      const started = Date.now();
      const updates = await fetchUpdates(batchSize, signal);
      // persist before the next getUpdates confirms these offsets to Telegram
      if (opts.store && updates.length) await opts.store.receiveUpdates(updates);
      inflight.add(updates.length);
      // a server that ignores `timeout` (emulators) would make this a busy loop: pause briefly on empty answers
      if (updates.length === 0 && Date.now() - started < 50 && !signal.aborted) await sleep(50, signal);
      return updates;
    },
  };
  const source = createSource<Update>(supplier as never);
  const sink = createConcurrentSink<Update>(
    {
      consume: async (update) => {
        try {
          await bot.handleUpdate(update);
        } finally {
          inflight.done();
        }
      },
    },
    async (err) => {
      log.error('update handler failed outside the error boundary', { err });
    },
    { concurrency: opts.concurrency ?? 64 },
  );
  const runner = createRunner(source, sink);
  runner.start();
  let stopping: Promise<{ unfinished: number }> | undefined;
  const done = (async () => {
    try {
      await runner.task();
    } catch (err) {
      if (!stopping) {
        log.error('polling stopped with an error', { err: (err as Error).message });
        throw err;
      }
    }
  })();
  done.catch(() => undefined);
  return {
    mode: 'polling',
    done,
    pending: () => inflight.count,
    stop() {
      stopping ??= (async () => {
        log.info('stopping: no new updates are fetched', { pending: inflight.count });
        const deadline = new AbortController();
        // runner.stop() returns undefined once the runner died (fatal polling error): nothing to wait for then
        await Promise.race([Promise.resolve(runner.stop()).catch(() => undefined), sleep(stopTimeoutMs, deadline.signal)]);
        deadline.abort();
        await inflight.idle(stopTimeoutMs);
        const unfinished = inflight.count;
        if (unfinished) log.warn('stopped with updates still running; they will be redelivered after the restart', { unfinished });
        else log.info('stopped; all received updates were handled');
        return { unfinished };
      })();
      return stopping;
    },
  };
}

async function startWebhook(bot: Bot<BotContext>, opts: StartBotOptions): Promise<RunningBot> {
  const log = opts.logger;
  const wh = opts.webhook;
  if (!wh?.url) throw new Error('BOT_MODE=webhook needs WEBHOOK_URL (the public HTTPS address Telegram posts updates to)');
  const path = wh.path ?? (new URL(wh.url).pathname || '/');
  const inflight = new InFlight();
  const stopTimeoutMs = opts.stopTimeoutMs ?? 4000;
  const handle = webhookCallback(bot, 'http', { secretToken: wh.secret, onTimeout: 'return', timeoutMilliseconds: 50_000 });
  let closing = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/health')) {
      res.writeHead(closing ? 503 : 200, { 'content-type': 'text/plain' }).end(closing ? 'stopping' : 'ok');
      return;
    }
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    if (closing) {
      // not acknowledged: Telegram retries after the restart
      res.writeHead(503).end();
      return;
    }
    inflight.add();
    Promise.resolve(handle(req, res))
      .catch((err) => {
        log.error('webhook request failed', { err: (err as Error).message });
        if (!res.headersSent) res.writeHead(500).end();
      })
      .finally(() => inflight.done());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wh.port, wh.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  await bot.api.setWebhook(wh.url, { secret_token: wh.secret, allowed_updates: [...ALLOWED_UPDATES] });
  log.info('webhook listening', { port, path });
  let stopping: Promise<{ unfinished: number }> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    mode: 'webhook',
    done,
    port,
    pending: () => inflight.count,
    stop() {
      stopping ??= (async () => {
        closing = true;
        server.close();
        await inflight.idle(stopTimeoutMs);
        server.closeAllConnections?.();
        const unfinished = inflight.count;
        log.info('webhook server stopped', { unfinished });
        resolveDone();
        return { unfinished };
      })();
      return stopping;
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
