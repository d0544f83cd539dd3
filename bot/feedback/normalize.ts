/**
 * From a reply to a gap-log entry: which replies are gaps, and the question text as stored
 * (NFKC, whitespace folded, personal details masked by the data file `corpus/redact.yaml`, capped).
 *
 * @example
 * const masks = loadMasks(join(config.CORPUS_DIR, 'redact.yaml'));
 * const gap = gapFromReply(reply, text, 'web', masks); // null when the reply is not a gap
 */
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { Reply } from '../assistant/types.ts';
import type { Channel, GapInput, GapKind } from './types.ts';

/** Longest question or reason kept in the gap log (characters, after masking). */
export const MAX_STORED_CHARS = 200;

/** One compiled mask of `corpus/redact.yaml`. */
export interface Mask {
  name: string;
  pattern: RegExp;
  replacement: string;
}

/** Reads the masks; a missing file gives none (the caller logs it), a bad entry throws naming file and entry. */
export function loadMasks(file: string): Mask[] {
  if (!existsSync(file)) return [];
  const doc = yaml.load(readFileSync(file, 'utf8')) as { masks?: unknown };
  if (!doc || !Array.isArray(doc.masks)) throw new Error(`${file}: expected a top-level "masks:" list`);
  return doc.masks.map((m: unknown, i: number) => {
    const e = m as { name?: unknown; pattern?: unknown; replacement?: unknown };
    const where = `${file}: masks[${i}]${typeof e?.name === 'string' ? ` (${e.name})` : ''}`;
    if (typeof e?.pattern !== 'string' || typeof e.replacement !== 'string')
      throw new Error(`${where}: needs "pattern" and "replacement" strings`);
    try {
      return { name: String(e.name ?? i), pattern: new RegExp(e.pattern, 'gu'), replacement: e.replacement };
    } catch (err) {
      throw new Error(`${where}: bad regular expression: ${(err as Error).message}`);
    }
  });
}

/** The text as the gap log keeps it: NFKC, control characters dropped, whitespace folded, masked, capped. */
export function normalizeForLog(text: string, masks: Mask[]): string {
  let s = text
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (const m of masks) s = s.replace(m.pattern, m.replacement);
  return [...s].slice(0, MAX_STORED_CHARS).join('');
}

/** Routes that are conversation, not questions (never gaps). */
const CONVERSATIONAL = new Set(['help', 'greeting', 'empty']);

/** Why this reply is a gap, or null: an abstention, or a check that needs more facts and asks nothing. */
export function gapKind(reply: Reply): GapKind | null {
  if (reply.route && CONVERSATIONAL.has(reply.route)) return null;
  if (reply.eligibility?.verdict === 'need_more_info' && !reply.followUp) return 'dead_end';
  if (!reply.grounded && !reply.eligibility) return 'abstained';
  return null;
}

/** The best clause and its score, as the gap log and feedback store them. */
export function bestClause(reply: Reply): { docId: string | null; clause: string | null; confidence: number } {
  const c = reply.citations[0];
  return c ? { docId: c.docId, clause: c.clause, confidence: c.score } : { docId: null, clause: null, confidence: 0 };
}

/** The gap-log entry for a reply, or null when it is not a gap. */
export function gapFromReply(reply: Reply, question: string, channel: Channel, masks: Mask[]): GapInput | null {
  const kind = gapKind(reply);
  if (!kind) return null;
  return { channel, kind, question: normalizeForLog(question, masks), route: reply.route ?? null, ...bestClause(reply), reason: null };
}
