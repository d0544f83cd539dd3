/**
 * Decodes the bytes of a text or HTML file: UTF-8 (with or without BOM), UTF-16 LE/BE (BOM or the
 * NUL pattern of ASCII in UTF-16), GB18030 (a superset of GBK and GB2312). An HTML page's declared
 * charset is used when the bytes are not UTF-8.
 *
 * @example
 * decodeText(iconv.encode('关于', 'gbk')) // → { text: '关于', encoding: 'gb18030' }
 */
import iconv from 'iconv-lite';

/** Result of `decodeText`. */
export interface Decoded {
  text: string;
  encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gb18030';
}

/** The bytes are not text in any encoding we read; `message` says why and how to fix it. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

function utf16Guess(b: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(b.length - (b.length % 2), 4096);
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.3 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.3 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * Decodes text bytes. Throws DecodeError for bytes that are neither UTF-8, UTF-16 nor GB18030
 * (binary data), naming the offset of the first bad byte.
 */
export function decodeText(bytes: Uint8Array): Decoded {
  const b = bytes;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
    return { text: new TextDecoder('utf-8').decode(b.subarray(3)), encoding: 'utf-8-bom' };
  if (b[0] === 0xff && b[1] === 0xfe) return { text: iconv.decode(Buffer.from(b.subarray(2)), 'utf-16le'), encoding: 'utf-16le' };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: iconv.decode(Buffer.from(b.subarray(2)), 'utf-16be'), encoding: 'utf-16be' };
  const u16 = utf16Guess(b);
  if (u16) return { text: iconv.decode(Buffer.from(b), u16), encoding: u16 };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(b), encoding: 'utf-8' };
  } catch {
    // not UTF-8: GB18030 (covers GBK and GB2312, the usual encodings of older government files)
  }
  const nul = b.indexOf(0);
  if (nul >= 0) throw new DecodeError(`binary data (NUL byte at offset ${nul}), not text`);
  const text = iconv.decode(Buffer.from(b), 'gb18030');
  const bad = text.indexOf('\ufffd');
  if (bad >= 0)
    throw new DecodeError(`neither UTF-8 nor GBK/GB18030 text (undecodable bytes near character ${bad}); convert it to UTF-8 first`);
  return { text, encoding: 'gb18030' };
}
