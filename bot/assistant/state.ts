/**
 * Conversation state: facts and the last open question, expiring after an idle time.
 * Pure helpers; channels store the state (Telegram session, terminal memory).
 *
 * @example
 * let s = freshState(Date.now());
 * s = touch(s, Date.now());
 * if (isExpired(s, Date.now(), 30)) s = freshState(Date.now());
 */
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
