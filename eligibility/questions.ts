/**
 * Follow-up questions: the text and the choices for each missing fact come from the fact catalog
 * (`corpus/rules/facts.yaml`), in Chinese or English — data, not code.
 *
 * @example
 * const [v] = evaluate(rules, facts, asOf, { catalog });
 * nextQuestion([v], catalog, extraction) // { fact: 'worldRank', question: '您毕业院校的世界排名是多少？…', choices: [...] }
 */
import type { Verdict } from './evaluate.ts';
import type { Ambiguity } from './extract.ts';
import type { FactCatalog, Text } from './rules.ts';

/** One follow-up question (the shape of bot/assistant/types.ts FollowUp). */
export interface FollowUpQuestion {
  fact: string;
  question: string;
  /** Button choices; `value` is JSON of the fact value (strings stay plain). */
  choices?: { label: string; value: string }[];
}

/** Choice value of the "not sure" button (see `FactSpec.unsure`). */
export const UNSURE = '__unsure__';

const pick = (t: Text, lang: 'zh' | 'en') => (lang === 'en' ? (t.en ?? t.zh) : t.zh);
const encode = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The question that asks for `fact` (a generic one when the catalog has none). */
export function questionFor(fact: string, catalog: FactCatalog, lang: 'zh' | 'en' = 'zh'): FollowUpQuestion {
  const spec = catalog[fact];
  if (!spec) return { fact, question: lang === 'en' ? `Could you tell me: ${fact}?` : `请补充：${fact}` };
  const choices = spec.choices?.map((c) => ({ label: pick(c.label, lang), value: encode(c.value) }));
  if (choices && spec.unsure) choices.push({ label: pick(spec.unsure.label, lang), value: UNSURE });
  return { fact, question: pick(spec.question, lang), ...(choices?.length ? { choices } : {}) };
}

/** The question that resolves an ambiguity from extraction (e.g. which 东北大学). */
export function questionForAmbiguity(a: Ambiguity, lang: 'zh' | 'en' = 'zh'): FollowUpQuestion {
  return {
    fact: a.fact,
    question: lang === 'en' ? `Which "${a.text}" do you mean?` : a.question,
    choices: a.choices.map((c) => ({ label: c.label, value: c.value })),
  };
}

/**
 * What to ask next: an ambiguity from the message first, then the first missing fact of the first
 * verdict that needs more information. Undefined when nothing is missing.
 */
export function nextQuestion(
  verdicts: Verdict[],
  catalog: FactCatalog,
  extraction?: { ambiguities?: Ambiguity[] },
  lang: 'zh' | 'en' = 'zh',
): FollowUpQuestion | undefined {
  const amb = extraction?.ambiguities?.[0];
  if (amb) return questionForAmbiguity(amb, lang);
  const v = verdicts.find((x) => x.verdict === 'need_more_info' && x.missing.length);
  return v ? questionFor(v.missing[0]!, catalog, lang) : undefined;
}

/**
 * Reads a choice value back into a fact value ("true" → true, '{"min":1,"max":50}' → object).
 */
export function decodeChoice(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
