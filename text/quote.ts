/**
 * Clean quotes of clause text for replies: markdown emphasis stripped, a heading separated from its
 * body, clause labels that are unique within a document, and trimming that never cuts the answering
 * sentence or an enumeration. Pure string functions; the channels' renderers only escape what they get.
 *
 * @example
 * cleanQuote('（一）建立一套体系\n\n去年年底，…').heading // '建立一套体系'
 * cleanQuote('1. **统筹谋划推进专业技术人才工作。**深入学习…').body // '深入学习…'
 * uniqueClauseLabels([{ id: 'a', docId: 'd', clause: '（一）', path: ['一、总则'] },
 *                     { id: 'b', docId: 'd', clause: '（一）', path: ['二、任务'] }]).get('b') // '二/（一）'
 */
import { isEnumeration, sentenceUnits } from './sentences.ts';

/** Removes markdown emphasis (`**x**`, `__x__`, and `*x*` around non-space text); the words stay. */
export function stripEmphasis(text: string): string {
  return text
    .replace(/\*\*([^*]*?)\*\*/gu, '$1')
    .replace(/__([^_]*?)__/gu, '$1')
    .replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?!\w)/gu, '$1$2')
    .replace(/\*\*/gu, '');
}

/** A clause label at the start of a line: 三、 （二） 2. 第三条 (the label group without its separator). */
const LABEL_AT_START =
  /^\s*(第[一二三四五六七八九十百零〇\d]+[条章节部分]|[（(][一二三四五六七八九十百\d]+[）)]|[一二三四五六七八九十百]+(?=[、.．])|\d+(?=[、.．](?!\d)))[、.．]?\s*/u;

/** The label of a clause path entry (`二、主要任务举措` → `二`, `（一）聚焦…` → `（一）`); the entry itself when it has none. */
export function clauseLabelOf(entry: string): string {
  const m = LABEL_AT_START.exec(entry);
  const raw = m ? m[1]! : entry.trim();
  return raw.replace(/\(/g, '（').replace(/\)/g, '）').replace(/\s+/g, '');
}

/** Options of `cleanQuote`. */
export interface CleanQuoteOptions {
  /** The clause's own heading when the chunker knows it (retrieval Chunk.heading): split off even when glued to the body. */
  heading?: string;
  /** A first line longer than this (characters) is body, not a heading. Range 8–60, default 30. */
  maxHeadingChars?: number;
}

/** A quote split into its parts: label (`（一）`), heading (`建立一套体系`) and body. */
export interface CleanQuote {
  label: string | null;
  heading: string | null;
  body: string;
}

const SENTENCE_END = /[。；;！？!?]/u;

