/**
 * Digests: one Telegram message per changed document (and one per manual announcement). Pure.
 * Chinese, Telegram HTML with every dynamic string escaped, split into parts under 4096 characters.
 *
 * @example
 * const digests = buildDigests(diff, { runKey: 'corpus@7' });
 * digests[0].parts[0]; // '🔔 <b>政策更新：修订</b>\n<b>上海市…</b>\n文号：…'
 */
import type { ClauseChange, CorpusDiff, Digest, DocChange, SnapshotDocMeta } from './types.ts';
import { firstSentence, sentences } from '../../text/sentences.ts';
import { loadLocales, type Locale } from '../locales/locale.ts';
import { formatClause } from '../reply/format.ts';

/** Telegram's limit on the length of one message. */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

/** Options of `buildDigests`. */
export interface DigestOptions {
  /** Prefix of the digest keys, unique per committed run (e.g. `corpus@7`). */
  runKey: string;
  /** At most this many clauses are quoted per section (default 8); the rest are counted. */
  maxClauses?: number;
  /** Longest quote in characters (default 90). */
  maxQuote?: number;
  /** Part size limit (default 4096; tests use smaller values). */
  limit?: number;
  /** Extra lines per document id, shown under the header (e.g. the documents it repeals). */
  notes?: Record<string, string[]>;
  /** Clause labels are written as replies write them (bot/reply/format.ts); default: the shipped zh locale. */
  locale?: Locale;
}

let shippedZh: Locale | undefined;

/** Escapes a string for Telegram's HTML parse mode. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const FIELD_LABEL: Record<keyof SnapshotDocMeta, string> = {
  title: '标题',
  docNumber: '文号',
  issuer: '发文机关',
  date: '日期',
  level: '层级',
  district: '区',
};

/** Builds the digests of a diff, one per changed document, in the order of `diff.changes`. */
export function buildDigests(diff: CorpusDiff, opts: DigestOptions): Digest[] {
  return diff.changes.map((c) => ({
    key: `${opts.runKey}:${c.docId}`,
    kind: c.kind,
    docId: c.docId,
    parts: splitMessage(digestLines(c, opts), opts.limit ?? TELEGRAM_MESSAGE_LIMIT),
    match: matchInfo(c),
  }));
}

/** The digest of a manual announcement by an admin: goes to every active subscriber. */
export function buildAnnouncement(text: string, key: string, opts: { limit?: number } = {}): Digest {
  const lines = ['📢 <b>通知</b>', ...text.split(/\r?\n/).map(escapeHtml)];
  return { key, kind: 'announcement', parts: splitMessage(lines, opts.limit ?? TELEGRAM_MESSAGE_LIMIT), match: { level: '*' } };
}

/** What topic filtering sees of a change: level, district, title, and the text of the affected clauses. */
export function matchInfo(c: DocChange): Digest['match'] {
  const text = c.clauses.map((cl) => cl.newText ?? cl.oldText ?? '').join('\n');
  return { level: c.meta.level, ...(c.meta.district ? { district: c.meta.district } : {}), title: c.meta.title, text };
}

