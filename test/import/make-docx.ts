/**
 * A small DOCX writer for the import tests (JSZip): one paragraph per non-empty line; lines that
 * start with a clause label (一、 （一） 1. （1）) become **automatically numbered** paragraphs — the
 * label is removed from the text and described in numbering.xml (format, lvlText, start), as Word
 * stores a numbered list. Restarts (a label 1 after other numbers) get a new list instance with a
 * start override. An extractor that ignores numbering.xml loses the labels.
 */
import JSZip from 'jszip';
import { parseClauseLabel } from '../../retrieval/chunk.ts';

const NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface DocxBuild {
  bytes: Uint8Array;
  /** Paragraphs that were turned into automatic numbering. */
  numbered: number;
}

/** Builds a .docx whose numbered paragraphs carry their labels only in numbering.xml. */
export async function buildDocx(text: string, opts: { numbering?: boolean; table?: string[][] } = {}): Promise<DocxBuild> {
  const useNumbering = opts.numbering ?? true;
  const abstracts = new Map<string, number>(); // lvlText|fmt → abstractNumId
  const nums: Array<{ numId: number; abstractId: number; start: number }> = [];
  const last = new Map<number, { numId: number; n: number }>();
  const paras: string[] = [];
  let numbered = 0;
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const label = useNumbering ? parseClauseLabel(line) : undefined;
    const numeral = label?.raw.match(/[零〇一二两三四五六七八九十百]+|\d+/)?.[0];
    if (label && numeral && ['cn', 'paren-cn', 'num', 'paren-num'].includes(label.kind) && line.startsWith(label.raw)) {
      const fmt = /\d/.test(numeral) ? 'decimal' : 'chineseCounting';
      const lvlText = label.raw.replace(numeral, '%1');
      const key = `${lvlText}|${fmt}`;
      if (!abstracts.has(key)) abstracts.set(key, abstracts.size + 1);
      const abstractId = abstracts.get(key)!;
      const prev = last.get(abstractId);
      let numId = prev?.numId;
      if (!prev || label.n !== prev.n + 1) {
        numId = nums.length + 1;
        nums.push({ numId, abstractId, start: label.n });
      }
      last.set(abstractId, { numId: numId!, n: label.n });
      const rest = line.slice(label.raw.length);
      const suff = rest.startsWith(' ') ? 'space' : 'nothing';
      paras.push(`<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="${numId}"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">${esc(rest.replace(/^ +/, ''))}</w:t></w:r></w:p>`);
      abstractSuffix.set(abstractId, suff);
      numbered++;
    } else {
      paras.push(`<w:p><w:r><w:t xml:space="preserve">${esc(line)}</w:t></w:r></w:p>`);
    }
  }
  if (opts.table) {
    paras.push(`<w:tbl>${opts.table.map((row) => `<w:tr>${row.map((c) => `<w:tc><w:p><w:r><w:t>${esc(c)}</w:t></w:r></w:p></w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`);
  }
  const numberingXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering ${NS}>${[...abstracts]
    .map(([key, id]) => {
      const [lvlText, fmt] = key.split('|');
      return `<w:abstractNum w:abstractNumId="${id}"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="${fmt}"/><w:lvlText w:val="${esc(lvlText!)}"/><w:suff w:val="${abstractSuffix.get(id) ?? 'nothing'}"/></w:lvl></w:abstractNum>`;
    })
    .join('')}${nums.map((n) => `<w:num w:numId="${n.numId}"><w:abstractNumId w:val="${n.abstractId}"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="${n.start}"/></w:lvlOverride></w:num>`).join('')}</w:numbering>`;
  abstractSuffix.clear();
  const zip = new JSZip();
  zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>');
  zip.file('_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>');
  zip.file('word/_rels/document.xml.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>');
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${NS}><w:body>${paras.join('')}<w:sectPr/></w:body></w:document>`);
  zip.file('word/numbering.xml', numberingXml);
  return { bytes: await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }), numbered };
}

const abstractSuffix = new Map<number, string>();
