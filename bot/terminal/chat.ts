/**
 * The interactive terminal chat: the same assistant as Telegram, in a terminal or driven through stdin.
 * Multi-turn (facts remembered), `/more` (the notes behind 详情), `/forget`, `/help`, `/quit`.
 *
 * @example
 * await runTerminalChat({ assistant, input: process.stdin, output: process.stdout, asOf: () => '2026-11-22' });
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { forget, resumeState } from '../assistant/state.ts';
import type { Assistant, ConversationState, Reply } from '../assistant/types.ts';
import type { GapLog } from '../feedback/index.ts';
import { loadLocales, type Locales } from '../locales/locale.ts';
import { parseBlocks, type RenderContext } from '../reply/blocks.ts';
import { renderTerminal } from '../reply/render-terminal.ts';

export interface TerminalChatOptions {
  assistant: Assistant;
  input: Readable;
  output: Writable;
  asOf: () => string;
  idleMinutes?: number;
  /** Show a prompt and the welcome text (true for a person at a TTY). */
  interactive?: boolean;
  now?: () => number;
  /** Gap log (bot/feedback): abstentions and dead-end checks are recorded, masked. */
  gapLog?: GapLog;
  /** The locale files replies are rendered with (App.replyKit.locales); default: the shipped bot/locales. */
  locales?: Locales;
}

/** The welcome text (`terminal.welcome` of the locale files): also what /help prints. */
export function welcomeText(locales: Locales = loadLocales(), lang: 'zh' | 'en' = 'zh'): string {
  return locales[lang].t('terminal.welcome');
}

/**
 * A reply as terminal text: the blocks' terminal rendering in this conversation's context (`ctx`: the
 * state before the reply), and when the follow-up has choices, that a number picks one. `more` is what
 * `/more` prints (null when nothing is hidden).
 */
export function renderReplyText(reply: Reply, locales: Locales, ctx: RenderContext = {}): { text: string; more: string | null } {
  const lang = reply.blocks?.lang ?? reply.lang ?? 'zh';
  const t = locales[lang].t;
  const out = reply.blocks ? renderTerminal(parseBlocks(reply.blocks), locales[lang], ctx) : { text: reply.answer, more: null };
  const choices = reply.followUp?.choices;
  if (!choices?.length) return out;
  const numbered = choices.map((c, i) => t('follow_up.choice_number', { n: i + 1, label: c.label })).join(t('follow_up.choice_separator'));
  return { text: `${out.text}\n${t('follow_up.choice_numbers', { choices: numbered })}`, more: out.more };
}

/** Runs the chat until the input ends or the user types /quit. Returns the number of questions answered. */
export async function runTerminalChat(opts: TerminalChatOptions): Promise<number> {
  const now = opts.now ?? Date.now;
  const rl = createInterface({ input: opts.input, terminal: false });
  const write = (s: string) => opts.output.write(s + '\n');
  let state: ConversationState | undefined;
  let answered = 0;
  const locales = opts.locales ?? loadLocales();
  let more: string | null = null;
  let moreLang: 'zh' | 'en' = 'zh';
  // The chat's own wording follows the language of the last reply (Chinese until someone writes English).
  const t = (key: string) => locales[moreLang].t(key);
  const prompt = () => {
    if (opts.interactive) opts.output.write(`\n${t('terminal.you')}`);
  };
  if (opts.interactive) write(t('terminal.welcome'));
  prompt();
  for await (const raw of rl) {
    let line = raw.trim();
    if (!line) {
      prompt();
      continue;
    }
    if (line === '/quit' || line === '/exit') break;
    if (line === '/forget') {
      state = forget(now());
      write(t('terminal.forgotten'));
      prompt();
      continue;
    }
    if (line === '/more') {
      write(more ?? locales[moreLang].t('notes.more_empty'));
      more = null;
      prompt();
      continue;
    }
    if (line === '/help') {
      write(t('terminal.welcome'));
      prompt();
      continue;
    }
    // A number picks one of the choices offered in the last follow-up question.
    const choices = state?.openQuestion?.choices;
    if (choices && /^\d{1,2}$/.test(line)) {
      const picked = choices[Number(line) - 1];
      if (picked) line = picked.label;
    }
    try {
      const before = resumeState(state, now(), opts.idleMinutes ?? 30);
      const res = await opts.assistant.reply(before, line, opts.asOf(), now());
      state = res.state;
      await opts.gapLog?.recordReply('terminal', line, res.reply);
      const shown = renderReplyText(res.reply, locales, { quoted: new Set(before.quoted ?? []), previous: before.lastBlocks ?? null });
      more = shown.more;
      moreLang = res.reply.lang ?? 'zh';
      write((opts.interactive ? t('terminal.bot') : '') + shown.text + (opts.interactive ? '' : '\n'));
      answered++;
    } catch {
      write(t('terminal.error'));
    }
    prompt();
  }
  rl.close();
  return answered;
}
