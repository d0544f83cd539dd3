/**
 * API transformers installed on every Bot API call: a timeout per attempt (long poll + margin for
 * getUpdates, a few seconds for everything else), bounded retries for network errors and for 429/5xx, and
 * 403 handling — a chat that blocked or removed the bot is marked inactive in the store, once, without crashing.
 */
import { HttpError, type Transformer } from 'grammy';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/types.ts';

/** Options of `retryTransformer`. */
export interface RetryOptions {
  /** A call refused with 429/5xx is retried for up to this long in all (ms; TELEGRAM_SEND_RETRY_SECONDS); then its error is returned. */
  budgetMs: number;
  /** Longest backoff between two 5xx retries (ms); default 5000. */
  maxBackoffMs?: number;
  logger?: Logger;
  /** Waiting, replaceable in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Retries a call Telegram refused with 429 (after `retry_after`) or 5xx (backoff 0.5 s doubling up to
 * `maxBackoffMs`) while the total wait stays within `budgetMs`; then gives up with one WARN line and
 * returns the error. getUpdates is left to the poller (`polling.ts`), which has its own recovery.
 */
export function retryTransformer(opts: RetryOptions): Transformer {
  const maxBackoff = opts.maxBackoffMs ?? 5000;
  const sleep = opts.sleep ?? abortableSleep;
  return async (prev, method, payload, signal) => {
    if (method === 'getUpdates') return prev(method, payload, signal);
    let waited = 0;
    let backoff = 500;
    for (let attempt = 1; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || signal?.aborted) return res;
      const retryAfter = res.parameters?.retry_after;
      let waitMs: number | undefined;
      if (typeof retryAfter === 'number') waitMs = Math.max(0, retryAfter) * 1000;
      else if (res.error_code >= 500) {
        waitMs = backoff;
        backoff = Math.min(maxBackoff, backoff * 2);
      }
      if (waitMs === undefined) return res;
      if (waited + waitMs > opts.budgetMs) {
        opts.logger?.warn('Telegram kept refusing a call; giving up (TELEGRAM_SEND_RETRY_SECONDS)', {
          method,
          chat: (payload as { chat_id?: unknown } | undefined)?.chat_id,
          error: res.error_code,
          attempts: attempt,
          waitedSeconds: waited / 1000,
          nextWaitSeconds: waitMs / 1000,
        });
        return res;
      }
      await sleep(waitMs, signal as AbortSignal | undefined);
      waited += waitMs;
    }
  };
}

/** Sleeps `ms`, or less when `signal` aborts (the poller's clock; one implementation for both). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A send whose connection dropped after the request went out: Telegram may or may not have delivered it. */
export class DeliveryInDoubtError extends HttpError {
  override name = 'DeliveryInDoubtError';
}

/** Methods that post something a user sees; resending one that was in fact delivered duplicates it. */
export function isNonIdempotent(method: string): boolean {
  return (method.startsWith('send') && method !== 'sendChatAction') || method === 'forwardMessage' || method === 'copyMessage';
}

/**
 * Whether a network error leaves it open if the request reached Telegram: a connection reset or broken
 * pipe (the request may have been accepted before the answer was lost). A refused connection, a DNS
 * failure or our own timeout on a request that never answered are not in doubt in this sense.
 */
export function isInDoubt(err: HttpError): boolean {
  const cause = err.error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  return code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|ECONNRESET|EPIPE/i.test(String(cause?.message ?? ''));
}

/** Options of `networkRetryTransformer`. */
export interface NetworkRetryOptions {
  /** Retries after the first attempt; default 3. */
  attempts?: number;
  /** First backoff (ms), doubling; default 500. */
  baseDelayMs?: number;
  /**
   * A send whose connection was reset after the request went out (TELEGRAM_REPLY_IN_DOUBT): `resend`
   * (at least once: a rare duplicate) or `skip` (at most once: a rare lost reply, with a WARN and no
   * apology). Default `resend`.
   */
  inDoubt?: 'resend' | 'skip';
}

/** Retries network failures (grammY `HttpError`) a few times with a short backoff; getUpdates is left to the poller. */
export function networkRetryTransformer(opts: NetworkRetryOptions = {}): Transformer {
  const attempts = opts.attempts ?? 3;
  const baseDelayMs = opts.baseDelayMs ?? 500;
  return async (prev, method, payload, signal) => {
    for (let i = 0; ; i++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || method === 'getUpdates' || signal?.aborted) throw err;
        if (opts.inDoubt === 'skip' && isNonIdempotent(method) && isInDoubt(err)) {
          throw new DeliveryInDoubtError(
            `${method}: the connection was reset after the request was sent; not resending (TELEGRAM_REPLY_IN_DOUBT=skip)`,
            err.error,
          );
        }
        if (i >= attempts) throw err;
        await abortableSleep(baseDelayMs * 2 ** i, signal as AbortSignal | undefined);
        if (signal?.aborted) throw err;
      }
    }
  };
}

