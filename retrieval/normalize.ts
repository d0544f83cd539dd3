/**
 * Text normalization for policy documents that come out of web pages, PDFs and converters.
 *
 * Every rule is a pure function `(text) → text` and is tested on its own; `normalizeText` composes
 * them in a fixed order and reports characters it cannot recover (kept in the text, never dropped).
 * The rules are general (they describe how Chinese policy texts get damaged), not tuned per document.
 * See docs/corpus.md for the list and the reasons.
 *
 * @example
 * const { text, warnings } = normalizeText('關(guān)于寶山區(qū)人才落戶\r\n');
 * // text === '关于宝山区人才落户'; warnings === []
 */
import { simplifyDocument } from '../text/chinese.ts';
import { isBoilerplateLine, parseClauseLabel } from './chunk.ts';

/** A problem found while normalizing, with the 1-based line of the text that was passed in. */
export interface NormalizeWarning {
  line: number;
  message: string;
}

/** What each rule changed (for the ingest report). */
export interface NormalizeStats {
  pinyinGlossesRemoved: number;
  traditionalConverted: boolean;
  pageNumbersRemoved: number;
  linesJoined: number;
}

/** Result of `normalizeText`. */
export interface NormalizeResult {
  text: string;
  warnings: NormalizeWarning[];
  stats: NormalizeStats;
}

// ── character classes ────────────────────────────────────────────────────────────────────────
const HAN = '\\p{Script=Han}';
/** CJK punctuation, full-width forms, Chinese quotes, dashes and ellipsis. */
const CJK_PUNCT =
  '\\u3000-\\u303f\\uff01-\\uff0f\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65\\u2018\\u2019\\u201c\\u201d\\u2014\\u2026\\u00b7';
/** Han or CJK punctuation: the "Chinese context" around a half-width mark. */
const CJK_CTX = `[${HAN}${CJK_PUNCT}]`;
const reCjkCtx = new RegExp(`^${CJK_CTX}$`, 'u');
const isCjkCtx = (ch: string | undefined): boolean => ch !== undefined && reCjkCtx.test(ch);
const isAsciiAlnum = (ch: string | undefined): boolean => ch !== undefined && /^[0-9A-Za-z]$/.test(ch);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && /^[0-9]$/.test(ch);

// ── rule: BOM and zero-width characters ──────────────────────────────────────────────────────
/** Removes byte-order marks and zero-width characters (U+FEFF, U+200B–U+200D, U+2060) anywhere. */
export function removeBom(text: string): string {
  return text.replace(/[\ufeff\u200b-\u200d\u2060]/g, '');
}

// ── rule: line endings ───────────────────────────────────────────────────────────────────────
/** CRLF and lone CR → LF; form feed / vertical tab (PDF page breaks) → LF. Keeps the line count of CRLF text. */
export function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\f\v]/g, '\n');
}

// ── rule: pinyin glosses ─────────────────────────────────────────────────────────────────────
const TONED = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ';
const VOWEL = `[aeiouüvê${TONED}]`;
const SYLLABLE = `(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?${VOWEL}{1,4}(?:ng|n|r)?`;
/** `(xiàn)` — a parenthesized syllable group with at least one tone mark: a gloss wherever it stands. */
const reTonedGloss = new RegExp(`[(（](?=[^)）]*[${TONED}])(${SYLLABLE}(?: ${SYLLABLE}){0,3})[)）]`, 'gu');
/** `區(qu)` — plain-letter syllable(s) right after a Han character (2+ letters, so `(a)` lists survive). */
const rePlainGloss = new RegExp(`(?<=${HAN})[(（](?=[a-zü]{2})(${SYLLABLE}(?: ${SYLLABLE}){0,3})[)）]`, 'gu');

/**
 * Removes inline pinyin glosses left by converters: `關(guān)于` → `關于`, `區(qū)` → `區`.
 * A gloss is a parenthesized lowercase pinyin syllable: with tone marks anywhere, or with plain
 * letters (two or more) right after a Han character.
 */
export function removePinyinGlosses(text: string): string {
  return text.replace(reTonedGloss, '').replace(rePlainGloss, '');
}

function countPinyinGlosses(text: string): number {
  return (text.match(reTonedGloss)?.length ?? 0) + (text.replace(reTonedGloss, '').match(rePlainGloss)?.length ?? 0);
}

// ── rule: traditional → simplified ───────────────────────────────────────────────────────────
/**
 * Traditional → simplified: detection and line-wise conversion live in text/chinese.ts (one home for
 * every OpenCC use); `toSimplified` here is the document variant.
 */
export { hasTraditional, traditionalChars } from '../text/chinese.ts';
/** Document variant of traditional → simplified (only lines with a traditional character change). */
export const toSimplified = simplifyDocument;

// ── rule: full-width ASCII ───────────────────────────────────────────────────────────────────
/**
 * Full-width digits and Latin letters → ASCII (`２０２２` → `2022`, `ＨＲ` → `HR`); a full-width dot
 * between digits → `.` (`２．５` → `2.5`). Chinese full-width punctuation (，。（）；：) is kept.
 */
