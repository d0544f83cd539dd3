/**
 * Conversation state: facts and the last open question, expiring after an idle time.
 * Pure helpers; channels store the state (Telegram session, terminal memory).
 *
 * @example
 * let s = freshState(Date.now());
 * s = touch(s, Date.now());
 * if (isExpired(s, Date.now(), 30)) s = freshState(Date.now());
 */
import { mergeFacts, type Facts } from '../../eligibility/facts.ts';
import type { FactCatalog } from '../../eligibility/rules.ts';
import type { ConversationState } from './types.ts';

/** A new, empty conversation. */
export function freshState(now: number): ConversationState {
  return { facts: {}, openQuestion: null, ruleId: null, updatedAt: now };
}

/** True when the state has been idle longer than `idleMinutes`. */
export function isExpired(state: ConversationState, now: number, idleMinutes: number): boolean {
  return now - state.updatedAt > idleMinutes * 60_000;
}

/** The state to continue from: the stored one, unless missing, malformed or expired. */
export function resumeState(state: ConversationState | undefined, now: number, idleMinutes: number): ConversationState {
  if (!state || typeof state !== 'object' || typeof state.facts !== 'object' || state.facts === null) return freshState(now);
  if (typeof state.updatedAt !== 'number' || isExpired(state, now, idleMinutes)) return freshState(now);
  return state;
}

/** "Forget": everything stored about the person is dropped (the caller also deletes the stored copy). */
export function forget(now: number): ConversationState {
  return freshState(now);
}

/**
 * The conversation's facts with this message's merged in (the later statement wins). A date of an event
 * (catalog `dateOf`: backPaidOn is the date of backPaid) is dropped when the event is now said not to
 * have happened ("也没补缴" after "22年10月"), unless the message gives a date too.
 *
 * @example
 * mergeStated({ backPaidOn: '2022-10' }, { backPaid: false }, catalog) // { backPaid: false }
 */
export function mergeStated(prev: Facts | Record<string, unknown>, now: Facts | Record<string, unknown>, catalog: FactCatalog): Facts {
  const out = mergeFacts(prev, now) as Record<string, unknown>;
  for (const [fact, spec] of Object.entries(catalog))
    if (spec.dateOf && (now as Record<string, unknown>)[spec.dateOf] === false && (now as Record<string, unknown>)[fact] === undefined)
      delete out[fact];
  return out as Facts;
}
