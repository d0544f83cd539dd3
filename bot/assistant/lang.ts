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

/** Returns 'en' when the text has more English words than Chinese ones (two characters a word). */
export function detectLang(text: string): Lang {
  const han = text.match(HAN)?.length ?? 0;
  const words = text.match(LATIN_WORD) ?? [];
  // Rankings and abbreviations (QS, THE, UCL, NUS) are common inside Chinese questions: need real English words.
  const englishWords = words.filter((w) => w.length >= 2 && !/^[A-Z]{2,6}$/.test(w));
  if (han === 0) return englishWords.length >= 1 ? 'en' : 'zh';
  // (A Chinese name inside an English sentence — "What is the 东方英才领军项目 in the 2023 plan?" — is English: more
  // English words than Chinese ones, a Chinese word taken as two characters.)
  return englishWords.length >= 3 && englishWords.length > han / 2 ? 'en' : 'zh';
}