/**
 * The reply ledger of one update, installed on `ctx.api`: every sendMessage of the update is part 0, 1, …
 * in send order. Just before a part is sent it is recorded as in flight, and with its message id once
 * Telegram accepted it (dropped again when Telegram refused it for certain). When the update is handled
 * again after a crash (`lookup`: its claim was `retry`), a part with a message id is not sent again; a
 * part that was in flight at the crash is in doubt and follows `inDoubt` (TELEGRAM_REPLY_IN_DOUBT).
 * Handling is deterministic for the same conversation state, so the parts line up.
 */
export function replyLedgerTransformer(
  store: Store,
  updateId: number,
  logger: Logger,
  opts: { lookup: boolean; inDoubt: 'resend' | 'skip' },
): Transformer {
  let part = 0;
  return async (prev, method, payload, signal) => {
    if (method !== 'sendMessage') return prev(method, payload, signal);
    const n = part++;
    const p = payload as { chat_id: number | string; text?: string };
    const fake = (messageId: number) =>
      ({
        ok: true,
        result: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(p.chat_id), type: 'private' },
          text: p.text ?? '',
        },
      }) as never;
    if (opts.lookup) {
      const sent = await store.sentReply(updateId, n);
      if (typeof sent === 'number') {
        logger.info('reply part was sent before the restart; not sent again', { update: updateId, part: n });
        return fake(sent);
      }
      if (sent === null && opts.inDoubt === 'skip') {
        logger.warn('reply part was being sent when the process stopped; not sent again (TELEGRAM_REPLY_IN_DOUBT=skip)', {
          update: updateId,
          part: n,
        });
        return fake(0);
      }
      if (sent === null)
        logger.info('reply part was being sent when the process stopped; sending it again (TELEGRAM_REPLY_IN_DOUBT=resend)', {
          update: updateId,
          part: n,
        });
    }
    const note = (err: unknown) =>
      logger.warn('could not record a reply part (a crash now could resend it)', { update: updateId, part: n, err });
    await store.recordReply(updateId, n, null).catch(note);
    let res;
    try {
      res = await prev(method, payload, signal);
    } catch (err) {
      // a network error leaves the part in doubt (kept as in flight); anything else never reached Telegram
      if (!(err instanceof HttpError)) await store.dropReply(updateId, n).catch(note);
      throw err;
    }
    const id = res.ok ? (res.result as { message_id?: unknown }).message_id : undefined;
    if (typeof id === 'number') await store.recordReply(updateId, n, id).catch(note);
    else await store.dropReply(updateId, n).catch(note);
    return res;
  };
}

/** Per-attempt time limits of Bot API calls (ms). */
export interface CallTimeouts {
  /** getUpdates: its long-poll `timeout` (seconds, from the payload) plus this margin. */
  pollMarginMs: number;
  /** Every other method. */
  callMs: number;
}

/** The time limit of one attempt of `method` with this payload (ms). */
export function callTimeoutMs(t: CallTimeouts, method: string, payload: unknown): number {
  if (method !== 'getUpdates') return t.callMs;
  const poll = Number((payload as { timeout?: unknown } | undefined)?.timeout ?? 0);
  return (Number.isFinite(poll) && poll > 0 ? poll * 1000 : 0) + t.pollMarginMs;
}

/**
 * Aborts an attempt that has not answered in time (a half-open connection, a proxy that swallows the
 * request) and fails it with a grammY `HttpError`, which the network retry and the poller treat like a
 * connection reset. Installed innermost, so that every retry gets its own limit.
 */
export function timeoutTransformer(t: CallTimeouts): Transformer {
  return async (prev, method, payload, signal) => {
    const ms = callTimeoutMs(t, method, payload);
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    if (signal?.aborted) ac.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(
          new HttpError(
            `Request to '${method}' timed out after ${ms / 1000} s (TELEGRAM_${method === 'getUpdates' ? 'POLL_MARGIN' : 'CALL_TIMEOUT'}_SECONDS)`,
            new Error('timeout'),
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([prev(method, payload, ac.signal as never), timedOut]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
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
