/**
 * Formatting of dates, clause labels and fact values in the reply language, with the patterns of the
 * locale files (format.*, values.*). Pure.
 *
 * @example
 * formatDate('2021-04-26', zh)            // '2021年4月26日'
 * formatClause('三', zh)                  // '第三条'
 * displayValue({ min: 1, max: 50 }, { ordinal: true }, zh) // '前50名'
 */
import type { Locale } from '../locales/locale.ts';

/** A date YYYY-MM-DD (or YYYY-MM, YYYY, or a span A/B of them) in the locale's pattern. */
export function formatDate(iso: string, locale: Locale): string {
  const slash = iso.indexOf('/');
  if (slash > 0)
    return locale.t('format.span', { from: formatDate(iso.slice(0, slash), locale), to: formatDate(iso.slice(slash + 1), locale) });
  const [y, m, d] = iso.split('-');
  const vars = { y: y!, m: String(Number(m)), mm: m ?? '', d: String(Number(d)), dd: d ?? '' };
  if (d) return locale.t('format.date', vars);
  if (m) return locale.t('format.month', vars);
  return locale.t('format.year', { y: y! });
}

/** A month YYYY-MM(-DD) as the locale writes months (2022年7月). */
export function formatMonth(iso: string, locale: Locale): string {
  return formatDate(iso.slice(0, 7), locale);
}

const NUMERAL_LABEL = /^[一二三四五六七八九十百]+$/u;

/**
 * A clause label as cited — the one clause-label format of replies and digests: a numeral (三) by
 * `format.clause_numeral`, a number (2) by `format.clause_number`, the preamble by
 * `format.clause_preamble`, others (（二）, 一/（二）/2) by `format.clause_other`.
 */
export function formatClause(label: string, locale: Locale): string {
  const key =
    label === 'preamble'
      ? 'format.clause_preamble'
      : NUMERAL_LABEL.test(label)
        ? 'format.clause_numeral'
        : /^\d+$/.test(label)
          ? 'format.clause_number'
          : 'format.clause_other';
  return locale.t(key, { label });
}

/** How a fact is shown (the fact catalog's unit, rank style and choice labels; eligibility FactSpec fits). */
export interface FactDisplay {
  unit?: { zh: string; en?: string };
  ordinal?: boolean;
  choices?: { value: unknown; label: string | { zh: string; en?: string } }[];
}

const textOf = (t: string | { zh: string; en?: string } | undefined, lang: string) =>
  t === undefined ? '' : typeof t === 'string' ? t : lang === 'en' ? (t.en ?? '') : t.zh;

/**
 * A fact value as a person would say it, in the locale's language: ranks (第68名 / 前50名 / 51–100名 /
 * 100名以外), counts with their unit (8个月), booleans (是/否), enum values by their answer label, lists.
 * Returns null when the value has no rendering in this language (an English reply then leaves it out
 * rather than show Chinese).
 */
export function displayValue(value: unknown, spec: FactDisplay | undefined, locale: Locale): string | null {
  const t = locale.t;
  if (value === undefined || value === null) return t('values.unknown');
  if (typeof value === 'boolean') return t(value ? 'values.yes' : 'values.no');
  if (Array.isArray(value)) {
    const parts = value.map((v) => displayValue(v, spec, locale));
    return parts.some((p) => p === null) ? null : parts.join(t('values.list_separator'));
  }
  const choice = spec?.choices?.find((c) => typeof c.value !== 'object' && c.value === value);
  if (choice) return textOf(choice.label, locale.lang) || null;
  const range = typeof value === 'object' && ('min' in value || 'max' in value) ? (value as { min?: number; max?: number }) : undefined;
  const num = typeof value === 'number' ? value : undefined;
  if (spec?.ordinal) {
    if (num !== undefined) return t('values.rank', { n: num });
    if (range) {
      const { min, max } = range;
      if (min !== undefined && max !== undefined && min === max) return t('values.rank', { n: min });
      if (max !== undefined && (min === undefined || min <= 1)) return t('values.rank_top', { max });
      if (min !== undefined && max === undefined) return t('values.rank_below', { n: min - 1 });
      if (min !== undefined && max !== undefined) return t('values.rank_band', { min, max });
    }
  }
  const unit = textOf(spec?.unit, locale.lang);
  if (num !== undefined) return unit ? t('values.count', { n: num, unit }) : String(num);
  if (range) {
    const { min, max } = range;
    if (min !== undefined && max !== undefined)
      return min === max ? t('values.count', { n: min, unit }) : t('values.count_band', { min, max, unit });
    if (min !== undefined) return t('values.count_at_least', { n: min, unit });
    if (max !== undefined) return t('values.count_at_most', { n: max, unit });
  }
  if (typeof value === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?(\/\d{4}(-\d{2}(-\d{2})?)?)?$/.test(value)) return formatDate(value, locale);
  if (typeof value === 'string') {
    // A free string (a university, a district, a date) is the person's own words or a date: shown as given,
    // except that an English reply never shows Chinese characters outside quotes.
    return locale.lang === 'en' && /\p{Script=Han}/u.test(value) ? null : value;
  }
  return null;
}