export function fullwidthToHalfwidth(text: string): string {
  return text
    .replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/(?<=[0-9])\uff0e(?=[0-9])/g, '.');
}

// ── rule: spaces ─────────────────────────────────────────────────────────────────────────────
const reSpaceAroundCjk = new RegExp(`(?<=${CJK_CTX}) +(?=${CJK_CTX}|[0-9A-Za-z])|(?<=[0-9A-Za-z]) +(?=${CJK_CTX})`, 'gu');
/**
 * Spaces: full-width (U+3000), no-break and other Unicode spaces and tabs → ASCII space; lines
 * trimmed; spaces next to Chinese characters removed (`2022 年 4 月` → `2022年4月`,
 * `若 干 意 见` → `若干意见`); remaining runs collapsed to one space (between Latin words).
 */
export function normalizeSpaces(text: string): string {
  return text
    .replace(/[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]/g, ' ')
    .split('\n')
    .map((line) => line.trim().replace(reSpaceAroundCjk, '').replace(/ {2,}/g, ' '))
    .join('\n');
}

// ── rule: half-width punctuation in Chinese text ─────────────────────────────────────────────
const reParenGroup = /\(([^()\n]{1,80})\)/g;
const reHasHan = new RegExp(HAN, 'u');
const reLineStartParenNum = /^(\s*)\((\d{1,2})\)/gm;

/**
 * Half-width punctuation in Chinese text → full-width: parentheses around Chinese content or clause
 * numbers (`(二)` → `（二）`, `(镇)` → `（镇）`, `(1)` at line start → `（1）`); `,` `;` `:` `!` next to
 * Chinese characters → `，` `；` `：` `！`. Numbers (`10,769`, `10:30`) and Latin text are left alone.
 */
export function cjkPunctuation(text: string): string {
  let out = text.replace(reParenGroup, (m, inner: string) => (reHasHan.test(inner) ? `（${inner}）` : m));
  out = out.replace(reLineStartParenNum, '$1（$2）');
  const FULL: Record<string, string> = { ',': '，', ';': '；', ':': '：', '!': '！' };
  const chars = [...out];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const full = FULL[c];
    if (!full) continue;
    const prev = chars[i - 1];
    let j = i + 1;
    while (chars[j] === ' ') j++;
    const next = chars[j];
    const atEol = next === undefined || next === '\n';
    if (isDigit(prev) && isDigit(next)) continue; // 10,769 · 10:30
    if (isAsciiAlnum(prev) && isAsciiAlnum(next)) continue; // Latin text
    if (c === '!' && !isCjkCtx(prev)) continue;
    if (c === ':' && next === '/') continue; // URLs
    if (!isCjkCtx(prev) && !isCjkCtx(next)) continue;
    chars[i] = full;
    if (!atEol && j > i + 1) chars.splice(i + 1, j - i - 1); // "， 我" → "，我"
  }
  return chars.join('');
}

