/**
 * Clause-level chunking of a normalized policy document.
 *
 * Follows the structure of Chinese policy texts: `第X章/节/条`, `一、` articles, `（一）` sections,
 * `1.`/`1、`/`1．` items, `（1）` sub-items, `①`, and bold item titles (`**标题。**正文`). Every chunk is a
 * verbatim slice of the normalized text (`text === doc.text.slice(start, end)`); the parent headings
 * travel separately in `path`. See docs/corpus.md for the rules (headings, boilerplate, splitting).
 *
 * @example
 * const chunks = chunkDocument(doc);
 * // chunks[3] → { id: 'sh-hrss-2022-103#三', clause: '三', heading: '加大世界名校留学人员引进力度', … }
 */
import type { Chunk, PolicyDocument } from './types.ts';

/** Kinds of clause labels, from the outermost convention to the innermost. */
export type LabelKind = 'chapter' | 'section' | 'article' | 'cn' | 'paren-cn' | 'num' | 'paren-num' | 'circled' | 'bold';

/** Conventional nesting rank (smaller = outer). Used when a kind appears for the first time. */
const RANK: Record<LabelKind, number> = {
  chapter: 0,
  section: 1,
  article: 2,
  cn: 3,
  'paren-cn': 4,
  num: 5,
  'paren-num': 6,
  circled: 7,
  bold: 8,
};

/** A clause label found at the start of a line. */
export interface ClauseLabel {
  kind: LabelKind;
  /** The number (1-based); 0 for bold titles. */
  n: number;
  /** Chunk.clause form: `三`, `（二）`, `5`, `（3）`, `第三条`, `①`, or the bold title. */
  clause: string;
  /** The label as written, with its punctuation: `三、`, `（二）`, `5.`, `第三条`. */
  raw: string;
  /** Characters of the line consumed by the label (incl. Markdown prefix and following spaces). */
  length: number;
  /** A bold title right after the label (`1. **标题。**`) or the bold title itself. */
  boldTitle?: string;
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_NUM = '[零〇一二两三四五六七八九十百]+';

/** Parses a Chinese numeral up to 999 (`十八` → 18, `二十` → 20, `一百零五` → 105); NaN if not one. */
export function chineseNumeral(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(s)) return NaN;
  let total = 0;
  let digit = 0;
  for (const ch of s) {
    if (ch === '百') {
      total += (digit || 1) * 100;
      digit = 0;
    } else if (ch === '十') {
      total += (digit || 1) * 10;
      digit = 0;
    } else {
      digit = CN_DIGITS[ch]!;
    }
  }
  return total + digit;
}

