/**
 * The reply as JSON: the stable `ask --json` contract (README "CLI contract"), shared by the CLI and
 * the web API (which adds what its page needs on top).
 *
 * @example
 * printJson(replyJson(reply)); // { question, answer, grounded, citations, eligibility, followUp }
 */
import type { Reply } from './types.ts';

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
  };
}
