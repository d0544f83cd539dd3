/**
 * Fixed-window rate limits in memory (per instance): `limit` hits per key per `windowMs`. Several
 * instances behind a load balancer each count on their own (the limit per client is then up to
 * N × limit; a shared limit belongs in the reverse proxy). Pure apart from the clock.
 */
export interface RateLimiter {
  /** Counts one hit; returns 0 when allowed, else the seconds until the window resets. */
  hit(key: string, now?: number): number;
}

/** A limiter; `limit` 0 disables it. Old windows are swept when the table grows past `maxKeys`. */
export function createRateLimiter(opts: { limit: number; windowMs?: number; maxKeys?: number }): RateLimiter {
  const windowMs = opts.windowMs ?? 60_000;
  const maxKeys = opts.maxKeys ?? 50_000;
  const windows = new Map<string, { start: number; n: number }>();
  return {
    hit(key, now = Date.now()) {
      if (opts.limit <= 0) return 0;
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (!w && windows.size >= maxKeys) {
          for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k);
          if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!); // oldest first
        }
        w = { start: now, n: 0 };
        windows.set(key, w);
      }
      w.n++;
      return w.n > opts.limit ? Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) : 0;
    },
  };
}
