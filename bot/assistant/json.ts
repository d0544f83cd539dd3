/**
 * The reply as JSON: the stable `ask --json` contract (README "CLI contract"), shared by the CLI and
 * the web API (which adds what its page needs on top).
 *
 * @example
 * printJson(replyJson(reply)); // { question, answer, grounded, citations, eligibility, followUp, blocks }
 */
import { z } from 'zod';
import { blocksToJson } from '../reply/blocks.ts';
import type { Assistant, ConversationState, Reply } from './types.ts';

/** The stable `ask --json` shape (see README "CLI contract"). */
export function replyJson(r: Reply) {
  return {
    question: r.question,
    answer: r.answer,
    grounded: r.grounded,
    citations: r.citations.map((c) => ({
      docId: c.docId,
      title: c.title,
      docNumber: c.docNumber,
      clause: c.clause,
      text: c.text,
      score: c.score,
    })),
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
    /** The structured reply (docs/replies.md); null only from a test double without blocks. */
    blocks: r.blocks ? blocksToJson(r.blocks) : null,
  };
}

/** A malformed conversation line of the `ask --json` batch; the message names the stdin line and the field. */
export class ConversationLineError extends Error {
  override name = 'ConversationLineError';
}

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
    throw new ConversationLineError(
      `stdin line ${lineNo}: not valid JSON (${(e as Error).message}); a conversation line is {"id":"c1","turns":["…"],"asOf":"YYYY-MM-DD"}`,
    );
  }
  const r = ConversationLine.safeParse(raw);
  if (!r.success)
    throw new ConversationLineError(
      `stdin line ${lineNo}: ${r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

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
