import { isIP } from 'node:net';

/**
 * The unit a throttle counts a client's address in. An IPv4 address counts alone; an IPv6 address
 * counts by its /64 — one subscriber's allocation, so stepping through the 2^64 addresses of one
 * network gains nothing — and an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack
 * socket reports for IPv4 peers) counts as the IPv4 address it carries. Returns `192.0.2.1` or
 * `2001:db8:0:1::/64`; anything that is not an address (a missing peer) becomes `unknown`, one
 * shared unit.
 */
export function sourceAddressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.includes('%') ? ip.slice(0, ip.indexOf('%')) : ip;
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return 'unknown';
  const words = ipv6Words(address);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    if (words[5] === 0xffff) {
      return `${words[6] >> 8}.${words[6] & 0xff}.${words[7] >> 8}.${words[7] & 0xff}`;
    }
  }
  return `${words
    .slice(0, 4)
    .map((w) => w.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit words of a valid IPv6 address (compressed or not, dotted IPv4 tail or not). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((h) => Number.parseInt(h, 16)) : [];
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}
