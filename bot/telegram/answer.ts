/**
 * The one path from a question to Telegram messages: session state in, assistant, usage counters,
 * rendering, sending (in-thread in groups), and the follow-up buttons of a guided check.
 */
import { randomBytes } from 'node:crypto';
import { InlineKeyboard } from 'grammy';
import type { ConversationState, Reply } from '../assistant/types.ts';
import type { BotContext } from './context.ts';
import { gapKind } from '../feedback/normalize.ts';
import { rememberTurn } from '../handoff/service.ts';
import { HANDOFF_CALLBACK, handoffLabel } from './features/handoff.ts';
import { loadLocales, type Locales } from '../locales/locale.ts';
import { escapeHtml, isPersonalCheck, renderReplyTelegram, TELEGRAM_MAX_MESSAGE } from './format.ts';
import { T } from './texts.ts';

let fallbackLocales: Locales | undefined;
/** The locales the replies are rendered with: the application's (BotDeps.locales), else the shipped files. */
function localesOf(ctx: BotContext): Locales {
  return ctx.deps.locales ?? (fallbackLocales ??= loadLocales());
}

/** Prefix of the callback data of follow-up choice buttons: `ck:<nonce>:<index>`. */
export const CHOICE_PREFIX = 'ck';

/** Session key: private chats per user (`u<id>`), groups per group and member (`c<chat>:u<id>`). */
export function sessionKey(ctx: { chat?: { id: number; type: string }; from?: { id: number } }): string | undefined {
  const from = ctx.from?.id;
  const chat = ctx.chat;
  if (from === undefined || !chat) return undefined;
  if (chat.type === 'private') return `u${from}`;
  if (chat.type === 'group' || chat.type === 'supergroup') return `c${chat.id}:u${from}`;
  return undefined;
}

/** What /forget erases: the private session and the user's sessions in every group. */
export function userSessionMatch(userId: number): { equals: string[]; endsWith: string } {
  return { equals: [`u${userId}`], endsWith: `:u${userId}` };
}

/** Whether the update comes from a group or supergroup. */
export function isGroup(ctx: BotContext): boolean {
  return ctx.chat?.type === 'group' || ctx.chat?.type === 'supergroup';
}

/** The bot's username (for deep links): from getMe, else BOT_USERNAME. */
export function botUsername(ctx: BotContext): string {
  return ctx.me?.username || ctx.settings.botUsername || 'bot';
}

/** `https://t.me/<bot>?start=<payload>`. */
export function deepLink(ctx: BotContext, payload: string): string {
  return `https://t.me/${botUsername(ctx)}?start=${encodeURIComponent(payload)}`;
}

/** Options for sending HTML in the current chat (in-thread replies in groups, no link previews). */
export function sendOptions(ctx: BotContext, opts: { replyTo?: number } = {}) {
  const msg = ctx.msg;
  return {
    parse_mode: 'HTML' as const,
    link_preview_options: { is_disabled: true },
    ...(opts.replyTo !== undefined ? { reply_parameters: { message_id: opts.replyTo, allow_sending_without_reply: true } } : {}),
    ...(msg && 'is_topic_message' in msg && msg.is_topic_message && msg.message_thread_id
      ? { message_thread_id: msg.message_thread_id }
      : {}),
  };
}

/** Sends several HTML chunks in order; the keyboard goes on the last one. Returns the last message id. */
export async function sendChunks(
  ctx: BotContext,
  chunks: string[],
  opts: { replyTo?: number; keyboard?: InlineKeyboard } = {},
): Promise<number | undefined> {
  const chatId = ctx.chat!.id;
  let last: number | undefined;
  for (let i = 0; i < chunks.length; i++) {
    const isLast = i === chunks.length - 1;
    const sent = await ctx.api.sendMessage(chatId, chunks[i]!, {
      ...sendOptions(ctx, { replyTo: i === 0 ? opts.replyTo : undefined }),
      ...(isLast && opts.keyboard ? { reply_markup: opts.keyboard } : {}),
    });
    last = sent?.message_id;
  }
  return last;
}

