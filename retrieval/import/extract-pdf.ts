/**
 * The text layer of a PDF (unpdf, the serverless build of Mozilla's pdf.js): text items grouped
 * into lines by position, two-column pages read column by column, running headers and footers
 * repeated on most pages dropped, lines that run to the right margin joined to the next one, and a
 * blank line where the vertical gap shows a new paragraph. Page numbers and remaining page-break
 * splits are left to corpus normalization. A PDF without a text layer (a scan) is refused.
 *
 * @example
 * (await pdfToText(bytes)).text // → '上海市人力资源和社会保障局\n\n沪人社力〔2022〕103号\n\n…'
 */
import { getDocumentProxy } from 'unpdf';

export { PdfError } from './pdf-error.ts';
import { PdfError } from './pdf-error.ts';

/** Layout options of `pdfToText`, with their documented ranges. */
export interface PdfLayoutOptions {
  /** A gap between lines larger than this multiple of the usual gap starts a paragraph (1.2–3; default 1.5). */
  paragraphGap?: number;
  /** A line ending within this many font sizes of the column's right edge continues on the next line (0.5–3; default 1.5). */
  fullLineSlack?: number;
  /** A first/last line repeated on at least this share of pages is a running header/footer (0.5–1; default 0.6; at least 2 pages). */
  repeatedShare?: number;
}

interface Item {
  str: string;
  x: number;
  y: number;
  w: number;
  size: number;
}

interface PdfLine {
  text: string;
  x: number;
  right: number;
  y: number;
  size: number;
}

const isLatin = (c: string | undefined) => !!c && /[A-Za-z]/.test(c);

function toLines(items: Item[]): PdfLine[] {
  // whitespace items carry no position (pdf.js gives them odd widths) but their text counts: the
  // space that ends a wrapped line belongs between the two lines
  return groupByY(items).flatMap((ls) => {
    const ink = ls.filter((i) => i.str.trim());
    if (!ink.length) return [];
    let text = '';
    let end = -Infinity;
    for (const it of ls) {
      if (text && it.x - end > it.size * 0.3 && isLatin(text[text.length - 1]) && isLatin(it.str[0])) text += ' ';
      text += it.str;
      if (it.str.trim()) end = it.x + it.w;
    }
    const size = Math.max(...ink.map((i) => i.size));
    return [
      { text: text.trimStart().replace(/ {2,}$/, ' '), x: ink[0]!.x, right: Math.max(...ink.map((i) => i.x + i.w)), y: ink[0]!.y, size },
    ];
  });
}

/** Reading order of one page: full-width lines above the columns, the left column, the right column, the rest. */
interface Column {
  /** Which part of the page: 'full' (one column), 'left', 'right', 'span' (full-width lines of a two-column page). */
  key: string;
  lines: PdfLine[];
}

function groupByY(items: Item[]): Item[][] {
  const sorted = [...items].sort((a, b) => b.y - a.y || a.x - b.x);
  const groups: Item[][] = [];
  for (const it of sorted) {
    const last = groups[groups.length - 1];
    if (last && Math.abs(last[0]!.y - it.y) < Math.max(last[0]!.size, it.size) * 0.5) last.push(it);
    else groups.push([it]);
  }
  for (const g of groups) g.sort((a, b) => a.x - b.x);
  return groups;
}

/**
 * Reading order of one page. A page is two-column when its lines keep clear of the middle (each
 * line lies on one side, or has a gutter gap of ≥ 1.5 font sizes across the middle); then the
 * full-width lines above the columns come first, the left column, the right column, the rest.
 */
function pageLines(items: Item[], pageWidth: number): { lines: Column[]; columns: number } {
  const mid = pageWidth / 2;
  const eps = pageWidth * 0.02;
  const groups = groupByY(items);
  const left: Item[] = [];
  const right: Item[] = [];
  const spanning: Item[][] = [];
  for (const g of groups) {
    const ink = g.filter((i) => i.str.trim());
    if (!ink.length) continue;
    let cutX: number | undefined;
    for (let k = 1; k < ink.length; k++) {
      const end = ink[k - 1]!.x + ink[k - 1]!.w;
      if (ink[k]!.x - end >= 1.5 * ink[k]!.size && end <= mid + eps && ink[k]!.x >= mid - eps) cutX = ink[k]!.x;
    }
    const last = ink[ink.length - 1]!;
    if (cutX !== undefined) {
      left.push(...g.filter((i) => i.x < cutX));
      right.push(...g.filter((i) => i.x >= cutX));
    } else if (ink[0]!.x >= mid - eps) right.push(...g);
    else if (last.x + last.w <= mid + eps) left.push(...g);
    else spanning.push(g);
  }
  const rightLines = groupByY(right).length;
  const twoCol = groups.length > 0 && spanning.length <= groups.length * 0.25 && rightLines >= Math.max(3, groups.length * 0.1);
  if (!twoCol) return { lines: [{ key: 'full', lines: toLines(items) }], columns: 1 };
  const colTop = Math.max(...[...left, ...right].map((i) => i.y));
  const above = spanning.filter((g) => g[0]!.y > colTop).flat();
  const below = spanning.filter((g) => g[0]!.y <= colTop).flat();
  const cols: Column[] = [
    { key: 'span', lines: toLines(above) },
    { key: 'left', lines: toLines(left) },
    { key: 'right', lines: toLines(right) },
    { key: 'span', lines: toLines(below) },
  ];
  return { lines: cols.filter((c) => c.lines.length), columns: 2 };
}

