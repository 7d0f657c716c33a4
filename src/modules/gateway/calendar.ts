/**
 * Calendar periods (day, month) in the operator's time zone, for quotas and end-user caps. A
 * quota "per day" resets at local midnight (Asia/Karachi by default: UTC+5, no DST), not at UTC
 * midnight. Boundaries are computed with Intl once per period and cached, so the hot path is a
 * comparison.
 */
export type CalendarPeriod = 'day' | 'month';
export type PeriodBounds = { startMs: number; endMs: number; label: string };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(ms: number, timeZone: string): { y: number; m: number; d: number; offsetMs: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return { y: parts.year, m: parts.month, d: parts.day, offsetMs: asUtc - Math.floor(ms / 1000) * 1000 };
}

/** The UTC instant of local midnight starting the given local date. */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const naive = Date.UTC(y, m - 1, d);
  let guess = naive - localParts(naive, timeZone).offsetMs;
  // Second pass settles offsets that change between the naive guess and the answer (DST zones).
  guess = naive - localParts(guess, timeZone).offsetMs;
  return guess;
}

const cache = new Map<string, PeriodBounds>();

export function periodBounds(nowMs: number, period: CalendarPeriod, timeZone: string): PeriodBounds {
  const key = `${timeZone}|${period}`;
  const hit = cache.get(key);
  if (hit && nowMs >= hit.startMs && nowMs < hit.endMs) return hit;
  const { y, m, d } = localParts(nowMs, timeZone);
  let bounds: PeriodBounds;
  if (period === 'day') {
    const start = localMidnight(y, m, d, timeZone);
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    const end = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
    bounds = { startMs: start, endMs: end, label: `${y}-${pad(m)}-${pad(d)}` };
  } else {
    const start = localMidnight(y, m, 1, timeZone);
    const next = new Date(Date.UTC(y, m, 1));
    const end = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, 1, timeZone);
    bounds = { startMs: start, endMs: end, label: `${y}-${pad(m)}` };
  }
  // Only the current period is cached (tests that move a fake clock backwards recompute).
  cache.set(key, bounds);
  return bounds;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
