/**
 * The broadcast schedule (node-cron v4): validated at start, in a configurable time zone, and never
 * overlapping — a tick that arrives while a run is still in progress is skipped with a log line.
 *
 * @example
 * const schedule = startSchedule({ cron: config.BROADCAST_CRON, timezone: config.BROADCAST_TZ, run: () => service.runOnce(), log });
 * // … on shutdown:
 * await schedule.stop();
 */
import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../config.ts';

/**
 * Checks the cron expression and the time zone; throws ConfigError naming BROADCAST_CRON or
 * BROADCAST_TZ with what was wrong and an example of a valid value.
 */
export function validateSchedule(expression: string, timezone: string): void {
  const detail = cron.validateDetailed(expression);
  if (!detail.valid) {
    const why = detail.errors.map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`).join('; ');
    throw new ConfigError(
      `BROADCAST_CRON "${expression}" is not a valid cron expression (${why || 'unreadable'}). ` +
        `Use 5 fields "minute hour day-of-month month day-of-week" (optionally a leading seconds field), e.g. "0 9 * * 1-5" for weekdays at 09:00.`,
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone }).format(0);
  } catch {
    throw new ConfigError(`BROADCAST_TZ "${timezone}" is not a known IANA time zone; use e.g. "Asia/Shanghai".`);
  }
}

/** Options of `startSchedule`. */
export interface ScheduleOptions {
  cron: string;
  timezone: string;
  /** One broadcast run; its result is logged by the caller. */
  run: () => Promise<unknown>;
  log?: {
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
    error(m: string, f?: Record<string, unknown>): void;
  };
  /** Do not start the timer (tests drive `tick`). */
  manual?: boolean;
  /**
   * Several instances: decides per tick whether this one runs it (PostgreSQL advisory lock + claimed
   * tick, `bot/store/postgres-lock.ts`). Absent: every tick runs here (one instance).
   */
  gate?: ScheduleGate;
}

/** A distributed tick gate: a held slot (released after the run) or the reason to skip this tick. */
export type ScheduleGate = (tick: Date) => Promise<{ release(): Promise<void> } | { skip: string }>;

/** A started schedule. */
export interface BroadcastSchedule {
  /**
   * Runs the job as a tick would: `skipped` while a previous run is still in progress (or, with a
   * gate, when another instance runs this tick). `at` is the scheduled time (default now).
   */
  tick(at?: Date): Promise<'ran' | 'skipped' | 'failed'>;
  /** Next planned run, or null when stopped/manual. */
  nextRun(): Date | null;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Validates and starts the schedule (see the module comment). Throws ConfigError on bad settings. */
export function startSchedule(opts: ScheduleOptions): BroadcastSchedule {
  validateSchedule(opts.cron, opts.timezone);
  let running: Promise<unknown> | null = null;
  let task: ScheduledTask | null = null;
  const tick = async (at: Date = new Date()): Promise<'ran' | 'skipped' | 'failed'> => {
    if (running) {
      opts.log?.warn('broadcast: the previous run is still in progress; skipping this tick', { cron: opts.cron });
      return 'skipped';
    }
    let release: (() => Promise<void>) | null = null;
    const p = (async () => {
      if (opts.gate) {
        const g = await opts.gate(at);
        if ('skip' in g) return g.skip;
        release = () => g.release();
      }
      await opts.run();
      return null;
    })();
    running = p;
    try {
      const skipped = await p;
      if (skipped) {
        opts.log?.info('broadcast: this tick runs on another instance; skipping', { tick: at.toISOString(), why: skipped });
        return 'skipped';
      }
      return 'ran';
    } catch (err) {
      opts.log?.error('broadcast: scheduled run failed', { error: (err as Error)?.message ?? String(err) });
      return 'failed';
    } finally {
      const r = release as (() => Promise<void>) | null;
      if (r)
        await r().catch((err: unknown) =>
          opts.log?.warn('broadcast: releasing the scheduler lock failed', { error: (err as Error)?.message }),
        );
      running = null;
    }
  };
  if (!opts.manual) {
    task = cron.schedule(opts.cron, (ctx) => void tick(ctx?.date ?? new Date()), { timezone: opts.timezone, name: 'policybot-broadcast' });
    opts.log?.info('broadcast schedule started', {
      cron: opts.cron,
      timezone: opts.timezone,
      next: task.getNextRun()?.toISOString() ?? null,
    });
  }
  return {
    tick,
    nextRun: () => task?.getNextRun() ?? null,
    async stop() {
      if (task) {
        await task.stop();
        await task.destroy();
        task = null;
      }
      if (running) await running.catch(() => undefined);
    },
  };
}
