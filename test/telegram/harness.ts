/**
 * In-process test harness: a bot built by `createBot` with a fixed `botInfo`, a fake `client.fetch` that
 * records every outgoing Bot API call (and answers like Telegram), a temp SQLite store, and builders of
 * realistic updates.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Update, UserFromGetMe } from 'grammy/types';
import { createLogger, type Logger } from '../../bot/logger.ts';
import { parseConfig } from '../../bot/config.ts';
import { openSqliteStore, type SqliteStore } from '../../bot/store/sqlite.ts';
import { createBot } from '../../bot/telegram/bot.ts';
import type { BotDeps } from '../../bot/telegram/context.ts';
import { FakeAssistant } from './fake-assistant.ts';

export const BOT_INFO: UserFromGetMe = {
  id: 4242,
  is_bot: true,
  first_name: 'Policy Test',
  username: 'PolicyTestBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export const TOKEN = '123456:TEST-SECRET-TOKEN-abcdef';

export interface ApiCall {
  method: string;
  payload: Record<string, any>;
  /** False when a fault kept Telegram from accepting the call (hang, reset before accept, error answer). */
  accepted?: boolean;
}

/**
 * A fault the fake Bot API can inject into the next calls of a method:
 * - `hang`: the request never answers (a half-open connection);
 * - `reset-before` / `reset-after`: the connection drops before / after Telegram accepted the call
 *   (after: the message was delivered, the bot never learns it);
 * - `{ code, description?, retryAfter? }`: an error answer (401, 409, 429 with retry_after, 5xx).
 */
export type Fault = 'hang' | 'reset-before' | 'reset-after' | { code: number; description?: string; retryAfter?: number };

type Responder = (payload: Record<string, any>) => unknown;

/** Records API calls and answers them like Telegram would. */
export class FakeTelegram {
  calls: ApiCall[] = [];
  private nextMessageId = 5000;
  /** Per-method override: return a full Bot API response object ({ ok, result } or { ok: false, error_code, description }). */
  overrides = new Map<string, Responder>();
  /** User ids getChatMember reports as administrators. */
  groupAdmins = new Set<number>();

  /** Faults queued per method (consumed one per call). */
  private faults = new Map<string, Fault[]>();
  /** While true every call fails as if the network were down (connection refused), like an outage window. */
  down = false;
  /** Requests that hang right now (a hung request answers nothing, ever, unless its signal aborts). */
  hanging = 0;

  /** The next `times` calls of `method` get `fault`. */
  inject(method: string, fault: Fault, times = 1): this {
    const q = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) q.push(fault);
    this.faults.set(method, q);
    return this;
  }

  fetch = async (url: string | URL, init?: { body?: unknown; signal?: AbortSignal }) => {
    const method = String(url).split('/').pop()!;
    const payload = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, any>) : {};
    const call: ApiCall = { method, payload, accepted: false };
    this.calls.push(call);
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    const fault = this.faults.get(method)?.shift();
    if (fault === 'hang') {
      if (init?.signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      this.hanging++;
      // like a socket that never answers: only an abort ends it (and the client may not even abort)
      return new Promise<Response>((_, reject) =>
        init?.signal?.addEventListener('abort', () => {
          this.hanging--;
          reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
        }),
      );
    }
    if (fault === 'reset-before') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    let res: unknown;
    if (typeof fault === 'object') {
      res = {
        ok: false,
        error_code: fault.code,
        description: fault.description ?? `Error ${fault.code}`,
        ...(fault.retryAfter !== undefined ? { parameters: { retry_after: fault.retryAfter } } : {}),
      };
    } else {
      res = await this.respond(method, payload);
      call.accepted = (res as { ok?: boolean }).ok === true;
    }
    if (fault === 'reset-after') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return { ok: true, status: 200, json: async () => res } as unknown as Response;
  };

  private respond(method: string, payload: Record<string, any>): unknown | Promise<unknown> {
    const o = this.overrides.get(method);
    if (o) return o(payload);
    switch (method) {
      case 'sendMessage':
        // like Telegram: the text after HTML parsing may have at most 4096 characters
        if (visibleLength(String(payload.text ?? '')) > 4096)
          return { ok: false, error_code: 400, description: 'Bad Request: message is too long' };
        return {
          ok: true,
          result: {
            message_id: this.nextMessageId++,
            date: 1700000000,
            chat: { id: payload.chat_id, type: 'private' },
            from: BOT_INFO,
            text: payload.text,
          },
        };
      case 'getChatMember':
        return {
          ok: true,
          result: {
            status: this.groupAdmins.has(payload.user_id) ? 'administrator' : 'member',
            user: { id: payload.user_id, is_bot: false, first_name: 'X' },
          },
        };
      default:
        return { ok: true, result: true };
    }
  }

  /** Calls of one method (sendMessage by default). */
  sent(method = 'sendMessage'): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** sendMessage calls Telegram accepted (what the users actually received). */
  delivered(method = 'sendMessage'): ApiCall[] {
    return this.calls.filter((c) => c.method === method && c.accepted);
  }

  /** Texts of sendMessage calls. */
  texts(): string[] {
    return this.sent().map((c) => c.payload.text as string);
  }

  clear(): void {
    this.calls = [];
  }
}

