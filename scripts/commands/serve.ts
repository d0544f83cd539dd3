/**
 * `policybot serve [--polling | --webhook] [--no-broadcast]`: runs the Telegram bot (long polling by
 * default, webhook when BOT_MODE=webhook or --webhook) and, unless disabled, the broadcast schedule.
 * SIGINT/SIGTERM stop fetching, let running updates finish, close the store and exit 0 within 5 s.
 * With DATABASE_URL=postgres://… several instances share the store and the broadcast (one scheduler
 * per tick, shared outbox and send rate), and each reloads its index when another instance commits
 * a new corpus version (docs/deployment.md).
 */
import { buildApp, type App } from '../../bot/app.ts';
import { watchCorpusVersion, type CorpusWatch } from '../../bot/broadcast/corpus-watch.ts';
import { openPgBroadcastStore } from '../../bot/broadcast/outbox-postgres.ts';
import { openBroadcastService, type BroadcastService } from '../../bot/broadcast/service.ts';
import { corpusHash } from '../../bot/broadcast/snapshot.ts';
import { loadConfig, todayIn } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';
import { openStoreReady, type OpenedStore } from '../../bot/store/index.ts';
import { createBot, createSendApi } from '../../bot/telegram/bot.ts';
import type { BotDeps } from '../../bot/telegram/context.ts';
import { runnerTiming, startBot, type RunningBot } from '../../bot/telegram/runner.ts';
import { UserFacingError, parseCliArgs, type CliCommand } from '../cli.ts';

/** Total time allowed for shutdown before the process exits anyway. */
const SHUTDOWN_BUDGET_MS = 4500;

