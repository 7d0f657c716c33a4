import { z } from 'zod';
import { callSample, defineDetector, type Finding, RecentIds, subjectOfCall } from './detector.ts';
import { networkOf } from './network.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow } from './windows.ts';

/** Network codes for a request the network could not read (80 message format, 09 field error). */
const FORMAT_ERRORS = new Set(['80', '09']);

/**
 * Floods. Rules:
 * - request flood: `requestsPer10s` calls within 10 seconds from one network (/24, /64);
 * - edge flood: `edgeEvents` connections, oversized or over-deep bodies or slow requests (the
 *   edge's counters) within `windowSeconds` from one source address;
 * - repeated bad input: `badInputs` calls refused for their body (not JSON, too deep, a format or
 *   field error) from one subject within `windowSeconds`.
 */
export const floods = defineDetector({
  id: 'floods',
  title: 'Floods and repeated bad input',
  rule: 'requestsPer10s calls from one network within 10 s; edgeEvents oversized/over-deep/slow requests or connections from one address, or badInputs refused bodies from one subject, within windowSeconds.',
  termsClause:
    'Acceptable use: no disruption of the service (floods, denial of service); each organisation keeps those associated with it from it',
  severity: 'high',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    requestsPer10s: whole(50, 100_000_000),
    edgeEvents: whole(5, 10_000_000),
    badInputs: whole(5, 10_000_000),
  }),
  defaults: { windowSeconds: 300, requestsPer10s: 5_000, edgeEvents: 200, badInputs: 100 },
  create() {
    const perNet = new CountWindow();
    const edge = new CountWindow();
    const bad = new CountWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      const windowMs = t.windowSeconds * 1000;
      if (s.kind === 'edge') {
        if (s.what === 'unknown_path' || s.what === 'unauthenticated') return;
        const n = edge.add(s.ip, s.atMs, windowMs);
        if (n < t.edgeEvents) return;
        edge.reset(s.ip);
        report({
          subject: { kind: 'source_address', id: s.ip },
          title: `Flood: ${n} ${s.what} events`,
          summary: `${n} connections, oversized, over-deep or slow requests from one address within ${t.windowSeconds} s (threshold ${t.edgeEvents}).`,
          count: n,
          requestIds: [],
          samples: [{ what: s.what }],
          windowStartMs: s.atMs - windowMs,
          windowEndMs: s.atMs,
        });
        return;
      }
      if (s.kind !== 'call') return;
      const r = s.r;
      const net = networkOf(r.source.ip);
      const n = perNet.add(net, r.atMs, 10_000);
      const subject = subjectOfCall(r);
      const key = `${subject.kind}|${subject.id}`;
      const isBad = r.shape.bodyRefused || (r.networkCode !== null && FORMAT_ERRORS.has(r.networkCode));
      const nBad = isBad ? bad.add(key, r.atMs, windowMs) : 0;
      if (isBad) ids.add(key, r.requestId);
      const base = (): Pick<Finding, 'orgId' | 'samples' | 'windowEndMs'> => ({
        orgId: r.client.orgId,
        samples: [callSample(r)],
        windowEndMs: r.atMs,
      });
      if (n >= t.requestsPer10s) {
        perNet.reset(net);
        report({
          ...base(),
          subject: { kind: 'source_address', id: r.source.ip },
          title: `Request flood: ${n} calls in 10 s from ${net}`,
          summary: `${n} calls within 10 s from the network ${net} (threshold ${t.requestsPer10s}).`,
          count: n,
          requestIds: [r.requestId],
          windowStartMs: r.atMs - 10_000,
        });
      }
      if (nBad >= t.badInputs) {
        bad.reset(key);
        report({
          ...base(),
          subject,
          title: `Repeated bad input: ${nBad} refused requests`,
          summary: `${nBad} calls refused for their body or fields within ${t.windowSeconds} s (threshold ${t.badInputs}).`,
          count: nBad,
          requestIds: ids.take(key),
          windowStartMs: r.atMs - windowMs,
        });
      }
    };
  },
});
