/**
 * Routing: what kind of message is this? Deterministic, no model.
 *
 * The caller computes the signals (facts extracted from this message, whether they answer the open
 * question, whether a rule's keywords appear) so that this function stays pure and testable.
 *
 * @example
 * route({ text: '你好', hasOpenQuestion: false, answersOpenQuestion: false, newFacts: 0, ruleHits: 0 }) // 'greeting'
 */
import type { Route } from './types.ts';

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
  /** The message names a goal with intent (or a rule's own word) and gives no fact yet: start that check. */
  goalOnly?: boolean;
}

/** Only digits, punctuation and symbols (no words): nothing to answer unless the bot asked something. */
const NO_WORDS = /^[\p{N}\p{P}\p{S}\s]+$/u;

const MEANINGFUL = /[\p{Script=Han}\p{L}\p{N}]/u;
const GREETING =
  /^(你好|您好|哈喽|嗨|hi|hello|hey|在吗|在不在|早上好|下午好|晚上好|早|谢谢|多谢|感谢|thanks|thank you)[\s!！。.~～,，呀啊哈]*$/i;
const HELP =
  /^(\/?help|\/?start|帮助|怎么用|如何使用|使用说明|你能做什么|你会什么|你是谁|功能|菜单|what can you do|how to use)[\s?？!！。.]*$/i;
/** Words that ask whether the person qualifies / is affected. */
const ELIGIBILITY_CUE =
  /能不能|能否|可不可以|可以.{0,12}[吗么嘛]|是否(可以|能|符合|影响)|符合|够不够|有没有资格|有资格|资格|能.{0,12}[吗么嘛]|会不会|影响.{0,8}[吗么嘛]|有影响|算不算|行不行|还能|咨询|想了解|想问问?|能.{0,16}不[?？。]?$|可以.{0,16}不[?？。]?$|行不|还按|仍按|还是按|按.{0,8}(?:算|执行|计算)[吗么嘛呢？?]?$|受影响|是不是还|适用[吗么嘛]|eligible|qualif|can i|am i|do i|could i|will it affect|affect|does .{0,30} apply/i;
const PERSONAL = /我|本人|俺|孩子|my |\bI\b|I'm|I am|me\b|\bwe\b|\bour\b/i;

/** The message speaks in the first person (the asker, or someone they ask for: 我老公, 我们公司). */
export const isPersonal = (text: string): boolean => PERSONAL.test(text);

/** Decides the route of one message. */
export function route(s: RouteSignals): Route {
  const text = s.text.trim();
  if (!text || !MEANINGFUL.test(text)) return 'empty';
  if (!s.hasOpenQuestion && NO_WORDS.test(text)) return 'empty';
  if (HELP.test(text)) return 'help';
  if (GREETING.test(text)) return 'greeting';
  const cue = ELIGIBILITY_CUE.test(text);
  if (s.hasOpenQuestion && s.answersOpenQuestion && (text.length <= 40 || !cue)) return 'follow_up';
  if (s.generalQuestion && !PERSONAL.test(text) && !s.hasOpenQuestion) return 'information';
  if (s.newFacts > 0 && (cue || s.goal || PERSONAL.test(text) || s.hasOpenQuestion)) return 'eligibility';
  if ((s.goalFacts || s.conversationFacts) && !s.generalQuestion) return 'eligibility';
  if (s.goalOnly && !s.generalQuestion) return 'eligibility';
  if (s.ruleHits > 0 && cue && PERSONAL.test(text)) return 'eligibility';
  return 'information';
}
