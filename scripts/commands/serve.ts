/**
 * `policybot serve [--polling | --webhook] [--no-broadcast]`: runs each configured channel — the
 * Telegram bot when TELEGRAM_BOT_TOKEN is set (long polling by default, webhook when BOT_MODE=webhook
 * or --webhook) with, unless disabled, the broadcast schedule; the web channel (HTTP API, web chat,
 * admin) when WEB_PORT is set; both together when both are set.
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
import { openGapLog } from '../../bot/feedback/index.ts';
import { createLogger } from '../../bot/logger.ts';
import { openStoreReady, type OpenedStore } from '../../bot/store/index.ts';
import { startSessionSweep } from '../../bot/store/sweep.ts';
import { createBot, createSendApi } from '../../bot/telegram/bot.ts';
import type { BotDeps } from '../../bot/telegram/context.ts';
import { runnerTiming, startBot, type RunningBot } from '../../bot/telegram/runner.ts';
import { createHandoff } from '../../bot/handoff/service.ts';
import {
  broadcastPreviewFor,
  createWebChannel,
  startAssistantPool,
  startWebServer,
  webSettingsFromConfig,
  type AssistantPool,
  type RunningWeb,
} from '../../bot/web/index.ts';
import { loadWebTexts } from '../../bot/web/texts.ts';
import { UserFacingError, parseCliArgs, type CliCommand } from '../cli.ts';

/** Total time allowed for shutdown before the process exits anyway. */
const SHUTDOWN_BUDGET_MS = 4500;

export const command: CliCommand = {
  usage: 'serve [--polling|--webhook] [--no-broadcast]',
  summary: 'Run the configured channels: Telegram bot and broadcasts (TELEGRAM_BOT_TOKEN), web chat and HTTP API (WEB_PORT)',
  help: [
    'Runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, the web channel (docs/web.md) when WEB_PORT is set, both when both are.',
    'TELEGRAM_API_ROOT points the bot at a self-hosted Bot API server or an emulator.',
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
    const telegram = !!config.TELEGRAM_BOT_TOKEN;
    const webOn = config.WEB_PORT !== undefined;
    if (!telegram && !webOn) {
      throw new UserFacingError(
        'no channel configured: set TELEGRAM_BOT_TOKEN (a bot from @BotFather) and/or WEB_PORT (the web chat and HTTP API) in .env',
      );
    }
    const mode = values.webhook ? 'webhook' : values.polling ? 'polling' : config.BOT_MODE;
    if (telegram && mode === 'webhook' && !config.WEBHOOK_URL) {
      throw new UserFacingError('webhook mode needs WEBHOOK_URL (the public HTTPS address Telegram posts updates to), or use --polling');
    }
    const dbPassword = (() => {
      try {
        return config.DATABASE_URL ? decodeURIComponent(new URL(config.DATABASE_URL).password) || undefined : undefined;
      } catch {
        return undefined;
      }
    })();
    const logger = createLogger({
      level: config.LOG_LEVEL ?? 'info',
      secrets: [config.TELEGRAM_BOT_TOKEN, config.WEBHOOK_SECRET, dbPassword, config.ADMIN_TOKEN, config.SMTP_PASSWORD],
    });
    if (telegram && mode === 'webhook' && !config.WEBHOOK_SECRET) {
      logger.warn('webhook mode without WEBHOOK_SECRET: anyone who finds WEBHOOK_URL can post fake updates; set WEBHOOK_SECRET');
    }
    let store: OpenedStore;
    try {
      store = await openStoreReady({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL, pgPoolMax: config.DATABASE_POOL_MAX });
    } catch (err) {
      throw new UserFacingError((err as Error).message);
    }
    if (telegram && store.engine === 'postgres' && mode === 'polling') {
      logger.warn(
        'PostgreSQL with long polling: run only ONE polling instance (Telegram allows one getUpdates consumer); several instances need --webhook',
      );
    }
    let app: App = await buildApp(config, { logger });
    /** Corpus hash of what this instance serves (compared with the version committed in the database). */
    let servedHash = corpusHash(app.corpus.documents);
    /** The web channel's assistant threads (WEB_WORKERS > 0), rebuilt after the main thread's app on a reload. */
    let pool: AssistantPool | undefined;
    const swapApp = (next: App) => {
      app = next;
      deps.assistant = next.assistant; // features read ctx.deps.assistant per update: the swap is atomic
      servedHash = corpusHash(next.corpus.documents);
      pool?.reload().catch((err: Error) => logger.error('web: assistant threads could not reload', { err: err.message }));
    };
    const { gapLog, feedback } = await openGapLog(store, config.CORPUS_DIR, logger);
    const deps: BotDeps = {
      gapLog,
      handoff: createHandoff({ texts: loadWebTexts(), targets: webSettingsFromConfig(config).handoff, feedback, logger }),
      assistant: app.assistant,
      locales: app.replyKit.locales,
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
    const bot = telegram ? createBot(config, deps) : undefined;

    let broadcast: BroadcastService | undefined;
    if (bot && config.BROADCAST_ENABLED && !values['no-broadcast']) {
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

    let web: RunningWeb | undefined;
    if (webOn) {
      try {
        if (config.WEB_WORKERS > 0) {
          pool = await startAssistantPool({ config, workers: config.WEB_WORKERS, sources: () => app.assistant.sources(), logger });
          logger.info('web: assistant threads started', { threads: config.WEB_WORKERS });
        }
        const channel = await createWebChannel({
          app: () => app,
          assistant: pool,
          store,
          logger,
          // the admin view's preview: what the next broadcast run would send (nothing is written or sent)
          broadcastPreview: broadcastPreviewFor(config, store),
        });
        web = await startWebServer(channel.app, { port: config.WEB_PORT!, host: config.WEB_HOST, logger });
      } catch (err) {
        await pool?.close();
        await store.close();
        throw new UserFacingError((err as Error).message);
      }
      if (!config.ADMIN_TOKEN) logger.info('ADMIN_TOKEN not set: /admin is refused');
      logger.info('web channel listening', { url: web.url });
    }

    let running: RunningBot | undefined;
    if (bot) {
      try {
        running = await startBot(bot, {
          mode,
          logger,
          store,
          stopTimeoutMs: 3000,
          ...runnerTiming(config),
          fallbackUsername: config.BOT_USERNAME,
          webhook: config.WEBHOOK_URL
            ? { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET, port: config.WEBHOOK_PORT, host: config.WEBHOOK_HOST }
            : undefined,
        });
      } catch (err) {
        await web?.stop();
        await pool?.close();
        await store.close();
        throw new UserFacingError((err as Error).message);
      }
    }
    broadcast?.start();
    // Idle conversations are deleted on every channel (Telegram and web share the sessions table).
    const stopSweep = startSessionSweep(store, { idleMs: config.SESSION_IDLE_MINUTES * 60_000 }, logger);
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
    logger.info('serving', {
      telegram: telegram ? mode : false,
      web: web?.url ?? false,
      store: store.engine,
      broadcast: !!broadcast,
      documents: app.corpus.documents.length,
    });

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
          stopSweep();
          await Promise.all([running?.stop(), web?.stop()]);
          await pool?.close();
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
      running?.done.catch((err) => {
        logger.error('the bot stopped unexpectedly', { err: (err as Error).message });
        void finish(1, 'polling failed');
      });
    });
  },
};
