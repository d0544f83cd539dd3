/**
 * Language of a message: Chinese by default, English when the user writes (mostly) English.
 *
 * @example
 * detectLang('Can I settle in Shanghai with a top-50 degree?') // 'en'
 * detectLang('我是QS前50毕业的') // 'zh'
 */
export type Lang = 'zh' | 'en';

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/** Returns 'en' when the text has Latin words and (almost) no Chinese characters. */
export function detectLang(text: string): Lang {
  const han = text.match(HAN)?.length ?? 0;
  const words = text.match(LATIN_WORD) ?? [];
  // Rankings and abbreviations (QS, THE, UCL, NUS) are common inside Chinese questions: need real English words.
  const englishWords = words.filter((w) => w.length >= 2 && !/^[A-Z]{2,6}$/.test(w));
  if (han === 0) return englishWords.length >= 1 ? 'en' : 'zh';
  return englishWords.length >= 3 && englishWords.join('').length > han * 3 ? 'en' : 'zh';
}
