/**
 * /handoff and the "转人工 / 12333" button: the case packet (bot/handoff) in a private chat only — it
 * lists the person's facts, so in a group the bot only says to ask privately. The packet is shown as
 * copyable text with its reference number and delivered to the configured targets.
 */
import { Composer } from 'grammy';
import { localeText } from '../../web/texts.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml, TELEGRAM_MAX_MESSAGE } from '../format.ts';

/** Callback data of the hand-off button. */
export const HANDOFF_CALLBACK = 'ho';

/** The button's label (locale file). */
export const handoffLabel = (): string => localeText('zh', 'handoff');

export const handoffFeature = new Composer<BotContext>();

async function sendPacket(ctx: BotContext): Promise<void> {
  const handoff = ctx.deps.handoff;
  if (!handoff || !ctx.chat) return;
  if (ctx.chat.type !== 'private') {
    await ctx.reply(escapeHtml(localeText('zh', 'handoffPrivateOnly')), { parse_mode: 'HTML' });
    return;
  }
  const h = await handoff({
    channel: 'telegram',
    turns: ctx.session.handoffTurns ?? [],
    facts: ctx.session.conv?.facts ?? {},
    lang: 'zh',
    now: (ctx.deps.now ?? Date.now)(),
  });
  const head =
    `${escapeHtml(localeText('zh', 'handoffIntro'))}\n<b>${escapeHtml(localeText('zh', 'handoffReference'))}：${escapeHtml(h.reference)}</b>` +
    (h.delivered.length ? `\n${escapeHtml(localeText('zh', 'handoffDelivered'))}` : '');
  const room = TELEGRAM_MAX_MESSAGE - head.length - 40;
  const body = h.text.length > room ? h.text.slice(0, room) + '…' : h.text;
  await ctx.reply(`${head}\n<pre>${escapeHtml(body)}</pre>`, { parse_mode: 'HTML' });
}

handoffFeature.command('handoff', (ctx, next) => (ctx.deps.handoff ? sendPacket(ctx) : next()));
handoffFeature.callbackQuery(HANDOFF_CALLBACK, async (ctx, next) => {
  if (!ctx.deps.handoff) return next();
  await ctx.answerCallbackQuery().catch(() => undefined);
  await sendPacket(ctx);
});
