/**
 * What nothing else handled: non-text messages get a short hint (private chats, or replies to the bot in
 * groups), unknown commands a pointer to /help, edited messages are ignored, unknown or stale buttons
 * answer "已过期，请重新开始", and being blocked/removed marks the chat inactive.
 */
import { Composer } from 'grammy';
import { isGroup } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { T } from '../texts.ts';
import { isCommand } from './ask.ts';

/** The last feature. */
export const fallbackFeature = new Composer<BotContext>();

fallbackFeature.on(['edited_message', 'edited_channel_post'], (ctx) => {
  ctx.deps.logger.debug('edited message ignored', { update: ctx.update.update_id });
});

fallbackFeature.on('callback_query', async (ctx) => {
  await ctx.answerCallbackQuery({ text: T.expired });
});

fallbackFeature.on('my_chat_member', async (ctx) => {
  const status = ctx.myChatMember.new_chat_member.status;
  if (status !== 'kicked' && status !== 'left') return;
  const chatId = ctx.chat.id;
  const reason = ctx.chat.type === 'private' ? 'blocked' : 'kicked';
  await ctx.deps.store.deactivateSubscriber(chatId, reason);
  if (ctx.chat.type === 'private') await ctx.deps.store.markUserInactive(chatId, reason);
  ctx.deps.logger.info('bot removed from chat; marked inactive', { chat: chatId, status });
});

fallbackFeature.on('message', async (ctx) => {
  const msg = ctx.msg;
  const group = isGroup(ctx);
  if (msg.text !== undefined) {
    if (!isCommand(msg)) return; // group chatter not addressed to the bot
    const cmd = msg.text.slice(1, msg.entities![0]!.length);
    const [, target] = cmd.split('@');
    const forMe = target !== undefined && target.toLowerCase() === ctx.me.username.toLowerCase();
    if (!group || forMe) {
      await ctx.reply(escapeHtml(T.unknownCommand), {
        parse_mode: 'HTML',
        ...(group ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {}),
      });
    }
    return;
  }
  // photo, sticker, voice, location, document…
  const toMe = msg.reply_to_message?.from?.id === ctx.me.id;
  if (group && !toMe) return;
  if (msg.new_chat_members || msg.left_chat_member || msg.group_chat_created || msg.migrate_to_chat_id || msg.pinned_message) return;
  await ctx.reply(escapeHtml(T.nonText), {
    parse_mode: 'HTML',
    ...(group ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {}),
  });
});
