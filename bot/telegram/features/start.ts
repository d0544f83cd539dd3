/** /start (welcome, example questions, `/start check` deep link) and /help. */
import { Composer, InlineKeyboard } from 'grammy';
import { answerQuestion, isGroup } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { EXAMPLE_QUESTIONS, T } from '../texts.ts';
import { startCheck } from './check.ts';

/** Callback data prefix of the example-question buttons: `ex:<index>`. */
export const EXAMPLE_PREFIX = 'ex';

/** /start, /help and the example buttons. */
export const startFeature = new Composer<BotContext>();

startFeature.command('start', async (ctx) => {
  if (isGroup(ctx)) {
    await ctx.reply(escapeHtml(T.groupHelp), { parse_mode: 'HTML' });
    return;
  }
  if (ctx.match.trim() === 'check') {
    await startCheck(ctx);
    return;
  }
  const keyboard = new InlineKeyboard();
  EXAMPLE_QUESTIONS.forEach((q, i) => keyboard.text(q, `${EXAMPLE_PREFIX}:${i}`).row());
  await ctx.reply(escapeHtml(T.welcome), { parse_mode: 'HTML', reply_markup: keyboard });
});

startFeature.command('help', async (ctx) => {
  await ctx.reply(isGroup(ctx) ? escapeHtml(T.groupHelp) : T.help, { parse_mode: 'HTML' });
});

startFeature.callbackQuery(/^ex:(\d+)$/, async (ctx) => {
  const q = EXAMPLE_QUESTIONS[Number(ctx.match[1])];
  if (!q || !ctx.chat) {
    await ctx.answerCallbackQuery({ text: T.expired });
    return;
  }
  await ctx.answerCallbackQuery();
  await ctx.api.sendMessage(ctx.chat.id, `<i>${escapeHtml(q)}</i>`, { parse_mode: 'HTML' });
  await answerQuestion(ctx, q);
});
