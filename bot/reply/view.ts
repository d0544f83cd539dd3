/**
 * The default view of a reply, shared by every renderer: the answer line first; the conditions (only
 * those that changed since the previous turn of the same rule); the quote in full, or by label only when
 * the clause was already quoted in this conversation; at most `maxNotes` notes, the rest (and notes the
 * previous turn already showed) behind 详情 / `/more`; related clauses; the follow-up question.
 * All wording comes from the locale; the renderers only add markup.
 *
 * @example
 * const view = replyView(blocks, locales.zh, { quoted: new Set(['sh-hrss-2022-103#三']) });
 * view.quote // { mode: 'label', line: '依据：沪人社力〔2022〕103号第三条（上文已引）' }
 */
import type { Locale } from '../locales/locale.ts';
import { changedConditions, orderedNotes, shownStatus, type Citation, type RenderContext, type ReplyBlocks } from './blocks.ts';
import { formatClause, formatDate } from './format.ts';

/** Options of the default view. */
export interface ViewOptions {
  /** Notes shown before 详情. Range 0–5, default 2. */
  maxNotes?: number;
  /** Related clauses shown. Range 0–5, default 2. */
  maxRelated?: number;
  /** Notes are shown (in priority order) while together they stay within this many characters; the first always is. Range 0–1000, default 100. */
  noteChars?: number;
}

export interface ReplyView {
  answer: string;
  conditions: string[];
  /** "The other conditions are as before" when some were left out as unchanged. */
  unchanged: string | null;
  quote:
    | { mode: 'full'; heading: string | null; text: string; open: string; close: string; citation: string }
    | { mode: 'label'; line: string }
    | null;
  /** The quoted document's full title line (shown with the details). */
  document: string | null;
  notes: string[];
  hidden: string[];
  detailsLabel: string;
  related: { header: string; items: string[] } | null;
  followUp: { question: string; choices: { label: string; value: string }[] } | null;
}

const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

/** The source a citation is named by: its 文号, else its title (in English the English title when there is one). */
function sourceName(c: Citation, locale: Locale): string {
  if (c.docNumber) return c.docNumber;
  return locale.t('format.title', { title: shortTitle(titleIn(c, locale)) });
}

/** The citation line of a quoted clause. */
export function citationLine(c: Citation, locale: Locale): string {
  return locale.t(c.docNumber ? 'quote.citation' : 'quote.citation_no_number', {
    ...citationVars(c, locale),
    title: shortTitle(titleIn(c, locale)),
  });
}

/** The document line of a citation (full title, 文号, date), shown with the details. */
export function documentLine(c: Citation, locale: Locale): string {
  return locale.t('quote.document', citationVars(c, locale));
}

/**
 * The title in the reply language: in English the English title, else the document id (ASCII, what
 * /sources lists) — an English reply shows no Chinese outside quoted clauses and 文号, not even in the
 * details.
 */
function titleIn(c: Citation, locale: Locale): string {
  return locale.lang === 'en' ? (c.titleEn ?? c.docId) : c.title;
}

/** Longest title in a citation line or a related clause of the default view (characters); the full title is in the details. */
export const CITED_TITLE_CHARS = 24;

const BRACKETS: Record<string, string> = { '《': '》', '（': '）', '(': ')', '“': '”', '【': '】', '「': '」' };

/**
 * A readable short form of a title of at most `max` characters (whole characters):
 * - the title itself when it fits;
 * - a title about another document ("关于《…》（第8E112号）提案的答复") by what it is: the words after the
 *   nested title when they carry its number, a bracketed number unwrapped ("第8E112号提案的答复"), else
 *   the nested title itself when that fits;
 * - else cut with "…", never inside a bracket pair (《…》, （…）, “…”): the cut moves before the opening
 *   bracket, so a citation never shows "《关于《关于…》".
 */
export function shortTitle(title: string, max = CITED_TITLE_CHARS): string {
  const chars = [...title];
  if (chars.length <= max) return title;
  const nested = /《([^《》]+)》/u.exec(title);
  if (nested) {
    const after = title
      .slice(title.lastIndexOf('》') + 1)
      .replace(/^[（(]([^（）()]+)[）)]/u, '$1')
      .trim();
    // "（第8E112号）提案的答复" names the document by its number; "的通知" alone says nothing.
    if ([...after].length >= 4 && [...after].length <= max && /\p{Script=Han}/u.test(after) && /\d/u.test(after)) return after;
    if ([...nested[1]!].length <= max) return nested[1]!;
  }
  // Cut at max - 1, moved before any bracket still open at that point.
  let cut = max - 1;
  const open: number[] = [];
  for (let i = 0; i < cut; i++) {
    const ch = chars[i]!;
    if (BRACKETS[ch]) open.push(i);
    else if (Object.values(BRACKETS).includes(ch)) open.pop();
  }
  if (open.length) cut = open[0]!;
  // Latin words stay whole: back to the last space when the cut falls inside a word.
  const space = chars.slice(0, cut).lastIndexOf(' ');
  if (/[A-Za-z0-9]/u.test(chars[cut] ?? '') && /[A-Za-z0-9]/u.test(chars[cut - 1] ?? '') && space > cut / 2) cut = space;
  const head = chars.slice(0, cut).join('').trimEnd();
  return head
    ? `${head}…`
    : `${chars
        .slice(0, max - 1)
        .filter((ch) => !BRACKETS[ch] && !Object.values(BRACKETS).includes(ch))
        .join('')}…`;
}

