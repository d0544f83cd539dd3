/**
 * Terminal renderer: reply blocks → plain text for the terminal chat and `policybot ask`. The default
 * view (answer line first, ≤ 2 notes, a clause quoted before cited by label only, what changed) plus a
 * hint that `/more` shows the hidden notes; `more` is the text `/more` prints.
 *
 * @example
 * const { text, more } = renderTerminal(blocks, locales.zh, { quoted });
 * console.log(text); // on "/more": console.log(more ?? locales.zh.t('notes.more_empty'))
 */
import type { Locale } from '../locales/locale.ts';
import type { RenderContext, ReplyBlocks } from './blocks.ts';
import { replyView, type ViewOptions } from './view.ts';

export interface TerminalReply {
  text: string;
  /** The quoted document's full title line and the hidden notes, for `/more` (null when there are none). */
  more: string | null;
}

/** Renders reply blocks as plain text. */
export function renderTerminal(blocks: ReplyBlocks, locale: Locale, ctx: RenderContext = {}, opts: ViewOptions = {}): TerminalReply {
  const t = locale.t;
  const view = replyView(blocks, locale, ctx, opts);
  const paragraphs: string[] = [];
  const head = [view.answer, ...view.conditions, ...(view.unchanged ? [view.unchanged] : [])].filter(Boolean);
  if (head.length) paragraphs.push(head.join('\n'));
  const q = view.quote;
  if (q?.mode === 'label') paragraphs.push(q.line);
  else if (q) paragraphs.push(`${q.open}${q.heading ?? ''}${q.text}${q.close}\n${q.citation}`);
  const notes = view.notes.map((n) => `${t('notes.bullet')}${n}`);
  if (view.hidden.length)
    notes.push(view.hidden.length === 1 ? t('notes.more_hint_one') : t('notes.more_hint', { count: view.hidden.length }));
  if (notes.length) paragraphs.push(notes.join('\n'));
  if (view.related) paragraphs.push([view.related.header, ...view.related.items].join('\n'));
  if (view.followUp) {
    const choices = view.followUp.choices.map((c) => c.label).join(t('follow_up.choice_separator'));
    paragraphs.push(choices ? `${view.followUp.question}\n${t('follow_up.choices', { choices })}` : view.followUp.question);
  }
  return {
    text: paragraphs.join('\n\n'),
    more:
      view.hidden.length || view.document
        ? [...(view.document ? [view.document] : []), ...view.hidden.map((n) => `${t('notes.bullet')}${n}`)].join('\n')
        : null,
  };
}