/** Loads the conversation state, dropping it when idle too long. */
function loadState(ctx: BotContext, now: number): ConversationState | undefined {
  const conv = ctx.session.conv ?? undefined;
  if (!conv || typeof conv.updatedAt !== 'number') return undefined;
  if (now - conv.updatedAt > ctx.settings.sessionIdleMinutes * 60_000) return undefined;
  return conv;
}

/** Metrics counted for one answered question. */
export function usageMetrics(reply: Reply, group: boolean): string[] {
  const m = ['questions'];
  const conversational = reply.route === 'help' || reply.route === 'greeting' || reply.route === 'empty';
  if (!reply.grounded && !reply.eligibility && !conversational) m.push('abstained');
  if (reply.eligibility) m.push('eligibility');
  if (group) m.push('group_questions');
  return m;
}

/** Options of `answerQuestion`. */
export interface AnswerOptions {
  /** Reply in-thread to this message (groups). */
  replyTo?: number;
  /** A short line shown before the answer (e.g. for forwarded messages). */
  note?: string;
}

/**
 * Asks the assistant and sends the reply. In groups, personal facts are never stored or echoed: an
 * eligibility reply becomes the general rule plus a deep link to continue in private.
 */
export async function answerQuestion(ctx: BotContext, text: string, opts: AnswerOptions = {}): Promise<void> {
  const { deps } = ctx;
  const now = (deps.now ?? Date.now)();
  const group = isGroup(ctx);
  const typing = setTimeout(() => {
    ctx.replyWithChatAction('typing').catch(() => undefined); // non-essential (the emulator answers 500)
  }, 400);
  let reply: Reply;
  let state: ConversationState;
  const before = loadState(ctx, now);
  try {
    ({ reply, state } = await deps.assistant.reply(before, text, deps.asOf(), now));
  } finally {
    clearTimeout(typing);
  }
  const personal = isPersonalCheck(reply);
  if (group) {
    // per-group state keeps only context, never facts, a personal open question or the personal reply
    ctx.session.conv = { ...state, facts: {}, openQuestion: null, sources: {}, lastBlocks: null };
    ctx.session.buttons = null;
  } else {
    ctx.session.conv = state;
    if (deps.handoff) ctx.session.handoffTurns = rememberTurn(ctx.session.handoffTurns, text, reply);
  }
  const day = (deps.today ?? deps.asOf)();
  deps.store.incrementUsage(day, usageMetrics(reply, group)).catch((err) => deps.logger.warn('usage counter failed', { err }));
  void deps.gapLog?.recordReply('telegram', text, reply); // never throws; masks personal details

  // The same conversation context the assistant rendered `answer` with: the state before this reply.
  const { messages: chunks, buttons } = renderReplyTelegram(
    reply,
    localesOf(ctx),
    { quoted: new Set(before?.quoted ?? []), previous: group ? null : (before?.lastBlocks ?? null) },
    group ? 'group' : 'private',
  );
  if (opts.note) {
    const note = `<i>${escapeHtml(opts.note)}</i>`;
    if (note.length + 1 + chunks[0]!.length <= TELEGRAM_MAX_MESSAGE) chunks[0] = `${note}\n${chunks[0]}`;
    else chunks.unshift(note);
  }
  let keyboard: InlineKeyboard | undefined;
  if (group && personal) {
    keyboard = new InlineKeyboard().url(T.checkPrivateButton, deepLink(ctx, 'check'));
  } else if (!group && reply.followUp && buttons.length) {
    const nonce = randomBytes(4).toString('hex');
    ctx.session.buttons = { nonce, fact: reply.followUp.fact, choices: buttons };
    keyboard = new InlineKeyboard();
    buttons.forEach((c, i) => {
      keyboard!.text(c.label, `${CHOICE_PREFIX}:${nonce}:${i}`);
      if (i % 2 === 1) keyboard!.row();
    });
  } else if (!group) {
    ctx.session.buttons = null;
    // an abstention or a dead end: offer the hand-off packet (private chats only)
    if (deps.handoff && gapKind(reply)) keyboard = new InlineKeyboard().text(handoffLabel(), HANDOFF_CALLBACK);
  }
  await sendChunks(ctx, chunks, { replyTo: opts.replyTo, keyboard });
}
