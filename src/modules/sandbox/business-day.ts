/** The Pakistan business day the sandbox's limits and worlds follow (PKT = UTC+5, no DST). */
const PKT_OFFSET_MS = 5 * 3_600_000;
const DAY_MS = 86_400_000;

/** The business day (Pakistan time) of an instant, `YYYY-MM-DD`. */
export function businessDay(nowMs: number): string {
  return new Date(nowMs + PKT_OFFSET_MS).toISOString().slice(0, 10);
}
/** Midnight (as a UTC timestamp) of the Pakistan business day containing nowMs. */
export function businessDayStartMs(nowMs: number): number {
  return Math.floor((nowMs + PKT_OFFSET_MS) / DAY_MS) * DAY_MS;
}
