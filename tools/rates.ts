/** Rates of timed events (delivery times in ms), for the broadcast benchmarks and the multi-worker test. */

/** Highest number of events inside any sliding 1-second window (times in ms). */
export function maxPerSecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Events per second between the first and the last event (times in ms); 0 for fewer than two. */
export function rateOf(times: number[]): number {
  if (times.length < 2) return 0;
  const t = [...times].sort((a, b) => a - b);
  return ((t.length - 1) * 1000) / (t[t.length - 1]! - t[0]!);
}
