/**
 * The text of a Word document (.docx): paragraphs as lines, tables as `| cell | cell |` rows, and
 * **automatic numbering written out** ("一、", "（一）", "1.") by reading the numbering definitions
 * (numbering.xml, styles.xml) — converters that ignore them lose the clause labels. The ZIP is read
 * with JSZip and the XML with linkedom's DOMParser.
 *
 * @example
 * (await docxToText(bytes, lang)).text // → '一、总体要求\n\n（一）……'
 */
import JSZip from 'jszip';
import { DOMParser } from 'linkedom';
import type { ImportLang } from './lang.ts';

export { DocxError } from './docx-error.ts';
import { DocxError } from './docx-error.ts';

interface El {
  nodeName: string;
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<El>;
  getAttribute(name: string): string | null;
}

interface Level {
  start: number;
  fmt: string;
  text: string;
  suff: 'tab' | 'space' | 'nothing';
}

const local = (n: El) => n.nodeName.slice(n.nodeName.indexOf(':') + 1);
const kids = (n: El, name?: string): El[] => Array.from(n.childNodes).filter((c) => c.nodeType === 1 && (!name || local(c) === name));
const kid = (n: El | undefined, name: string): El | undefined => (n ? kids(n, name)[0] : undefined);
const val = (n: El | undefined): string | undefined => n?.getAttribute('w:val') ?? undefined;

/** Formats a list counter in a Word number format (decimal, chineseCounting, ideographTraditional…). */
export function formatCounter(n: number, fmt: string, lang: ImportLang): string {
  const nb = lang.data.numbering;
  const digits = [...nb.chinese_digits];
  switch (fmt) {
    case 'chineseCounting':
    case 'chineseCountingThousand':
    case 'chineseLegalSimplified':
    case 'ideographDigital':
    case 'taiwaneseCounting': {
      if (n <= 0 || n >= 1000) return String(n);
      const h = Math.floor(n / 100);
      const t = Math.floor((n % 100) / 10);
      const o = n % 10;
      let s = h ? digits[h]! + nb.chinese_hundred : '';
      if (t) s += (t === 1 && !h ? '' : digits[t]!) + nb.chinese_ten;
      else if (h && o) s += digits[0]!;
      if (o) s += digits[o]!;
      return s;
    }
    case 'ideographTraditional':
      return [...nb.heavenly_stems][n - 1] ?? String(n);
    case 'decimalEnclosedCircle':
    case 'decimalEnclosedCircleChinese':
      return [...nb.circled][n - 1] ?? String(n);
    case 'upperLetter':
    case 'lowerLetter': {
      const c = String.fromCharCode(65 + ((n - 1) % 26)).repeat(Math.floor((n - 1) / 26) + 1);
      return fmt === 'upperLetter' ? c : c.toLowerCase();
    }
    case 'upperRoman':
    case 'lowerRoman': {
      const r: Array<[number, string]> = [
        [1000, 'M'],
        [900, 'CM'],
        [500, 'D'],
        [400, 'CD'],
        [100, 'C'],
        [90, 'XC'],
        [50, 'L'],
        [40, 'XL'],
        [10, 'X'],
        [9, 'IX'],
        [5, 'V'],
        [4, 'IV'],
        [1, 'I'],
      ];
      let s = '';
      let m = n;
      for (const [v, l] of r) while (m >= v) (s += l), (m -= v);
      return fmt === 'upperRoman' ? s : s.toLowerCase();
    }
    case 'decimalFullWidth':
      return String(n).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    default:
      return String(n); // decimal, decimalZero and unknown formats
  }
}

function parseXml(text: string, part: string): El {
  const doc = new DOMParser().parseFromString(text, 'text/xml') as unknown as { documentElement: El | null };
  if (!doc.documentElement) throw new DocxError(`the part ${part} is not XML`);
  return doc.documentElement;
}

function readLevels(numbering: El | undefined) {
  const abstract = new Map<string, Map<number, Level>>();
  const nums = new Map<string, { abstractId: string; overrides: Map<number, number> }>();
  if (!numbering) return { abstract, nums };
  for (const a of kids(numbering, 'abstractNum')) {
    const levels = new Map<number, Level>();
    for (const l of kids(a, 'lvl')) {
      levels.set(Number(l.getAttribute('w:ilvl') ?? 0), {
        start: Number(val(kid(l, 'start')) ?? 1),
        fmt: val(kid(l, 'numFmt')) ?? 'decimal',
        text: val(kid(l, 'lvlText')) ?? '',
        suff: (val(kid(l, 'suff')) as Level['suff'] | undefined) ?? 'tab',
      });
    }
    abstract.set(a.getAttribute('w:abstractNumId') ?? '', levels);
  }
  for (const n of kids(numbering, 'num')) {
    const overrides = new Map<number, number>();
    for (const o of kids(n, 'lvlOverride')) {
      const s = val(kid(o, 'startOverride'));
      if (s !== undefined) overrides.set(Number(o.getAttribute('w:ilvl') ?? 0), Number(s));
    }
    nums.set(n.getAttribute('w:numId') ?? '', { abstractId: val(kid(n, 'abstractNumId')) ?? '', overrides });
  }
  return { abstract, nums };
}

