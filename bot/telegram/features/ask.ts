/**
 * Questions: any text in a private chat; in groups only when addressed — an @mention of the bot
 * (mention / text_mention entity), a reply to one of the bot's messages, or `/ask <question>` (also `/ask@Bot`).
 */
import { Composer } from 'grammy';
import type { Message, MessageEntity } from 'grammy/types';
import { answerQuestion, isGroup } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { T } from '../texts.ts';

/** Longest question passed to the assistant (Telegram's own message limit). */
export const MAX_QUESTION_CHARS = 4096;

/** True when the message starts with a bot command (`/cmd`, `/cmd@Bot`). */
export function isCommand(msg: Pick<Message, 'entities'>): boolean {
  return (msg.entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0);
}

/** If the text mentions the bot, the text without the mention(s); otherwise null. */
export function stripBotMention(text: string, entities: MessageEntity[] | undefined, me: { id: number; username: string }): string | null {
  let found = false;
  let out = text;
  const sorted = [...(entities ?? [])].sort((a, b) => b.offset - a.offset);
  for (const e of sorted) {
    const s = text.slice(e.offset, e.offset + e.length);
    const isMe =
      (e.type === 'mention' && s.toLowerCase() === `@${me.username.toLowerCase()}`) || (e.type === 'text_mention' && e.user?.id === me.id);
    if (!isMe) continue;
    found = true;
    out = out.slice(0, e.offset) + (e.type === 'text_mention' ? s : '') + out.slice(e.offset + e.length);
  }
  return found ? out.replace(/\s+/g, ' ').trim() : null;
}

/** Question handling for private chats and groups. */
export const askFeature = new Composer<BotContext>();

askFeature.command('ask', async (ctx) => {
  const q = ctx.match.trim();
  const replyTo = isGroup(ctx) ? ctx.msg.message_id : undefined;
  if (!q) {
    await ctx.reply(escapeHtml(T.askUsage), {
      parse_mode: 'HTML',
      ...(replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
    });
    return;
  }
  await answerQuestion(ctx, q.slice(0, MAX_QUESTION_CHARS), { replyTo });
});

askFeature.chatType('private').on('message:text', async (ctx, next) => {
  if (isCommand(ctx.msg)) return next();
  const forwarded = ctx.msg.forward_origin !== undefined;
  await answerQuestion(ctx, ctx.msg.text.slice(0, MAX_QUESTION_CHARS), { note: forwarded ? T.forwarded : undefined });
});

askFeature.chatType(['group', 'supergroup']).on('message:text', async (ctx, next) => {
  if (isCommand(ctx.msg)) return next();
  const me = ctx.me;
  const stripped = stripBotMention(ctx.msg.text, ctx.msg.entities, me);
  const replyToBot = ctx.msg.reply_to_message?.from?.id === me.id;
  if (stripped === null && !replyToBot) return next();
  const q = (stripped ?? ctx.msg.text).trim();
  if (!q) {
    await ctx.reply(escapeHtml(T.groupHelp), {
      parse_mode: 'HTML',
      reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true },
    });
    return;
  }
  await answerQuestion(ctx, q.slice(0, MAX_QUESTION_CHARS), { replyTo: ctx.msg.message_id });
});
