import { z } from 'zod';
import { callSample, defineDetector, RecentIds } from './detector.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/**
 * Live data in the sandbox. Rule: `calls` sandbox calls within `windowSeconds` from one app that
 * the sandbox's guard flagged as carrying what looks like real customer data (a valid CNIC, IBAN,
 * card number or mobile number outside the test ranges). The guard already answers the call; this
 * makes it evidence for an incident.
 */
export const liveData = defineDetector({
  id: 'live_data',
  title: 'Live data in the sandbox',
  rule: 'calls sandbox calls flagged by the live-data guard from one app within windowSeconds.',
  termsClause: 'Sandbox: use only test data; never send real customer data to the sandbox',
  severity: 'medium',
  thresholds: z.strictObject({ windowSeconds: seconds(), calls: whole(1, 100_000) }),
  defaults: { windowSeconds: 3600, calls: 1 },
  create() {
    const counts = new CountWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      if (
        s.kind !== 'call' ||
        !s.r.liveDataSuspected ||
        s.r.catalog !== 'sandbox' ||
        s.r.client.appId === null
      )
        return;
      const r = s.r;
      const appId = r.client.appId!;
      const windowMs = t.windowSeconds * 1000;
      ids.add(appId, r.requestId);
      const n = counts.add(appId, r.atMs, windowMs);
      if (n < t.calls) return;
      counts.reset(appId);
      report({
        subject: { kind: 'app', id: appId },
        orgId: r.client.orgId,
        title: `Live data in the sandbox: ${n} call${n === 1 ? '' : 's'}`,
        summary: `${n} sandbox calls carried what looks like real customer data within ${t.windowSeconds} s (threshold ${t.calls}).`,
        count: n,
        requestIds: ids.take(appId),
        samples: [callSample(r)],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});