const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳';
const reMdPrefix = /^(?:#{1,6}\s*)?/;
const reStructural = new RegExp(`^第(${CN_NUM}|\\d{1,3})(章|节|条)(?=[\\s]|$|[^之款项规中的，,。])`);
const reCn = new RegExp(`^(${CN_NUM})(?:、|．|\\.(?!\\d))`);
const reParenCn = new RegExp(`^[（(](${CN_NUM})[）)]`);
const reNum = /^(\d{1,3})(?:、|．|\.(?!\d))/;
const reParenNum = /^[（(](\d{1,3})[）)]/;
const reBold = /^\*\*([^*\n]{1,80}?)\*\*/;

/**
 * Recognizes a clause label at the start of a (trimmed) line, ignoring a Markdown `#` prefix and
 * `**` emphasis around the label. Only the form is checked here; numbering order is checked by the
 * chunker. Returns undefined for running text such as `2009 年，…` or `2020年12月1日起`.
 */
export function parseClauseLabel(line: string): ClauseLabel | undefined {
  const md = reMdPrefix.exec(line)![0].length;
  const rest = line.slice(md);
  // `**一、总则**` — emphasis around the label itself
  if (rest.startsWith('**')) {
    const inner = numberedLabel(rest.slice(2), md + 2, true);
    if (inner) return inner;
    const m = reBold.exec(rest);
    const title = m ? stripTitle(m[1]!) : '';
    return title ? { kind: 'bold', n: 0, clause: title, raw: '', length: md, boldTitle: title } : undefined;
  }
  return numberedLabel(rest, md, false);
}

function numberedLabel(rest: string, offset: number, wrapped: boolean): ClauseLabel | undefined {
  let m: RegExpExecArray | null;
  let label: Omit<ClauseLabel, 'length' | 'boldTitle'> | undefined;
  let used = 0;
  if ((m = reStructural.exec(rest))) {
    const kind: LabelKind = m[2] === '章' ? 'chapter' : m[2] === '节' ? 'section' : 'article';
    label = { kind, n: chineseNumeral(m[1]!), clause: m[0], raw: m[0] };
  } else if ((m = reCn.exec(rest))) {
    label = { kind: 'cn', n: chineseNumeral(m[1]!), clause: m[1]!, raw: m[0] };
  } else if ((m = reParenCn.exec(rest))) {
    label = { kind: 'paren-cn', n: chineseNumeral(m[1]!), clause: `（${m[1]}）`, raw: `（${m[1]}）` };
  } else if ((m = reNum.exec(rest))) {
    label = { kind: 'num', n: Number(m[1]), clause: m[1]!, raw: m[0] };
  } else if ((m = reParenNum.exec(rest))) {
    label = { kind: 'paren-num', n: Number(m[1]), clause: `（${m[1]}）`, raw: `（${m[1]}）` };
  } else if (rest[0] && CIRCLED.includes(rest[0])) {
    label = { kind: 'circled', n: CIRCLED.indexOf(rest[0]) + 1, clause: rest[0], raw: rest[0] };
  }
  if (!label || (!m && label.kind !== 'circled')) return undefined;
  used = label.kind === 'circled' ? 1 : m![0].length;
  if (!Number.isFinite(label.n) || label.n <= 0) return undefined;
  let after = rest.slice(used);
  if (wrapped) {
    // `**一、总则**`: the closing ** may follow the label or the title
    if (after.startsWith('**')) used += 2;
  }
  after = rest.slice(used);
  const spaces = /^\s*/.exec(after)![0].length;
  after = after.slice(spaces);
  if (label.kind === 'num' && after === '') return undefined; // a bare "3." line is not an item
  const bm = reBold.exec(after);
  let boldTitle = bm ? stripTitle(bm[1]!) : undefined;
  if (wrapped && !bm) {
    const close = after.indexOf('**');
    if (close > 0) boldTitle = stripTitle(after.slice(0, close));
  }
  return { ...label, length: offset + used + spaces, ...(boldTitle ? { boldTitle } : {}) };
}

function stripTitle(s: string): string {
  return s.replace(/[。．.：:；;，,\s]+$/u, '').trim();
}

// ── boilerplate lines ────────────────────────────────────────────────────────────────────────
const reClosing = /^(?:特此(?:通知|函复|批复|公告|通告|报告|复函|说明)|此复|专此函复|以上意见，?请.{0,10})[。！!]?$/;
const rePublicity = /^[（(]此件[^）)\n]{0,12}[）)]$/;
const reDate =
  /^(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日(?:印发|发布|印|发)?$/;
const reField =
  /^(?:承办单位(?:地址)?|承办人(?:姓名)?|联系人|联系电话|联系方式|电话|传真|(?:通讯)?地址|邮政编码|邮编|办理结果|公开属性|公开方式|抄送|主题词|签发人)\s*[：:]/;
const reOrg = /^[\p{Script=Han}（）()、·]{2,40}(?:局|委员会|委|政府|办公室|办公厅|厅|中心|部|院|会|公司|小组|办|处|所|集团)$/u;

/** A date line such as `2022年6月1日` or `2022年6月1日印发`. */
export function isDateLine(line: string): boolean {
  return reDate.test(line.trim());
}

/**
 * Boilerplate that is not policy content, recognizable from the line alone: closing formulas
 * (`特此通知。`), publicity notes (`（此件主动公开）`), date lines and contact/metadata fields
 * (`联系电话：…`, `公开属性：…`). Signature lines (an organization followed by a date) need context:
 * see `boilerplateLines`.
 */
export function isBoilerplateLine(line: string): boolean {
  const t = line.trim();
  if (t.length > 60) return false;
  return reClosing.test(t) || rePublicity.test(t) || reDate.test(t) || reField.test(t);
}

/** Indexes of boilerplate lines in a list of non-empty lines, including organization signatures above a date. */
export function boilerplateLines(lines: string[]): Set<number> {
  const out = new Set<number>();
  lines.forEach((l, i) => {
    if (isBoilerplateLine(l)) out.add(i);
  });
  for (let i = 0; i < lines.length; i++) {
    if (!isDateLine(lines[i]!)) continue;
    for (let k = i - 1; k >= 0 && i - k <= 3 && reOrg.test(lines[k]!.trim()); k--) out.add(k);
  }
  return out;
}

// ── chunking ─────────────────────────────────────────────────────────────────────────────────
/** Options of `chunkDocument`. */
export interface ChunkOptions {
  /** Clauses longer than this (characters) are split on sentence boundaries. Default 600. */
  maxChars?: number;
  /** Unlabelled fragments shorter than this are merged into their neighbours or dropped. Default 20. */
  minChars?: number;
}

interface Line {
  start: number;
  end: number;
  text: string;
}

interface Node {
  label?: ClauseLabel;
  /** Ids of ancestors + own clause label. */
  idPath: string[];
  /** Path entries of the ancestors (heading as written). */
  path: string[];
  heading?: string;
  lines: number[];
  children: number;
}

/** A clause label as an id segment: `/`, `#`, `~` and spaces (only possible in bold titles) become `_`. */
function idSegment(clause: string): string {
  return clause.replace(/[/#~\s]/g, '_');
}

/** Splits text into its non-empty lines with offsets. */
function toLines(text: string): Line[] {
  const out: Line[] = [];
  let pos = 0;
  for (const raw of text.split('\n')) {
    const lead = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t) out.push({ start: pos + lead, end: pos + lead + t.length, text: t });
    pos += raw.length + 1;
  }
  return out;
}

/** The clause's own title: bold title, a heading-only line, or a short first sentence. */
export function clauseHeading(line: string, label: ClauseLabel): string | undefined {
  if (label.boldTitle) return label.boldTitle;
  const rest = line.slice(label.length).trim();
  if (!rest) return undefined;
  const len = [...rest].length;
  const inner = rest.replace(/[。：:；;]+$/u, '');
  if (!/[。；！？]/.test(inner) && len <= 80) return stripTitle(rest) || undefined;
  const m = /^([^。；！？]{2,40}?)[。；！？]/u.exec(rest);
  if (m && !/[，,]/.test(m[1]!)) return stripTitle(m[1]!);
  return undefined;
}

function pathEntry(line: string, label: ClauseLabel, heading: string | undefined): string {
  if (label.kind === 'bold') return label.clause;
  if (heading) return `${label.raw}${heading}`;
  const rest = [...line.slice(label.length).trim()];
  return label.raw + rest.slice(0, 30).join('') + (rest.length > 30 ? '…' : '');
}

const SENTENCE_END = /[。；！？!?;]/u;
const CLOSE_AFTER = /[”’」』）)》】*]/u;

/** Sentence segments [start, end) of `text` (ends after 。；！？ and closing quotes, and at line breaks). */
function sentenceSegments(text: string): Array<[number, number]> {
  const segs: Array<[number, number]> = [];
  let s = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    let end = -1;
    if (SENTENCE_END.test(c)) {
      end = i + 1;
      while (end < text.length && CLOSE_AFTER.test(text[end]!)) end++;
    } else if (c === '\n') end = i + 1;
    if (end > 0) {
      segs.push([s, end]);
      s = end;
      i = end - 1;
    }
  }
  if (s < text.length) segs.push([s, text.length]);
  return segs;
}

