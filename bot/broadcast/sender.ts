/**
 * The outbox sender: claims rows, respects Telegram's broadcast limits with token buckets (global,
 * per chat, per group), sends through an injected function and records the outcome.
 *
 * Outcomes: accepted → `sent`; 429 → the whole sender pauses for `retry_after` and the row is retried
 * (no attempt counted); 403 (blocked, kicked, deactivated) → the subscriber is marked inactive and the
 * chat's pending rows are `skipped`; 400 (bad request: chat not found, bad HTML…) → `failed` at once
 * (retrying cannot help); anything else (5xx, network) → retried with exponential back-off up to
 * `maxAttempts`, then `failed`.
 *
 * Exactly once: a row is sent only while this worker holds a fresh lease (renewed, and the row marked
 * in flight, right before the send) and marked `sent` only after the send resolved. The one window no
 * Telegram bot can close: a process killed while a send is in flight (Telegram has no idempotency key
 * and a bot cannot read back what it sent). Such rows are recognised on resume by their in-flight mark
 * and settled by `inDoubt`: `resend` (default, at least once: those that had reached Telegram arrive
 * twice) or `skip` (at most once: recorded `skipped` and logged; those still inside the process are
 * lost). Both are measured in docs/benchmarks.md. A graceful stop (SIGTERM → `stop()`) waits
 * for the sends in flight and leaves nothing in doubt.
 *
 * @example
 * const sender = new OutboxSender(bstore, { send: (chatId, text) => api.sendMessage(chatId, text, { parse_mode: 'HTML' }) }, limits);
 * const report = await sender.drain();
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { parseConfig, type Config } from '../config.ts';
import type { BroadcastStore, OutboxRow } from './types.ts';

/** Sends one HTML message; resolves with Telegram's message (at least `message_id`) or throws. */
export type SendFn = (chatId: number, text: string) => Promise<{ message_id?: number } | unknown>;

/** Rate limits and retry settings of the sender. */
export interface SenderLimits {
  /** Messages per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Messages per second to one chat (Telegram: 1). */
  perChatPerSecond: number;
  /** Messages per minute to one group (Telegram: 20). */
  perGroupPerMinute: number;
  /** Attempts before a row is recorded as failed (5xx, network errors). */
  maxAttempts: number;
  /** Lease of claimed rows, ms. A dead worker's rows are taken over after this. */
  leaseMs: number;
  /** Concurrent sends in flight. */
  maxInFlight?: number;
  /** Rows claimed per batch (default: about half a lease worth at the global rate, 10…500). */
  batchSize?: number;
  /** First retry delay after an error, ms (doubles each attempt, at most 60 s). Default 1000. */
  retryBaseMs?: number;
  /** Rows whose previous sender died mid-send: `resend` (default, at least once) or `skip` (at most once). */
  inDoubt?: 'skip' | 'resend';
}

/** Sender limits from the BROADCAST_* settings. */
export function limitsFromConfig(
  config: Pick<
    Config,
    | 'BROADCAST_RATE_PER_SECOND'
    | 'BROADCAST_CHAT_PER_SECOND'
    | 'BROADCAST_GROUP_PER_MINUTE'
    | 'BROADCAST_MAX_ATTEMPTS'
    | 'BROADCAST_LEASE_SECONDS'
    | 'BROADCAST_IN_DOUBT'
  >,
): SenderLimits {
  return {
    globalPerSecond: config.BROADCAST_RATE_PER_SECOND,
    perChatPerSecond: config.BROADCAST_CHAT_PER_SECOND,
    perGroupPerMinute: config.BROADCAST_GROUP_PER_MINUTE,
    maxAttempts: config.BROADCAST_MAX_ATTEMPTS,
    leaseMs: config.BROADCAST_LEASE_SECONDS * 1000,
    maxInFlight: Math.max(1, Math.min(8, Math.ceil(config.BROADCAST_RATE_PER_SECOND / 4))),
    inDoubt: config.BROADCAST_IN_DOUBT,
  };
}

/** The defaults of the BROADCAST_* settings (Telegram's documented limits: 30/s, 1/s per chat, 20/min per group). */
export const DEFAULT_LIMITS: SenderLimits = limitsFromConfig(parseConfig({}));

