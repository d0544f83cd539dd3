/**
 * The interactive terminal chat: the same assistant as Telegram, in a terminal or driven through stdin.
 * Multi-turn (facts remembered), `/forget`, `/help`, `/quit`.
 *
 * @example
 * await runTerminalChat({ assistant, input: process.stdin, output: process.stdout, asOf: () => '2026-11-22' });
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { forget, resumeState } from '../assistant/state.ts';
import type { Assistant, ConversationState, Reply } from '../assistant/types.ts';
import type { GapLog } from '../feedback/index.ts';

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
}

export const WELCOME = [
  '您好，我是上海人才政策助手（12333 式问答）。',
  '可以问我：落户条件、社保补缴影响、区级人才资助等。例如：',
  '  · 我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？',
  '  · 疫情期间公司断缴社保，后来补上了，影响人才引进吗？',
  '  · 宝山区的人才安居资助最高多少？',
  '命令：/forget 清除我记住的信息，/help 帮助，/quit 退出。',
].join('\n');

/** Renders a reply as plain terminal text (the answer already lists the follow-up choices; a number picks one). */
export function renderReplyText(reply: Reply): string {
  const choices = reply.followUp?.choices;
  if (!choices?.length) return reply.answer;
  return (
    reply.answer +
    (reply.lang === 'en' ? '\n(You can also reply with the number of a choice: ' : '\n（也可以回复选项序号：') +
    choices.map((c, i) => `${i + 1} ${c.label}`).join('，') +
    (reply.lang === 'en' ? ')' : '）')
  );
}

/** Runs the chat until the input ends or the user types /quit. Returns the number of questions answered. */
export async function runTerminalChat(opts: TerminalChatOptions): Promise<number> {
  const now = opts.now ?? Date.now;
  const rl = createInterface({ input: opts.input, terminal: false });
  const write = (s: string) => opts.output.write(s + '\n');
  let state: ConversationState | undefined;
  let answered = 0;
  const prompt = () => {
    if (opts.interactive) opts.output.write('\n你 > ');
  };
  if (opts.interactive) write(WELCOME);
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
      write('好的，已清除我记住的关于您的全部信息。');
      prompt();
      continue;
    }
    if (line === '/help') {
      write(WELCOME);
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
      const res = await opts.assistant.reply(resumeState(state, now(), opts.idleMinutes ?? 30), line, opts.asOf(), now());
      state = res.state;
      await opts.gapLog?.recordReply('terminal', line, res.reply);
      write((opts.interactive ? '助手 > ' : '') + renderReplyText(res.reply) + (opts.interactive ? '' : '\n'));
      answered++;
    } catch {
      write('抱歉，处理您的问题时出错了，请换个说法再试，或拨打 12333 咨询。');
    }
    prompt();
  }
  rl.close();
  return answered;
}
