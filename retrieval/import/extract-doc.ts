/**
 * The text of an old Word 97–2003 file (.doc, an OLE compound file), read with word-extractor.
 * A password-protected .docx is also an OLE file (an EncryptedPackage stream): it is refused with
 * the fix.
 *
 * @example
 * await docToText(bytes) // → '上海市……\n\n一、……'
 */
import WordExtractor from 'word-extractor';
import { DocxError } from './docx-error.ts';

/** word-extractor's getBody takes options its type declarations leave out. */
interface BodyWithOptions {
  getBody(options: { filterUnicode: boolean }): string;
}

const ENCRYPTED = Buffer.from('EncryptedPackage', 'utf16le');

/** True for an OLE file holding an encrypted Office document. */
export function isEncryptedOffice(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(ENCRYPTED);
}

/** Extracts the body text of a .doc file. */
export async function docToText(bytes: Uint8Array): Promise<string> {
  if (isEncryptedOffice(bytes))
    throw new DocxError(
      'password-protected Word file: open it in Word, remove the password (File → Info → Protect Document) and save a copy, then import the copy',
    );
  const doc = await new WordExtractor().extract(Buffer.from(bytes));
  // filterUnicode would turn the documents' “ ” ‘ ’ into ASCII quotes: the text must stay as written
  const text = (doc as unknown as BodyWithOptions).getBody({ filterUnicode: false }).replace(/\r\n?/g, '\n');
  return (
    text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim())
      .join('\n\n') + '\n'
  );
}