/** Time source (injectable for tests). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
};

/**
 * A global send rate shared by several processes (e.g. the token-bucket row in PostgreSQL,
 * `rate-limit-pg.ts`). Every send reserves one slot; the sender waits until the slot starts.
 */
export interface SharedRateLimit {
  /** Reserves the next send slot; resolves with how many ms from now it starts (0 = now). */
  reserve(): Promise<number>;
}

/** Dependencies of the sender. */
export interface SenderDeps {
  send: SendFn;
  /** Global rate shared with other workers, reserved for every send on top of the in-process buckets. */
  sharedRate?: SharedRateLimit;
  /** Called on 403: mark the subscriber inactive (`blocked`, `kicked`, `deactivated`). */
  onInactive?: (chatId: number, reason: string) => Promise<void>;
  clock?: Clock;
  log?: {
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
    debug(m: string, f?: Record<string, unknown>): void;
  };
  /** Worker id for leases (default host:pid:random). */
  workerId?: string;
}

/** What one `drain` did. */
export interface SendReport {
  sent: number;
  failed: number;
  skipped: number;
  /** Retries after 5xx/network errors. */
  retried: number;
  /** 429 answers (each paused the sender for retry_after). */
  rateLimited: number;
  /** Chats marked inactive after 403. */
  inactive: number;
  /** Rows found in doubt (their previous sender died mid-send), settled by the `inDoubt` policy. */
  inDoubt: number;
  elapsedMs: number;
  /** sent / elapsed seconds (0 when nothing was sent). */
  ratePerSecond: number;
}

/** How a send error is handled. */
export type SendErrorClass =
  | { kind: 'rate_limited'; retryAfterMs: number; description: string }
  | { kind: 'forbidden'; reason: string; description: string }
  | { kind: 'permanent'; description: string }
  | { kind: 'retry'; description: string };

/**
 * Classifies an error thrown by the send function. Understands grammY's `GrammyError` shape
 * (`error_code`, `description`, `parameters.retry_after`) by duck typing; anything without an error
 * code (network error, timeout) is retryable.
 */
export function classifySendError(err: unknown): SendErrorClass {
  const e = err as { error_code?: unknown; description?: unknown; message?: unknown; parameters?: { retry_after?: unknown } } | null;
  const code = typeof e?.error_code === 'number' ? e.error_code : undefined;
  const description = String(e?.description ?? e?.message ?? err);
  if (code === 429) {
    const s = Number(e?.parameters?.retry_after);
    return { kind: 'rate_limited', retryAfterMs: (Number.isFinite(s) && s > 0 ? s : 1) * 1000, description };
  }
  if (code === 403) {
    const d = description.toLowerCase();
    const reason = d.includes('kicked')
      ? 'kicked'
      : d.includes('deactivated')
        ? 'deactivated'
        : d.includes('blocked')
          ? 'blocked'
          : 'forbidden';
    return { kind: 'forbidden', reason, description };
  }
  if (code !== undefined && code >= 400 && code < 500) return { kind: 'permanent', description };
  return { kind: 'retry', description };
}

/** Generic cell rate algorithm: a token bucket as "theoretical arrival time". */
export class TokenBucket {
  private tat = 0;
  private readonly interval: number;
  private readonly tolerance: number;

  /** `ratePerSecond` tokens per second, at most `burst` at once (default 1: evenly spaced). */
  constructor(ratePerSecond: number, burst = 1) {
    if (!(ratePerSecond > 0)) throw new Error(`rate must be positive, got ${ratePerSecond}`);
    this.interval = 1000 / ratePerSecond;
    this.tolerance = (Math.max(1, burst) - 1) * this.interval;
  }

  /** When the next token is available (≥ now), without taking it. */
  peek(now: number): number {
    return Math.max(now, Math.max(this.tat, now) - this.tolerance);
  }

  /** Takes the next token; returns the time at which it may be used (≥ now). */
  reserve(now: number): number {
    const at = this.peek(now);
    this.tat = Math.max(this.tat, now) + this.interval;
    return at;
  }

  /** True when the bucket is full again (can be dropped from memory). */
  idle(now: number): boolean {
    return this.tat <= now;
  }
}

/** Sends the outbox within the rate limits. One instance per process; `drain` may be called repeatedly. */
export class OutboxSender {
  readonly workerId: string;
  private readonly clock: Clock;
  private readonly global: TokenBucket;
  private readonly chats = new Map<number, TokenBucket>();
  private pausedUntil = 0;
  private stopping = false;
  private draining: Promise<SendReport> | null = null;
  private again = false;

