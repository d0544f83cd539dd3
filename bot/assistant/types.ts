/**
 * The assistant's contract with its channels (Telegram, terminal chat, `policybot ask`).
 * `ask --json` prints exactly `Reply` (see README "CLI contract"); keep these shapes stable.
 */
import type { DocumentMeta } from '../../retrieval/types.ts';
import type { ReplyBlocks } from '../reply/blocks.ts';

export type Route = 'eligibility' | 'information' | 'follow_up' | 'help' | 'greeting' | 'out_of_scope' | 'empty';

export interface Citation {
  docId: string;
  title: string;
  docNumber: string | null;
  clause: string;
  /** The quoted clause text (trimmed to the relevant sentences). */
  text: string;
  score: number;
  /** Document date YYYY-MM-DD. */
  date?: string;
  district?: string | null;
}

export interface EligibilityCondition {
  id: string;
  status: 'pass' | 'fail' | 'unknown';
  clause: string;
  /** The fact the condition looked at and its value, for display. */
  fact?: string;
  value?: unknown;
  /** Short user-facing description of the condition. */
  label?: string;
}

export interface EligibilitySummary {
  ruleId: string;
  verdict: 'eligible' | 'not_eligible' | 'need_more_info' | 'not_applicable';
  /** Missing facts, in the order they should be asked. */
  missing: string[];
  facts: Record<string, unknown>;
  conditions: EligibilityCondition[];
}

/** One follow-up question with its fact and (when few) its choices, for buttons. */
export interface FollowUp {
  fact: string;
  question: string;
  choices?: { label: string; value: string }[];
}

export interface Reply {
  question: string;
  /**
   * Plain text (no markup): the terminal rendering of `blocks` (bot/reply/render-terminal.ts, default
   * view, in this conversation's context), for consumers that want finished text. Channels render `blocks`.
   */
  answer: string;
  /** The structured reply (bot/reply/blocks.ts), the JSON form of `blocksToJson`; absent only in test doubles. */
  blocks?: ReplyBlocks;
  grounded: boolean;
  citations: Citation[];
  eligibility: EligibilitySummary | null;
  followUp?: FollowUp | null;
  route?: Route;
  lang?: 'zh' | 'en';
  /** The structured decision behind an eligibility reply (all rules of the goal, the date judged on, fact sources). */
  decision?: DecisionSummary | null;
  /** The measure behind the answer is over (its period or a deadline has passed on the as-of date). */
  expired?: boolean;
}

/** Where a fact came from: a span of the person's words, or a button / bare answer to a question. */
export interface FactSource {
  text: string;
  span?: [number, number];
  button?: boolean;
}

/** `Reply.decision`: what decide() chose, for the reply builder, `ask --json` and the eval. */
export interface DecisionSummary {
  lead: string;
  verdicts: { ruleId: string; verdict: EligibilitySummary['verdict']; missing: string[] }[];
  judgedOn: string;
  situationDate: string | null;
  followUpFact: string | null;
  /** Facts the decision used and their sources. */
  sources: Record<string, FactSource>;
}

/** Per-conversation state, stored by the channel (session) and passed back in on the next message. */
export interface ConversationState {
  /** Facts gathered so far (the eligibility Facts shape, serialized). */
  facts: Record<string, unknown>;
  /** The question the bot asked last, so that a short answer ("是的", "6个月") is understood. */
  openQuestion?: FollowUp | null;
  /** The rule the conversation is checking, when any. */
  ruleId?: string | null;
  /** The fact a bare reply most likely gives (the open question's, or the failing condition's after a verdict). */
  expect?: string | null;
  /** The last year named in the conversation ("2022年"), for months given later without a year. */
  contextYear?: number | null;
  /** The date the conversation's question is about (a past situation), when the person named one. */
  situationDate?: string | null;
  /** For each fact, the person's words (or button) it came from. */
  sources?: Record<string, FactSource>;
  /** The facts the last message gave (a correction in the next message replaces one of them). */
  lastFacts?: string[];
  /** The last information question answered (a short follow-up — "最多给多少" — is searched with it). */
  topic?: string | null;
  /** The rule whose clause the last information answer quoted (its facts come next, and re-open its check). */
  topicRule?: string | null;
  /**
   * A list of people the last message gave without saying which one it asks about ("A：QS 30；B：QS 80…
   * 他们能落户吗"): its text and labels. The next message that names one ("问的是B") is read with it.
   */
  people?: { text: string; labels: string[] } | null;
  /**
   * The last message that stated another person's facts beside the asker's ("我是曼大 她是诺丁汉…"): a message
   * that then asks of them by he or she alone ("先说她的 她能落户吗") is read with it.
   */
  anotherText?: string | null;
  /** Whose case the facts are (understanding `subject`): a message about another person starts theirs afresh. */
  subject?: 'self' | 'other' | null;
  /** The goals the conversation named (落户, 补贴…), kept until another goal is named. */
  goals?: string[];
  /** Clause (chunk) ids quoted in full so far in this conversation: a later reply cites them by label only. */
  quoted?: string[];
  /** The previous reply's blocks: a later turn about the same rule shows only what changed. */
  lastBlocks?: ReplyBlocks | null;
  /** ms since epoch of the last message; state older than SESSION_IDLE_MINUTES is dropped. */
  updatedAt: number;
}

export interface Assistant {
  /** Answers one message. Pure with respect to the outside world: state in, state out. */
  reply(
    state: ConversationState | undefined,
    text: string,
    asOf: string,
    now?: number,
  ): Promise<{ reply: Reply; state: ConversationState }>;
  /** The documents in the library (for /sources). */
  sources(): (DocumentMeta & { id: string })[];
}
