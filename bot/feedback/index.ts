/**
 * Opens the gap-log/feedback store next to the bot's store (same SQLite file or PostgreSQL pool) and
 * offers the one call every channel makes after a reply: `recordReply`.
 *
 * @example
 * const feedback = await openFeedbackStore(store);
 * const log = createGapLog({ store: feedback, masks: loadMasks(join(config.CORPUS_DIR, 'redact.yaml')), logger });
 * await log.recordReply('telegram', text, reply);
 */
import { join } from 'node:path';
import type { Reply } from '../assistant/types.ts';
import type { Logger } from '../logger.ts';
import type { OpenedStore } from '../store/index.ts';
import { openPgFeedbackStore } from '../store/postgres-web.ts';
import { openSqliteFeedbackStore } from '../store/sqlite-web.ts';
import { gapFromReply, loadMasks, normalizeForLog, type Mask } from './normalize.ts';
import type { Channel, FeedbackStore } from './types.ts';

export type { Channel, FeedbackInput, FeedbackRecord, FeedbackStore, GapInput, GapKind, GapRecord, HandoffRecord } from './types.ts';
export { bestClause, gapFromReply, gapKind, loadMasks, normalizeForLog, type Mask } from './normalize.ts';
export { groupGaps, type GapGroup } from './group.ts';

/** The feedback store on the engine of `store` (applies the `web` migrations). */
export async function openFeedbackStore(store: OpenedStore): Promise<FeedbackStore> {
  if (store.db) return openSqliteFeedbackStore(store.db);
  if (store.pool) return openPgFeedbackStore(store.pool);
  throw new Error(`the ${store.engine} store exposes neither a SQLite db nor a PostgreSQL pool: the gap log cannot be opened`);
}

/** What channels call: never throws (a failed write is logged without the question). */
export interface GapLog {
  /** Records the reply when it is a gap (abstention, dead end). Returns whether it was recorded. */
  recordReply(channel: Channel, question: string, reply: Reply): Promise<boolean>;
  /** Records 👍/👎; a 👎 also enters the gap log with its reason. */
  recordRating(input: {
    channel: Channel;
    conversation: string;
    turn: number;
    rating: 'up' | 'down';
    reason?: string | null;
    question: string;
    /** Route and best clause of the rated reply. */
    route: string | null;
    docId: string | null;
    clause: string | null;
  }): Promise<void>;
}

export function createGapLog(deps: { store: FeedbackStore; masks: Mask[]; logger: Logger; now?: () => number }): GapLog {
  const now = deps.now ?? Date.now;
  return {
    async recordReply(channel, question, reply) {
      const gap = gapFromReply(reply, question, channel, deps.masks);
      if (!gap) return false;
      try {
        await deps.store.recordGap(gap, now());
        return true;
      } catch (err) {
        deps.logger.warn('gap log: recording failed', { channel, kind: gap.kind, err: (err as Error).message });
        return false;
      }
    },
    async recordRating(input) {
      const question = normalizeForLog(input.question, deps.masks);
      const reason = input.reason ? normalizeForLog(input.reason, deps.masks) || null : null;
      const { route, docId, clause } = input;
      const at = now();
      await deps.store.recordFeedback(
        {
          channel: input.channel,
          conversation: input.conversation,
          turn: input.turn,
          rating: input.rating,
          reason,
          question,
          route,
          docId,
          clause,
        },
        at,
      );
      if (input.rating === 'down')
        await deps.store.recordGap(
          { channel: input.channel, kind: 'thumbs_down', question, route, docId, clause, confidence: 0, reason },
          at,
        );
    },
  };
}

/** The gap log on the bot's store, with the masks of `<CORPUS_DIR>/redact.yaml` (Telegram and the terminal use it too). */
export async function openGapLog(
  store: OpenedStore,
  corpusDir: string,
  logger: Logger,
): Promise<{ feedback: FeedbackStore; gapLog: GapLog }> {
  const feedback = await openFeedbackStore(store);
  const masksFile = join(corpusDir, 'redact.yaml');
  const masks = loadMasks(masksFile);
  if (!masks.length)
    logger.warn(`gap log: no masks in ${masksFile}; questions are stored only normalized (add the file to mask names and numbers)`);
  return { feedback, gapLog: createGapLog({ store: feedback, masks, logger }) };
}
