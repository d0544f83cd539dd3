/**
 * A-not-A questions ("能不能", "是不是", "有没有", "可不可以"): the negation word in their middle asks, it
 * denies nothing. Shared by the extractor and the understanding stage. Pure.
 *
 * @example
 * askingNegation('能不能承诺', 1, '不') // true
 * askingNegation('不能承诺', 0, '不') // false
 */

/** True when the negation word `neg` at `at` in `s` has the same Han character just before and just after it. */
export function askingNegation(s: string, at: number, neg: string): boolean {
  const before = s[at - 1];
  return before !== undefined && before === s[at + neg.length] && /\p{Script=Han}/u.test(before);
}

/** True when `s` holds, inside [from, to), a word of `words` that is not the middle of an A-not-A question. */
export function deniesWithin(s: string, from: number, to: number, words: string[]): boolean {
  const lo = Math.max(0, from);
  return words.some((w) => {
    for (let i = s.indexOf(w, lo); i >= 0 && i + w.length <= to; i = s.indexOf(w, i + 1)) if (!askingNegation(s, i, w)) return true;
    return false;
  });
}

/**
 * True when the cue word `w`, which may start with one of `negation` ("没补", "没有补"), occurs in `s` other
 * than as the middle of an A-not-A question ("补没补", "有没有补").
 */
export function statesNo(s: string, w: string, negation: string[]): boolean {
  for (let i = s.indexOf(w); i >= 0; i = s.indexOf(w, i + 1))
    if (!negation.some((n) => w.startsWith(n) && askingNegation(s, i, n))) return true;
  return false;
}
