import { sourceNetwork } from '../../platform/http/source-network.ts';

/**
 * The network a source address belongs to (a /24 for IPv4, a /64 for IPv6): the platform's
 * `sourceNetwork`, which the oauth module also uses for the network a token was issued to, so the
 * two always agree. Remembered for the last few thousand addresses: two detectors ask for every
 * call, and a busy gateway's calls come from few addresses.
 */
const known = new Map<string, string>();
const KNOWN_MAX = 4_096;

export function networkOf(ip: string): string {
  let net = known.get(ip);
  if (net === undefined) {
    net = sourceNetwork(ip);
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(ip, net);
  }
  return net;
}
