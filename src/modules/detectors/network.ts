import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a source address belongs to, as detectors count sources: a /24 for IPv4 and a /64
 * for IPv6 (an IPv4-mapped IPv6 address counts as IPv4). One customer's NAT or prefix is one
 * network; an address the parser does not know is its own network.
 */
export function networkOf(ip: string): string {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return `${v4.slice(0, v4.lastIndexOf('.'))}.0/24`;
  if (!isIPv6(ip)) return ip;
  return `${expand6(ip).slice(0, 4).join(':')}::/64`;
}

function expand6(ip: string): string[] {
  const [head, tail] = ip.split('%')[0]!.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => (g === '' ? '0' : g.toLowerCase().replace(/^0+(?=.)/, '')));
}