export const command: CliCommand = {
  usage: 'serve [--polling|--webhook] [--no-broadcast]',
  summary: 'Run the Telegram bot (long polling or webhook) and the broadcast schedule',
  help: [
    'Needs TELEGRAM_BOT_TOKEN. TELEGRAM_API_ROOT points the bot at a self-hosted Bot API server or an emulator.',
    'Webhook mode needs WEBHOOK_URL (public HTTPS) and listens on WEBHOOK_HOST:WEBHOOK_PORT (GET /healthz for probes);',
    'set WEBHOOK_SECRET so that only Telegram can post updates.',
    'Stops cleanly on SIGINT/SIGTERM (exit 0 within 5 s); updates not finished are handled after the restart.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      polling: { type: 'boolean' },
      webhook: { type: 'boolean' },
      'no-broadcast': { type: 'boolean' },
    });
    const config = loadConfig();
    if (!config.TELEGRAM_BOT_TOKEN) {
      throw new UserFacingError('TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put TELEGRAM_BOT_TOKEN=<token> in .env');
    }
    const mode = values.webhook ? 'webhook' : values.polling ? 'polling' : config.BOT_MODE;
    if (mode === 'webhook' && !config.WEBHOOK_URL) {
      throw new UserFacingError('webhook mode needs WEBHOOK_URL (the public HTTPS address Telegram posts updates to), or use --polling');
    }
    const dbPassword = (() => {
      try {
        return config.DATABASE_URL ? decodeURIComponent(new URL(config.DATABASE_URL).password) || undefined : undefined;
      } catch {
        return undefined;
      }
    })();
    const logger = createLogger({ level: config.LOG_LEVEL, secrets: [config.TELEGRAM_BOT_TOKEN, config.WEBHOOK_SECRET, dbPassword] });
    if (mode === 'webhook' && !config.WEBHOOK_SECRET) {
      logger.warn('webhook mode without WEBHOOK_SECRET: anyone who finds WEBHOOK_URL can post fake updates; set WEBHOOK_SECRET');
    }
    let store: OpenedStore;
    try {
      store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, pgPoolMax: config.DATABASE_POOL_MAX });
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    if (store.engine === 'postgres' && mode === 'polling') {
      logger.warn('PostgreSQL with long polling: run only ONE polling instance (Telegram allows one getUpdates consumer); several instances need --webhook');
    }
    let app: App = await buildApp(config, { logger });
    /** Corpus hash of what this instance serves (compared with the version committed in the database). */
    let servedHash = corpusHash(app.corpus.documents);
    const swapApp = (next: App) => {
      app = next;
      deps.assistant = next.assistant; // features read ctx.deps.assistant per update: the swap is atomic
      servedHash = corpusHash(next.corpus.documents);
    };
    const deps: BotDeps = {
      assistant: app.assistant,
      store,
      logger,
      asOf: () => app.asOf(),
      today: () => todayIn({ AS_OF: undefined }),
      reload: async () => {
        const next = await buildApp(config, { logger });
        swapApp(next);
        return `已重新导入：${next.corpus.documents.length} 份文件，${next.corpus.chunks.length} 个条款，${next.ruleSet.rules.length} 条规则`;
      },
    };
    const bot = createBot(config, deps);

    let broadcast: BroadcastService | undefined;
    if (config.BROADCAST_ENABLED && !values['no-broadcast']) {
      // not bot.api: its retries would hide a 429 from the sender, which must pause all sends (docs/broadcast.md)
      const sendApi = createSendApi(config);
      broadcast = await openBroadcastService(config, {
        store,
        send: (chatId, text) => sendApi.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }),
        log: logger,
        reindex: async (corpus) => swapApp(await buildApp(config, { logger, corpus })),
      });
      deps.broadcast = (text, from) => broadcast!.announce(text, from);
    }

    let running: RunningBot;
    try {
      running = await startBot(bot, {
        mode,
        logger,
        store,
        stopTimeoutMs: 3000,
        ...runnerTiming(config),
        sessionSweep: { idleMs: config.SESSION_IDLE_MINUTES * 60_000 },
        fallbackUsername: config.BOT_USERNAME,
        webhook: config.WEBHOOK_URL
          ? { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, port: config.WEBHOOK_PORT, host: config.WEBHOOK_HOST }
          : undefined,
      });
    } catch (err) {
      await store.close();
      throw new UserFacingError((err as Error).message);
    }
    broadcast?.start();
    // Several instances (PostgreSQL): reload the read-only index when another instance committed a new corpus.
    let corpusWatch: CorpusWatch | undefined;
    if (store.pool) {
      let read = broadcast?.committedCorpus;
      if (!read) {
        const bstore = await openPgBroadcastStore(store.pool);
        read = () => bstore.corpusVersion();
      }
      corpusWatch = watchCorpusVersion({
        read,
        localHash: () => servedHash,
        reload: async () => {
          swapApp(await buildApp(config, { logger }));
          return servedHash;
        },
        intervalMs: config.DATABASE_POLL_SECONDS * 1000,
        log: logger,
      });
    }
    logger.info('serving', { mode, store: store.engine, broadcast: !!broadcast, documents: app.corpus.documents.length });

    return await new Promise<number>((resolve) => {
      let exiting = false;
      const finish = async (code: number, why: string) => {
        if (exiting) return;
        exiting = true;
        logger.info('shutting down', { why });
        const hard = setTimeout(() => {
          logger.warn('shutdown took too long; exiting now (unfinished updates are replayed at the next start)');
          process.exit(code);
        }, SHUTDOWN_BUDGET_MS);
        hard.unref();
        corpusWatch?.stop();
        try {
          await running.stop();
          await Promise.race([broadcast?.stop(), new Promise((r) => setTimeout(r, 800).unref())]);
        } catch (err) {
          logger.error('error while stopping', { err });
        }
        await store.close().catch((err) => logger.error('closing the store failed', { err }));
        logger.info('stopped');
        // leave the event loop a moment to flush stderr, then exit even if a library keeps a handle open
        setTimeout(() => process.exit(code), 100).unref();
        resolve(code);
      };
      process.once('SIGINT', () => void finish(0, 'SIGINT'));
      process.once('SIGTERM', () => void finish(0, 'SIGTERM'));
      running.done.catch((err) => {
        logger.error('the bot stopped unexpectedly', { err: (err as Error).message });
        void finish(1, 'polling failed');
      });
    });
  },
};