/** Further splits a segment longer than `max` at commas, then hard at `max`. */
function splitLongSegment(text: string, [s, e]: [number, number], max: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = s;
  while (e - start > max) {
    let cut = -1;
    for (let i = start + max; i > start + max / 2; i--)
      if (/[，、,：:]/.test(text[i - 1]!)) {
        cut = i;
        break;
      }
    if (cut < 0) cut = start + max;
    out.push([start, cut]);
    start = cut;
  }
  out.push([start, e]);
  return out;
}

/** Splits [start, end) of `text` into parts of at most `max` characters on sentence boundaries, balanced. */
export function splitOnSentences(text: string, start: number, end: number, max: number): Array<[number, number]> {
  if (end - start <= max) return [[start, end]];
  const slice = text.slice(start, end);
  const segs = sentenceSegments(slice).flatMap((seg) => splitLongSegment(slice, seg, max));
  const parts = Math.ceil(slice.length / max);
  const target = slice.length / parts;
  const out: Array<[number, number]> = [];
  let cur: [number, number] | undefined;
  for (const [s, e] of segs) {
    const paraStart = s > 0 && slice[s - 1] === '\n';
    const size = cur ? cur[1] - cur[0] : 0;
    const room = out.length < parts - 1;
    if (!cur) cur = [s, e];
    else if (e - cur[0] > max || (room && size >= target) || (room && paraStart && size >= target * 0.6)) {
      out.push(cur);
      cur = [s, e];
    } else cur[1] = e;
  }
  if (cur) out.push(cur);
  // trim whitespace at the edges of each part so text stays a tidy slice
  return out
    .map(([s, e]): [number, number] => {
      while (s < e && /\s/.test(slice[s]!)) s++;
      while (e > s && /\s/.test(slice[e - 1]!)) e--;
      return [start + s, start + e];
    })
    .filter(([s, e]) => e > s);
}

