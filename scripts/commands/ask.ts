/**
 * `policybot ask "<question>" [--as-of YYYY-MM-DD] [--json]`
 *
 * One question, one answer; stateless (every question, every plain input line, is a new conversation).
 * With `--json` and no question, reads standard input line by line and prints one JSON object per line
 * (JSONL) in one process. A line that is a JSON object `{"id": "c1", "turns": ["…", "…"], "asOf":
 * "YYYY-MM-DD"}` is one conversation: its turns are answered in order with the conversation's state, and
 * the output line is the last reply's fields plus `"id"` and `"turns": [reply, …]` (every turn's reply).
 */
import { buildApp } from '../../bot/app.ts';
import { z } from 'zod';
import type { Assistant, ConversationState, Reply } from '../../bot/assistant/types.ts';
import { loadConfig } from '../../bot/config.ts';
import { replyJson } from '../../bot/assistant/json.ts';
import { renderReplyText } from '../../bot/terminal/chat.ts';
import { CliUsageError, parseCliArgs, parseDateFlag, printJson, readStdin, type CliCommand } from '../cli.ts';

export { replyJson };

/** A conversation line of `ask --json` on stdin. */
const ConversationLine = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    turns: z.array(z.string()).min(1, 'give at least one message'),
    asOf: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'asOf: expected YYYY-MM-DD')
      .optional(),
  })
  .strict();

/** Parses one stdin line: a conversation object, or null for a plain question. Throws naming the line. */
export function parseConversationLine(line: string, lineNo: number): z.infer<typeof ConversationLine> | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(t);
  } catch (e) {
    throw new CliUsageError(
      `stdin line ${lineNo}: not valid JSON (${(e as Error).message}); a conversation line is {"id":"c1","turns":["…"],"asOf":"YYYY-MM-DD"}`,
    );
  }
  const r = ConversationLine.safeParse(raw);
  if (!r.success)
    throw new CliUsageError(
      `stdin line ${lineNo}: ${r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export const command: CliCommand = {
  usage: 'ask "<question>" [--as-of YYYY-MM-DD] [--json]',
  summary: 'Answer one question (stateless); --json without a question reads JSONL batches from stdin',
  help: [
    'Options:',
    '  --as-of YYYY-MM-DD  evaluate rules and deadlines on this date (default: today in Asia/Shanghai, or AS_OF)',
    '  --json              print { question, answer, grounded, citations, eligibility, followUp }',
    '                      without a question: stdin lines; a line {"id","turns":[…],"asOf"} is one conversation',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { 'as-of': { type: 'string' }, json: { type: 'boolean' } });
    const asOfFlag = parseDateFlag(values['as-of'], '--as-of');
    const question = positionals.join(' ');
    if (!question && !values.json)
      throw new CliUsageError(
        'ask needs a question, e.g. policybot ask "宝山区的人才安居资助最高多少？" (or --json with questions on stdin)',
      );
    const config = loadConfig();
    const app = await buildApp(config);
    const asOf = asOfFlag ?? app.asOf();
    const answer = async (q: string) => (await app.assistant.reply(undefined, q, asOf)).reply;
    if (question) {
      const reply = await answer(question);
      if (values.json) printJson(replyJson(reply));
      else process.stdout.write(renderReplyText(reply) + '\n');
      return 0;
    }
    for (const o of await answerLines(app.assistant, (await readStdin()).split(/\r?\n/), asOf)) printJson(o);
    return 0;
  },
};

/**
 * The JSONL batch of `ask --json`: a plain line is one fresh question; a conversation line
 * `{"id","turns","asOf"}` is answered turn by turn and gives `{ id, …last reply, turns: [reply, …] }`.
 */
export async function answerLines(assistant: Assistant, lines: string[], asOf: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const conv = parseConversationLine(line, i + 1);
    if (!conv) {
      out.push(replyJson((await assistant.reply(undefined, line, asOf)).reply));
      continue;
    }
    let state: ConversationState | undefined;
    const replies: Reply[] = [];
    for (const turn of conv.turns) {
      const res = await assistant.reply(state, turn, conv.asOf ?? asOf);
      state = res.state;
      replies.push(res.reply);
    }
    out.push({ id: conv.id, ...replyJson(replies[replies.length - 1]!), turns: replies.map(replyJson) });
  }
  return out;
}
