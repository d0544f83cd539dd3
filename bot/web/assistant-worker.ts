/**
 * One thread of the assistant pool (bot/web/assistant-pool.ts): builds the application from the
 * config it is given (corpus, rules, index — the index already built by the main thread) and answers
 * `reply` messages. Protocol (structured clone):
 *   → { kind: 'reply', id, state, text, asOf, now }   ← { kind: 'reply', id, reply, state } | { kind: 'reply', id, error }
 *   → { kind: 'reload', id }                           ← { kind: 'reloaded', id } | { kind: 'reloaded', id, error }
 *   ← { kind: 'ready' } once, or { kind: 'failed', error } when the app cannot be built.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildApp, type App } from '../app.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../logger.ts';

export type ToWorker =
  | { kind: 'reply'; id: number; state: unknown; text: string; asOf: string; now: number }
  | { kind: 'reload'; id: number };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'reply'; id: number; reply?: unknown; state?: unknown; error?: string }
  | { kind: 'reloaded'; id: number; error?: string };

const port = parentPort;
if (port) {
  const config = (workerData as { config: Config }).config;
  const logger = createLogger({
    level: config.LOG_LEVEL === 'silent' ? 'silent' : 'warn',
    secrets: [config.TELEGRAM_BOT_TOKEN, config.ADMIN_TOKEN, config.SMTP_PASSWORD, config.WEBHOOK_SECRET],
  });
  const send = (m: FromWorker) => port.postMessage(m);
  let app: App | undefined;
  try {
    app = await buildApp(config, { logger });
    send({ kind: 'ready' });
  } catch (err) {
    send({ kind: 'failed', error: (err as Error).message });
  }
  port.on('message', async (m: ToWorker) => {
    if (m.kind === 'reply') {
      try {
        const r = await app!.assistant.reply(m.state as never, m.text, m.asOf, m.now);
        send({ kind: 'reply', id: m.id, reply: r.reply, state: r.state });
      } catch (err) {
        send({ kind: 'reply', id: m.id, error: (err as Error).message });
      }
    } else if (m.kind === 'reload') {
      try {
        app = await buildApp(config, { logger });
        send({ kind: 'reloaded', id: m.id });
      } catch (err) {
        send({ kind: 'reloaded', id: m.id, error: (err as Error).message });
      }
    }
  });
}
