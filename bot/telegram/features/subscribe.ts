/**
 * /subscribe and /unsubscribe with topic toggles (inline keyboard `sb:<topic>`, `sb:done`).
 * Topics: all, municipal (市级), each district that has documents in the library, and the configured
 * keywords. In groups only a group administrator may change the subscription (checked with getChatMember).
 */
import { Composer, InlineKeyboard } from 'grammy';
import { normalizeTopics, topicFromWord, topicLabel } from '../../store/topics.ts';
import type { Subscriber, SubscriberChatType, Topic } from '../../store/types.ts';
import { isGroup } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { T } from '../texts.ts';

/** Callback data prefix of the topic toggles. */
export const SUBSCRIBE_PREFIX = 'sb';

/** Districts that have documents in the library (from assistant.sources()). */
export function libraryDistricts(ctx: BotContext): string[] {
  const set = new Set<string>();
  for (const d of ctx.deps.assistant.sources()) if (d.level === 'district' && d.district) set.add(d.district.replace(/区$/, ''));
  return [...set].sort((a, b) => a.localeCompare(b, 'zh'));
}

/** Every topic a chat can choose, in button order. */
export function availableTopics(ctx: BotContext): Topic[] {
  return [
    'all',
    'municipal',
    ...libraryDistricts(ctx).map((d) => `district:${d}`),
    ...ctx.settings.subscribeKeywords.map((k) => `keyword:${k}`),
  ];
}

/** The toggle keyboard for a subscription. */
export function topicKeyboard(ctx: BotContext, selected: Topic[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  availableTopics(ctx).forEach((t, i) => {
    const on = selected.includes(t);
    kb.text(`${on ? '✅ ' : ''}${topicLabel(t)}`, `${SUBSCRIBE_PREFIX}:${t}`);
    if (i % 3 === 2) kb.row();
  });
  return kb.row().text('完成', `${SUBSCRIBE_PREFIX}:done`);
}

function chatType(ctx: BotContext): SubscriberChatType {
  return isGroup(ctx) ? 'group' : 'private';
}

/** In groups: whether the sender is an administrator of this group (anonymous admins count). */
export async function isGroupAdmin(ctx: BotContext): Promise<boolean> {
  if (!isGroup(ctx)) return true;
  if (ctx.msg?.sender_chat?.id === ctx.chat!.id) return true; // anonymous group admin
  if (!ctx.from) return false;
  try {
    const m = await ctx.api.getChatMember(ctx.chat!.id, ctx.from.id);
    return m.status === 'creator' || m.status === 'administrator';
  } catch (err) {
    ctx.deps.logger.warn('getChatMember failed; treating the sender as a non-admin', { chat: ctx.chat!.id, err });
    return false;
  }
}

function summary(s: Subscriber): string {
  return s.topics.map(topicLabel).join('、');
}

function parseWords(ctx: BotContext, words: string): { topics: Topic[]; unknown: string[] } {
  const districts = libraryDistricts(ctx);
  const topics: Topic[] = [];
  const unknown: string[] = [];
  for (const w of words.split(/[\s,，、]+/).filter(Boolean)) {
    const t = topicFromWord(w, districts, ctx.settings.subscribeKeywords);
    if (t) topics.push(t);
    else unknown.push(w);
  }
  return { topics, unknown };
}

/** At most this many characters of the user's own words are echoed back (the reply must stay far below 4096). */
export const ECHO_MAX_CHARS = 40;

/** A short prefix of the user's words for an echo (escaped by the caller, like the rest of the reply). */
export function shortEcho(words: string[], max = ECHO_MAX_CHARS): string {
  const all = words.join('、');
  const chars = [...all]; // by code point: never cut a surrogate pair
  return chars.length <= max ? all : `${chars.slice(0, max).join('')}…`;
}

function unknownWordsText(ctx: BotContext, unknown: string[]): string {
  const valid = availableTopics(ctx).map(topicLabel).join('、');
  return `不认识的主题：${shortEcho(unknown)}。可选：${valid}`;
}

function replyParams(ctx: BotContext) {
  return isGroup(ctx) && ctx.msg ? { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } } : {};
}