  constructor(
    private readonly store: BroadcastStore,
    private readonly deps: SenderDeps,
    private readonly limits: SenderLimits = DEFAULT_LIMITS,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.workerId = deps.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    // Strictly spaced at Telegram-like rates; above 50/s a burst of 20 ms worth of tokens (timer granularity).
    this.global = new TokenBucket(limits.globalPerSecond, Math.max(1, Math.floor(limits.globalPerSecond / 50)));
  }

  /**
   * Stops for good (shutdown): a running drain ends after the sends in flight (claimed rows are
   * released for the next start) and later `drain` calls send nothing. Waits for the running drain.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.draining?.catch(() => undefined);
  }

  /**
   * Sends until no pending row is left (waiting for back-offs and for expired leases of dead workers).
   * Concurrent calls share one drain; a call during a drain makes it look again before returning.
   */
  drain(): Promise<SendReport> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.drainLoop().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private chatBucket(row: Pick<OutboxRow, 'chatId' | 'chatType'>): TokenBucket {
    let b = this.chats.get(row.chatId);
    if (!b) {
      const perChat = this.limits.perChatPerSecond;
      const rate = row.chatType === 'group' ? Math.min(perChat, this.limits.perGroupPerMinute / 60) : perChat;
      b = new TokenBucket(rate, 1);
      this.chats.set(row.chatId, b);
    }
    return b;
  }

