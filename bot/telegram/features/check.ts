/**
 * The guided eligibility check: /check (and `/start check`) starts it; the assistant asks the missing facts
 * one by one; choices come as inline buttons (`ck:<nonce>:<i>`), typed answers go through the normal text path.
 * In groups the check is never run on personal facts: the bot offers a deep link to continue privately.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { answerQuestion, CHOICE_PREFIX, deepLink, isGroup } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { CHECK_PROMPT, T } from '../texts.ts';

/** Starts (or restarts) the guided check in a private chat. */
export async function startCheck(ctx: BotContext): Promise<void> {
  ctx.session.buttons = null;
  await answerQuestion(ctx, CHECK_PROMPT);
}

/** /check and the follow-up choice buttons. */
export const checkFeature = new Composer<BotContext>();

checkFeature.command('check', async (ctx) => {
  if (isGroup(ctx)) {
    await ctx.reply(escapeHtml(T.checkInGroup), {
      parse_mode: 'HTML',
      reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true },
      reply_markup: new InlineKeyboard().url(T.checkPrivateButton, deepLink(ctx, 'check')),
    });
    return;
  }
  await startCheck(ctx);
});

const CHOICE = new RegExp(`^${CHOICE_PREFIX}:([0-9a-f]{1,16}):(\\d{1,3})$`);

checkFeature.on('callback_query:data', async (ctx, next) => {
  const data = ctx.callbackQuery.data;
  if (!data.startsWith(`${CHOICE_PREFIX}:`)) return next();
  const m = CHOICE.exec(data);
  const open = ctx.session.buttons;
  const choice = m && open && open.nonce === m[1] ? open.choices[Number(m[2])] : undefined;
  if (!choice || isGroup(ctx)) {
    await ctx.answerCallbackQuery({ text: T.expired, show_alert: false });
    return;
  }
  ctx.session.buttons = null;
  await ctx.answerCallbackQuery({ text: choice.label });
  // show what was chosen and drop the old keyboard (non-essential)
  await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
  await ctx.api.sendMessage(ctx.chat!.id, `✓ ${escapeHtml(choice.label)}`, { parse_mode: 'HTML' });
  await answerQuestion(ctx, choice.label);
});
