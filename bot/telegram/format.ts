/**
 * Telegram rendering of assistant replies: the reply's blocks through bot/reply/render-telegram.ts
 * (HTML, `<blockquote expandable>` for long quotes and details, buttons from the follow-up). The layer
 * never reads the answer text to decide what to add. Also the /sources list.
 *
 * @example
 * const { messages, buttons } = renderReplyTelegram(reply, locales, { quoted: new Set(state?.quoted) }, 'private');
 */
import type { Reply } from '../assistant/types.ts';
import type { Locales } from '../locales/locale.ts';
import { parseBlocks, type RenderContext, type ReplyBlocks } from '../reply/blocks.ts';
import { escapeHtml, renderTelegram, renderTelegramGeneral, TELEGRAM_MAX_MESSAGE, type TelegramReply } from '../reply/render-telegram.ts';
import type { DocumentMeta } from '../../retrieval/types.ts';

export { escapeHtml, TELEGRAM_MAX_MESSAGE };

/** True when a reply is about the asker's own eligibility (must not be echoed in a group). */
export function isPersonalCheck(reply: Reply): boolean {
  return reply.eligibility != null || reply.route === 'eligibility' || (reply.route === 'follow_up' && reply.followUp != null);
}

/**
 * The blocks of a reply. A reply without blocks (a test double of the Assistant contract) is shown as
 * one answer line with its follow-up question — as it is, without reading it.
 */
export function replyBlocks(reply: Reply): ReplyBlocks {
  if (reply.blocks) return parseBlocks(reply.blocks);
  return {
    version: 1,
    kind: reply.grounded ? 'information' : 'abstain',
    lang: reply.lang ?? 'zh',
    answer: { text: reply.answer },
    conditions: [],
    quote: null,
    notes: [],
    related: [],
    followUp: reply.followUp
      ? { fact: reply.followUp.fact, question: reply.followUp.question, choices: reply.followUp.choices ?? [] }
      : null,
  };
}

/**
 * The Telegram messages of a reply. Private: the default view in this conversation's context. Group and
 * a personal check: the general rule (condition labels and the quoted clause; no facts, no verdict, no
 * buttons); the caller adds the deep link to continue privately.
 */
export function renderReplyTelegram(
  reply: Reply,
  locales: Locales,
  ctx: RenderContext,
  mode: 'private' | 'group',
  opts: { limit?: number } = {},
): TelegramReply {
  const blocks = replyBlocks(reply);
  const locale = locales[blocks.lang];
  if (mode === 'group' && isPersonalCheck(reply)) return renderTelegramGeneral(blocks, locale, { maxMessage: opts.limit });
  const out = renderTelegram(blocks, locale, ctx, { maxMessage: opts.limit });
  return mode === 'group' ? { ...out, buttons: [] } : out;
}

/** Packs HTML units into messages of at most `limit` characters, cutting only between units. */
function packUnits(units: { html: string; sep: string }[], limit = TELEGRAM_MAX_MESSAGE): string[] {
  const out: string[] = [];
  let cur = '';
  for (const u of units) {
    if (!cur) cur = u.html;
    else if (cur.length + u.sep.length + u.html.length <= limit) cur += u.sep + u.html;
    else {
      out.push(cur);
      cur = u.html;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** The /sources list: each document with its date and 文号 (HTML). */
export function renderSources(docs: (DocumentMeta & { id: string })[], limit = TELEGRAM_MAX_MESSAGE): string[] {
  if (docs.length === 0) return ['资料库中暂无文件。'];
  const sorted = [...docs].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.id.localeCompare(b.id)));
  const units: { html: string; sep: string }[] = [{ html: `<b>政策资料库（共 ${docs.length} 份文件）</b>`, sep: '' }];
  for (const d of sorted) {
    const where = d.level === 'district' && d.district ? `${d.district.replace(/区$/, '')}区` : '市级';
    const meta = [d.docNumber, d.issuer, d.date, where]
      .filter(Boolean)
      .map((s) => escapeHtml(String(s)))
      .join(' · ');
    units.push({ html: `• <b>${escapeHtml(`《${d.title}》`)}</b>\n  ${meta}`, sep: '\n\n' });
  }
  return packUnits(units, limit);
}
