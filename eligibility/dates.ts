/**
 * Calendar helpers on ISO strings (no time zones, no Date.now()): a date, month or year is turned into
 * the inclusive interval of days it covers, so that vague dates compare three-valued.
 */

/** Inclusive day interval [start, end] as YYYY-MM-DD strings. */
export interface DayInterval {
  start: string;
  end: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Number of days in a month (1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * `2022` → whole year, `2022-05` → whole month, `2022-05-03` → that day, and a span of two of them
 * `2022-07/2022-12` (ISO 8601's solidus: "2022年7月至12月参加了培训", "23年Q1") → from the first's start to the
 * second's end. Throws on anything else.
 */
export function toDayInterval(value: string): DayInterval {
  const slash = value.indexOf('/');
  if (slash > 0) {
    const a = toDayInterval(value.slice(0, slash));
    const b = toDayInterval(value.slice(slash + 1));
    if (a.start > b.end) throw new Error(`not a date span: "${value}" (its start is after its end)`);
    return { start: a.start, end: b.end };
  }
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return { start: value, end: value };
  m = /^(\d{4})-(\d{2})$/.exec(value);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return { start: `${m[1]}-${m[2]}-01`, end: `${m[1]}-${m[2]}-${pad(daysInMonth(y, mo))}` };
  }
  m = /^(\d{4})$/.exec(value);
  if (m) return { start: `${m[1]}-01-01`, end: `${m[1]}-12-31` };
  throw new Error(`not a date: "${value}" (expected YYYY-MM-DD, YYYY-MM or YYYY)`);
}

/** True when the string is a real calendar date/month/year in ISO form (or a span of two, `A/B`, A not after B). */
export function isIsoDateLike(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash > 0) {
    const [a, b] = [value.slice(0, slash), value.slice(slash + 1)];
    return isIsoDateLike(a) && isIsoDateLike(b) && !b.includes('/') && toDayInterval(a).start <= toDayInterval(b).end;
  }
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!m) return false;
  if (m[2] !== undefined) {
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) return false;
    if (m[3] !== undefined) {
      const d = Number(m[3]);
      if (d < 1 || d > daysInMonth(Number(m[1]), mo)) return false;
    }
  }
  return true;
}

/** Adds days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from a to b (b - a), both YYYY-MM-DD. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 86_400_000);
}

/** Whole months from a to b (b - a), both YYYY-MM (or longer: only the year and month count). */
export function monthsBetween(a: string, b: string): number {
  const [ay, am] = a.split('-').map(Number) as [number, number];
  const [by, bm] = b.split('-').map(Number) as [number, number];
  return by * 12 + bm - (ay * 12 + am);
}

/** YYYY-MM of year/month, with month overflow handled (month 13 → next January). */
export function yearMonth(year: number, month: number): string {
  const y = year + Math.floor((month - 1) / 12);
  const mo = ((((month - 1) % 12) + 12) % 12) + 1;
  return `${y}-${pad(mo)}`;
}

/** Builds YYYY-MM-DD (no validation). */
export function isoDate(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** All months from a to b inclusive (YYYY-MM). */
export function monthRange(a: string, b: string): string[] {
  const out: string[] = [];
  let [y, m] = a.split('-').map(Number) as [number, number];
  const [by, bm] = b.split('-').map(Number) as [number, number];
  while (y < by || (y === by && m <= bm)) {
    out.push(`${y}-${pad(m)}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
    if (out.length > 240) break;
  }
  return out;
}