  private async drainLoop(): Promise<SendReport> {
    const c = this.clock;
    const started = c.now();
    const report: SendReport = {
      sent: 0,
      failed: 0,
      skipped: 0,
      retried: 0,
      rateLimited: 0,
      inactive: 0,
      inDoubt: 0,
      elapsedMs: 0,
      ratePerSecond: 0,
    };
    const maxInFlight = Math.max(1, this.limits.maxInFlight ?? 8);
    const batchSize =
      this.limits.batchSize ?? Math.min(500, Math.max(10, Math.floor((this.limits.globalPerSecond * this.limits.leaseMs) / 2000)));
    let firstSent = 0;
    let lastSent = 0;
    for (;;) {
      if (this.stopping) break;
      const rows = await this.store.claim(this.workerId, batchSize, this.limits.leaseMs, c.now());
      if (!rows.length) {
        const due = await this.store.nextDue(c.now());
        if (due === null) {
          if (this.again) {
            this.again = false;
            continue;
          }
          break;
        }
        await c.sleep(Math.min(Math.max(due - c.now(), 20), 1000));
        continue;
      }
      this.again = false;
      const ready: OutboxRow[] = [];
      for (const row of rows) {
        if (row.inDoubtSince === null) {
          ready.push(row);
          continue;
        }
        report.inDoubt++;
        const policy = this.limits.inDoubt ?? 'resend';
        const note = `in doubt: the previous sender died while sending (at ${new Date(row.inDoubtSince).toISOString()}); ${policy === 'skip' ? 'not resent (BROADCAST_IN_DOUBT=skip)' : 'resent (BROADCAST_IN_DOUBT=resend)'}`;
        this.deps.log?.warn(`broadcast: outbox row in doubt, ${policy === 'skip' ? 'recorded as skipped' : 'sending again'}`, {
          id: row.id,
          chatId: row.chatId,
          digest: row.digestKey,
          part: row.part,
        });
        const ok = await this.store.resolveInDoubt(row.id, this.workerId, policy, note, c.now());
        if (policy === 'skip') {
          if (ok) report.skipped++;
        } else if (ok) ready.push({ ...row, inDoubtSince: null });
      }
      // Earliest-ready chat first (every row is the head of a different chat).
      const queue = ready
        .map((row) => ({ row, ready: this.chatBucket(row).peek(c.now()) }))
        .sort((a, b) => a.ready - b.ready || a.row.id - b.row.id);
      const inFlight = new Set<Promise<void>>();
      for (const { row } of queue) {
        if (this.stopping) {
          await this.store.release(row.id, this.workerId, { notBefore: 0, countAttempt: false });
          continue;
        }
        // Wait for a 429 pause, the chat's bucket and the global bucket.
        for (;;) {
          const now = c.now();
          const at = Math.max(this.pausedUntil, this.chatBucket(row).peek(now), this.global.peek(now));
          if (at <= now || this.stopping) break;
          await c.sleep(Math.min(at - now, 1000));
        }
        if (this.stopping) {
          await this.store.release(row.id, this.workerId, { notBefore: 0, countAttempt: false });
          continue;
        }
        this.chatBucket(row).reserve(c.now());
        this.global.reserve(c.now());
        if (this.deps.sharedRate) {
          const wait = await this.deps.sharedRate.reserve();
          if (wait > 0) await c.sleep(wait);
          if (this.stopping) {
            await this.store.release(row.id, this.workerId, { notBefore: 0, countAttempt: false });
            continue;
          }
        }
        const now = c.now();
        if (!(await this.store.beginSend(row.id, this.workerId, this.limits.leaseMs, now))) {
          this.deps.log?.warn('broadcast: lost the lease of an outbox row, not sending it', { id: row.id });
          continue;
        }
        const p = this.sendOne(row, report).then((ok) => {
          if (ok) {
            lastSent = c.now();
            if (!firstSent) firstSent = lastSent;
          }
        });
        const tracked: Promise<void> = p.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      this.pruneBuckets(c.now());
    }
    report.elapsedMs = c.now() - started;
    const span = lastSent - firstSent;
    report.ratePerSecond = report.sent > 1 && span > 0 ? ((report.sent - 1) * 1000) / span : 0;
    return report;
  }

  /** Sends one row and records the outcome. True when Telegram accepted it. */
  private async sendOne(row: OutboxRow, report: SendReport): Promise<boolean> {
    const c = this.clock;
    let result: unknown;
    try {
      result = await this.deps.send(row.chatId, row.text);
    } catch (err) {
      const cls = classifySendError(err);
      const now = c.now();
      switch (cls.kind) {
        case 'rate_limited':
          report.rateLimited++;
          this.pausedUntil = Math.max(this.pausedUntil, now + cls.retryAfterMs);
          this.deps.log?.warn('broadcast: 429 from Telegram, pausing', { retryAfterMs: cls.retryAfterMs });
          await this.store.release(row.id, this.workerId, {
            notBefore: now + cls.retryAfterMs,
            error: `429 ${cls.description}`,
            countAttempt: false,
          });
          return false;
        case 'forbidden': {
          report.inactive++;
          report.skipped += await this.store.skipChat(row.chatId, `403 ${cls.reason}: ${cls.description}`, now);
          try {
            await this.deps.onInactive?.(row.chatId, cls.reason);
          } catch (e) {
            this.deps.log?.warn('broadcast: could not mark the subscriber inactive', { chatId: row.chatId, error: (e as Error).message });
          }
          this.deps.log?.info('broadcast: chat is unreachable (403), subscriber marked inactive', {
            chatId: row.chatId,
            reason: cls.reason,
          });
          return false;
        }
        case 'permanent':
          report.failed++;
          await this.store.markFailed(row.id, this.workerId, cls.description, now);
          this.deps.log?.warn('broadcast: message rejected, recorded as failed', {
            id: row.id,
            chatId: row.chatId,
            error: cls.description,
          });
          return false;
        case 'retry': {
          const attempts = row.attempts + 1;
          if (attempts >= this.limits.maxAttempts) {
            report.failed++;
            await this.store.markFailed(row.id, this.workerId, `after ${attempts} attempts: ${cls.description}`, now);
            this.deps.log?.warn('broadcast: giving up on a message', { id: row.id, chatId: row.chatId, attempts, error: cls.description });
          } else {
            report.retried++;
            const delay = Math.min(60_000, (this.limits.retryBaseMs ?? 1000) * 2 ** (attempts - 1));
            await this.store.release(row.id, this.workerId, { notBefore: now + delay, error: cls.description, countAttempt: true });
          }
          return false;
        }
      }
    }
    const messageId = (result as { message_id?: unknown } | undefined)?.message_id;
    const ok = await this.store.markSent(row.id, this.workerId, typeof messageId === 'number' ? messageId : null, c.now());
    if (ok) report.sent++;
    else this.deps.log?.warn('broadcast: sent, but the row was no longer ours to mark (lease taken over)', { id: row.id });
    return ok;
  }

  private pruneBuckets(now: number): void {
    if (this.chats.size < 5000) return;
    for (const [id, b] of this.chats) if (b.idle(now)) this.chats.delete(id);
  }
}
