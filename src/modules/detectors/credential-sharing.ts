import { z } from 'zod';
import type { CallRecord } from '../gateway/index.ts';
import { callSample, defineDetector, type Finding, RecentIds } from './detector.ts';
import { networkOf } from './network.ts';
import { seconds, whole } from './thresholds.ts';
import { CountWindow, DistinctWindow } from './windows.ts';

/**
 * Credential sharing. Rules, per client id on calls the gateway authenticated, within
 * `windowSeconds`:
 * - seen from `networks` different networks (a /24 for IPv4, a /64 for IPv6) or with `userAgents`
 *   different user-agent classes;
 * - `elsewhereCalls` calls made with access tokens from a network other than the one each token
 *   was issued to (the token's issue network rides in the call record: `client.tokenNetwork`).
 */
export const credentialSharing = defineDetector({
  id: 'credential_sharing',
  title: 'Credential sharing',
  rule: 'One client id used from at least networks networks (/24, /64) or userAgents user-agent classes, or elsewhereCalls calls with a token from a network other than the one it was issued to, within windowSeconds.',
  termsClause:
    'Credentials: keep client secrets and tokens confidential; do not share them with third parties',
  severity: 'medium',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    networks: whole(2, 10_000),
    userAgents: whole(2, 7),
    elsewhereCalls: whole(1, 1_000_000),
  }),
  defaults: { windowSeconds: 3600, networks: 4, userAgents: 4, elsewhereCalls: 20 },
  create() {
    const nets = new DistinctWindow();
    const agents = new DistinctWindow();
    const elsewhere = new CountWindow();
    const ids = new RecentIds(5);
    const elsewhereIds = new RecentIds(5);
    return (s, t, report) => {
      if (s.kind !== 'call' || s.r.client.appId === null || s.r.errorCode?.startsWith('gateway_invalid'))
        return;
      const r = s.r;
      const appId = r.client.appId!;
      const windowMs = t.windowSeconds * 1000;
      const net = networkOf(r.source.ip);
      const issued = r.client.tokenNetwork;
      if (issued !== null && issued !== net) {
        elsewhereIds.add(appId, r.requestId);
        const n = elsewhere.add(appId, r.atMs, windowMs);
        if (n >= t.elsewhereCalls) {
          elsewhere.reset(appId);
          report(elsewhereFinding(r, appId, n, issued, net, t.windowSeconds, t.elsewhereCalls, elsewhereIds));
        }
      }
      const nNets = nets.add(appId, net, r.atMs, windowMs);
      const nAgents = agents.add(appId, r.source.userAgent, r.atMs, windowMs);
      ids.add(appId, r.requestId);
      if (nNets < t.networks && nAgents < t.userAgents) return;
      const networks = nets.values(appId);
      const userAgents = agents.values(appId);
      nets.reset(appId);
      agents.reset(appId);
      report({
        subject: { kind: 'app', id: appId },
        orgId: r.client.orgId,
        title: `Credential sharing: ${networks.length} networks, ${userAgents.length} user agents`,
        summary: `One client id was used from ${networks.length} networks and ${userAgents.length} user-agent classes within ${t.windowSeconds} s (thresholds ${t.networks} networks, ${t.userAgents} agents).`,
        count: Math.max(networks.length, userAgents.length),
        requestIds: ids.take(appId),
        samples: [callSample(r, { networks: networks.slice(-10).map(maskNetwork), userAgents })],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});

/** A network as evidence: an IPv4 /24 with its third part masked (IPv6 prefixes kept). */
function maskNetwork(n: string): string {
  return n.replace(/^(\d+\.\d+)\.\d+/, '$1.x');
}

function elsewhereFinding(
  r: CallRecord,
  appId: string,
  n: number,
  issued: string,
  used: string,
  windowSeconds: number,
  threshold: number,
  ids: RecentIds,
): Finding {
  return {
    subject: { kind: 'app', id: appId },
    orgId: r.client.orgId,
    title: `Credential sharing: ${n} calls with tokens used away from where they were issued`,
    summary: `${n} calls within ${windowSeconds} s were made with access tokens from a network other than the one each was issued to (threshold ${threshold}); the latest token was issued to ${maskNetwork(issued)} and used from ${maskNetwork(used)}.`,
    count: n,
    requestIds: ids.take(appId),
    samples: [callSample(r, { tokenIssuedTo: maskNetwork(issued), usedFrom: maskNetwork(used) })],
    windowStartMs: r.atMs - windowSeconds * 1000,
    windowEndMs: r.atMs,
  };
}