/**
 * Splits a normalized document into citable clause chunks.
 *
 * - Labels are recognized only at line start with their punctuation, and only in a sane numbering
 *   order (the next sibling, or 1 / the continuation of the document's last number when a kind
 *   first appears under a new parent; an excerpt may start at any `二、`/`第五条`) — so `2009 年，…`
 *   or a stray `5.` in running text never start a clause.
 * - A clause's text runs from its label to the next label; headings-only lines (`（一）建立一套体系`)
 *   take the following unlabelled paragraphs; a heading-only parent with no text of its own gets
 *   no chunk (it appears in its children's `path`).
 * - Text before the first label is the `preamble` clause.
 * - Boilerplate (closing formulas, signatures, dates, publicity notes, contact lines) is trimmed at
 *   the edges of a clause; in the middle it splits the clause into parts when both sides are
 *   substantial, otherwise it stays inside the slice. Unlabelled fragments shorter than `minChars`
 *   are merged into their neighbour part.
 * - Clauses longer than `maxChars` are split on sentence boundaries into parts `~2`, `~3`, … with the
 *   same path and heading.
 *
 * @example
 * chunkDocument(doc).map((c) => c.id) // → ['sh-hrss-2022-103#preamble', 'sh-hrss-2022-103#一', …]
 */
export function chunkDocument(doc: PolicyDocument, opts: ChunkOptions = {}): Chunk[] {
  const maxChars = opts.maxChars ?? 600;
  const minChars = opts.minChars ?? 20;
  const text = doc.text;
  const lines = toLines(text);
  const boiler = boilerplateLines(lines.map((l) => l.text));

  // 1. structure: which lines open a clause, and the tree
  const nodes: Node[] = [{ idPath: ['preamble'], path: [], lines: [], children: 0 }];
  const stack: Array<{ kind: LabelKind; n: number; node: number }> = [];
  const lastSeen: Partial<Record<LabelKind, number>> = {};
  let current = 0;
  lines.forEach((line, i) => {
    const label = boiler.has(i) ? undefined : parseClauseLabel(line.text);
    if (label && acceptLabel(label, stack, lastSeen)) {
      const parent = stack.length ? stack[stack.length - 1]!.node : -1;
      const parentNode = parent >= 0 ? nodes[parent]! : undefined;
      const heading = clauseHeading(line.text, label);
      const node: Node = {
        label,
        idPath: [...(parentNode ? parentNode.idPath : []), idSegment(label.clause)],
        path: parentNode ? [...parentNode.path, pathEntry(lines[parentNode.lines[0]!]!.text, parentNode.label!, parentNode.heading)] : [],
        ...(heading ? { heading } : {}),
        lines: [i],
        children: 0,
      };
      if (parentNode) parentNode.children++;
      nodes.push(node);
      current = nodes.length - 1;
      stack.push({ kind: label.kind, n: label.n, node: current });
      if (label.kind !== 'bold') lastSeen[label.kind] = label.n;
    } else {
      nodes[current]!.lines.push(i);
    }
  });

  // 2. emit chunks
  const chunks: Chunk[] = [];
  const usedIds = new Set<string>();
  for (const node of nodes) {
    const runs = contentRuns(node, lines, boiler, minChars);
    if (node.label && node.children > 0 && isHeadingOnly(node, lines, runs)) continue; // appears in the children's path
    let part = 0;
    const baseId = `${doc.id}#${node.idPath.join('/')}`;
    for (const run of runs) {
      const start = lines[run[0]!]!.start;
      const end = lines[run[run.length - 1]!]!.end;
      for (const [s, e] of splitOnSentences(text, start, end, maxChars)) {
        part++;
        let id = part === 1 ? baseId : `${baseId}~${part}`;
        while (usedIds.has(id)) id = `${baseId}~${++part}`;
        usedIds.add(id);
        chunks.push({
          id,
          docId: doc.id,
          title: doc.title,
          ...(doc.docNumber ? { docNumber: doc.docNumber } : {}),
          clause: node.label ? node.label.clause : 'preamble',
          path: node.path,
          start: s,
          end: e,
          text: text.slice(s, e),
          ...(node.heading ? { heading: node.heading } : {}),
        });
      }
    }
  }
  chunks.sort((a, b) => a.start - b.start);
  return chunks;
}

