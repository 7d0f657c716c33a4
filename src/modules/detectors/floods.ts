import { z } from 'zod';
import { callFinding, defineDetector, RecentIds, subjectKeyOf, subjectOfCall } from './detector.ts';
import { networkOf } from './network.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow, DistinctWindow } from './windows.ts';

/** Network codes for a request the network could not read (80 message format, 09 field error). */
const FORMAT_ERRORS = new Set(['80', '09']);

/**
 * Floods. Rules:
 * - request flood: `requestsPer10s` calls within 10 seconds from one network (/24, /64);
 * - connection flood: `requestsPer10s` connections opened within 10 seconds from one network
 *   (the edge's connection counter; a client without keep-alive opens one per call);
 * - edge flood: `edgeEvents` requests refused at the edge (oversized or over-deep bodies, slow
 *   requests, unauthenticated or rate-limited ones: the edge's counters) within `windowSeconds`
 *   from one source address;
 * - repeated bad input: `badInputs` calls refused for their body (not JSON, too deep, a format or
 *   field error) from one subject within `windowSeconds`.
 */
export const floods = defineDetector({
  id: 'floods',
  title: 'Floods and repeated bad input',
  rule: 'requestsPer10s calls or connections from one network within 10 s; edgeEvents requests refused at the edge (oversized, over-deep, slow, unauthenticated, rate-limited) from one address, or badInputs refused bodies from one subject, within windowSeconds.',
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
    const kinds = new DistinctWindow();
    const conns = new CountWindow();
    const bad = new CountWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      const windowMs = t.windowSeconds * 1000;
      if (s.kind === 'edge') {
        if (s.what === 'unknown_path') return; // scanning's
        if (s.what === 'connection') {
          const net = networkOf(s.ip);
          const nConns = conns.add(net, s.atMs, 10_000, s.count ?? 1);
          if (nConns < t.requestsPer10s) return;
          conns.reset(net);
          report({
            subject: { kind: 'source_address', id: s.ip },
            title: `Connection flood: ${nConns} connections in 10 s from ${net}`,
            summary: `${nConns} connections opened within 10 s from the network ${net} (threshold ${t.requestsPer10s}).`,
            count: nConns,
            requestIds: [],
            samples: [{ what: s.what, network: net }],
            windowStartMs: s.atMs - 10_000,
            windowEndMs: s.atMs,
          });
          return;
        }
        const n = edge.add(s.ip, s.atMs, windowMs, s.count ?? 1);
        kinds.add(s.ip, s.what, s.atMs, windowMs);
        if (n < t.edgeEvents) return;
        const seen = kinds.values(s.ip);
        edge.reset(s.ip);
        kinds.reset(s.ip);
        report({
          subject: { kind: 'source_address', id: s.ip },
          title: `Flood: ${n} refused requests (${seen.join(', ')})`,
          summary: `${n} requests refused at the edge (oversized, over-deep, slow, unauthenticated or rate-limited) from one address within ${t.windowSeconds} s (threshold ${t.edgeEvents}).`,
          count: n,
          requestIds: [],
          samples: [{ what: seen, path: s.path }],
          windowStartMs: s.atMs - windowMs,
          windowEndMs: s.atMs,
        });
        return;
      }
      if (s.kind !== 'call') return;
      const r = s.r;
      const net = networkOf(r.source.ip);
      const n = perNet.add(net, r.atMs, 10_000);
      const key = subjectKeyOf(r);
      const isBad = r.shape.bodyRefused || (r.networkCode !== null && FORMAT_ERRORS.has(r.networkCode));
      const nBad = isBad ? bad.add(key, r.atMs, windowMs) : 0;
      if (isBad) ids.add(key, r.requestId);
      if (n >= t.requestsPer10s) {
        perNet.reset(net);
        report(
          callFinding(r, {
            subject: { kind: 'source_address', id: r.source.ip },
            title: `Request flood: ${n} calls in 10 s from ${net}`,
            summary: `${n} calls within 10 s from the network ${net} (threshold ${t.requestsPer10s}).`,
            count: n,
            requestIds: [r.requestId],
            windowStartMs: r.atMs - 10_000,
          }),
        );
      }
      if (nBad >= t.badInputs) {
        bad.reset(key);
        report(
          callFinding(r, {
            subject: subjectOfCall(r),
            title: `Repeated bad input: ${nBad} refused requests`,
            summary: `${nBad} calls refused for their body or fields within ${t.windowSeconds} s (threshold ${t.badInputs}).`,
            count: nBad,
            requestIds: ids.take(key),
            windowStartMs: r.atMs - windowMs,
          }),
        );
      }
    };
  },
});
