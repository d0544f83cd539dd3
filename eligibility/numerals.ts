/**
 * Chinese numerals → numbers, and rewriting Chinese numerals in a text as Arabic digits so that one set
 * of patterns covers "第六十名" and "第60名", "满六个月" and "满6个月", "二〇二二年" and "2022年".
 *
 * @example
 * parseChineseNumber('一百零一') // 101
 * normalizeNumerals('世界排名第六十名，社保交了五个月') // '世界排名第60名，社保交了5个月'
 */

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10000 };

/** Parses a Chinese numeral (一, 十五, 六十, 一百零一, 两千, 二〇二二). Returns undefined when it is not one. */
export function parseChineseNumber(s: string): number | undefined {
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (![...s].every((c) => c in DIGITS || c in UNITS)) return undefined;
  // Digit-by-digit form (二〇二二) when there is no unit character.
  if (![...s].some((c) => c in UNITS)) {
    return Number([...s].map((c) => DIGITS[c]).join(''));
  }
  let total = 0;
  let section = 0;
  let digit: number | undefined;
  for (const c of s) {
    if (c in DIGITS) digit = DIGITS[c]!;
    else {
      const unit = UNITS[c]!;
      if (unit === 10000) {
        section = (section + (digit ?? 0)) * unit;
        total += section;
        section = 0;
      } else section += (digit ?? 1) * unit;
      digit = undefined;
    }
  }
  return total + section + (digit ?? 0);
}

const RUN = /[零〇一二两三四五六七八九十百千]+/g;
const UNIT_AFTER = /^[个年月名次届日号位强岁期倍周天回]/;
const PREFIX_BEFORE = /[第前后满近约共近]$/;

/**
 * Rewrites Chinese numerals as Arabic digits where they are clearly numbers: runs with 十/百/千,
 * digit-by-digit years (二〇二二), or a numeral followed by a unit (个/年/月/名/次/届…) or preceded by
 * 第/前/满. Words like 一直, 统一, 一网通办 are left alone.
 */
export function normalizeNumerals(text: string): string {
  // Approximate ranges: 七八十 → 70-80, 五六十 → 50-60
  const approx = text.replace(
    /(?<![零〇一二两三四五六七八九])([一二三四五六七八])([二三四五六七八九])十(?![一二三四五六七八九])/g,
    (m, a: string, b: string) => (DIGITS[b]! === DIGITS[a]! + 1 ? `${DIGITS[a]! * 10}-${DIGITS[b]! * 10}` : m),
  );
  // Two neighbouring numbers before a unit, said either-or: 七八个月 → 7或8个月 (the understanding stage reads
  // either-or values as the interval of both).
  // (Not the end of a longer run of digits: 二〇二三年 is a year; nor before a month or a part of the year:
  // "二三年五月" is May 2023, as spoken.)
  const pairs = approx.replace(
    /(?<![零〇一二两三四五六七八九])([一二三四五六七八])([二三四五六七八九])(?=个|名|次|年(?!\s*(?:[零〇一二三四五六七八九十\d]{1,3}\s*月|[初中底末]|上半|下半)))/g,
    (m, a: string, b: string) => (DIGITS[b]! === DIGITS[a]! + 1 ? `${DIGITS[a]}或${DIGITS[b]}` : m),
  );
  return pairs.replace(RUN, (run, offset: number, whole: string) => {
    const after = whole.slice(offset + run.length);
    const before = whole.slice(0, offset);
    const hasUnit = /[十百千]/.test(run);
    const digitYear = run.length >= 2 && /^[零〇一二三四五六七八九]+$/.test(run) && /^年|^届/.test(after);
    const unitAfter = UNIT_AFTER.test(after);
    if (!(hasUnit || digitYear || unitAfter || PREFIX_BEFORE.test(before))) return run;
    // "一年半" → keep 半 for the caller; "一个半月" likewise.
    const n = parseChineseNumber(run);
    return n === undefined ? run : String(n);
  });
}

/** Fraction words: 半年 → 6 months, 1年半 → 18 months. Returns months or undefined. */
export function monthsFromDuration(s: string): number | undefined {
  const t = normalizeNumerals(s).replace(/\s+/g, '');
  let m = /^(\d+(?:\.\d+)?)个?半月$/.exec(t);
  if (m) return Number(m[1]) + 0.5;
  m = /^(\d+(?:\.\d+)?)年半$/.exec(t);
  if (m) return Number(m[1]) * 12 + 6;
  if (/^半年$/.test(t)) return 6;
  m = /^(\d+(?:\.\d+)?)年$/.exec(t);
  if (m) return Number(m[1]) * 12;
  m = /^(\d+(?:\.\d+)?)个?月$/.exec(t);
  if (m) return Number(m[1]);
  return undefined;
}
