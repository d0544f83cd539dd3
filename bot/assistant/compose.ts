/**
 * Reply composition helpers: pure functions from documents, clauses and dates to short, phone-readable
 * text. No number, date or condition is produced here that does not come from a cited clause or rule.
 *
 * @example
 * sourceLine({ title: '关于…的通知', docNumber: '沪人社力〔2022〕103号', date: '2022-06-01' }, '三', 'zh')
 * // '——《关于…的通知》沪人社力〔2022〕103号 第三条，2022-06-01'
 */
import type { Lang } from './lang.ts';

export interface SourceDoc {
  title: string;
  docNumber?: string | null;
  date: string;
  level?: string;
  district?: string | null;
}

const CN_NUM = /^[一二三四五六七八九十百]+$/;

/** Human-readable clause label: `三` → `第三条`, `（二）` → `第（二）项`, `5` → `第5项`, preamble → `前言`. */
export function clauseLabel(clause: string, lang: Lang = 'zh'): string {
  if (clause === 'preamble') return lang === 'en' ? 'preamble' : '前言';
  if (/^第.+[条章节款项]$/.test(clause)) return clause;
  if (lang === 'en') return `clause ${clause}`;
  if (CN_NUM.test(clause)) return `第${clause}条`;
  return `第${clause}项`;
}

/** The source line under a quote: title, 文号, clause label and date. */
export function sourceLine(doc: SourceDoc, clause: string, lang: Lang = 'zh'): string {
  const num = doc.docNumber ? ` ${doc.docNumber}` : '';
  const district =
    doc.level === 'district' && doc.district ? (lang === 'en' ? ` (${doc.district} district)` : `（${doc.district}区）`) : '';
  return `——《${doc.title}》${num} ${clauseLabel(clause, lang)}，${doc.date}${district}`;
}

const SENTENCE = /[^。；！？!?\n]+[。；！？!?]?/g;

/** Splits Chinese text into sentences, keeping their end punctuation. */
export function sentences(text: string): string[] {
  return (text.match(SENTENCE) ?? []).map((s) => s.trim()).filter(Boolean);
}

function bigrams(s: string): Set<string> {
  const clean = s.replace(/[\s\p{P}]/gu, '');
  const out = new Set<string>();
  for (let i = 0; i + 1 < clean.length; i++) out.add(clean.slice(i, i + 2));
  return out;
}

/**
 * Trims a clause to the sentences most relevant to the query (by shared character bigrams, plus
 * `extraTerms` such as synonyms), in their original order, within `maxChars`. The first sentence
 * (usually the clause's title) is kept when there is room. Returns a verbatim substring sequence.
 */
export function trimToRelevant(text: string, query: string, maxChars = 220, extraTerms: string[] = []): string {
  const t = text.trim();
  if (t.length <= maxChars) return t;
  const parts = sentences(t);
  if (parts.length <= 1) return t.slice(0, maxChars - 1) + '…';
  const q = bigrams(query + extraTerms.join(''));
  const scored = parts.map((s, i) => {
    const b = bigrams(s);
    let hit = 0;
    for (const g of b) if (q.has(g)) hit++;
    return { i, s, score: hit / Math.sqrt(b.size + 4) };
  });
  const chosen = new Set<number>();
  let used = 0;
  for (const c of [...scored].sort((a, b) => b.score - a.score || a.i - b.i)) {
    if (c.score <= 0 && chosen.size > 0) break;
    if (used + c.s.length > maxChars && chosen.size > 0) continue;
    chosen.add(c.i);
    used += c.s.length;
  }
  if (!chosen.has(0) && parts[0]!.length + used <= maxChars && parts[0]!.length <= 40) chosen.add(0);
  const ordered = [...chosen].sort((a, b) => a - b);
  let out = '';
  let prev = -1;
  for (const i of ordered) {
    if (prev >= 0 && i !== prev + 1) out += '…';
    out += parts[i];
    prev = i;
  }
  if (out.length > maxChars + 60) out = out.slice(0, maxChars) + '…';
  return ordered[ordered.length - 1] === parts.length - 1 ? out : out + '…';
}

function ymd(date: string): { y: number; m: number; d: number } {
  const [y, m, d] = date.split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}

/** `2022-07-01` → `2022年7月1日` (zh) or `1 Jul 2022` style `2022-07-01` (en). */
export function formatDate(date: string, lang: Lang = 'zh'): string {
  const { y, m, d } = ymd(date);
  return lang === 'en' ? date : `${y}年${m}月${d}日`;
}

function formatMonth(date: string, lang: Lang): string {
  const { y, m } = ymd(date);
  return lang === 'en' ? date.slice(0, 7) : `${y}年${m}月`;
}

/** Whole years between two YYYY-MM-DD dates (floor). */
export function yearsBetween(from: string, to: string): number {
  const a = ymd(from);
  const b = ymd(to);
  let years = b.y - a.y;
  if (b.m < a.m || (b.m === a.m && b.d < a.d)) years--;
  return years;
}

/**
 * "Time truth" for a measure with a validity window: null while it applies, otherwise a plain sentence.
 * @example validityNote('2022-07-01', '2023-06-30', '2024-01-01') // '该措施适用期为2022年7月至2023年6月，现已届满…'
 */
