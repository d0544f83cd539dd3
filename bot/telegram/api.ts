/**
 * API transformers installed on every Bot API call: auto-retry for 429/5xx/network errors (bounded), and
 * 403 handling — a chat that blocked or removed the bot is marked inactive in the store, once, without crashing.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { HttpError, type Transformer } from 'grammy';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';

/**
 * auto-retry for 429 (waits retry_after, up to 60 s) and 5xx (at most 3 retries). Network errors are
 * left to `networkRetryTransformer`, because auto-retry would retry those forever.
 */
export function retryTransformer(): Transformer {
  return autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true });
}

/** Retries network failures (grammY `HttpError`) a few times with a short backoff; getUpdates is left to the runner. */
export function networkRetryTransformer(attempts = 3, baseDelayMs = 500): Transformer {
  return async (prev, method, payload, signal) => {
    for (let i = 0; ; i++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || i >= attempts || method === 'getUpdates' || signal?.aborted) throw err;
        await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** i));
      }
    }
  };
}

/** Marks chats inactive when Telegram answers 403 (bot blocked, kicked, user deactivated). */
export function forbiddenTransformer(store: Store, logger: Logger): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    if (!res.ok && res.error_code === 403) {
      const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
      const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : undefined;
      logger.warn('Telegram refused to deliver (403); marking the chat inactive', { method, chat: id, description: res.description });
      if (id !== undefined) {
        const reason = /kicked|removed|not a member/i.test(res.description) ? 'kicked' : 'blocked';
        try {
          await store.deactivateSubscriber(id, reason);
          if (id > 0) await store.markUserInactive(id, reason);
        } catch (err) {
          logger.error('could not mark the chat inactive', { chat: id, err });
        }
      }
    }
    return res;
  };
}
