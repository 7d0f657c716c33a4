import { z } from 'zod';
import type { ClassedCallRecord as CallRecord } from '../gateway/index.ts';
import {
  callFinding,
  defineDetector,
  type Finding,
  RecentIds,
  subjectKeyOf,
  subjectOfCall,
} from './detector.ts';
import { percent, seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/**
 * Load and stress testing. Rules, per subject (the app, else the source address):
 * - pinned at the limit: within `windowSeconds` (minutes), at least `minCalls` calls of which at
 *   least `refusedPercent` % were refused for the rate limit (429);
 * - a burst far beyond the plan: `burstRefusals` 429s within 10 seconds;
 * - a load tool: `loadToolCalls` calls whose user agent is a load generator (k6, JMeter, wrk, …).
 */
export const loadTesting = defineDetector({
  id: 'load_testing',
  title: 'Load and stress testing',
  rule: 'minCalls calls with at least refusedPercent % rate-limited within windowSeconds, or burstRefusals 429s within 10 s, or loadToolCalls calls from a load-tool user agent, from one subject.',
  termsClause: 'Acceptable use: no load, stress or performance testing against the APIs',
  severity: 'medium',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    minCalls: whole(10, 10_000_000),
    refusedPercent: percent(),
    burstRefusals: whole(10, 10_000_000),
    loadToolCalls: whole(1, 1_000_000),
  }),
  defaults: { windowSeconds: 180, minCalls: 300, refusedPercent: 50, burstRefusals: 500, loadToolCalls: 20 },
  create() {
    const calls = new CountWindow();
    const refused = new CountWindow();
    const burst = new CountWindow();
    const tool = new CountWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      if (s.kind !== 'call') return;
      const r = s.r;
      const key = subjectKeyOf(r);
      const windowMs = t.windowSeconds * 1000;
      const limited = r.status === 429;
      const n = calls.add(key, r.atMs, windowMs);
      const nRefused = refused.add(key, r.atMs, windowMs, limited ? 1 : 0);
      const nBurst = limited ? burst.add(key, r.atMs, 10_000) : 0;
      const nTool = r.source.userAgent === 'load_tool' ? tool.add(key, r.atMs, windowMs) : 0;
      if (limited || r.source.userAgent === 'load_tool') ids.add(key, r.requestId);
      if (n >= t.minCalls && nRefused * 100 >= n * t.refusedPercent) {
        calls.reset(key);
        refused.reset(key);
        report(
          finding(
            r,
            ids.take(key),
            `Load test: pinned at the limit (${nRefused} of ${n} refused)`,
            `${n} calls within ${t.windowSeconds} s, ${nRefused} refused for the rate limit (thresholds ${t.minCalls} calls, ${t.refusedPercent} %).`,
            n,
            r.atMs - windowMs,
          ),
        );
      } else if (nBurst >= t.burstRefusals) {
        burst.reset(key);
        report(
          finding(
            r,
            ids.take(key),
            `Load test: burst of ${nBurst} rate-limited calls`,
            `${nBurst} calls refused for the rate limit within 10 s (threshold ${t.burstRefusals}).`,
            nBurst,
            r.atMs - 10_000,
          ),
        );
      } else if (nTool >= t.loadToolCalls) {
        tool.reset(key);
        report(
          finding(
            r,
            ids.take(key),
            `Load test: ${nTool} calls from a load tool`,
            `${nTool} calls from a load-generator user agent within ${t.windowSeconds} s (threshold ${t.loadToolCalls}).`,
            nTool,
            r.atMs - windowMs,
          ),
        );
      }
    };
  },
});

/** A finding about the call's subject. */
function finding(
  r: CallRecord,
  requestIds: string[],
  title: string,
  summary: string,
  count: number,
  fromMs: number,
): Finding {
  return callFinding(r, {
    subject: subjectOfCall(r),
    title,
    summary,
    count,
    requestIds,
    windowStartMs: fromMs,
  });
}
