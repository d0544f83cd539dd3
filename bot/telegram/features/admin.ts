/** Admin commands, limited to ADMIN_IDS: /reload, /stats, /broadcast <text>. Others get a plain refusal. */
import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { T } from '../texts.ts';

/** The admin commands. */
export const adminFeature = new Composer<BotContext>();

/** Whether the sender is listed in ADMIN_IDS. */
export function isAdmin(ctx: BotContext): boolean {
  return ctx.from !== undefined && ctx.settings.adminIds.has(ctx.from.id);
}

adminFeature.command(['reload', 'stats', 'broadcast'], async (ctx, next) => {
  if (isAdmin(ctx)) return next();
  await ctx.reply(escapeHtml(T.adminOnly), { parse_mode: 'HTML' });
});

const admins = adminFeature.filter(isAdmin);

admins.command('stats', async (ctx) => {
  const { store } = ctx.deps;
  const day = (ctx.deps.today ?? ctx.deps.asOf)();
  const s = await store.stats(day);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `<b>统计 ${escapeHtml(day)}</b>`,
    `用户：${s.users}（已停用 ${s.inactiveUsers}）`,
    `今日提问：${s.questionsToday}（群内 ${s.metrics.group_questions ?? 0}，资格核对 ${s.metrics.eligibility ?? 0}）`,
    `今日拒答：${s.abstainedToday}（拒答率 ${pct(s.abstentionRate)}）`,
    `订阅：${s.subscribers}（群 ${s.groupSubscribers}）`,
    `错误：${s.metrics.errors ?? 0}`,
    `存储：${escapeHtml(store.engine)}`,
  ];
  await ctx.reply(lines.join('\n'), { parse_mode: 'HTML' });
});

admins.command('reload', async (ctx) => {
  const { reload, logger } = ctx.deps;
  if (!reload) {
    await ctx.reply(escapeHtml(T.reloadNotConfigured), { parse_mode: 'HTML' });
    return;
  }
  await ctx.reply(escapeHtml(T.reloadStarted), { parse_mode: 'HTML' });
  try {
    const summary = await reload();
    logger.info('reload done', { by: ctx.from?.id, summary });
    await ctx.reply(`✓ ${escapeHtml(summary)}`, { parse_mode: 'HTML' });
  } catch (err) {
    logger.error('reload failed', { by: ctx.from?.id, err });
    await ctx.reply(`重新导入失败：${escapeHtml((err as Error).message ?? String(err))}`, { parse_mode: 'HTML' });
  }
});

admins.command('broadcast', async (ctx) => {
  const text = ctx.match.trim();
  if (!text) {
    await ctx.reply(escapeHtml(T.broadcastUsage), { parse_mode: 'HTML' });
    return;
  }
  const hook = ctx.deps.broadcast;
  if (!hook) {
    await ctx.reply(escapeHtml(T.broadcastNotConfigured), { parse_mode: 'HTML' });
    return;
  }
  const summary = await hook(text, { userId: ctx.from!.id, chatId: ctx.chat.id });
  await ctx.reply(escapeHtml(summary), { parse_mode: 'HTML' });
});
