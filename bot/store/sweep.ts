/**
 * The periodic sweep that deletes idle sessions: the facts a person stated stop being kept after
 * SESSION_IDLE_MINUTES on every channel (Telegram, web), whichever of them runs.
 *
 * @example
 * const stop = startSessionSweep(store, { idleMs: 30 * 60_000 }, logger);
 */
import type { Logger } from '../logger.ts';
import type { Store } from './types.ts';

/** Periodically deletes idle sessions (the facts a person stated stop being kept after SESSION_IDLE_MINUTES). */
export function startSessionSweep(store: Store, sweep: { idleMs: number; everyMs?: number }, log: Logger): () => void {
  const every = sweep.everyMs ?? Math.min(300_000, Math.max(10_000, sweep.idleMs / 10));
  let busy = false;
  const run = async () => {
    if (busy) return;
    busy = true;
    try {
      const n = await store.sweepSessions(sweep.idleMs);
      if (n) log.info('idle sessions deleted', { count: n, idleMinutes: sweep.idleMs / 60_000 });
    } catch (err) {
      log.warn('deleting idle sessions failed; retried at the next sweep', { err: (err as Error).message });
    } finally {
      busy = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), every);
  timer.unref();
  return () => clearInterval(timer);
}
