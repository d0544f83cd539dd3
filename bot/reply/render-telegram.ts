/**
 * Telegram renderer: reply blocks → HTML messages (parse_mode HTML) and the follow-up's buttons.
 * The answer line is bold and first; a long quote goes into `<blockquote expandable>`, and so do the notes
 * beyond the first two, under 详情. Every dynamic text is escaped, every tag is closed in the message it
 * opens in, and the reply is split into messages under Telegram's 4096-character limit at block
 * boundaries (a single block longer than that is split between its lines or sentences, each part wrapped
 * in its own tags).
 *
 * @example
 * const { messages, buttons } = renderTelegram(blocks, locales.zh, { quoted: new Set() });
 * // messages: ['<b>符合条件：…</b>\n✓ …\n\n<blockquote>「…」</blockquote>\n<i>——《…》…</i>', …]
 */
import type { Locale } from '../locales/locale.ts';
import { sentenceUnits } from '../../text/sentences.ts';
import type { RenderContext, ReplyBlocks } from './blocks.ts';
import { formatClause } from './format.ts';
import { citationLine, replyView, type ViewOptions } from './view.ts';

/** Telegram's maximum message length (UTF-16 code units of the text). */
export const TELEGRAM_MAX_MESSAGE = 4096;

/** Options of the Telegram renderer. */
export interface TelegramRenderOptions extends ViewOptions {
  /** A quote longer than this (characters) is an expandable blockquote. Range 0–4096, default 200. */
  expandableOver?: number;
  /** Maximum HTML length of one message. Range 200–4096, default 4096. */
  maxMessage?: number;
}

export interface TelegramReply {
  /** HTML messages, in order, each at most `maxMessage` long. */
  messages: string[];
  /** The follow-up's choices, for an inline keyboard under the last message. */
  buttons: { label: string; value: string }[];
}

/** Escapes text for Telegram's HTML parse mode. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A block of a message: its pieces (plain text) joined by `sep`, wrapped in `open`/`close`. */
interface Unit {
  open: string;
  close: string;
  pieces: string[];
  sep: string;
  /** HTML placed after the wrapped pieces (inside the same message as the last piece). */
  tail?: string;
  /** Separator before this unit when it follows another in the same message (default a blank line). */
  glue?: string;
}

/** A rendered segment and the separator placed before it in a message. */
interface Segment {
  html: string;
  glue: string;
}

const u16 = (s: string) => s.length;

/** Cuts a plain text whose escaped form is longer than `room` into parts that fit (never inside a surrogate pair). */
function hardCut(text: string, room: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest && u16(escapeHtml(rest)) > room) {
    let n = Math.min(rest.length, Math.max(1, room));
    while (n > 1 && u16(escapeHtml(rest.slice(0, n))) > room) n -= Math.max(1, Math.floor((u16(escapeHtml(rest.slice(0, n))) - room) / 6));
    if (/[\uD800-\uDBFF]/.test(rest.charAt(n - 1))) n -= 1;
    out.push(rest.slice(0, n));
    rest = rest.slice(n);
  }
  if (rest) out.push(rest);
  return out;
}

/** Renders a unit as one or more HTML segments, each at most `limit` long. */
function segments(unit: Unit, limit: number): Segment[] {
  return segmentHtml(unit, limit).map((html, i) => ({ html, glue: i === 0 ? (unit.glue ?? '\n\n') : '\n\n' }));
}

function segmentHtml(unit: Unit, limit: number): string[] {
  const wrap = (pieces: string[]) => `${unit.open}${pieces.map(escapeHtml).join(unit.sep).replace(/\n+$/u, '')}${unit.close}`;
  const tail = unit.tail ?? '';
  const whole = wrap(unit.pieces) + tail;
  if (u16(whole) <= limit) return [whole];
  const room = limit - u16(unit.open) - u16(unit.close);
  // pieces that are too long on their own: by line (each keeps its line break), then by sentence, then by hard cut
  const fits = (p: string) => u16(escapeHtml(p)) <= room;
  const bySentence = (p: string) => sentenceUnits(p).flatMap((s) => (fits(s) ? [s] : hardCut(s, room)));
  const pieces = unit.pieces.flatMap((p) => {
    if (fits(p)) return [p];
    const lines = p.split(/(?<=\n)/u);
    return lines.length > 1 ? lines.flatMap((l) => (fits(l) ? [l] : bySentence(l))) : bySentence(p);
  });
  const out: string[] = [];
  let acc: string[] = [];
  for (const p of pieces) {
    if (acc.length && u16(wrap([...acc, p])) > limit) {
      out.push(wrap(acc));
      acc = [];
    }
    acc.push(p);
  }
  if (acc.length) out.push(wrap(acc));
  if (tail) {
    const last = out.length - 1;
    if (u16(out[last]! + tail) <= limit) out[last] += tail;
    else out.push(tail.replace(/^\n+/u, ''));
  }
  return out;
}

