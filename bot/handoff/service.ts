/**
 * One hand-off, for every channel: build the packet from the stored turns and facts, render it in the
 * user's language, deliver it to the configured targets, and record its reference (a duplicate
 * reference is drawn again). The packet itself is not stored.
 *
 * @example
 * const handoff = createHandoff({ texts: loadWebTexts(), targets, feedback, logger });
 * const { reference, text } = await handoff({ channel: 'telegram', turns, facts, lang: 'zh' });
 */
import type { Channel, FeedbackStore } from '../feedback/types.ts';
import type { Logger } from '../logger.ts';
import { deliverPacket, type DeliveryTargets } from './deliver.ts';
import { buildPacket, newReference, packetText, type CasePacket, type PacketLabels, type PacketTurn } from './packet.ts';

/** Turns kept per conversation for the packet. */
export const MAX_PACKET_TURNS = 20;

/** Adds a reply to the turns a channel keeps for the packet (question, check, cited clauses; no answer text). */
export function rememberTurn(
  turns: PacketTurn[] | null | undefined,
  question: string,
  reply: {
    eligibility: PacketTurn['eligibility'];
    citations: { docId: string; title: string; docNumber: string | null; clause: string; date?: string }[];
  },
): PacketTurn[] {
  const turn: PacketTurn = {
    question,
    eligibility: reply.eligibility,
    citations: reply.citations.map((c) => ({ docId: c.docId, title: c.title, docNumber: c.docNumber, clause: c.clause, date: c.date })),
  };
  return [...(turns ?? []), turn].slice(-MAX_PACKET_TURNS);
}

export interface HandoffResult {
  reference: string;
  text: string;
  delivered: string[];
  packet: CasePacket;
}

export type Handoff = (input: {
  channel: Channel;
  turns: PacketTurn[];
  facts: Record<string, unknown>;
  lang: 'zh' | 'en';
  now?: number;
}) => Promise<HandoffResult>;

type Words = { packet: PacketLabels; status: Record<string, string>; verdict: Record<string, string> };

export function createHandoff(deps: {
  texts: Record<'zh' | 'en', Words>;
  targets: DeliveryTargets;
  feedback: FeedbackStore;
  logger: Logger;
}): Handoff {
  return async ({ channel, turns, facts, lang, now = Date.now() }) => {
    const words = deps.texts[lang];
    const packet = buildPacket({ reference: newReference(now), channel, now, turns, facts });
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.feedback.recordHandoff({ reference: packet.reference, channel, delivered: 'pending', at: now });
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
        packet.reference = newReference(now); // a (one-in-a-million) duplicate reference: draw again
      }
    }
    const text = packetText(packet, words.packet, words);
    const delivered = await deliverPacket(packet, text, deps.targets, deps.logger);
    await deps.feedback.setHandoffDelivered(packet.reference, delivered.join(',') || 'none');
    deps.logger.info('hand-off', { reference: packet.reference, channel, delivered: delivered.join(',') || 'none' });
    return { reference: packet.reference, text, delivered, packet };
  };
}