function citationVars(c: Citation, locale: Locale) {
  return {
    title: titleIn(c, locale),
    docNumber: c.docNumber ?? '',
    clause: formatClause(c.clause, locale),
    when: c.date ? locale.t('quote.dated', { date: formatDate(c.date, locale) }) : '',
    source: sourceName(c, locale),
  };
}

/** The default view of `blocks` in `locale`, given what the conversation already showed. */
export function replyView(blocks: ReplyBlocks, locale: Locale, ctx: RenderContext = {}, opts: ViewOptions = {}): ReplyView {
  const maxNotes = opts.maxNotes ?? 2;
  const maxRelated = opts.maxRelated ?? 2;
  const t = locale.t;
  const changed = changedConditions(blocks, ctx.previous);
  const conditions: string[] = [];
  // Alternative bands of one fact (前50名 / 51–100名): the one that passes tells the story, its failing sibling is noise.
  // Only when something else decides the outcome: a lone failing bound ("办理时间在2023年6月及以前") stays.
  const passedFacts = new Set(blocks.conditions.filter((c) => shownStatus(c) === 'pass').map((c) => c.fact));
  const decidedElsewhere = (fact: string) =>
    blocks.answer.verdict === 'eligible' ||
    blocks.conditions.some((c) => c.fact !== fact && (shownStatus(c) === 'fail' || shownStatus(c) === 'unknown'));
  for (const c of blocks.conditions) {
    if (!changed.has(c.id)) continue;
    const status = shownStatus(c);
    if (status === 'fail' && passedFacts.has(c.fact) && decidedElsewhere(c.fact)) continue;
    // The follow-up question asks for this fact, or the need-more-info answer line lists the open
    // conditions (eligibilityBlocks): a "？" line would say the same twice.
    if (status === 'unknown' && (blocks.followUp?.fact === c.fact || blocks.answer.verdict === 'need_more_info')) continue;
    const icon = t(`conditions.${status}`);
    const label = status === 'assumed' ? `${c.label}${t('conditions.assumed_suffix')}` : c.label;
    conditions.push(
      c.display && (status === 'pass' || status === 'fail')
        ? t('conditions.line', { icon, label, value: c.display })
        : t('conditions.line_unknown', { icon, label }),
    );
  }
  const unchanged = changed.size < blocks.conditions.length && ctx.previous ? t('conditions.unchanged') : null;

  let quote: ReplyView['quote'] = null;
  if (blocks.quote) {
    const c = blocks.quote.citation;
    if (ctx.quoted?.has(c.clauseId)) {
      quote = {
        mode: 'label',
        line: t('quote.cited_before', { source: sourceName(c, locale), clause: formatClause(c.clause, locale), title: c.title }),
      };
    } else {
      quote = {
        mode: 'full',
        heading: blocks.quote.heading ? t('quote.heading', { heading: blocks.quote.heading }) : null,
        text: blocks.quote.text,
        open: t('quote.open'),
        close: t('quote.close'),
        citation: citationLine(c, locale),
      };
    }
  }

  const shownBefore = new Set(
    ctx.previous
      ? orderedNotes(ctx.previous.notes)
          .slice(0, maxNotes)
          .map((n) => n.text)
      : [],
  );
  const notes = orderedNotes(blocks.notes).filter((n) => locale.lang !== 'en' || !hasHan(n.text));
  const fresh = notes.filter((n) => !shownBefore.has(n.text));
  const budget = opts.noteChars ?? 100;
  const shown: typeof fresh = [];
  let used = 0;
  for (const n of fresh.slice(0, maxNotes)) {
    if (shown.length && used + [...n.text].length > budget) break;
    shown.push(n);
    used += [...n.text].length;
  }
  const hidden = notes.filter((n) => !shown.includes(n));

  const related = blocks.related
    .filter((r) => r.citation.clauseId !== blocks.quote?.citation.clauseId)
    .slice(0, maxRelated)
    .map((r) =>
      t('related.item', {
        source: sourceName(r.citation, locale),
        clause: formatClause(r.citation.clause, locale),
        heading: r.heading ? shortTitle(r.heading) : '',
        title: r.citation.title,
      }).replace(/[：:]\s*$/u, ''),
    );

  // An information answer whose quote is exactly the answering sentence: say it once, as the quote
  // (the answer line keeps only what else it says: the time truth of an expired measure).
  const q = blocks.quote;
  // A line that is only a span of the sentence (bot/reply/answer.ts `line`) is always said first.
  const sameAsQuote =
    blocks.kind === 'information' &&
    quote?.mode === 'full' &&
    !!q?.answer &&
    q.text.replace(/^…|…$/gu, '') === q.answer &&
    blocks.answer.text.includes(t('answer.information', { sentence: q.answer }));
  return {
    answer: sameAsQuote ? blocks.answer.text.replace(t('answer.information', { sentence: q!.answer! }), '').trim() : blocks.answer.text,
    conditions,
    unchanged,
    quote,
    document: blocks.quote && quote?.mode === 'full' ? documentLine(blocks.quote.citation, locale) : null,
    notes: shown.map((n) => n.text),
    hidden: hidden.map((n) => n.text),
    detailsLabel: t('notes.details'),
    related: related.length ? { header: t('related.header'), items: related } : null,
    followUp: blocks.followUp ? { question: blocks.followUp.question, choices: blocks.followUp.choices } : null,
  };
}