export function validityNote(
  validFrom: string | undefined | null,
  validTo: string | undefined | null,
  asOf: string,
  lang: Lang = 'zh',
): string | null {
  if (validTo && asOf > validTo) {
    const span = validFrom ? `${formatMonth(validFrom, lang)}${lang === 'en' ? ' to ' : '至'}${formatMonth(validTo, lang)}` : null;
    if (lang === 'en')
      return `${span ? `This measure applied from ${span}` : `This measure ended on ${validTo}`}; it has expired. Please confirm the current rule with 12333.`;
    return `${span ? `该措施适用期为${span}` : `该措施已于${formatDate(validTo)}到期`}，现已届满，请向12333确认现行规定。`;
  }
  if (validFrom && asOf < validFrom) {
    return lang === 'en' ? `This measure takes effect on ${validFrom}.` : `该措施自${formatDate(validFrom)}起施行，目前尚未生效。`;
  }
  return null;
}

/** A deadline from the text that has passed on asOf, e.g. 最迟于2022年年底前补缴. */
export function deadlineNote(label: string, deadline: string, asOf: string, lang: Lang = 'zh'): string | null {
  if (asOf <= deadline) return null;
  return lang === 'en' ? `The deadline (${label}: ${deadline}) has passed.` : `${label}的期限（${formatDate(deadline)}）已过。`;
}

/** Note for documents older than `maxAgeYears` on asOf. */
export function ageNote(doc: SourceDoc, asOf: string, maxAgeYears: number, lang: Lang = 'zh'): string | null {
  if (maxAgeYears <= 0 || yearsBetween(doc.date, asOf) < maxAgeYears) return null;
  return lang === 'en'
    ? `This document dates from ${doc.date}, more than ${maxAgeYears} years ago; please confirm the current rule with 12333.`
    : `该文件发布于${formatDate(doc.date)}，已超过${maxAgeYears}年，请向12333或区人才服务中心确认现行规定。`;
}

/** The honest "not in the library" answer. Cites nothing. */
export function abstainText(lang: Lang = 'zh'): string {
  return lang === 'en'
    ? "I couldn't find this in the policy library, so I won't guess. Please call the 12333 hotline or your district talent service centre."
    : '政策库中没有找到能回答这个问题的条款，我不便猜测。建议拨打 12333 咨询，或联系所在区的人才服务中心。';
}

/** Help / welcome text with example questions. */
export function helpText(lang: Lang = 'zh'): string {
  return lang === 'en'
    ? [
        'I answer questions on Shanghai talent and HR policies by quoting the official documents, and check eligibility step by step.',
        'Try: "I graduated from a world top-50 university and work full-time in Shanghai. Can I get hukou directly?"',
        'Commands: /check eligibility check, /sources documents, /forget erase what I remember.',
      ].join('\n')
    : [
        '您好！我可以解答上海人才落户、社保、人才资助等政策问题，回答都会引用官方文件原文。例如：',
        '· 我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？',
        '· 疫情期间公司断缴社保，后来补上了，影响人才引进吗？',
        '· 宝山区的人才安居资助最高多少？',
        '发送 /check 开始资格自测，/sources 查看政策库，/forget 清除我记住的信息。',
      ].join('\n');
}

/** How a fact is shown: its catalog entry's unit, rank style and choice labels. */
export interface FactDisplay {
  unit?: string | { zh: string; en?: string };
  ordinal?: boolean;
  choices?: { value: unknown; label: string | { zh: string; en?: string } }[];
}

/**
 * A fact value as a person would say it: ranks as 第68名 / 前50名 / 51–100名 / 100名以外, counts with
 * their unit (8个月, 6个月以上), enum values by their answer label; anything else as `fallback` formats it.
 *
 * @example
 * displayValue({ min: 1, max: 50 }, { ordinal: true }, 'zh', String) // '前50名'
 */
export function displayValue(value: unknown, spec: FactDisplay | undefined, lang: Lang, fallback: (v: unknown) => string): string {
  const text = (t: string | { zh: string; en?: string } | undefined) =>
    t === undefined ? '' : typeof t === 'string' ? t : lang === 'en' ? (t.en ?? t.zh) : t.zh;
  if (!spec || value === undefined) return fallback(value);
  const choice = spec.choices?.find((c) => typeof c.value !== 'object' && c.value === value);
  if (choice && typeof value === 'string') return text(choice.label);
  const range =
    value && typeof value === 'object' && !Array.isArray(value) && ('min' in value || 'max' in value)
      ? (value as { min?: number; max?: number })
      : undefined;
  const num = typeof value === 'number' ? value : undefined;
  if (spec.ordinal) {
    const en = lang === 'en';
    if (num !== undefined) return en ? `#${num}` : `第${num}名`;
    if (range) {
      const { min, max } = range;
      if (max !== undefined && (min === undefined || min <= 1)) return en ? `top ${max}` : `前${max}名`;
      if (min !== undefined && max === undefined) return en ? `below ${min - 1}` : `${min - 1}名以外`;
      if (min !== undefined && max !== undefined)
        return min === max ? (en ? `#${min}` : `第${min}名`) : en ? `${min}–${max}` : `${min}–${max}名`;
    }
    return fallback(value);
  }
  const unit = text(spec.unit);
  if (!unit) return fallback(value);
  const sep = lang === 'en' ? ' ' : '';
  if (num !== undefined) return `${num}${sep}${unit}`;
  if (range) {
    const { min, max } = range;
    if (min !== undefined && max !== undefined) return min === max ? `${min}${sep}${unit}` : `${min}–${max}${sep}${unit}`;
    if (min !== undefined) return lang === 'en' ? `${min} ${unit} or more` : `${min}${unit}以上`;
    if (max !== undefined) return lang === 'en' ? `at most ${max} ${unit}` : `不超过${max}${unit}`;
  }
  return fallback(value);
}