const shape = (s: string) => s.replace(/\d+/g, '#');

/**
 * Extracts the text of a PDF. Throws PdfError for a password-protected, damaged or scanned PDF
 * (no text on any page).
 */
export async function pdfToText(bytes: Uint8Array, opts: PdfLayoutOptions = {}): Promise<{ text: string; pages: number; columns: number }> {
  const paragraphGap = opts.paragraphGap ?? 1.5;
  const slack = opts.fullLineSlack ?? 1.5;
  const repeatedShare = opts.repeatedShare ?? 0.6;
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), {
      verbosity: 0,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
    });
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === 'PasswordException')
      throw new PdfError(
        'password-protected PDF: remove the password first (e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`) and import the copy',
        'password',
      );
    throw new PdfError(
      `corrupt PDF (${(err as Error)?.message ?? String(err)}): download the file again or print it to a new PDF`,
      'corrupt',
    );
  }
  try {
    const pages: Column[][] = [];
    let columns = 1;
    for (let p = 1; p <= pdf.numPages; p++) {
      const page = await pdf.getPage(p);
      const { width } = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      const items: Item[] = [];
      for (const raw of content.items) {
        if (!('str' in raw) || !raw.str) continue;
        const [a, b, c, d, e, f] = raw.transform as number[];
        items.push({ str: raw.str, x: e!, y: f!, w: raw.width, size: Math.hypot(c!, d!) || Math.hypot(a!, b!) || 10 });
      }
      const pl = pageLines(items, width);
      columns = Math.max(columns, pl.columns);
      pages.push(pl.lines);
      page.cleanup();
    }
    if (!pages.some((pg) => pg.some((col) => col.lines.length))) {
      throw new PdfError(
        'scanned PDF: no text layer; OCR it first (e.g. `ocrmypdf -l chi_sim --force-ocr in.pdf out.pdf`) and import the OCR copy',
        'scanned',
      );
    }
    // running headers/footers: the first/last line of a page repeated (digits aside) on most pages
    if (pages.length >= 2) {
      for (const end of ['first', 'last'] as const) {
        const pick = (pg: Column[]) => (end === 'first' ? pg[0]?.lines[0] : pg[pg.length - 1]?.lines[pg[pg.length - 1]!.lines.length - 1]);
        const counts = new Map<string, number>();
        for (const pg of pages) {
          const l = pick(pg);
          if (l) counts.set(shape(l.text), (counts.get(shape(l.text)) ?? 0) + 1);
        }
        for (const pg of pages) {
          const l = pick(pg);
          if (l && (counts.get(shape(l.text)) ?? 0) >= Math.max(2, pages.length * repeatedShare)) {
            const col = (end === 'first' ? pg[0]! : pg[pg.length - 1]!).lines;
            col.splice(end === 'first' ? 0 : col.length - 1, 1);
          }
        }
      }
    }
    // the right margin of each kind of column over the whole document (a short last page has no full line)
    // (the 90th percentile of line ends: one odd glyph width must not move the margin)
    const rights = new Map<string, number[]>();
    const allGaps: number[] = [];
    for (const pg of pages) {
      for (const c of pg) {
        let r = rights.get(c.key);
        if (!r) rights.set(c.key, (r = []));
        for (const l of c.lines) r.push(l.right);
        c.lines.forEach((l, i) => i && c.lines[i - 1]!.y - l.y > 0 && allGaps.push(c.lines[i - 1]!.y - l.y));
      }
    }
    const rightEdge = new Map<string, number>();
    for (const [k, r] of rights) rightEdge.set(k, r.sort((a, b) => b - a)[Math.floor(r.length * 0.1)]!);
    allGaps.sort((a, b) => a - b);
    const usual = allGaps.length ? allGaps[Math.floor(allGaps.length / 4)]! : Infinity;
    // lines → paragraphs
    let out = '';
    let prevFull = false;
    for (const pg of pages) {
      for (const { key, lines: col } of pg) {
        if (!col.length) continue;
        const right = rightEdge.get(key)!;
        col.forEach((l, i) => {
          const gap = i ? col[i - 1]!.y - l.y : 0;
          const newPara = i > 0 && gap > usual * paragraphGap;
          if (out) {
            if (newPara) out += '\n\n';
            else if (!prevFull) out += i === 0 ? '\n\n' : '\n';
          }
          out += l.text;
          prevFull = l.right >= right - l.size * slack;
        });
      }
    }
    return { text: out + '\n', pages: pdf.numPages, columns };
  } finally {
    await pdf.destroy();
  }
}