function digestLines(c: DocChange, opts: DigestOptions): string[] {
  const locale = opts.locale ?? (shippedZh ??= loadLocales().zh);
  const clauseName = (cl: Pick<ClauseChange, 'label' | 'clause'>) =>
    formatClause(cl.label === 'preamble' || cl.clause === 'preamble' ? 'preamble' : cl.label || cl.clause, locale);
  const maxClauses = opts.maxClauses ?? 8;
  const maxQuote = opts.maxQuote ?? 90;
  const m = c.meta;
  const heading = { added: '🆕 <b>政策库新增文件</b>', changed: '🔔 <b>政策更新：文件修订</b>', removed: '🗑 <b>文件已从政策库撤下</b>' }[
    c.kind
  ];
  const lines = [heading, `<b>${escapeHtml(cap(m.title, 200))}</b>`];
  if (m.docNumber) lines.push(`文号：${escapeHtml(m.docNumber)}`);
  lines.push(`发文机关：${escapeHtml(cap(m.issuer, 120))}`);
  lines.push(
    `日期：${escapeHtml(m.date)}　层级：${m.level === 'municipal' ? '市级' : `区级${m.district ? `（${escapeHtml(m.district)}区）` : ''}`}`,
  );
  if (c.kind !== 'removed') for (const n of opts.notes?.[c.docId] ?? []) lines.push(`<b>${escapeHtml(n)}</b>`);

  if (c.kind === 'removed') {
    lines.push('', '该文件已从政策库中撤下，今后的回答不再引用它。如仍需参考，请以官方发布渠道为准。');
    return lines;
  }
  for (const mc of c.metaChanges) {
    if (mc.field === 'title') continue; // the new title is shown above
    lines.push(`${FIELD_LABEL[mc.field]}变更：${escapeHtml(mc.from ?? '（无）')} → ${escapeHtml(mc.to ?? '（无）')}`);
  }
  const section = (title: string, items: ClauseChange[], quote: (cl: ClauseChange) => string) => {
    if (!items.length) return;
    lines.push('', `<b>${title}</b>（${items.length} 条）`);
    for (const cl of items.slice(0, maxClauses)) {
      const q = quote(cl);
      lines.push(`• <b>${escapeHtml(clauseName(cl))}</b>${q ? `：${escapeHtml(q)}` : ''}`);
    }
    if (items.length > maxClauses) lines.push(`……另有 ${items.length - maxClauses} 条`);
  };
  const byKind = (k: ClauseChange['kind']) => c.clauses.filter((cl) => cl.kind === k);
  if (c.kind === 'added') {
    // A new document: list its clauses by their first sentence (the preamble is not quoted).
    section(
      '主要条款',
      byKind('added').filter((cl) => cl.label !== 'preamble'),
      (cl) => cap(stripLabel(firstSentence(cl.newText ?? '')), maxQuote),
    );
  } else {
    section('修改条款', byKind('modified'), (cl) => cap(stripLabel(firstChangedSentence(cl.oldText ?? '', cl.newText ?? '')), maxQuote));
    section('新增条款', byKind('added'), (cl) => cap(stripLabel(firstSentence(cl.newText ?? '')), maxQuote));
    const removed = byKind('removed');
    if (removed.length) {
      const names = removed.slice(0, maxClauses * 2).map((cl) => escapeHtml(clauseName(cl)));
      lines.push('', `<b>删除条款</b>（${removed.length} 条）：${names.join('、')}${removed.length > names.length ? '……' : ''}`);
    }
  }
  lines.push('', '详见 /sources');
  return lines;
}

/** The first sentence of `newText` that does not occur in `oldText` (whitespace ignored); else the first. */
export function firstChangedSentence(oldText: string, newText: string): string {
  const norm = (s: string) => s.replace(/\s+/g, '');
  const old = new Set(sentences(oldText).map(norm));
  return sentences(newText).find((s) => !old.has(norm(s))) ?? firstSentence(newText);
}

function stripLabel(s: string): string {
  return s.replace(
    /^(?:第[一二三四五六七八九十百零〇\d]+[条章节]|[一二三四五六七八九十百零〇]+[、.．]|[（(][一二三四五六七八九十百零〇\d]+[）)]|\d+[.、．](?!\d))\s*/u,
    '',
  );
}

function cap(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return [...t].length > n ? [...t].slice(0, n - 1).join('') + '…' : t;
}

/**
 * Joins lines into parts under `limit` characters (UTF-16 units, tags included — conservative), breaking
 * only between lines so that every part is valid HTML. A line longer than a part is cut on its own
 * (lines are built with escaped text and balanced tags per line; a cut line loses its tags).
 * When there are several parts, each starts with `(k/n)`.
 */
export function splitMessage(lines: string[], limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  const budget = limit - 12; // room for the "(k/n) " prefix
  const parts: string[] = [];
  let cur = '';
  const push = () => {
    if (cur.trim()) parts.push(cur.replace(/\n+$/, ''));
    cur = '';
  };
  for (const raw of lines) {
    let line = raw;
    if (line.length > budget) {
      // Degenerate: drop tags (keeps it valid) and cut without splitting an entity or a surrogate pair.
      line = line.replace(/<[^>]*>/g, '');
      push();
      while (line.length > budget) {
        let cut = budget;
        const amp = line.lastIndexOf('&', cut);
        if (amp > cut - 6 && line.indexOf(';', amp) >= cut) cut = amp;
        if (/[\ud800-\udbff]/.test(line[cut - 1] ?? '')) cut--;
        parts.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    const next = cur ? `${cur}\n${line}` : line;
    if (next.length > budget) {
      push();
      cur = line;
    } else cur = next;
  }
  push();
  if (parts.length <= 1) return parts;
  return parts.map((p, i) => `(${i + 1}/${parts.length}) ${p}`);
}
