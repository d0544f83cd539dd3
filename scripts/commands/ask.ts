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
import { loadConfig } from '../../bot/config.ts';
import { answerLines, ConversationLineError, replyJson } from '../../bot/assistant/json.ts';

/** Re-exported for callers of the former location (the web tests); the function lives in bot/assistant/json.ts. */
export { replyJson };
import { renderReplyText } from '../../bot/terminal/chat.ts';
import { CliUsageError, parseCliArgs, parseDateFlag, printJson, readStdin, type CliCommand } from '../cli.ts';

export const command: CliCommand = {
  usage: 'ask "<question>" [--as-of YYYY-MM-DD] [--json]',
  summary: 'Answer one question (stateless); --json without a question reads JSONL batches from stdin',
  help: [
    'Options:',
    '  --as-of YYYY-MM-DD  evaluate rules and deadlines on this date (default: today in Asia/Shanghai, or AS_OF)',
    '  --json              print { question, answer, grounded, citations, eligibility, followUp, blocks }',
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
    const app = await buildApp(config, { warm: false }); // one process, one answer: no warm-up (bot/app.ts)
    const asOf = asOfFlag ?? app.asOf();
    const answer = async (q: string) => (await app.assistant.reply(undefined, q, asOf)).reply;
    if (question) {
      const reply = await answer(question);
      if (values.json) printJson(replyJson(reply));
      else process.stdout.write(renderReplyText(reply, app.replyKit.locales).text + '\n');
      return 0;
    }
    let out: Record<string, unknown>[];
    try {
      out = await answerLines(app.assistant, (await readStdin()).split(/\r?\n/), asOf);
    } catch (e) {
      if (e instanceof ConversationLineError) throw new CliUsageError(e.message);
      throw e;
    }
    for (const o of out) printJson(o);
    return 0;
  },
};