/**
 * A parent whose only content is its label line with a bare title (`（一）建立一套体系`): no chunk of
 * its own. A lead-in sentence (`第三条 申请人应当符合下列条件：`) is content and keeps its chunk.
 */
function isHeadingOnly(node: Node, lines: Line[], runs: number[][]): boolean {
  const flat = runs.flat();
  if (flat.length === 0) return true;
  if (flat.length !== 1 || flat[0] !== node.lines[0]) return false;
  const rest = lines[flat[0]!]!.text.slice(node.label!.length).replace(/\*\*[^*]*\*\*/g, '');
  return !/[。；：:！？]/.test(rest);
}

/** Numbering sanity: a label is accepted only where it continues or starts a numbered list. */
function acceptLabel(
  label: ClauseLabel,
  stack: Array<{ kind: LabelKind; n: number; node: number }>,
  lastSeen: Partial<Record<LabelKind, number>>,
): boolean {
  const i = stack.findIndex((s) => s.kind === label.kind);
  if (label.kind === 'bold') {
    if (i >= 0) stack.length = i;
    else while (stack.length && RANK[stack[stack.length - 1]!.kind] >= RANK.bold) stack.pop();
    return true;
  }
  if (i >= 0) {
    if (label.n !== stack[i]!.n + 1) return false;
    stack.length = i;
    return true;
  }
  const seen = lastSeen[label.kind];
  // an excerpt may start at 二、 or 第五条: a top-level kind seen for the first time takes any number
  const excerptStart = seen === undefined && stack.length === 0 && ['chapter', 'section', 'article', 'cn'].includes(label.kind);
  if (!(label.n === 1 || label.n === (seen ?? 0) + 1 || excerptStart)) return false;
  while (stack.length && RANK[stack[stack.length - 1]!.kind] >= RANK[label.kind]) stack.pop();
  return true;
}

/**
 * The line runs of a node that become chunks: boilerplate trimmed at the edges; in the middle it
 * splits runs when both sides have at least `minChars`, otherwise the runs are merged (the slice then
 * includes the boilerplate). An unlabelled run shorter than `minChars` is merged into its neighbour.
 */
function contentRuns(node: Node, lines: Line[], boiler: Set<number>, minChars: number): number[][] {
  const runs: number[][] = [];
  let cur: number[] = [];
  for (const i of node.lines) {
    if (boiler.has(i)) {
      if (cur.length) runs.push(cur);
      cur = [];
    } else cur.push(i);
  }
  if (cur.length) runs.push(cur);
  if (!runs.length) return [];
  const size = (run: number[]) => run.reduce((n, i) => n + [...lines[i]!.text].length, 0);
  const merged: number[][] = [runs[0]!];
  for (const run of runs.slice(1)) {
    const prev = merged[merged.length - 1]!;
    if (size(prev) < minChars || size(run) < minChars) {
      // keep everything between the two runs (boilerplate included) in one slice
      const from = prev[0]!;
      const to = run[run.length - 1]!;
      merged[merged.length - 1] = node.lines.filter((i) => i >= from && i <= to);
    } else merged.push(run);
  }
  // a lone tiny unlabelled run (e.g. a stray title line) is dropped on purpose
  return merged.filter((run) => node.label || size(run) >= minChars || merged.length === 1);
}
