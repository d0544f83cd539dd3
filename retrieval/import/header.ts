/**
 * Reads a corpus header (title, 文号, issuer, date, level, district, validity, repeals) from the
 * text of a policy document — pure functions over the cue words of `corpus/lang/import.yaml`.
 *
 * Every field comes with the 1-based line of the text where it was found, where on the page it was
 * (heading, signature, title…) and how sure the reading is. A field that cannot be read is left
 * out and listed in `missing` with the reason: nothing is guessed. A date is only ever taken from a
 * line that is a date by itself (signature, printing line) or from a sentence of the document about
 * itself ("本意见自…起施行"), never from the running text.
 *
 * @example
 * const h = readHeader(text, lang);
 * h.fields.date // → { value: '2022-06-01', line: 62, source: 'signature', confidence: 'high' }
 */
import { cjkPunctuation, fullwidthToHalfwidth, normalizeSpaces, removePinyinGlosses, toSimplified, hasTraditional } from '../normalize.ts';
import { isIsoDate } from '../frontmatter.ts';
import type { ImportLang } from './lang.ts';

/** Fields `readHeader` can read, in header order. */
export const READ_FIELDS = ['title', 'docNumber', 'issuer', 'date', 'level', 'district', 'validFrom', 'validTo'] as const;
export type ReadField = (typeof READ_FIELDS)[number];

/** How sure a reading is: `high` when the layout confirms it (two places agree, a signature above a date). */
export type Confidence = 'high' | 'medium';

/** One field read from the text. */
export interface FieldReading {
  value: string;
  /** 1-based line of the text. */
  line: number;
  /** Where it was found: heading, signature, title, doc-number, issuer, validity sentence… */
  source: string;
  confidence: Confidence;
}

/** A document the text says it repeals. */
export interface RepealReading {
  title: string;
  docNumber?: string;
  line: number;
}

/** Result of `readHeader`. */
export interface HeaderReading {
  fields: Partial<Record<ReadField, FieldReading>>;
  /** Fields not found, with the reason (never guessed). */
  missing: Array<{ field: ReadField; reason: string }>;
  repeals: RepealReading[];
}

/** The per-line part of corpus normalization (line count preserved): simplified, half-width, spaces. */
export function normalizeLines(text: string): string[] {
  let t = text
    .replace(/^\ufeff/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, '');
  t = removePinyinGlosses(t);
  if (hasTraditional(t)) t = toSimplified(t);
  t = cjkPunctuation(normalizeSpaces(fullwidthToHalfwidth(t)));
  return t.split('\n');
}

