import { sourceAddressKey } from './source-address.ts';

/**
 * The network a source address belongs to, as the detectors count sources and as a token keeps
 * the network it was issued to: a /24 for IPv4 (`192.0.2.0/24`) and a /64 for IPv6
 * (`2001:db8:0:1::/64`); an IPv4-mapped IPv6 address counts as IPv4. One customer's NAT or prefix
 * is one network; what is not an address is its own network (`unknown` when missing).
 */
export function sourceNetwork(ip: string | undefined): string {
  const key = sourceAddressKey(ip);
  if (key === 'unknown') return ip || 'unknown';
  if (key.endsWith('/64')) return key;
  return `${key.slice(0, key.lastIndexOf('.'))}.0/24`;
}
