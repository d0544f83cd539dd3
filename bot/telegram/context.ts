/**
 * Types shared by the Telegram features: the dependencies put on every context, the settings taken
 * from config, the session shape, and the custom context type.
 */
import type { Context, SessionFlavor } from 'grammy';
import type { Assistant, ConversationState, FollowUp } from '../assistant/types.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';
import type { GapLog } from '../feedback/index.ts';
import type { PacketTurn } from '../handoff/packet.ts';
import type { Handoff } from '../handoff/service.ts';
import type { Locales } from '../locales/locale.ts';

/** What the bot needs from the application (built once in the entry point). */
export interface BotDeps {
  assistant: Assistant;
  store: Store;
  logger: Logger;
  /** The policy as-of date (YYYY-MM-DD) for each answer. */
  asOf: () => string;
  /** Today's date (YYYY-MM-DD, Asia/Shanghai) for usage counters; defaults to `asOf`. */
  today?: () => string;
  /** Re-ingests the corpus and swaps the index; resolves to a one-line summary for the admin. */
  reload?: () => Promise<string>;
  /** Sends an announcement to the subscribers (the broadcast feature); resolves to a summary. */
  broadcast?: (text: string, from: { userId: number; chatId: number }) => Promise<string>;
  /** Clock (ms since epoch), for tests. */
  now?: () => number;
  /** Gap log (bot/feedback): abstentions and dead-end checks are recorded, masked. */
  gapLog?: GapLog;
  /** Hand-off case packet (/handoff, private chats only; bot/handoff/service.ts). */
  handoff?: Handoff;
  /** The locale files replies are rendered with (App.replyKit.locales); default: the shipped bot/locales. */
  locales?: Locales;
}

/** The subset of `Config` the bot reads. */
export type BotConfig = Pick<
  Config,
  | 'TELEGRAM_BOT_TOKEN'
  | 'TELEGRAM_API_ROOT'
  | 'ADMIN_IDS'
  | 'RATE_LIMIT_PER_MINUTE'
  | 'SESSION_IDLE_MINUTES'
  | 'SUBSCRIBE_KEYWORDS'
  | 'TELEGRAM_POLL_MARGIN_SECONDS'
  | 'TELEGRAM_CALL_TIMEOUT_SECONDS'
  | 'TELEGRAM_SEND_RETRY_SECONDS'
  | 'TELEGRAM_REPLY_IN_DOUBT'
> &
  Partial<Pick<Config, 'BOT_USERNAME'>>;

/** An open question with buttons; `nonce` guards its callback data against stale or forged presses. */
export interface OpenButtons {
  nonce: string;
  fact: string;
  choices: NonNullable<FollowUp['choices']>;
}

/** What is stored per conversation (private chat: per user; group: per group and member). */
export interface SessionData {
  conv?: ConversationState | null;
  buttons?: OpenButtons | null;
  /** Private chats: the turns the hand-off packet lists (question, check, cited clauses). */
  handoffTurns?: PacketTurn[] | null;
}

/** The context every feature sees. */
export type BotContext = Context &
  SessionFlavor<SessionData> & {
    deps: BotDeps;
    settings: BotSettings;
  };

/** Settings derived from config once. */
export interface BotSettings {
  adminIds: Set<number>;
  rateLimitPerMinute: number;
  sessionIdleMinutes: number;
  subscribeKeywords: string[];
  botUsername?: string;
}