/** Parses a date as printed (`2022年6月1日`, `二〇二三年四月二十六日`) to YYYY-MM-DD; undefined if not a real date. */
export function parseCnDate(s: string, lang: ImportLang): string | undefined {
  const m = lang.dateAny.exec(s);
  if (!m?.groups) return undefined;
  const { y, m: mo, d } = m.groups as { y: string; m: string; d: string };
  const digits = lang.data.numeral_digits;
  const year = /^\d+$/.test(y) ? Number(y) : Number([...y].map((c) => digits[c] ?? NaN).join(''));
  const small = (v: string): number => {
    if (/^\d+$/.test(v)) return Number(v);
    const ten = lang.data.numeral_ten;
    const i = v.indexOf(ten);
    if (i < 0) return v.length === 1 ? (digits[v] ?? NaN) : NaN;
    const tens = i === 0 ? 1 : (digits[v.slice(0, i)] ?? NaN);
    const ones = i === v.length - 1 ? 0 : (digits[v.slice(i + 1)] ?? NaN);
    return v.slice(0, i).length > 1 || v.slice(i + 1).length > 1 ? NaN : tens * 10 + ones;
  };
  const iso = `${String(year).padStart(4, '0')}-${String(small(mo)).padStart(2, '0')}-${String(small(d)).padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

interface Line {
  /** 0-based index into the text's lines. */
  i: number;
  text: string;
}

function districtOf(s: string, lang: ImportLang): string | undefined {
  for (const d of lang.data.districts) if (d.forms.some((f) => s.includes(f))) return d.name;
  return undefined;
}

/**
 * Reads the header fields from a document's text (the text that follows the header in the corpus
 * file). Line numbers are 1-based lines of `text`.
 */
export function readHeader(text: string, lang: ImportLang): HeaderReading {
  const all = normalizeLines(text);
  const lines: Line[] = all.map((t, i) => ({ i, text: t })).filter((l) => l.text !== '' && !lang.skip.test(l.text));
  const fields: HeaderReading['fields'] = {};
  const missing: HeaderReading['missing'] = [];
  const set = (f: ReadField, value: string, l: Line, source: string, confidence: Confidence) => {
    fields[f] = { value, line: l.i + 1, source, confidence };
  };
  const isIssuer = (t: string) => lang.issuerLine.test(t);
  const isDate = (t: string) =>
    lang.dateLine.test(t) ||
    (t.endsWith(lang.data.issuer.printed_suffix) && lang.dateLine.test(t.slice(0, -lang.data.issuer.printed_suffix.length)));
  const isPrinted = (t: string) => t.endsWith(lang.data.issuer.printed_suffix);

  // 文号: the first line that is only a 文号, near the top (before the first long paragraph)
  const top = lines.slice(0, 12);
  const num = top.find((l) => lang.docNumber.test(l.text));
  if (num) set('docNumber', num.text, num, 'doc-number line', 'high');
  else
    missing.push({
      field: 'docNumber',
      reason: 'no line of the form 沪人社规〔2024〕1号 near the top (a 答复 or an excerpt often has none)',
    });

  // title: a line (or two consecutive lines) ending with a document kind, no sentence punctuation
  const t = lang.data.title;
  const titleOk = (s: string) =>
    [...s].length >= t.min_chars &&
    [...s].length <= t.max_chars &&
    lang.titleEnding.test(s) &&
    !lang.titleForbidden.test(s) &&
    !isIssuer(s) &&
    !lang.docNumber.test(s);
  let title: { value: string; line: Line; confidence: Confidence } | undefined;
  for (let k = 0; k < Math.min(lines.length, 40) && !title; k++) {
    const l = lines[k]!;
    if (titleOk(l.text)) title = { value: l.text, line: l, confidence: l.text.includes(t.about) ? 'high' : 'medium' };
    else if (
      k + 1 < lines.length &&
      lines[k + 1]!.i === l.i + 1 &&
      !isIssuer(l.text) &&
      !isDate(l.text) &&
      !lang.titleForbidden.test(l.text)
    ) {
      const joined = l.text + lines[k + 1]!.text; // a title broken over two lines
      if (titleOk(joined) && joined.includes(t.about)) title = { value: joined, line: l, confidence: 'medium' };
    }
  }
  if (title) set('title', title.value, title.line, 'title line', title.confidence);
  else
    missing.push({
      field: 'title',
      reason: `no title line (ending with ${t.endings.slice(0, 4).join('/')}… without sentence punctuation) in the first 40 lines`,
    });

  // signature: organization line(s) directly above a date line; the first such block is the document's
  let signature: { orgs: Line[]; date: Line } | undefined;
  for (let k = 0; k < lines.length && !signature; k++) {
    const l = lines[k]!;
    if (!lang.dateLine.test(l.text)) continue;
    const orgs: Line[] = [];
    for (let j = k - 1; j >= 0 && k - j <= 3 && isIssuer(lines[j]!.text); j--) orgs.unshift(lines[j]!);
    if (orgs.length) signature = { orgs, date: l };
  }
  // heading issuer: an organization line before the 文号 / title
  const headEnd = Math.min(num ? lines.indexOf(num) : 8, title ? lines.indexOf(title.line) : 8, 8);
  const heading = lines.slice(0, Math.max(headEnd, 0)).find((l) => isIssuer(l.text));
  const titlePrefix = title?.value.includes(t.about) ? title.value.slice(0, title.value.indexOf(t.about)) : '';
  const joiner = lang.data.issuer.joiner;
  if (signature) {
    const value = signature.orgs.map((o) => o.text).join(joiner);
    const agrees = heading?.text === value || titlePrefix === value;
    set('issuer', value, signature.orgs[0]!, 'signature', agrees ? 'high' : 'medium');
  } else if (heading) {
    set('issuer', heading.text, heading, 'heading', titlePrefix === heading.text ? 'high' : 'medium');
  } else if (titlePrefix && isIssuer(titlePrefix)) {
    set('issuer', titlePrefix, title!.line, 'title', 'medium');
  } else {
    missing.push({ field: 'issuer', reason: 'no issuing body in a heading line, a signature above the date, or the title' });
  }

  // date: the signature date, else a printing line (…印发)
  const sigDate = signature ? parseCnDate(signature.date.text, lang) : undefined;
  if (signature && sigDate) set('date', sigDate, signature.date, 'signature', 'high');
  else {
    const printed = lines.find((l) => isPrinted(l.text) && isDate(l.text));
    const pd = printed ? parseCnDate(printed.text, lang) : undefined;
    if (printed && pd) set('date', pd, printed, 'printing line', 'medium');
    else missing.push({ field: 'date', reason: 'no date line under the signature (e.g. 2022年6月1日 or 二〇二三年四月二十六日)' });
  }

  // level and district: from the issuer, else from the title / 文号 abbreviation
  const issuer = fields.issuer;
  const district = issuer ? districtOf(issuer.value, lang) : undefined;
  if (issuer && district) {
    set('district', district, lines.find((l) => l.i === issuer.line - 1)!, 'issuer', issuer.confidence);
    set('level', 'district', lines.find((l) => l.i === issuer.line - 1)!, 'issuer', issuer.confidence);
  } else if (issuer?.value.startsWith(lang.data.issuer.municipal_prefix)) {
    set('level', 'municipal', lines.find((l) => l.i === issuer.line - 1)!, 'issuer', issuer.confidence);
    missing.push({ field: 'district', reason: 'municipal document (the issuer names no district)' });
  } else {
    const fromTitle = title ? districtOf(title.value, lang) : undefined;
    const abbrev = fields.docNumber ? lang.data.districts.find((d) => fields.docNumber!.value.startsWith(d.abbrev)) : undefined;
    if (fromTitle) {
      set('district', fromTitle, title!.line, 'title', 'medium');
      set('level', 'district', title!.line, 'title', 'medium');
    } else if (abbrev && num) {
      set('district', abbrev.name, num, '文号 abbreviation', 'medium');
      set('level', 'district', num, '文号 abbreviation', 'medium');
    } else if (fields.docNumber?.value.startsWith(lang.data.id.municipal_abbrev) && num) {
      set('level', 'municipal', num, '文号 abbreviation', 'medium');
      missing.push({ field: 'district', reason: 'municipal document (沪 文号)' });
    } else {
      missing.push({ field: 'level', reason: 'neither the issuer nor the title names 上海市 or a district' });
      missing.push({ field: 'district', reason: 'no district named in the issuer or title' });
    }
  }

  // validity: only sentences about the document itself (本通知/本意见…)
  for (const l of lines) {
    for (const sentence of l.text.split(/(?<=[。；])/)) {
      if (!lang.validSelf.test(sentence)) continue;
      const from = lang.validFrom.exec(sentence);
      const fromDate = from ? parseCnDate(from[0], lang) : undefined;
      if (fromDate && !fields.validFrom) set('validFrom', fromDate, l, 'validity sentence', 'high');
      else if (lang.validFromIssue.test(sentence) && !fields.validFrom && fields.date)
        set('validFrom', fields.date.value, l, 'validity sentence (from the date of issue)', fields.date.confidence);
      const to = lang.validTo.exec(sentence);
      const toDate = to ? parseCnDate(to[0].slice(to[0].search(lang.dateAny)), lang) : undefined;
      if (toDate && !fields.validTo) set('validTo', toDate, l, 'validity sentence', 'high');
    }
    if (!fields.validTo && lang.thisAndNextYear.test(l.text) && lang.validSelf.test(l.text) && fields.date) {
      set(
        'validTo',
        `${Number(fields.date.value.slice(0, 4)) + 1}-12-31`,
        l,
        'validity sentence (今明两年: to the end of next year)',
        'medium',
      );
    }
  }
  if (!fields.validFrom) missing.push({ field: 'validFrom', reason: 'no sentence such as 本通知自2022年7月1日起施行' });
  if (!fields.validTo) missing.push({ field: 'validTo', reason: 'no sentence such as 有效期至2025年12月31日' });
  if (fields.validFrom && fields.validTo && fields.validFrom.value > fields.validTo.value) {
    delete fields.validTo;
    missing.push({ field: 'validTo', reason: 'the end of validity read is before its start: left out' });
  }

  // repeals
  const repeals: RepealReading[] = [];
  for (const l of lines) {
    for (const re of lang.repeal) {
      re.lastIndex = 0;
      for (const m of l.text.matchAll(re)) {
        const g = m.groups ?? {};
        if (!g.title || repeals.some((r) => r.title === g.title)) continue;
        repeals.push({ title: g.title, ...(g.number ? { docNumber: g.number } : {}), line: l.i + 1 });
      }
    }
  }
  return { fields, missing, repeals };
}
