/**
 * The network a source address belongs to (a /24 for IPv4, a /64 for IPv6): the platform's
 * `sourceNetwork`, which the oauth module also uses for the network a token was issued to, so the
 * two always agree.
 */
export { sourceNetwork as networkOf } from '../../platform/http/source-network.ts';
