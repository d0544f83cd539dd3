/**
 * Detects the type of an input file by its content, never by its name: PDF, DOCX, DOC (OLE), HTML,
 * plain text, or something we refuse (image, ZIP that is not a DOCX, other binaries).
 *
 * @example
 * (await sniff(bytes)).kind // → 'pdf'
 */
import { fileTypeFromBuffer } from 'file-type';

/** What an input file is. */
export type InputKind = 'pdf' | 'docx' | 'doc' | 'html' | 'text';

/** Result of `sniff`: a kind we import, or the reason we do not. */
export type SniffResult = { kind: InputKind; detail: string } | { kind: 'unsupported'; detail: string };

const HTML_START = /^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta[\s>]|<!--)/i;
const HTML_TAGS = /<(?:p|div|br|table|span|h[1-6])[\s>/]/gi;

/** True when decoded text looks like an HTML page rather than text (starts like HTML, or is full of block tags). */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, 2048);
  if (HTML_START.test(head)) return true;
  return (text.slice(0, 20000).match(HTML_TAGS)?.length ?? 0) >= 5;
}

/** Detects the kind of `bytes` (file-type for binary formats; text and HTML are told apart after decoding). */
export async function sniff(bytes: Uint8Array): Promise<SniffResult> {
  const ft = await fileTypeFromBuffer(bytes);
  if (!ft) return { kind: 'text', detail: 'text' };
  switch (ft.ext) {
    case 'pdf':
      return { kind: 'pdf', detail: ft.mime };
    case 'docx':
      return { kind: 'docx', detail: ft.mime };
    case 'cfb':
      return { kind: 'doc', detail: 'OLE compound file (Word 97–2003 .doc)' };
    case 'zip':
      return {
        kind: 'unsupported',
        detail: 'a ZIP archive that is not a Word document (.docx): unpack it and import the documents inside',
      };
    case 'xml':
      return { kind: 'html', detail: ft.mime };
    default:
      if (ft.mime.startsWith('image/')) {
        return {
          kind: 'unsupported',
          detail: `an image (${ft.ext}): a scanned page has no text layer; OCR it first (e.g. \`tesseract page.${ft.ext} out -l chi_sim\`) and import the text`,
        };
      }
      return {
        kind: 'unsupported',
        detail: `a ${ft.ext} file (${ft.mime}); supported: PDF, DOCX, DOC, HTML and text (UTF-8, GBK/GB18030, UTF-16)`,
      };
  }
}
