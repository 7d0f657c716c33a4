import { z } from 'zod';
import { callSample, defineDetector, RecentIds, subjectKeyOf, subjectOfCall } from './detector.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/**
 * Penetration-test signatures. Rule: `signatures` calls within `windowSeconds` from one subject
 * whose path, query or body carry an attack signature (SQL, script, template or command
 * injection, path traversal, a scanner's usual probe paths: the call record's `probe`, computed in
 * the detectors' worker by call-classes.ts) or whose user agent is a known scanner. The payload is
 * never kept: the evidence names the signature class.
 */
export const penTest = defineDetector({
  id: 'pen_test',
  title: 'Penetration-test signatures',
  rule: 'signatures calls carrying an injection, traversal or probe-path signature, or from a scanner user agent, from one subject within windowSeconds.',
  termsClause:
    'Acceptable use: no penetration tests, vulnerability scans or security probing without written permission',
  severity: 'high',
  thresholds: z.strictObject({ windowSeconds: seconds(), signatures: whole(1, 10_000) }),
  defaults: { windowSeconds: 300, signatures: 3 },
  create() {
    const counts = new CountWindow();
    const ids = new RecentIds();
    const classes = new Map<string, Set<string>>();
    return (s, t, report) => {
      if (s.kind !== 'call') return;
      const r = s.r;
      const cls = r.probe ?? (r.source.userAgent === 'scanner' ? 'scanner_user_agent' : null);
      if (cls === null) return;
      const key = subjectKeyOf(r);
      const windowMs = t.windowSeconds * 1000;
      ids.add(key, r.requestId);
      if (classes.size > 50_000) classes.clear();
      const seen = classes.get(key) ?? new Set<string>();
      seen.add(cls);
      classes.set(key, seen);
      const n = counts.add(key, r.atMs, windowMs);
      if (n < t.signatures) return;
      counts.reset(key);
      classes.delete(key);
      report({
        subject: subjectOfCall(r),
        orgId: r.client.orgId,
        title: `Penetration-test signatures: ${[...seen].join(', ')}`,
        summary: `${n} calls with attack signatures (${[...seen].join(', ')}) within ${t.windowSeconds} s (threshold ${t.signatures}).`,
        count: n,
        requestIds: ids.take(key),
        samples: [callSample(r, { signature: cls })],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});
