/** /forget: erases the facts and sessions stored about the user (private and every group). */
import { Composer } from 'grammy';
import { userSessionMatch } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { T } from '../texts.ts';

/** The /forget command. */
export const forgetFeature = new Composer<BotContext>();

forgetFeature.command('forget', async (ctx) => {
  if (!ctx.from) return;
  await ctx.deps.store.forgetUser(ctx.from.id, userSessionMatch(ctx.from.id));
  ctx.session = undefined as never; // grammY deletes the session key instead of writing it back
  await ctx.reply(escapeHtml(T.forgotten), {
    parse_mode: 'HTML',
    ...(ctx.chat.type === 'private' ? {} : { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } }),
  });
});
