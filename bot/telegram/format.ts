/**
 * Telegram HTML formatting: every dynamic string is escaped; replies longer than Telegram's 4096-character
 * limit are split at clause (line) boundaries, then at sentence boundaries, never inside a tag.
 *
 * @example
 * const chunks = renderReply(reply, { mode: 'private' }); // string[] of HTML, each ≤ 4096 chars
 */
import type { Citation, Reply } from '../assistant/types.ts';
import type { DocumentMeta } from '../../retrieval/types.ts';

/** Telegram's maximum message length. */
export const TELEGRAM_MAX_MESSAGE = 4096;

/** Escapes the three characters Telegram's HTML parse mode requires (plus quotes, for attributes). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One unit of a message: rendered HTML and the separator placed before it. */
interface Unit {
  html: string;
  sep: string;
}

type LineKind = 'headline' | 'source' | 'quote' | 'plain';

function wrap(kind: LineKind, escaped: string): string {
  switch (kind) {
    case 'headline':
      return `<b>${escaped}</b>`;
    case 'source':
      return `<i>${escaped}</i>`;
    case 'quote':
      return `<blockquote>${escaped}</blockquote>`;
    default:
      return escaped;
  }
}

function kindOf(line: string, first: boolean): LineKind {
  const t = line.trim();
  if (/^——|^—\s|^--\s?《/.test(t)) return 'source';
  if (/^[「『“]/.test(t)) return 'quote';
  if (first && t.length <= 80) return 'headline';
  return 'plain';
}

/** Clause starts (一、 （二） 1. 第三条) and sentence ends, where a long line may be cut. */
const CUT =
  /(?<=[。；！？!?;])|(?=（[一二三四五六七八九十]+）)|(?=[一二三四五六七八九十]+、)|(?=第[一二三四五六七八九十百]+条)|(?=\d+[.、](?!\d))/u;

/** Splits plain text into pieces whose wrapped, escaped form fits `limit`. */
function splitLine(line: string, kind: LineKind, limit: number): string[] {
  const whole = wrap(kind, escapeHtml(line));
  if (whole.length <= limit) return [whole];
  const overhead = wrap(kind, '').length;
  const parts = line.split(CUT).filter((p) => p.length > 0);
  const out: string[] = [];
  let acc = '';
  const flush = () => {
    if (acc) out.push(wrap(kind, escapeHtml(acc)));
    acc = '';
  };
  for (let part of parts) {
    if (escapeHtml(acc + part).length + overhead <= limit) {
      acc += part;
      continue;
    }
    flush();
    // a single clause/sentence longer than the limit: hard cut by escaped length
    while (escapeHtml(part).length + overhead > limit) {
      let n = Math.max(1, limit - overhead);
      while (n > 1 && escapeHtml(part.slice(0, n)).length + overhead > limit) n = Math.floor(n * 0.9);
      // don't cut a surrogate pair
      if (/[\uD800-\uDBFF]/.test(part.charAt(n - 1))) n -= 1;
      out.push(wrap(kind, escapeHtml(part.slice(0, n))));
      part = part.slice(n);
    }
    acc = part;
  }
  flush();
  return out;
}