/** The subscription commands and toggles. */
export const subscribeFeature = new Composer<BotContext>();

subscribeFeature.command('subscribe', async (ctx) => {
  if (!(await isGroupAdmin(ctx))) {
    await ctx.reply(escapeHtml(T.subscribeGroupAdminsOnly), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const { store } = ctx.deps;
  const { topics: asked, unknown } = parseWords(ctx, ctx.match);
  if (unknown.length) {
    await ctx.reply(escapeHtml(unknownWordsText(ctx, unknown)), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const existing = await store.getSubscriber(ctx.chat.id);
  let topics: Topic[];
  if (asked.length === 0) topics = existing?.active ? existing.topics : ['all'];
  else {
    const base = existing?.active && !existing.topics.includes('all') ? existing.topics : [];
    topics = normalizeTopics([...base, ...asked]);
  }
  const sub = await store.subscribe(ctx.chat.id, chatType(ctx), topics);
  await ctx.reply(`${escapeHtml(T.subscribeIntro)}\n当前：<b>${escapeHtml(summary(sub))}</b>`, {
    parse_mode: 'HTML',
    reply_markup: topicKeyboard(ctx, sub.topics),
    ...replyParams(ctx),
  });
});

subscribeFeature.command('unsubscribe', async (ctx) => {
  if (!(await isGroupAdmin(ctx))) {
    await ctx.reply(escapeHtml(T.subscribeGroupAdminsOnly), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const { store } = ctx.deps;
  const existing = await store.getSubscriber(ctx.chat.id);
  if (!existing?.active) {
    await ctx.reply(escapeHtml(T.notSubscribed), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const { topics: drop, unknown } = parseWords(ctx, ctx.match);
  if (unknown.length) {
    await ctx.reply(escapeHtml(unknownWordsText(ctx, unknown)), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const remaining = existing.topics.filter((t) => !drop.includes(t));
  if (drop.length === 0 || remaining.length === 0) {
    await store.deactivateSubscriber(ctx.chat.id, 'unsubscribed');
    await ctx.reply(escapeHtml(T.unsubscribed), { parse_mode: 'HTML', ...replyParams(ctx) });
    return;
  }
  const sub = await store.setTopics(ctx.chat.id, chatType(ctx), remaining);
  await ctx.reply(`${escapeHtml(T.subscribeDone)}<b>${escapeHtml(summary(sub))}</b>`, { parse_mode: 'HTML', ...replyParams(ctx) });
});

subscribeFeature.on('callback_query:data', async (ctx, next) => {
  const data = ctx.callbackQuery.data;
  if (!data.startsWith(`${SUBSCRIBE_PREFIX}:`)) return next();
  const topic = data.slice(SUBSCRIBE_PREFIX.length + 1);
  const { store } = ctx.deps;
  const existing = ctx.chat ? await store.getSubscriber(ctx.chat.id) : null;
  const valid = topic === 'done' || availableTopics(ctx).includes(topic);
  if (!ctx.chat || !existing?.active || !valid) {
    await ctx.answerCallbackQuery({ text: T.expired });
    return;
  }
  if (!(await isGroupAdmin(ctx))) {
    await ctx.answerCallbackQuery({ text: T.subscribeGroupAdminsOnly, show_alert: true });
    return;
  }
  if (topic === 'done') {
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
    await ctx.api.sendMessage(ctx.chat.id, `${escapeHtml(T.subscribeDone)}<b>${escapeHtml(summary(existing))}</b>`, { parse_mode: 'HTML' });
    return;
  }
  let next_: Topic[];
  if (topic === 'all') next_ = ['all'];
  else {
    const cur = existing.topics.filter((t) => t !== 'all');
    next_ = cur.includes(topic) ? cur.filter((t) => t !== topic) : [...cur, topic];
  }
  const sub = await store.setTopics(ctx.chat.id, existing.chatType, next_);
  const on = sub.topics.includes(topic);
  await ctx.answerCallbackQuery({ text: `${on ? '已选' : '已取消'}：${topicLabel(topic)}` });
  await ctx.editMessageReplyMarkup({ reply_markup: topicKeyboard(ctx, sub.topics) }).catch(() => undefined);
});
