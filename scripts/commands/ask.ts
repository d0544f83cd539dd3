/**
 * `policybot ask "<question>" [--as-of YYYY-MM-DD] [--json]`
 *
 * One question, one answer; stateless (every question, every input line, is a new conversation).
 * With `--json` and no question, reads one question per line from standard input and prints one JSON
 * object per line (JSONL) in one process.
 */
import { buildApp } from '../../bot/app.ts';
import type { Reply } from '../../bot/assistant/types.ts';
import { loadConfig } from '../../bot/config.ts';
import { renderReplyText } from '../../bot/terminal/chat.ts';
import { CliUsageError, parseCliArgs, parseDateFlag, printJson, readStdin, type CliCommand } from '../cli.ts';

/** The stable `ask --json` shape (see README "CLI contract"). */
export function replyJson(r: Reply) {
  return {
    question: r.question,
    answer: r.answer,
    grounded: r.grounded,
    citations: r.citations.map((c) => ({ docId: c.docId, title: c.title, docNumber: c.docNumber, clause: c.clause, text: c.text, score: c.score })),
    eligibility: r.eligibility
      ? {
          ruleId: r.eligibility.ruleId,
          verdict: r.eligibility.verdict,
          missing: r.eligibility.missing,
          facts: r.eligibility.facts,
          conditions: r.eligibility.conditions.map((c) => ({ id: c.id, status: c.status, clause: c.clause, fact: c.fact, value: c.value })),
        }
      : null,
    followUp: r.followUp ?? null,
  };
}

export const command: CliCommand = {
  usage: 'ask "<question>" [--as-of YYYY-MM-DD] [--json]',
  summary: 'Answer one question (stateless); --json without a question reads JSONL batches from stdin',
  help: [
    'Options:',
    '  --as-of YYYY-MM-DD  evaluate rules and deadlines on this date (default: today in Asia/Shanghai, or AS_OF)',
    '  --json              print { question, answer, grounded, citations, eligibility, followUp }',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { 'as-of': { type: 'string' }, json: { type: 'boolean' } });
    const asOfFlag = parseDateFlag(values['as-of'], '--as-of');
    const question = positionals.join(' ');
    if (!question && !values.json) throw new CliUsageError('ask needs a question, e.g. policybot ask "宝山区的人才安居资助最高多少？" (or --json with questions on stdin)');
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
    const lines = (await readStdin()).split(/\r?\n/).filter((l) => l.trim());
    for (const line of lines) printJson(replyJson(await answer(line)));
    return 0;
  },
};