/** Packs units into messages of at most `limit` characters, cutting only between units. */
export function packUnits(units: { html: string; sep: string }[], limit = TELEGRAM_MAX_MESSAGE): string[] {
  const out: string[] = [];
  let cur = '';
  for (const u of units) {
    if (!cur) {
      cur = u.html;
    } else if (cur.length + u.sep.length + u.html.length <= limit) {
      cur += u.sep + u.html;
    } else {
      out.push(cur);
      cur = u.html;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Renders plain multi-line text (paragraphs separated by blank lines) into HTML units. */
export function textUnits(text: string, limit = TELEGRAM_MAX_MESSAGE, opts: { headline?: boolean } = {}): Unit[] {
  const units: Unit[] = [];
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  let first = opts.headline !== false;
  paragraphs.forEach((para, pi) => {
    const lines = para.split('\n').filter((l) => l.trim().length > 0);
    lines.forEach((line, li) => {
      const kind = kindOf(line, first);
      first = false;
      const pieces = splitLine(line, kind, limit);
      pieces.forEach((html, k) => units.push({ html, sep: k > 0 ? '\n' : li === 0 && pi > 0 ? '\n\n' : '\n' }));
    });
  });
  return units;
}

/** `三` → `第三条`, `（二）` → `第（二）项`, `5` → `第5项`, `preamble` → `前言`. */
export function clauseText(clause: string): string {
  if (clause === 'preamble') return '前言';
  if (/^第.+[条章节款项]$/.test(clause)) return clause;
  if (/^[一二三四五六七八九十百]+$/.test(clause)) return `第${clause}条`;
  return `第${clause}项`;
}

/** One phone-friendly source line for a citation. */
export function citationLine(c: Citation): string {
  const parts = [`《${c.title}》`];
  if (c.docNumber) parts.push(c.docNumber);
  parts.push(clauseText(c.clause));
  if (c.date) parts.push(c.date);
  if (c.district) parts.push(`${c.district.replace(/区$/, '')}区`);
  return parts.join(' · ');
}

/** Options of `renderReply`. */
export interface RenderOptions {
  /** `group`: never shows personal facts; an eligibility check becomes the general rule. */
  mode: 'private' | 'group';
  limit?: number;
}

/** True when a reply is about the asker's own eligibility (must not be echoed in a group). */
export function isPersonalCheck(reply: Reply): boolean {
  return reply.eligibility != null || reply.route === 'eligibility' || (reply.route === 'follow_up' && reply.followUp != null);
}

/**
 * Renders an assistant reply as Telegram HTML messages.
 * Private: the answer as the assistant wrote it, plus source lines for citations it does not already name,
 * plus the follow-up question. Group + personal check: the general rule (condition labels and quoted
 * clauses, no facts, no verdict); the caller adds the deep link to continue privately.
 */
export function renderReply(reply: Reply, opts: RenderOptions): string[] {
  const limit = opts.limit ?? TELEGRAM_MAX_MESSAGE;
  if (opts.mode === 'group' && isPersonalCheck(reply)) return renderGeneralRule(reply, limit);
  const units = textUnits(reply.answer || '（没有找到可以引用的内容）', limit);
  const missing = reply.citations.filter((c) => !reply.answer.includes(`《${c.title}》`));
  if (missing.length) {
    units.push({ html: '<b>来源</b>', sep: '\n\n' });
    for (const c of missing) {
      for (const html of splitLine(`📄 ${citationLine(c)}`, 'plain', limit)) units.push({ html, sep: '\n' });
    }
  }
  const q = opts.mode === 'private' ? reply.followUp?.question : undefined;
  if (q && !reply.answer.includes(q)) {
    for (const html of splitLine(q, 'headline', limit)) units.push({ html, sep: '\n\n' });
  }
  return packUnits(units, limit);
}

/** Group version of an eligibility reply: what the rule requires, quoted; never the asker's facts. */
export function renderGeneralRule(reply: Reply, limit = TELEGRAM_MAX_MESSAGE): string[] {
  const units: Unit[] = [{ html: '<b>一般规定如下（个人情况请私聊核对）：</b>', sep: '' }];
  const labels = new Set<string>();
  for (const c of reply.eligibility?.conditions ?? []) {
    if (!c.label || labels.has(c.label)) continue;
    labels.add(c.label);
    const line = `• ${c.label}${c.clause ? `（${clauseText(c.clause)}）` : ''}`;
    for (const html of splitLine(line, 'plain', limit)) units.push({ html, sep: '\n' });
  }
  for (const c of reply.citations.slice(0, 3)) {
    for (const html of splitLine(`「${c.text.trim()}」`, 'quote', limit)) units.push({ html, sep: '\n\n' });
    for (const html of splitLine(`—— ${citationLine(c)}`, 'source', limit)) units.push({ html, sep: '\n' });
  }
  if (labels.size === 0 && reply.citations.length === 0) {
    units.push({ html: escapeHtml('资料库中没有找到可以直接引用的条款，建议咨询 12333 或所在区人才服务窗口。'), sep: '\n' });
  }
  return packUnits(units, limit);
}

/** The /sources list: each document with its date and 文号 (HTML). */
export function renderSources(docs: (DocumentMeta & { id: string })[], limit = TELEGRAM_MAX_MESSAGE): string[] {
  if (docs.length === 0) return ['资料库中暂无文件。'];
  const sorted = [...docs].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.id.localeCompare(b.id)));
  const units: Unit[] = [{ html: `<b>政策资料库（共 ${docs.length} 份文件）</b>`, sep: '' }];
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
