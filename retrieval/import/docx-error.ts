/** The error of the Word stages, in its own module so that callers need not load JSZip to catch it. */
/** The file is not a usable .docx; the message says what is wrong. */
export class DocxError extends Error {
  override name = 'DocxError';
}
