/**
 * `createBot(config, deps)`: builds the grammY bot and registers middleware only — no network calls,
 * no polling (see `runner.ts`). Order: deps on the context → per-chat sequencing → update de-duplication →
 * error boundary around [rate limit, session, user touch, features…].
 *
 * @example
 * const bot = createBot(config, { assistant, store, logger, asOf: () => todayIn(config) });
 * await bot.handleUpdate(update); // tests; or startBot(bot, …) in the entry point
 */
import { limit } from '@grammyjs/ratelimiter';
import { sequentialize } from '@grammyjs/runner';
import { Api, Bot, GrammyError, session, type ApiClientOptions, type BotError, type StorageAdapter } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { sessionKey } from './answer.ts';
import {
  DeliveryInDoubtError,
  forbiddenTransformer,
  networkRetryTransformer,
  replyLedgerTransformer,
  retryTransformer,
  timeoutTransformer,
} from './api.ts';
import type { BotConfig, BotContext, BotDeps, BotSettings, SessionData } from './context.ts';
import { escapeHtml } from './format.ts';
import { adminFeature } from './features/admin.ts';
import { askFeature } from './features/ask.ts';
import { checkFeature } from './features/check.ts';
import { fallbackFeature } from './features/fallback.ts';
import { forgetFeature } from './features/forget.ts';
import { handoffFeature } from './features/handoff.ts';
import { sourcesFeature } from './features/sources.ts';
import { startFeature } from './features/start.ts';
import { subscribeFeature } from './features/subscribe.ts';
import { T } from './texts.ts';

/** Options for tests and special deployments. */
export interface CreateBotOptions {
  /** Skip getMe (tests pass a fixed bot user). */
  botInfo?: UserFromGetMe;
  /** grammY API client options (apiRoot comes from TELEGRAM_API_ROOT; tests pass `fetch`). */
  client?: ApiClientOptions;
  /** Session storage; default: the store's sessions. Any grammY StorageAdapter fits. */
  sessionStorage?: StorageAdapter<SessionData>;
}

/**
 * A bare Bot API client for the broadcast sender: per-call timeout, no retries — the sender sees a 429
 * itself and pauses all its sends for `retry_after` (docs/broadcast.md), which the bot's retrying
 * client would hide by waiting per message while the other sends go on.
 */
export function createSendApi(config: BotConfig, client: ApiClientOptions = {}): Api {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in .env');
  const api = new Api(token, {
    apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    timeoutSeconds: Math.ceil(config.TELEGRAM_CALL_TIMEOUT_SECONDS) + 5,
    ...client,
  });
  api.config.use(
    timeoutTransformer({ pollMarginMs: config.TELEGRAM_POLL_MARGIN_SECONDS * 1000, callMs: config.TELEGRAM_CALL_TIMEOUT_SECONDS * 1000 }),
  );
  return api;
}

/** Settings derived from config. */
export function botSettings(config: BotConfig): BotSettings {
  return {
    adminIds: new Set(config.ADMIN_IDS),
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    subscribeKeywords: config.SUBSCRIBE_KEYWORDS,
    botUsername: config.BOT_USERNAME,
  };
}

