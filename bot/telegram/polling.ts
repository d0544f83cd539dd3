/**
 * The getUpdates loop of long polling, with the recovery rules grammY's runner lacks: retries capped at
 * `retryMaxMs` (not doubling towards minutes), one WARN when the Bot API becomes unreachable and one
 * INFO with the outage length when it is back, 409 (another instance polls with this token) waited out
 * with a clear WARN, 429 waited for `retry_after`, and 401 (token rejected) fatal with a clear message.
 * Time is injectable (`Clock`) so that outages of minutes are tested in milliseconds.
 *
 * @example
 * const fetchUpdates = createPoller(bot.api, { timeoutSeconds: 25, retryMaxMs: 5000, logger });
 * const updates = await fetchUpdates(100, signal);
 */
import { GrammyError, type Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.ts';
import { abortableSleep } from './api.ts';

/** Time source and sleeping, replaceable in tests. */
export interface Clock {
  now(): number;
  /** Resolves after `ms` or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: abortableSleep,
};

/** The polling failed in a way retrying cannot fix (401: the token was rejected). */
export class FatalPollingError extends Error {
  override name = 'FatalPollingError';
}

/** The part of grammY's `Api` the poller uses. */
export type UpdatesApi = Pick<Api, 'getUpdates'>;

/** Update kinds (`message`, `callback_query`…). */
export type UpdateKind = Exclude<keyof Update, 'update_id'>;

/** Options of `createPoller`. */
export interface PollerOptions {
  /** Long-poll timeout sent to Telegram (seconds, 0–50). */
  timeoutSeconds: number;
  /** Longest wait between two attempts (ms; TELEGRAM_RETRY_MAX_SECONDS). */
  retryMaxMs: number;
  /** First wait after a failure (ms); doubles up to `retryMaxMs`. Default 100. */
  retryBaseMs?: number;
  allowedUpdates?: readonly UpdateKind[];
  logger: Logger;
  clock?: Clock;
}

/** What went wrong with one getUpdates attempt, and how long to wait before the next. */
type Failure =
  | { kind: 'fatal'; message: string }
  | { kind: 'conflict'; description: string }
  | { kind: 'flood'; waitMs: number }
  | { kind: 'outage'; message: string };

function classify(err: unknown): Failure {
  if (err instanceof GrammyError) {
    if (err.error_code === 401) {
      return {
        kind: 'fatal',
        message: `Telegram rejected the bot token (401 ${err.description}): put the token from @BotFather in TELEGRAM_BOT_TOKEN (and check TELEGRAM_API_ROOT)`,
      };
    }
    if (err.error_code === 409) return { kind: 'conflict', description: err.description };
    if (err.error_code === 429) return { kind: 'flood', waitMs: Math.max(1, err.parameters.retry_after ?? 1) * 1000 };
  }
  return { kind: 'outage', message: err instanceof Error ? err.message : String(err) };
}

/** A `fetchUpdates(batchSize, signal)` for @grammyjs/runner's source. Keeps the offset; retries until it gets an answer. */
export function createPoller(api: UpdatesApi, opts: PollerOptions): (batchSize: number, signal: AbortSignal) => Promise<Update[]> {
  const clock = opts.clock ?? realClock;
  const log = opts.logger;
  const base = opts.retryBaseMs ?? 100;
  let offset = 0;
  let failures = 0;
  let outageSince: number | undefined;
  let conflictSince: number | undefined;

  const recovered = () => {
    const now = clock.now();
    if (outageSince !== undefined) {
      log.info('Telegram Bot API reachable again; polling resumed', {
        outageSeconds: Math.round((now - outageSince) / 100) / 10,
        attempts: failures,
      });
    }
    if (conflictSince !== undefined) {
      log.info('the other instance stopped polling; this one receives the updates now', {
        waitedSeconds: Math.round((now - conflictSince) / 100) / 10,
      });
    }
    outageSince = conflictSince = undefined;
    failures = 0;
  };

  return async function fetchUpdates(batchSize, signal) {
    const args = {
      offset: 0,
      limit: Math.max(1, Math.min(batchSize, 100)),
      timeout: opts.timeoutSeconds,
      allowed_updates: opts.allowedUpdates,
    };
    for (;;) {
      args.offset = offset;
      try {
        const updates = await api.getUpdates(args, signal as never);
        recovered();
        const last = updates.at(-1)?.update_id;
        if (last !== undefined) offset = last + 1;
        return updates;
      } catch (err) {
        if (signal.aborted) throw err; // stopping
        const f = classify(err);
        if (f.kind === 'fatal') throw new FatalPollingError(f.message);
        failures++;
        let waitMs: number;
        if (f.kind === 'conflict') {
          if (conflictSince === undefined) {
            conflictSince = clock.now();
            log.warn(
              'another instance is polling with this token (409 Conflict); waiting and retrying. Stop the other instance, or this is a deploy overlap that ends by itself',
              {
                description: f.description,
                retrySeconds: opts.retryMaxMs / 1000,
              },
            );
          }
          waitMs = opts.retryMaxMs;
        } else if (f.kind === 'flood') {
          log.info('getUpdates was rate limited (429); waiting retry_after', { seconds: f.waitMs / 1000 });
          waitMs = f.waitMs;
        } else {
          if (outageSince === undefined) {
            outageSince = clock.now();
            log.warn('Telegram Bot API unreachable; retrying (one line now, one when it is back)', {
              err: f.message,
              retryMaxSeconds: opts.retryMaxMs / 1000,
            });
          }
          waitMs = Math.min(opts.retryMaxMs, base * 2 ** Math.min(failures - 1, 30));
        }
        await clock.sleep(waitMs, signal);
        if (signal.aborted) throw err;
      }
    }
  };
}
