/**
 * Sentence splitting for Chinese policy text: after 。！？；(and their ASCII forms) and at line breaks,
 * end punctuation kept with its sentence, whitespace trimmed, empty pieces dropped. One splitter for the
 * answer trimming, the broadcast digests and anything else that quotes sentences.
 *
 * @example
 * sentences('一、总则。适用于本市；另行规定！\n附件') // ['一、总则。', '适用于本市；', '另行规定！', '附件']
 */
const SENTENCE = /[^。；;！？!?\n]+[。；;！？!?]*/gu;

export function sentences(text: string): string[] {
  return (text.match(SENTENCE) ?? []).map((s) => s.trim()).filter(Boolean);
}

/** The first sentence of a text (the whole text, trimmed, when it has no sentence end). */
export function firstSentence(text: string): string {
  return sentences(text)[0] ?? text.trim();
}
