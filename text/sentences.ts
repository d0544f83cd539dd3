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

/** An enumeration item's marker at the start of a piece: （1） 1. 1、 ① 一是 一、 - · •. */
const ITEM_MARKER =
  /^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．](?!\d)|[①-⑳]|[一二三四五六七八九十]+是|[一二三四五六七八九十]+、|[-·•])/u;

/** Longest list item (characters) that `sentenceUnits` still glues to its lead-in. */
const MAX_ITEM_CHARS = 80;

/** True when the piece starts with an enumeration marker (（1）, 1., ①, 一是, -, ·). */
export function startsWithItemMarker(piece: string): boolean {
  return ITEM_MARKER.test(piece);
}

/**
 * True when a sentence is an enumeration: two or more item markers (（1）…（2）…, 一是…二是…, ①…②…), or a
 * lead-in ending in ：/: followed by two or more parts separated by ；/; or 、.
 */
export function isEnumeration(text: string): boolean {
  const markers = text.match(/[（(][一二三四五六七八九十\d]+[）)]|[①-⑳]|[一二三四五六七八九十]+是/gu) ?? [];
  if (markers.length >= 2) return true;
  const colon = text.search(/[：:]/u);
  if (colon < 0) return false;
  const after = text.slice(colon + 1);
  return (after.match(/[；;]/gu) ?? []).length >= 1 || (after.match(/、/gu) ?? []).length >= 2;
}

/**
 * Sentence units for quoting and answer lines: like `sentences` but a sentence ends only at 。！？ (and
 * ASCII !?) or a line break — not at ；, which separates the items of a list — and a lead-in ending in
 * ：/: keeps the short marked items that follow it ("条件如下：\n（1）…；\n（2）…。"), so an enumeration is
 * one unit. Numbers are never split (a full stop inside 2.3万 is not a sentence end).
 *
 * @example
 * sentenceUnits('申请材料如下：\n（1）身份证；\n（2）学位证。\n其他事项另行通知。')
 * // ['申请材料如下：\n（1）身份证；\n（2）学位证。', '其他事项另行通知。']
 */
export function sentenceUnits(text: string): string[] {
  const raw = (text.match(/[^。！？!?\n]+[。！？!?]*/gu) ?? []).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  let open = false;
  for (const piece of raw) {
    const last = out.length - 1;
    if (open && last >= 0 && startsWithItemMarker(piece) && [...piece].length <= MAX_ITEM_CHARS) {
      out[last] = `${out[last]}\n${piece}`;
      continue;
    }
    out.push(piece);
    open = /[：:]$/u.test(piece);
  }
  return out;
}