/** Length of an HTML message as Telegram counts it (tags removed, entities decoded, UTF-16 units). */
export function visibleLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, 'x').length;
}

export interface Harness {
  bot: ReturnType<typeof createBot>;
  tg: FakeTelegram;
  assistant: FakeAssistant;
  store: SqliteStore;
  deps: BotDeps;
  logs: string[];
  send(update: Update): Promise<void>;
}

/** Builds a bot over a fresh temp store. */
export function makeHarness(opts: { env?: Record<string, string>; deps?: Partial<BotDeps> } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-tg-'));
  const config = parseConfig({ TELEGRAM_BOT_TOKEN: TOKEN, ADMIN_IDS: '900', DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '0', ...opts.env });
  const store = openSqliteStore({ file: join(dir, 'policybot.sqlite') });
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'debug', secrets: [TOKEN], write: (l) => logs.push(l) });
  const assistant = new FakeAssistant();
  const tg = new FakeTelegram();
  const deps: BotDeps = { assistant, store, logger, asOf: () => '2099-06-01', ...opts.deps };
  const bot = createBot(config, deps, { botInfo: BOT_INFO, client: { fetch: tg.fetch as never } });
  return { bot, tg, assistant, store, deps, logs, send: (u) => bot.handleUpdate(u) };
}

let updateId = 1;
let messageId = 1;
const now = () => Math.floor(Date.now() / 1000);

function commandEntities(text: string) {
  if (!text.startsWith('/')) return undefined;
  const end = text.search(/\s/);
  return [{ type: 'bot_command' as const, offset: 0, length: end === -1 ? text.length : end }];
}

export const user = (id: number) => ({ id, is_bot: false, first_name: `用户${id}`, language_code: 'zh-hans' });
export const privateChat = (id: number) => ({ id, type: 'private' as const, first_name: `用户${id}` });
export const groupChat = (id: number) => ({ id, type: 'supergroup' as const, title: 'HR 交流群' });

/** A private text message (commands get their bot_command entity). */
export function privateText(userId: number, text: string, extra: Record<string, unknown> = {}): Update {
  return {
    update_id: updateId++,
    message: {
      message_id: messageId++,
      date: now(),
      chat: privateChat(userId),
      from: user(userId),
      text,
      entities: commandEntities(text),
      ...extra,
    },
  } as Update;
}

/** A group text message; `extra` may add entities / reply_to_message. */
export function groupText(chatId: number, userId: number, text: string, extra: Record<string, unknown> = {}): Update {
  return {
    update_id: updateId++,
    message: {
      message_id: messageId++,
      date: now(),
      chat: groupChat(chatId),
      from: user(userId),
      text,
      entities: commandEntities(text),
      ...extra,
    },
  } as Update;
}

/** A group message that @mentions the bot at the start. */
export function groupMention(chatId: number, userId: number, question: string): Update {
  const mention = `@${BOT_INFO.username}`;
  return groupText(chatId, userId, `${mention} ${question}`, { entities: [{ type: 'mention', offset: 0, length: mention.length }] });
}

/** A callback query (button press) on a bot message in the given chat. */
export function callback(
  userId: number,
  data: string,
  chat: { id: number; type: string } = privateChat(userId),
  onMessageId = 5000,
): Update {
  return {
    update_id: updateId++,
    callback_query: {
      id: String(updateId * 7),
      from: user(userId),
      chat_instance: 'ci',
      data,
      message: { message_id: onMessageId, date: now(), chat, from: BOT_INFO, text: '…' },
    },
  } as unknown as Update;
}

/** Any other message kind (sticker, photo, voice, location…). */
export function privateMessage(userId: number, fields: Record<string, unknown>): Update {
  return {
    update_id: updateId++,
    message: { message_id: messageId++, date: now(), chat: privateChat(userId), from: user(userId), ...fields },
  } as Update;
}

/** An edited private message. */
export function editedText(userId: number, text: string): Update {
  return {
    update_id: updateId++,
    edited_message: { message_id: messageId++, date: now(), edit_date: now(), chat: privateChat(userId), from: user(userId), text },
  } as Update;
}

/** The callback data of the buttons of a sent message. */
export function buttons(call: ApiCall | undefined): { text: string; callback_data?: string; url?: string }[] {
  return (call?.payload.reply_markup?.inline_keyboard ?? []).flat();
}
