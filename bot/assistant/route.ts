/**
 * Routing: what kind of message is this? Deterministic, no model.
 *
 * The caller computes the signals (facts extracted from this message, whether they answer the open
 * question, whether a rule's keywords appear) so that this function stays pure and testable.
 *
 * @example
 * const cues = compileRouteCues(loadCueTables('corpus/lang').route);
 * route({ text: '你好', hasOpenQuestion: false, answersOpenQuestion: false, newFacts: 0, ruleHits: 0 }, cues) // 'greeting'
 */
import type { Route } from './types.ts';
import { escapeRe } from '../../text/regex.ts';

export interface RouteSignals {
  text: string;
  /** The bot asked something last turn. */
  hasOpenQuestion: boolean;
  /** This message gives the fact the bot asked for (typed choice or extracted fact). */
  answersOpenQuestion: boolean;
  /** Number of facts extracted from this message. */
  newFacts: number;
  /** Number of eligibility rules whose keywords appear in the message. */
  ruleHits: number;
  /** The message names a goal (落户, 补贴, 许可…; corpus/lang goals). */
  goal?: boolean;
  /** The message names a goal and the conversation already holds a fact of a rule serving it. */
  goalFacts?: boolean;
  /** This message adds a fact to a rule of which the conversation now holds several facts. */
  conversationFacts?: boolean;
  /** The message asks about a measure in general (requirements, amounts) and not whether the person can. */
  generalQuestion?: boolean;
  /**
   * The message states a fact of the person outside its asking clause ("我QS60，落户要交几个月社保").
   * Without one, a general question in the first person ("我是厂里HR，线上培训补贴每人最多几次") is still general.
   */
  describesCase?: boolean;
  /** The message names a goal with intent (or a rule's own word) and gives no fact yet: start that check. */
  goalOnly?: boolean;
  /** The message supposes a fact of the rule under discussion ("那如果我们学校QS是第45呢"): that check, with a what-if. */
  supposes?: boolean;
}

/** Only digits, punctuation and symbols (no words): nothing to answer unless the bot asked something. */
const NO_WORDS = /^[\p{N}\p{P}\p{S}\s]+$/u;

const MEANINGFUL = /[\p{Script=Han}\p{L}\p{N}]/u;

/** The router's cues, compiled from the cue tables (corpus/lang `route:`; eligibility/cues.ts). */
export interface RouteCues {
  /** A whole message that is a greeting or thanks. */
  greeting: RegExp;
  /** A whole message that asks what the bot can do. */
  help: RegExp;
  /** Words that ask whether the person qualifies or is affected. */
  eligibility: RegExp;
  /** The message speaks in the first person (the asker, or someone they ask for: 我老公, 我们公司). */
  personal: RegExp;
}

const NEVER = /(?!)/;

/** Compiles the `route:` cue table. Words match a whole message (with `trailing` characters after them). */
export function compileRouteCues(c: {
  greeting: string[];
  help: string[];
  trailing: string;
  eligibility: string[];
  personal: string[];
}): RouteCues {
  const trailing = c.trailing ? `[${escapeRe(c.trailing)}\\s]*` : '\\s*';
  const whole = (ws: string[]) => (ws.length ? new RegExp(`^(?:${ws.map(escapeRe).join('|')})${trailing}$`, 'i') : NEVER);
  const any = (ps: string[]) => (ps.length ? new RegExp(ps.join('|'), 'i') : NEVER);
  return { greeting: whole(c.greeting), help: whole(c.help), eligibility: any(c.eligibility), personal: any(c.personal) };
}

/** The message speaks in the first person (the asker, or someone they ask for: 我老公, 我们公司). */
export const isPersonal = (text: string, cues: RouteCues): boolean => cues.personal.test(text);

/** Decides the route of one message. */
export function route(s: RouteSignals, cues: RouteCues): Route {
  const text = s.text.trim();
  if (!text || !MEANINGFUL.test(text)) return 'empty';
  if (!s.hasOpenQuestion && NO_WORDS.test(text)) return 'empty';
  if (cues.help.test(text)) return 'help';
  if (cues.greeting.test(text)) return 'greeting';
  const cue = cues.eligibility.test(text);
  if (s.hasOpenQuestion && s.answersOpenQuestion && (text.length <= 40 || !cue)) return 'follow_up';
  // (A general question asked instead of an answer, during a check, is a question too.)
  if (s.generalQuestion && (!cues.personal.test(text) || s.describesCase === false) && !(s.hasOpenQuestion && s.answersOpenQuestion))
    return 'information';
  if (s.newFacts > 0 && (cue || s.goal || cues.personal.test(text) || s.hasOpenQuestion)) return 'eligibility';
  if ((s.goalFacts || s.conversationFacts) && !s.generalQuestion) return 'eligibility';
  if (s.goalOnly && !s.generalQuestion) return 'eligibility';
  if (s.supposes && !s.generalQuestion) return 'eligibility';
  if (s.ruleHits > 0 && cue && cues.personal.test(text)) return 'eligibility';
  return 'information';
}