// ── rule: stray page numbers ─────────────────────────────────────────────────────────────────
const rePageNumber =
  /^(?:[-—–－~]\s*\d{1,4}\s*[-—–－~]|\d{1,4}|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*\/\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$/;

/** True for a line that is only a page number: `- 3 -`, `3`, `第3页`, `第3页 共8页`, `3/8`, `Page 3`. */
export function isPageNumberLine(line: string): boolean {
  return rePageNumber.test(line.trim());
}

/** Removes lines that are only a page number (the line becomes empty; blank lines are collapsed later). */
export function removePageNumbers(text: string): string {
  return text
    .split('\n')
    .map((l) => (isPageNumberLine(l) ? '' : l))
    .join('\n');
}

// ── rule: page-break splits ──────────────────────────────────────────────────────────────────
/** Characters that end a sentence, a heading introduction or a salutation. */
const TERMINAL = new Set(['。', '！', '？', '；', '：', '!', '?', ';', ':', '…']);
const CLOSERS = new Set(['”', '’', '」', '』', '）', ')', '》', '】']);
const isMarkdownBlock = (line: string): boolean => /^(?:#{1,6}\s|\||>|[-*+]\s|```|<!--)/.test(line);

function endsSentence(line: string): boolean {
  let i = line.length - 1;
  while (i >= 0 && CLOSERS.has(line[i]!)) i--;
  if (i < line.length - 1 && i >= 0 && TERMINAL.has(line[i]!)) return true; // 。” 。）
  return TERMINAL.has(line[line.length - 1]!);
}

/**
 * Decides whether `next` continues the paragraph `prev` that a page break (or a hard line break)
 * cut in two: `prev` is running prose (has ，。； or is long), does not end a sentence or heading,
 * and `next` does not start a clause label, a boilerplate line (date, signature field) or a
 * Markdown block.
 */
export function isBrokenContinuation(prev: string, next: string): boolean {
  if (!prev || !next) return false;
  if (endsSentence(prev)) return false;
  if (!/[，。；,;]/.test(prev) && [...prev].length < 60) return false;
  if (isMarkdownBlock(prev) || isMarkdownBlock(next) || next.startsWith('**')) return false;
  const prevLabel = parseClauseLabel(prev);
  if (prevLabel && !/[。；]/.test(prev) && [...prev].length <= 40) return false; // a heading with a comma
  if (parseClauseLabel(next)) return false;
  if (isBoilerplateLine(next) || isPageNumberLine(next)) return false;
  return true;
}

/**
 * Joins paragraphs split inside a word or sentence by a page break (`市属和区属国有企业` over a blank
 * line, `物\n\n品通关`). Lines are joined without a separator, or one space between Latin words.
 */
export function joinBrokenLines(text: string): string {
  return joinBrokenLinesCounted(text).text;
}

function joinBrokenLinesCounted(text: string): { text: string; joined: number } {
  const lines = text.split('\n');
  const out: string[] = [];
  let lastNonEmpty = -1; // index in `out`
  let joined = 0;
  for (const line of lines) {
    if (line === '') {
      out.push(line);
      continue;
    }
    const prev = lastNonEmpty >= 0 ? out[lastNonEmpty]! : '';
    if (lastNonEmpty >= 0 && isBrokenContinuation(prev, line)) {
      const sep = isAsciiAlnum(prev[prev.length - 1]) && isAsciiAlnum(line[0]) ? ' ' : '';
      out[lastNonEmpty] = prev + sep + line;
      out.length = lastNonEmpty + 1; // drop the blank lines in between
      joined++;
      continue;
    }
    out.push(line);
    lastNonEmpty = out.length - 1;
  }
  return { text: out.join('\n'), joined };
}

// ── rule: blank lines ────────────────────────────────────────────────────────────────────────
/** Collapses runs of blank lines to one blank line and trims blank lines at both ends. */
export function collapseBlankLines(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .replace(/\n+$/, '');
}

// ── unrecoverable characters ─────────────────────────────────────────────────────────────────
const reHanChar = new RegExp(`^${HAN}$`, 'u');
const QUESTION_PARTICLES = new Set(['吗', '呢', '么', '吧', '啊', '呀', '嘛', '否']);

/**
 * Finds characters that cannot be recovered: U+FFFD, control characters, and a half-width `?`
 * inside Chinese text that is not a question mark (mojibake such as `在上?,F有`). Lines are 1-based
 * lines of `text` (which should already have LF line endings).
 */
export function findUnrecoverable(text: string): NormalizeWarning[] {
  const warnings: NormalizeWarning[] = [];
  text.split('\n').forEach((line, i) => {
    const chars = [...line];
    chars.forEach((c, k) => {
      let what: string | undefined;
      if (c === '\ufffd') what = 'replacement character U+FFFD (the source had bytes that are not valid text)';
      else if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(c))
        what = `control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      else if (c === '?') {
        const prev = chars[k - 1];
        const next = chars[k + 1];
        const prevHan = prev !== undefined && reHanChar.test(prev);
        const nextHan = next !== undefined && reHanChar.test(next);
        const endsQuestion = next === undefined || /[\s)）”’」』》】]/.test(next) || (prevHan && QUESTION_PARTICLES.has(prev!));
        if ((prevHan || nextHan) && !endsQuestion) what = '"?" inside Chinese text (a character lost in an encoding conversion)';
      }
      if (what) {
        const ctx = chars.slice(Math.max(0, k - 6), k + 7).join('');
        warnings.push({
          line: i + 1,
          message: `unrecoverable character: ${what} in "${ctx}" (column ${k + 1}); kept as is — check the source and fix the text by hand`,
        });
      }
    });
  });
  return warnings;
}

// ── composition ──────────────────────────────────────────────────────────────────────────────
/**
 * Normalizes a document body: BOM → line endings → pinyin glosses → traditional→simplified →
 * full-width ASCII → spaces → Chinese punctuation → page numbers → page-break joins → blank lines.
 * Unrecoverable characters are kept and reported with their line in `raw`.
 *
 * @example
 * normalizeText('一、總則\r\n\r\n- 1 -\r\n').text // → '一、总则'
 */
export function normalizeText(raw: string): NormalizeResult {
  let text = normalizeLineEndings(removeBom(raw));
  const warnings = findUnrecoverable(text);
  const pinyinGlossesRemoved = countPinyinGlosses(text);
  text = removePinyinGlosses(text);
  const converted = toSimplified(text);
  const traditionalConverted = converted !== text;
  text = converted;
  text = fullwidthToHalfwidth(text);
  text = normalizeSpaces(text);
  text = cjkPunctuation(text);
  const before = text.split('\n').filter((l) => l !== '').length;
  text = removePageNumbers(text);
  const pageNumbersRemoved = before - text.split('\n').filter((l) => l !== '').length;
  const joined = joinBrokenLinesCounted(text);
  text = collapseBlankLines(joined.text);
  return { text, warnings, stats: { pinyinGlossesRemoved, traditionalConverted, pageNumbersRemoved, linesJoined: joined.joined } };
}
