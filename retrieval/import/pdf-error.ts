/** The error of the PDF stage, in its own module so that callers need not load pdf.js to catch it. */
/** Why a PDF cannot be imported (scan, password, damage); the message says how to fix it. */
export class PdfError extends Error {
  override name = 'PdfError';
  constructor(
    message: string,
    readonly reason: 'scanned' | 'password' | 'corrupt',
  ) {
    super(message);
  }
}
