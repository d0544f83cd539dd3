/**
 * What the answer stages share: the documents by id, the chunks by id, the districts, the sentences
 * said back. Built once per assistant from its dependencies.
 *
 * @example
 * const ctx = createReplyContext(deps);
 * ctx.districtIn('宝山区的人才安居资助') // '宝山'
 */
import type { Rule, Text } from '../../eligibility/rules.ts';
import type { Condition } from '../../eligibility/rules.ts';
import type { AssistantDeps } from './index.ts';
import type { Lang } from './lang.ts';

export type ReplyContext = ReturnType<typeof createReplyContext>;

export function createReplyContext(deps: AssistantDeps) {
  const docs = new Map(deps.documents.map((d) => [d.id, d]));
  const chunksById = new Map(deps.chunks.map((c) => [c.id, c]));
  const districts = [...new Set(deps.documents.map((d) => d.district).filter((d): d is string => !!d))];
  function districtIn(text: string): string | undefined {
    return districts.find((d) => text.includes(d));
  }

  /** A sentence of corpus/lang `sentences:` with its placeholders filled (empty when not configured). */
  function say(key: string, lang: Lang, vars: Record<string, string>): string {
    const t = deps.sentences?.[key];
    if (!t) return '';
    return (lang === 'en' ? t.en : t.zh).replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '');
  }

  return { deps, docs, chunksById, districts, districtIn, say };
}

/**
 * Subjects a question can be about and the words a clause must contain to answer it: [asked, said].
 * Language, not policy: which measures exist is decided by the corpus.
 */
export const SUBJECTS: [RegExp, RegExp][] = [[/落户|户口|户籍|入户|迁户|hukou/i, /落户|户口|户籍|居转户|入户|人才引进/]];

export function pick(t: Text | string | undefined, lang: Lang): string {
  if (!t) return '';
  if (typeof t === 'string') return t;
  return lang === 'en' ? (t.en ?? t.zh) : t.zh;
}

/**
 * The period in which a measure applies: the rule's validity, narrowed by date conditions that fall
 * back to the evaluation date (e.g. 2022年7月-2023年6月 for the average-wage base).
 */
export function measureWindow(rule: Rule): { from?: string; to?: string } {
  let from = rule.validFrom;
  let to = rule.validTo;
  const later = (a: string | undefined, b: string) => (!a || b > a ? b : a);
  const earlier = (a: string | undefined, b: string) => (!a || b < a ? b : a);
  const walk = (c: Condition | undefined): void => {
    if (!c) return;
    if (c.kind !== 'leaf') {
      if (c.kind === 'all') c.children.forEach(walk);
      return;
    }
    if (c.fallback !== 'asOf') return;
    const v = c.value;
    if ((c.op === 'gte' || c.op === 'after') && typeof v === 'string') from = later(from, v);
    if ((c.op === 'lte' || c.op === 'before') && typeof v === 'string') to = earlier(to, v);
    if (c.op === 'between' && Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') {
      from = later(from, v[0]);
      to = earlier(to, v[1]);
    }
  };
  walk(rule.conditions);
  return { from, to };
}

/** The choices of a follow-up question, inline: `（是 / 否）`, or ` (Yes / No)` in English. */
/** The measure is over on `asOf`: its period ended, or every deadline it sets has passed. */
export function measureEnded(rule: Rule, asOf: string): boolean {
  const w = measureWindow(rule);
  if (w.to && w.to < asOf) return true;
  return rule.deadlines.length > 0 && rule.deadlines.every((d) => d.date < asOf);
}

/** Other clauses are listed as related only when they score at least this share of the best one (0–1; 0.7 measured). */
export const RELATED_MIN_SHARE = 0.7;