/** Builds the bot. Throws when TELEGRAM_BOT_TOKEN is missing. */
export function createBot(config: BotConfig, deps: BotDeps, options: CreateBotOptions = {}): Bot<BotContext> {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in .env');
  const timeouts = { pollMarginMs: config.TELEGRAM_POLL_MARGIN_SECONDS * 1000, callMs: config.TELEGRAM_CALL_TIMEOUT_SECONDS * 1000 };
  const bot = new Bot<BotContext>(token, {
    botInfo: options.botInfo,
    client: {
      apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
      // grammY's own limit (default 500 s) only as a backstop behind timeoutTransformer
      timeoutSeconds: Math.ceil(Math.max(config.TELEGRAM_CALL_TIMEOUT_SECONDS, 50 + config.TELEGRAM_POLL_MARGIN_SECONDS)) + 5,
      ...options.client,
    },
  });
  // innermost first: each attempt gets its own time limit, then the retries wrap it
  bot.api.config.use(timeoutTransformer(timeouts));
  bot.api.config.use(networkRetryTransformer({ inDoubt: config.TELEGRAM_REPLY_IN_DOUBT }));
  bot.api.config.use(retryTransformer({ budgetMs: config.TELEGRAM_SEND_RETRY_SECONDS * 1000, logger: deps.logger }));
  bot.api.config.use(forbiddenTransformer(deps.store, deps.logger));
  const settings = botSettings(config);
  const log = deps.logger;

  // 1. dependencies on the context
  bot.use((ctx, next) => {
    ctx.deps = deps;
    ctx.settings = settings;
    return next();
  });
  // 2. one update at a time per chat (and per user for updates without a chat), others run concurrently
  bot.use(sequentialize((ctx) => (ctx.chat ? String(ctx.chat.id) : ctx.from ? `u${ctx.from.id}` : undefined)));
  // 3. de-duplication across restarts: an update fully handled before is skipped
  bot.use(async (ctx, next) => {
    const id = ctx.update.update_id;
    const claim = await deps.store.beginUpdate(ctx.update);
    if (claim === 'done') {
      log.debug('update already handled; skipped', { update: id });
      return;
    }
    if (claim === 'retry') log.info('update was interrupted before; handling it again', { update: id });
    // reply parts are recorded as sent; a retried update skips the ones sent before the crash
    ctx.api.config.use(replyLedgerTransformer(deps.store, id, log, { lookup: claim === 'retry', inDoubt: config.TELEGRAM_REPLY_IN_DOUBT }));
    try {
      await next();
    } finally {
      await deps.store.finishUpdate(id).catch((err) => log.error('could not mark update handled', { update: id, err }));
    }
  });

  // 4. everything else under an error boundary
  const features = bot.errorBoundary((err) => onError(err, log, deps));
  if (settings.rateLimitPerMinute > 0) {
    features.use(
      limit<BotContext, never>({
        timeFrame: 60_000,
        limit: settings.rateLimitPerMinute,
        keyGenerator: (ctx) => (ctx.from && (ctx.message || ctx.callbackQuery) ? String(ctx.from.id) : undefined),
        onLimitExceeded: (ctx) => {
          log.info('rate limit exceeded', { user: ctx.from?.id });
          if (ctx.callbackQuery) void ctx.answerCallbackQuery({ text: T.rateLimited }).catch(() => undefined);
          else if (ctx.chat?.type === 'private') void ctx.reply(escapeHtml(T.rateLimited), { parse_mode: 'HTML' }).catch(() => undefined);
        },
      }),
    );
  }
  // A button on an inline-mode message (no chat) or a message without a sender has no session key: the
  // session would throw on access. The bot has no inline mode, so such a button is stale; such a message is ignored.
  features.use(async (ctx, next) => {
    if (sessionKey(ctx) !== undefined || !(ctx.message || ctx.callbackQuery)) return next();
    log.debug('update without a chat or a sender; not answered', {
      update: ctx.update.update_id,
      inline: !!ctx.callbackQuery?.inline_message_id,
    });
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: T.expired }).catch(() => undefined);
  });
  features.use(
    session<SessionData, BotContext>({
      initial: () => ({}),
      getSessionKey: (ctx) => sessionKey(ctx),
      storage: options.sessionStorage ?? deps.store.sessions<SessionData>(),
    }),
  );
  features.use(async (ctx, next) => {
    if (ctx.from && !ctx.from.is_bot && (ctx.message || ctx.callbackQuery)) {
      await deps.store.touchUser(ctx.from.id).catch((err) => log.warn('touchUser failed', { err }));
    }
    return next();
  });
  features.use(
    startFeature,
    checkFeature,
    sourcesFeature,
    forgetFeature,
    subscribeFeature,
    adminFeature,
    handoffFeature,
    askFeature,
    fallbackFeature,
  );

  bot.catch((err) => onError(err, log, deps));
  return bot;
}

/** Logs an error with its update id and, unless the chat refused us (403), apologizes briefly. */
async function onError(err: BotError<BotContext>, log: BotDeps['logger'], deps: BotDeps): Promise<void> {
  const ctx = err.ctx;
  const e = err.error;
  if (e instanceof DeliveryInDoubtError) {
    // the reply may well have arrived: an apology now would be worse than a rare missing answer
    log.warn('a reply may not have been delivered (connection reset after sending); not resent', {
      update: ctx.update.update_id,
      chat: ctx.chat?.id,
    });
    return;
  }
  log.error('update failed', {
    update: ctx.update.update_id,
    chat: ctx.chat?.id,
    err: e,
    stack: e instanceof Error ? e.stack?.split('\n').slice(0, 4).join(' | ') : undefined,
  });
  deps.store.incrementUsage((deps.today ?? deps.asOf)(), ['errors']).catch(() => undefined);
  if (e instanceof GrammyError && e.error_code === 403) return;
  try {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: T.error }).catch(() => undefined);
    if (ctx.chat && (ctx.message || ctx.callbackQuery)) {
      await ctx.api.sendMessage(ctx.chat.id, escapeHtml(T.error), {
        parse_mode: 'HTML',
        ...(ctx.message && ctx.chat.type !== 'private'
          ? { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } }
          : {}),
      });
    }
  } catch (sendErr) {
    log.warn('could not send the apology', { update: ctx.update.update_id, err: sendErr });
  }
}
