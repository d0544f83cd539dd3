/**
 * A small PDF writer for the import tests: text pages with a real text layer (a CID font with an
 * Identity-H encoding and a ToUnicode map, so pdf.js reads back the exact characters), optionally
 * two columns, a running header, page-number footers, a page without text (a "scan") or an
 * /Encrypt dictionary (a password-protected file). Every glyph is 1 em wide. Fast: a 50-page PDF
 * is built in a few milliseconds, so the tests generate their PDFs instead of committing them.
 */

export interface PdfTextLine {
  x: number;
  y: number;
  size: number;
  text: string;
}

export interface PdfPage {
  lines: PdfTextLine[];
  /** Draw a filled rectangle (an "image") instead of text. */
  scan?: boolean;
}

const W = 595;
const H = 842;

function hex(text: string): string {
  let s = '';
  for (let i = 0; i < text.length; i++) s += text.charCodeAt(i).toString(16).padStart(4, '0');
  return s;
}

function toUnicodeCMap(): string {
  const ranges: string[] = [];
  for (let hi = 0; hi < 256; hi++) {
    if (hi >= 0xd8 && hi <= 0xdf) continue; // surrogates
    const h = hi.toString(16).padStart(2, '0');
    ranges.push(`<${h}00> <${h}ff> <${h}00>`);
  }
  const blocks: string[] = [];
  for (let i = 0; i < ranges.length; i += 100) {
    const part = ranges.slice(i, i + 100);
    blocks.push(`${part.length} beginbfrange\n${part.join('\n')}\nendbfrange`);
  }
  return [
    '/CIDInit /ProcSet findresource begin', '12 dict begin', 'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def', '/CMapName /Adobe-Identity-UCS def', '/CMapType 2 def',
    '1 begincodespacerange', '<0000> <ffff>', 'endcodespacerange', ...blocks, 'endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end',
  ].join('\n');
}

/** Builds a PDF file from pages of positioned text lines. */
export function buildPdf(pages: PdfPage[], opts: { encrypt?: boolean } = {}): Uint8Array {
  const objs: string[] = [];
  const add = (body: string) => {
    objs.push(body);
    return objs.length;
  };
  const stream = (data: string) => `<< /Length ${Buffer.byteLength(data, 'latin1')} >>\nstream\n${data}\nendstream`;
  const catalog = add('');
  const pagesObj = add('');
  const toUni = add(stream(toUnicodeCMap()));
  const desc = add('<< /Type /FontDescriptor /FontName /NotoSansCJKsc-Regular /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>');
  const cid = add(`<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJKsc-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 /FontDescriptor ${desc} 0 R /CIDToGIDMap /Identity >>`);
  const font = add(`<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJKsc-Regular /Encoding /Identity-H /DescendantFonts [${cid} 0 R] /ToUnicode ${toUni} 0 R >>`);
  const kids: number[] = [];
  for (const p of pages) {
    const ops = p.scan
      ? '0.5 g 50 50 495 742 re f'
      : p.lines.map((l) => `BT /F1 ${l.size} Tf 1 0 0 1 ${l.x.toFixed(2)} ${l.y.toFixed(2)} Tm <${hex(l.text)}> Tj ET`).join('\n');
    const content = add(stream(ops));
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${W} ${H}] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objs[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objs[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  let encrypt = 0;
  if (opts.encrypt) encrypt = add(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> >>`);
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root ${catalog} 0 R${encrypt ? ` /Encrypt ${encrypt} 0 R /ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

/** Layout of `layoutPdf`. */
export interface LayoutOptions {
  columns?: 1 | 2;
  size?: number;
  /** A running header on every page. */
  header?: string;
  /** Page numbers `- n -` at the foot of every page. */
  pageNumbers?: boolean;
}

/**
 * Lays out text (one paragraph per non-empty line) on A4 pages: lines wrapped at the column width,
 * paragraphs separated by extra space, like a word processor's PDF export.
 */
export function layoutPdf(text: string, opts: LayoutOptions = {}): PdfPage[] {
  const size = opts.size ?? 12;
  const columns = opts.columns ?? 1;
  const margin = 56;
  const gutter = 24;
  const colWidth = (W - 2 * margin - (columns - 1) * gutter) / columns;
  const perLine = Math.floor(colWidth / size);
  const lead = size * 1.5;
  const top = H - margin - (opts.header ? 2 * lead : 0);
  const bottom = margin + (opts.pageNumbers ? 2 * lead : 0);
  const pages: PdfPage[] = [];
  let page: PdfPage = { lines: [] };
  let col = 0;
  let y = top;
  const newPage = () => {
    pages.push(page);
    page = { lines: [] };
    col = 0;
    y = top;
  };
  for (const para of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const chars = [...para];
    for (let i = 0; i < chars.length; ) {
      // a space at a line break stays at the end of the line (invisible), as word processors do
      let n = Math.min(perLine, chars.length - i);
      if (chars[i + n] === ' ') n++;
      if (y < bottom) {
        if (col + 1 < columns) {
          col++;
          y = top;
        } else newPage();
      }
      page.lines.push({ x: margin + col * (colWidth + gutter), y, size, text: chars.slice(i, i + n).join('') });
      i += n;
      y -= lead;
    }
    y -= size; // paragraph spacing
  }
  pages.push(page);
  pages.forEach((p, i) => {
    if (opts.header) p.lines.unshift({ x: margin, y: H - margin, size: size * 0.8, text: opts.header });
    if (opts.pageNumbers) p.lines.push({ x: W / 2 - size, y: margin, size: size * 0.8, text: `- ${i + 1} -` });
  });
  return pages;
}
