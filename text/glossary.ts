/**
 * English questions over a Chinese library: a bilingual glossary (corpus/lang/glossary-en.yaml) turns
 * the English phrases of a question into the documents' own Chinese terms, added to the query. Pure.
 *
 * @example
 * const g = parseGlossary({ phrases: { 'housing subsidy': ['安居资助'], baoshan: ['宝山'] } }, 'glossary-en.yaml');
 * translateQuery('How much is the Baoshan housing subsidy in 2023?', g); // '宝山 安居资助 2023'
 */
import { z } from 'zod';
import { escapeRe as escapeRegExp } from './regex.ts';

export interface Glossary {
  /**
   * Longest phrase first; each a whole-word, case-insensitive pattern and the Chinese terms it adds.
   * `context` entries (places, "policy") add their terms only when a topic phrase matched too.
   */
  entries: { phrase: string; pattern: RegExp; terms: string[]; context: boolean }[];
}

const Terms = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));
const Schema = z.object({ phrases: Terms, context: Terms.default({}) });

/** Validates the glossary data; `file` names the source in errors. */
export function parseGlossary(data: unknown, file: string): Glossary {
  const parsed = Schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message} — expected "phrases: { english phrase: [中文词, …] }"`);
  }
  const entry =
    (context: boolean) =>
    ([phrase, terms]: [string, string[]]) => {
      const words = phrase
        .trim()
        .toLowerCase()
        .split(/[\s-]+/)
        .map(escapeRegExp);
      return { phrase, terms, context, pattern: new RegExp(`(?<![a-z0-9])${words.join('[\\s-]+')}(?![a-z0-9])`, 'i') };
    };
  const entries = [...Object.entries(parsed.data.phrases).map(entry(false)), ...Object.entries(parsed.data.context).map(entry(true))].sort(
    (a, b) => b.phrase.length - a.phrase.length,
  );
  return { entries };
}

/**
 * The search query for an English question: the Chinese terms of every glossary phrase it contains
 * (longest first; a phrase inside a longer one already matched adds nothing), then its numbers and
 * upper-case abbreviations (2023, QS), and the Chinese it holds ("Filed 居转户 in 07/2023"). The other
 * English words are dropped: the library is Chinese, so they match nothing and only lower the retrieval
 * confidence. A question with Chinese in it but no glossary phrase ("What is the 东方英才领军项目 in the 2023
 * plan?") is searched by its Chinese and numbers. A question without a glossary phrase or Chinese, or with
 * only context words (a place), or without Latin letters, is returned as is.
 */
/** True when the text holds a topic phrase of the glossary (not only context words): "长宁的talent rental subsidy". */
export function hasGlossaryTopic(text: string, glossary: Glossary): boolean {
  return /[a-z]/i.test(text) && glossary.entries.some((e) => !e.context && e.pattern.test(text));
}

export function translateQuery(text: string, glossary: Glossary): string {
  if (!/[a-z]/i.test(text)) return text;
  let rest = text.toLowerCase();
  const terms: string[] = [];
  let topic = false;
  for (const e of glossary.entries) {
    const m = e.pattern.exec(rest);
    if (!m) continue;
    topic ||= !e.context;
    for (const t of e.terms) if (!terms.includes(t)) terms.push(t);
    rest = rest.slice(0, m.index) + ' '.repeat(m[0].length) + rest.slice(m.index + m[0].length);
  }
  const chinese = text.match(/[\p{Script=Han}〔〕]+/gu) ?? [];
  if (!topic && !chinese.length) return text;
  const kept = text.match(/\b(?:\d[\d.]*|[A-Z]{2,6})\b/g) ?? [];
  return [...new Set([...terms, ...chinese, ...kept])].join(' ');
}
