/**
 * Delivers a case packet to the configured targets: POST JSON to HANDOFF_WEBHOOK_URL and/or an e-mail
 * to HANDOFF_EMAIL_TO through SMTP (smtp.ts). Each target gets a bounded time; a failed target is
 * logged (reference and target only: the packet holds personal facts) and reported, never thrown.
 */
import type { Logger } from '../logger.ts';
import type { CasePacket } from './packet.ts';
import { sendMail, type SmtpOptions } from './smtp.ts';

export interface DeliveryTargets {
  webhookUrl?: string;
  email?: { to: string; smtp: SmtpOptions };
  /** Per-target time limit in ms (default 5000). */
  timeoutMs?: number;
}

/** Names of the targets that accepted the packet (`webhook`, `email`), in that order. */
export async function deliverPacket(packet: CasePacket, text: string, targets: DeliveryTargets, logger: Logger): Promise<string[]> {
  const timeoutMs = targets.timeoutMs ?? 5000;
  const done: string[] = [];
  if (targets.webhookUrl) {
    try {
      const res = await fetch(targets.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ reference: packet.reference, text, packet }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      done.push('webhook');
    } catch (err) {
      logger.warn('hand-off: HANDOFF_WEBHOOK_URL did not accept the packet', { reference: packet.reference, err: (err as Error).message });
    }
  }
  if (targets.email) {
    try {
      await sendMail(targets.email.smtp, { to: targets.email.to, subject: `${packet.reference}`, text }, timeoutMs);
      done.push('email');
    } catch (err) {
      logger.warn('hand-off: e-mail to HANDOFF_EMAIL_TO failed', { reference: packet.reference, err: (err as Error).message });
    }
  }
  return done;
}