/** Extracts the text of a .docx file. Throws DocxError for a ZIP without word/document.xml or a password-protected file. */
export async function docxToText(bytes: Uint8Array, lang: ImportLang): Promise<{ text: string; numbered: number }> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (err) {
    throw new DocxError(
      `corrupt Word file: the ZIP container cannot be read (${(err as Error).message}); open it in Word and save it again`,
    );
  }
  const docPart = zip.file('word/document.xml');
  if (!docPart) throw new DocxError('a ZIP archive without word/document.xml: not a Word document (.docx)');
  const xml = async (name: string) => {
    const f = zip.file(name);
    return f ? parseXml(await f.async('string'), name) : undefined;
  };
  const root = (await xml('word/document.xml'))!;
  const { abstract, nums } = readLevels(await xml('word/numbering.xml'));
  // numbering attached to paragraph styles (Heading styles with a list)
  const styleNum = new Map<string, { numId: string; ilvl: number }>();
  const styles = await xml('word/styles.xml');
  for (const s of styles ? kids(styles, 'style') : []) {
    const np = kid(kid(s, 'pPr'), 'numPr');
    const numId = val(kid(np, 'numId'));
    if (numId) styleNum.set(s.getAttribute('w:styleId') ?? '', { numId, ilvl: Number(val(kid(np, 'ilvl')) ?? 0) });
  }
  const counters = new Map<string, number[]>(); // per abstract list: counters per level
  const startedNums = new Set<string>();
  let numbered = 0;

  const label = (numId: string, ilvl: number): string => {
    const num = nums.get(numId);
    const levels = num ? abstract.get(num.abstractId) : undefined;
    const lvl = levels?.get(ilvl);
    if (!num || !levels || !lvl) return '';
    const key = num.abstractId;
    let c = counters.get(key);
    if (!c || (!startedNums.has(numId) && num.overrides.size)) {
      c = [];
      counters.set(key, c);
    }
    startedNums.add(numId);
    for (let k = 0; k < ilvl; k++) if (c[k] === undefined) c[k] = levels.get(k)?.start ?? 1;
    c[ilvl] = c[ilvl] === undefined ? (num.overrides.get(ilvl) ?? lvl.start) : c[ilvl]! + 1;
    c.length = ilvl + 1; // deeper levels restart
    if (lvl.fmt === 'bullet' || lvl.fmt === 'none') return '';
    numbered++;
    const text = lvl.text.replace(/%(\d)/g, (_m, d: string) => {
      const k = Number(d) - 1;
      return formatCounter(c[k] ?? 1, levels.get(k)?.fmt ?? 'decimal', lang);
    });
    return text + (lvl.suff === 'space' ? ' ' : lvl.suff === 'tab' ? '\t' : '');
  };

  const runText = (n: El): string => {
    let s = '';
    for (const c of kids(n)) {
      const name = local(c);
      if (name === 't') s += c.textContent ?? '';
      else if (name === 'tab') s += '\t';
      else if (name === 'br' || name === 'cr') s += '\n';
      else if (
        name === 'r' ||
        name === 'hyperlink' ||
        name === 'smartTag' ||
        name === 'ins' ||
        name === 'sdt' ||
        name === 'sdtContent' ||
        name === 'fldSimple'
      )
        s += runText(c);
    }
    return s;
  };
  const paragraph = (p: El): string => {
    const pPr = kid(p, 'pPr');
    const np = kid(pPr, 'numPr');
    let numId = val(kid(np, 'numId'));
    let ilvl = Number(val(kid(np, 'ilvl')) ?? 0);
    if (!numId) {
      const st = styleNum.get(val(kid(pPr, 'pStyle')) ?? '');
      if (st) ({ numId, ilvl } = st);
    }
    const body = runText(p);
    const lab = numId && numId !== '0' && body.trim() ? label(numId, ilvl) : '';
    return lab + body;
  };
  const out: string[] = [];
  const block = (n: El) => {
    for (const c of kids(n)) {
      const name = local(c);
      if (name === 'p') out.push(paragraph(c));
      else if (name === 'tbl') {
        for (const tr of kids(c, 'tr')) {
          const cells = kids(tr, 'tc').map((tc) =>
            kids(tc, 'p')
              .map(paragraph)
              .filter((s) => s.trim())
              .join(' '),
          );
          if (cells.some((x) => x.trim())) out.push(`| ${cells.join(' | ')} |`);
        }
      } else if (name === 'sdt' || name === 'sdtContent' || name === 'customXml') block(c);
    }
  };
  const body = kid(root, 'body');
  if (!body) throw new DocxError('word/document.xml has no body: the file is damaged; open it in Word and save it again');
  block(body);
  return { text: out.filter((l) => l.trim()).join('\n') + '\n', numbered };
}
