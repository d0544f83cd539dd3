/**
 * Which subscribers receive which digest. A digest reaches an active subscriber whose topics match the
 * document: `all`; `municipal` for 市级 documents; `district:<name>` for that district's documents;
 * `keyword:<word>` when the word occurs in the title or in an added/modified/removed clause.
 * Announcements reach every active subscriber. Pure (the topic grammar is bot/store/topics.ts).
 *
 * @example
 * const rows = outboxMessages(digests, await store.listSubscribers(), 'run-7');
 */
import { topicMatches } from '../store/topics.ts';
import type { Subscriber } from '../store/types.ts';
import type { Digest, OutboxMessage } from './types.ts';

/** Whether `sub` should receive `digest`. */
export function wantsDigest(sub: Pick<Subscriber, 'topics' | 'active'>, digest: Pick<Digest, 'kind' | 'match'>): boolean {
  if (!sub.active) return false;
  if (digest.kind === 'announcement') return true;
  return topicMatches(sub.topics, digest.match);
}

/** The subscribers of one digest, in the given order. */
export function recipientsOf<S extends Pick<Subscriber, 'topics' | 'active'>>(
  digest: Pick<Digest, 'kind' | 'match'>,
  subscribers: S[],
): S[] {
  return subscribers.filter((s) => wantsDigest(s, digest));
}

/**
 * One outbox message per (digest part, recipient). Ordered recipient by recipient, so that a chat gets
 * its digests (and the parts of one digest) in order. Dedupe key: `<digest key>|<chat id>|<part>`.
 */
export function outboxMessages(
  digests: Digest[],
  subscribers: Pick<Subscriber, 'chatId' | 'chatType' | 'topics' | 'active'>[],
  runId: string,
): OutboxMessage[] {
  const out: OutboxMessage[] = [];
  for (const sub of subscribers) {
    for (const d of digests) {
      if (!wantsDigest(sub, d)) continue;
      d.parts.forEach((text, part) => {
        out.push({
          dedupeKey: `${d.key}|${sub.chatId}|${part}`,
          runId,
          digestKey: d.key,
          chatId: sub.chatId,
          chatType: sub.chatType,
          part,
          text,
        });
      });
    }
  }
  return out;
}

/** Recipient counts per digest (for the dry run and the run report). */
export function recipientCounts(
  digests: Digest[],
  subscribers: Pick<Subscriber, 'topics' | 'active'>[],
): { key: string; recipients: number; parts: number }[] {
  return digests.map((d) => ({ key: d.key, recipients: recipientsOf(d, subscribers).length, parts: d.parts.length }));
}
