import { z } from 'zod';
import { callSample, defineDetector, RecentIds } from './detector.ts';
import { networkOf } from './network.ts';
import { seconds, whole } from './thresholds.ts';
import { DistinctWindow } from './windows.ts';

/**
 * Credential sharing. Rule: one client id, on calls the gateway authenticated, seen within
 * `windowSeconds` from `networks` different networks (a /24 for IPv4, a /64 for IPv6) or with
 * `userAgents` different user-agent classes.
 */
export const credentialSharing = defineDetector({
  id: 'credential_sharing',
  title: 'Credential sharing',
  rule: 'One client id used from at least networks networks (/24, /64) or userAgents user-agent classes within windowSeconds.',
  termsClause:
    'Credentials: keep client secrets and tokens confidential; do not share them with third parties',
  severity: 'medium',
  thresholds: z.strictObject({
    windowSeconds: seconds(),
    networks: whole(2, 10_000),
    userAgents: whole(2, 7),
  }),
  defaults: { windowSeconds: 3600, networks: 4, userAgents: 4 },
  create() {
    const nets = new DistinctWindow();
    const agents = new DistinctWindow();
    const ids = new RecentIds();
    return (s, t, report) => {
      if (s.kind !== 'call' || s.r.client.appId === null || s.r.errorCode?.startsWith('gateway_invalid'))
        return;
      const r = s.r;
      const appId = r.client.appId!;
      const windowMs = t.windowSeconds * 1000;
      const net = networkOf(r.source.ip);
      const nNets = nets.add(appId, net, r.atMs, windowMs);
      const nAgents = agents.add(appId, r.source.userAgent, r.atMs, windowMs);
      ids.add(appId, r.requestId, 5);
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
        samples: [
          callSample(r, {
            networks: networks.slice(-10).map((n) => n.replace(/^(\d+\.\d+)\.\d+/, '$1.x')),
            userAgents,
          }),
        ],
        windowStartMs: r.atMs - windowMs,
        windowEndMs: r.atMs,
      });
    };
  },
});
