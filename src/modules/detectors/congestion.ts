import { z } from 'zod';
import { callSample, defineDetector, RecentIds } from './detector.ts';
import { percent, seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/**
 * Congestion contribution. Rule: within `windowSeconds`, when the gateway shed at least `minShed`
 * calls (503 overloaded), an organisation whose calls are at least `sharePercent` % of them gets an
 * incident: the terms make each organisation responsible for not overloading the network.
 */
export const congestion = defineDetector({
  id: 'congestion',
  title: 'Congestion contribution',
  rule: "An organisation's share of the calls shed with 503 is at least sharePercent % once at least minShed were shed within windowSeconds.",
  termsClause: 'Fair use: do not congest the network; the operator may shed or throttle traffic under load',
  severity: 'low',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    minShed: whole(5, 10_000_000),
    sharePercent: percent(),
  }),
  defaults: { windowSeconds: 300, minShed: 100, sharePercent: 50 },
  create() {
    const shed = new CountWindow();
    const ids = new RecentIds(5);
    return (s, t, report) => {
      if (s.kind !== 'call' || s.r.status !== 503 || s.r.errorCode !== 'gateway_overloaded') return;
      const r = s.r;
      const windowMs = t.windowSeconds * 1000;
      const total = shed.add('*', r.atMs, windowMs);
      const orgId = r.client.orgId;
      if (orgId === null) return;
      const mine = shed.add(orgId, r.atMs, windowMs);
      ids.add(orgId, r.requestId);
      if (total < t.minShed || mine * 100 < total * t.sharePercent) return;
      shed.reset(orgId);
      report({
        subject: { kind: 'organization', id: orgId },
        orgId,
        title: `Congestion: ${Math.round((mine * 100) / total)} % of shed calls`,
        summary: `${mine} of the ${total} calls shed with 503 within ${t.windowSeconds} s were this organisation's (thresholds ${t.minShed} shed, ${t.sharePercent} %).`,
        count: mine,
        requestIds: ids.take(orgId),
        samples: [callSample(r)],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});