/** Packs segments into messages, each at most `limit` long; a segment never straddles two messages. */
function pack(segs: Segment[], limit: number): string[] {
  const messages: string[] = [];
  let cur = '';
  for (const s of segs) {
    if (!cur) cur = s.html;
    else if (u16(cur) + u16(s.glue) + u16(s.html) <= limit) cur += `${s.glue}${s.html}`;
    else {
      messages.push(cur);
      cur = s.html;
    }
  }
  if (cur) messages.push(cur);
  return messages;
}

/** Renders reply blocks as Telegram HTML messages. */
export function renderTelegram(
  blocks: ReplyBlocks,
  locale: Locale,
  ctx: RenderContext = {},
  opts: TelegramRenderOptions = {},
): TelegramReply {
  const limit = Math.min(TELEGRAM_MAX_MESSAGE, opts.maxMessage ?? TELEGRAM_MAX_MESSAGE);
  const expandableOver = opts.expandableOver ?? 200;
  const view = replyView(blocks, locale, ctx, opts);
  const units: Unit[] = [];
  const head: Segment[] = [];
  if (view.answer) units.push({ open: '<b>', close: '</b>', pieces: [view.answer], sep: '' });
  if (view.conditions.length || view.unchanged) {
    units.push({ open: '', close: '', pieces: [...view.conditions, ...(view.unchanged ? [view.unchanged] : [])], sep: '\n', glue: '\n' });
  }
  head.push(...units.flatMap((unit) => segments(unit, limit)));

  const body: Segment[] = [];
  const q = view.quote;
  if (q?.mode === 'label') body.push(...segments({ open: '<i>', close: '</i>', pieces: [q.line], sep: '' }, limit));
  else if (q) {
    const text = `${q.open}${q.heading ?? ''}${q.text}${q.close}`;
    const open = text.length > expandableOver ? '<blockquote expandable>' : '<blockquote>';
    body.push(...segments({ open, close: '</blockquote>', pieces: [text], sep: '', tail: `\n<i>${escapeHtml(q.citation)}</i>` }, limit));
  }
  if (view.notes.length)
    body.push(...segments({ open: '', close: '', pieces: view.notes.map((n) => `${locale.t('notes.bullet')}${n}`), sep: '\n' }, limit));
  if (view.hidden.length || view.document) {
    const pieces = [
      view.detailsLabel,
      ...(view.document ? [view.document] : []),
      ...view.hidden.map((n) => `${locale.t('notes.bullet')}${n}`),
    ];
    body.push(...segments({ open: '<blockquote expandable>', close: '</blockquote>', pieces, sep: '\n' }, limit));
  }
  if (view.related) body.push(...segments({ open: '', close: '', pieces: [view.related.header, ...view.related.items], sep: '\n' }, limit));
  if (view.followUp) body.push(...segments({ open: '<b>', close: '</b>', pieces: [view.followUp.question], sep: '' }, limit));
  return { messages: pack([...head, ...body], limit), buttons: view.followUp?.choices ?? [] };
}

/**
 * The general rule of an eligibility reply, for a group: what the rule requires (condition labels with
 * their clause) and the quoted clause — never the asker's facts, verdict or buttons.
 */
export function renderTelegramGeneral(blocks: ReplyBlocks, locale: Locale, opts: TelegramRenderOptions = {}): TelegramReply {
  const limit = Math.min(TELEGRAM_MAX_MESSAGE, opts.maxMessage ?? TELEGRAM_MAX_MESSAGE);
  const t = locale.t;
  const segs: Segment[] = [];
  const labels = [
    ...new Set(blocks.conditions.map((c) => t('group.condition', { label: c.label, clause: formatClause(c.clause, locale) }))),
  ];
  if (!labels.length && !blocks.quote)
    return { messages: pack(segments({ open: '<b>', close: '</b>', pieces: [t('abstain.line')], sep: '' }, limit), limit), buttons: [] };
  segs.push(...segments({ open: '<b>', close: '</b>', pieces: [t('group.general_rule')], sep: '' }, limit));
  if (labels.length) segs.push(...segments({ open: '', close: '', pieces: labels, sep: '\n', glue: '\n' }, limit));
  const q = blocks.quote;
  if (q) {
    const text = `${t('quote.open')}${q.heading ? t('quote.heading', { heading: q.heading }) : ''}${q.text}${t('quote.close')}`;
    const open = text.length > (opts.expandableOver ?? 200) ? '<blockquote expandable>' : '<blockquote>';
    segs.push(
      ...segments(
        { open, close: '</blockquote>', pieces: [text], sep: '', tail: `\n<i>${escapeHtml(citationLine(q.citation, locale))}</i>` },
        limit,
      ),
    );
  }
  return { messages: pack(segs, limit), buttons: [] };
}