/** Collapses the whitespace of a body: paragraphs stay on their own line, spaces inside CJK text go. */
function tidy(text: string): string {
  return text
    .split(/\n+/u)
    .map((l) => l.replace(/[ \t\u3000]+/gu, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Splits a clause text into label, heading and body, with emphasis stripped. A heading is the first
 * line after the label when it is short and has no sentence end, or an emphasized lead-in (`**…。**`),
 * or the known `heading` even when the chunk text glued it to the body.
 */
export function cleanQuote(text: string, opts: CleanQuoteOptions = {}): CleanQuote {
  const maxHeading = opts.maxHeadingChars ?? 30;
  let rest = text.replace(/\r\n?/gu, '\n').trim();
  const m = LABEL_AT_START.exec(rest);
  const label = m ? clauseLabelOf(m[0]) : null;
  if (m) rest = rest.slice(m[0].length);
  let heading: string | null = null;
  const emph = /^\*\*([^*\n]{1,80}?)\*\*\s*/u.exec(rest);
  if (emph && rest.length > emph[0].length) {
    heading = emph[1]!.trim();
    rest = rest.slice(emph[0].length);
  } else if (opts.heading && rest.startsWith(opts.heading.trim()) && rest.length > opts.heading.trim().length) {
    heading = opts.heading.trim();
    rest = rest.slice(heading.length);
  } else {
    const nl = rest.indexOf('\n');
    const first = nl < 0 ? '' : rest.slice(0, nl).trim();
    if (first && [...first].length <= maxHeading && !SENTENCE_END.test(first) && rest.slice(nl).trim()) {
      heading = first;
      rest = rest.slice(nl + 1);
    }
  }
  if (heading) {
    heading =
      stripEmphasis(heading)
        .replace(/[。.]$/u, '')
        .trim() || null;
    // "三、加大…力度。在符合…": the heading's full stop stays behind when the heading is split off.
    rest = rest.replace(/^[\s。.．：:；;，,]+/u, '');
  }
  return { label, heading, body: tidy(stripEmphasis(rest)) };
}

/** A chunk as `uniqueClauseLabels` needs it (retrieval Chunk fits). */
export interface LabelledChunk {
  id: string;
  docId: string;
  /** The clause's own label (`（一）`, `三`, `preamble`). */
  clause: string;
  /** Parent path entries, outermost first (`['二、提案建议答复']`). */
  path: string[];
}

/**
 * A clause label for every chunk, unique within its document: the bare label (`三`, `（二）`) where the
 * document has one clause of that label and the clause is at most one level deep, else the path of labels
 * (`一/（二）/1`, the format rules cite with) — a bare `2` three levels down says too little.
 * Parts of one split clause share their clause's label.
 */
export function uniqueClauseLabels(chunks: readonly LabelledChunk[]): Map<string, string> {
  const full = (c: LabelledChunk) => [...c.path.map(clauseLabelOf), clauseLabelOf(c.clause)].join('/');
  const paths = new Map<string, Set<string>>();
  for (const c of chunks) {
    const key = `${c.docId}\u0000${clauseLabelOf(c.clause)}`;
    (paths.get(key) ?? paths.set(key, new Set()).get(key)!).add(full(c));
  }
  const out = new Map<string, string>();
  for (const c of chunks) {
    const own = clauseLabelOf(c.clause);
    const repeats = (paths.get(`${c.docId}\u0000${own}`)?.size ?? 0) > 1;
    out.set(c.id, repeats || c.path.length >= 2 ? full(c) : own);
  }
  return out;
}

/** Options of `trimQuote`. */
export interface TrimQuoteOptions {
  /** Target length of the quote in characters. Range 40–2000, default 160. The answering unit is kept whole even when longer. */
  maxChars?: number;
  /** Marker for omitted text. Default '…'. */
  ellipsis?: string;
}

/**
 * The part of `body` to quote around the answering sentence: the sentence unit(s) containing
 * `answer` (found verbatim in the body), widened by whole neighbouring units while the quote stays
 * within `maxChars`, with an ellipsis where text is left out. Units keep enumerations whole
 * (`sentenceUnits`), so a list is never cut. Without `answer` (or when it is not in the body) the
 * quote starts at the beginning.
 */
export function trimQuote(body: string, answer: string | null, opts: TrimQuoteOptions = {}): string {
  const max = opts.maxChars ?? 160;
  const ell = opts.ellipsis ?? '…';
  const units = sentenceUnitsWithOffsets(body);
  if (!units.length) return body.trim();
  if (body.length <= max) return body.trim();
  const at = answer ? body.indexOf(answer) : -1;
  let lo = 0;
  let hi = 0;
  if (at >= 0) {
    const end = at + answer!.length;
    lo = units.findIndex((u) => u.end > at);
    hi = units.reduce((last, u, i) => (u.start < end ? i : last), -1);
    if (lo < 0) lo = 0;
    if (hi < lo) hi = lo;
  }
  const len = (a: number, b: number) => units[b]!.end - units[a]!.start;
  for (;;) {
    const canNext = hi + 1 < units.length && len(lo, hi + 1) <= max;
    const canPrev = lo > 0 && len(lo - 1, hi) <= max;
    if (canNext) hi += 1;
    else if (canPrev) lo -= 1;
    else break;
  }
  const text = body.slice(units[lo]!.start, units[hi]!.end).trim();
  return `${lo > 0 ? ell : ''}${text}${hi < units.length - 1 ? ell : ''}`;
}

/**
 * Quoting units with their offsets in `text` (for trimming by position): sentence units, and within a
 * unit that is not an enumeration its parts between ；/; (parallel provisions "对于A的，…；对于B的，…").
 */
export function sentenceUnitsWithOffsets(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let from = 0;
  const pieces = sentenceUnits(text).flatMap((u) =>
    isEnumeration(u) ? [u] : (u.match(/[^；;]+[；;]?/gu) ?? [u]).map((p) => p.trim()).filter(Boolean),
  );
  for (const u of pieces) {
    const start = text.indexOf(u, from);
    if (start < 0) continue;
    out.push({ text: u, start, end: start + u.length });
    from = start + u.length;
  }
  return out;
}
