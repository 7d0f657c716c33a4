import { z } from 'zod';
import { callSample, defineDetector, maskValue, RecentIds, subjectKeyOf, subjectOfCall } from './detector.ts';
import { percent, seconds, whole } from './thresholds.ts';
import { CountWindow, DistinctWindow } from './windows.ts';

/** Network codes that say the target does not exist (IBFT 02, 63, 90; 1Bill 88, 91; 30 original not found). */
const NOT_FOUND = new Set(['02', '30', '63', '88', '90', '91']);

/**
 * Scanning and enumeration. Rules, per subject (the app, else the source address), within
 * `windowSeconds`:
 * - unknown paths: `unknownPaths` requests for paths or operations that do not exist (404s and the
 *   edge's unknown-path counter);
 * - enumeration: title fetches or bill inquiries naming `distinctTargets` different account or
 *   consumer numbers, at least `notFoundPercent` % of them answered "not found".
 */
export const scanning = defineDetector({
  id: 'scanning',
  title: 'Scanning and enumeration',
  rule: 'unknownPaths requests to paths that do not exist, or distinctTargets account/consumer numbers with at least notFoundPercent % "not found", from one subject within windowSeconds.',
  termsClause: 'Acceptable use: no scanning, probing or enumeration of the APIs or the data behind them',
  severity: 'medium',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    unknownPaths: whole(3, 100_000),
    distinctTargets: whole(3, 100_000),
    notFoundPercent: percent(),
  }),
  defaults: { windowSeconds: 600, unknownPaths: 20, distinctTargets: 25, notFoundPercent: 60 },
  create() {
    const unknown = new CountWindow();
    const targets = new DistinctWindow();
    const notFound = new CountWindow();
    const unknownIds = new RecentIds();
    const targetIds = new RecentIds();
    return (s, t, report) => {
      const windowMs = t.windowSeconds * 1000;
      if (s.kind === 'edge' && s.what === 'unknown_path') {
        // The same key as an unauthenticated caller's 404 calls: both count towards one address.
        const key = s.ip;
        const n = unknown.add(key, s.atMs, windowMs, s.count ?? 1);
        if (n < t.unknownPaths) return;
        unknown.reset(key);
        report({
          subject: { kind: 'source_address', id: s.ip },
          title: `Scanning: ${n} unknown paths`,
          summary: `${n} requests to paths that do not exist within ${t.windowSeconds} s (threshold ${t.unknownPaths}).`,
          count: n,
          requestIds: [],
          samples: s.path ? [{ path: s.path.slice(0, 120) }] : [],
          windowStartMs: s.atMs - windowMs,
          windowEndMs: s.atMs,
        });
        return;
      }
      if (s.kind !== 'call') return;
      const r = s.r;
      const key = subjectKeyOf(r);
      if (r.status === 404) {
        unknownIds.add(key, r.requestId);
        const n = unknown.add(key, r.atMs, windowMs);
        if (n >= t.unknownPaths) {
          unknown.reset(key);
          report({
            subject: subjectOfCall(r),
            orgId: r.client.orgId,
            title: `Scanning: ${n} unknown paths or operations`,
            summary: `${n} calls to paths or operations that do not exist within ${t.windowSeconds} s (threshold ${t.unknownPaths}).`,
            count: n,
            requestIds: unknownIds.take(key),
            samples: [callSample(r)],
            windowStartMs: r.atMs - windowMs,
            windowEndMs: r.atMs,
          });
        }
        return;
      }
      const target =
        r.refs.accountTo ?? (r.refs.consumerNo ? `${r.refs.companyCode ?? ''}/${r.refs.consumerNo}` : null);
      if (target === null || r.networkCode === null) return;
      const distinct = targets.add(key, target, r.atMs, windowMs);
      const missing = NOT_FOUND.has(r.networkCode)
        ? notFound.add(key, r.atMs, windowMs)
        : notFound.add(key, r.atMs, windowMs, 0);
      targetIds.add(key, r.requestId);
      if (distinct < t.distinctTargets || missing * 100 < distinct * t.notFoundPercent) return;
      const sampleTargets = targets.values(key).slice(-5).map(maskValue);
      targets.reset(key);
      notFound.reset(key);
      report({
        subject: subjectOfCall(r),
        orgId: r.client.orgId,
        title: `Enumeration: ${distinct} targets, ${missing} not found`,
        summary: `${distinct} different account or consumer numbers within ${t.windowSeconds} s, ${missing} answered "not found" (thresholds ${t.distinctTargets} targets, ${t.notFoundPercent} %).`,
        count: distinct,
        requestIds: targetIds.take(key),
        samples: [callSample(r, { targets: sampleTargets })],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});
