import { BlockList, isIP } from 'node:net';

/**
 * When the development mailbox (GET /api/v1/dev/mail) may answer. It shows every message the
 * portal sent — password-reset and invitation links included — without a sign-in, so whoever can
 * read it can take over any account. It is therefore served only where nobody else can reach it:
 *
 * - `off`: production, or the server listens on anything but a loopback address (0.0.0.0 and ::
 *   listen on every interface, so they are not loopback);
 * - `loopback`: development or test listening on 127.0.0.0/8, ::1, ::ffff:127.0.0.1 or `localhost`;
 *   even then only requests whose Host names a loopback name or address are answered, so a web page
 *   on another origin cannot reach it through DNS rebinding (its requests carry the attacker's name);
 * - `unsafe-public`: outside production, DEV_MAILBOX_UNSAFE_PUBLIC=true serves it on any address to
 *   any Host. The start line and the mailbox page say so.
 */
export type DevMailboxMode = 'off' | 'loopback' | 'unsafe-public';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True for a literal loopback address (IPv4-mapped IPv6 included). Names other than localhost are not. */
function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 subnet.
  return loopback.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The listen address (HOST) is loopback: a loopback literal or the name `localhost`. */
export function isLoopbackListenHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (h === 'localhost') return true;
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  return isLoopbackAddress(bare);
}

/**
 * The request's Host header names this machine's loopback: `localhost`, 127.x.x.x or [::1] (with
 * or without a port). A missing or malformed Host is not loopback.
 */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (!header) return false;
  const h = header.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return false;
    name = h.slice(1, end);
    rest = h.slice(end + 1);
    if (isIP(name) !== 6) return false;
  } else {
    const colon = h.indexOf(':');
    name = colon < 0 ? h : h.slice(0, colon);
    rest = colon < 0 ? '' : h.slice(colon);
    if (isIP(name) === 6) return false; // IPv6 in a Host header must be bracketed
  }
  if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return false;
  if (name === 'localhost' || name === 'localhost.') return true;
  return isLoopbackAddress(name);
}

export function devMailboxMode(config: {
  nodeEnv: string;
  host: string;
  devMailboxUnsafePublic: boolean;
}): DevMailboxMode {
  if (config.nodeEnv === 'production') return 'off';
  if (config.devMailboxUnsafePublic) return 'unsafe-public';
  return isLoopbackListenHost(config.host) ? 'loopback' : 'off';
}

/**
 * What the server's start line says about the mailbox (empty when there is nothing to say). The
 * unsafe warning is given in every role; the plain notes only where the portal API is served.
 */
export function devMailboxStartNote(mode: DevMailboxMode, config: { nodeEnv: string; role: string }): string {
  if (mode === 'unsafe-public') {
    return '\nWARNING: DEV_MAILBOX_UNSAFE_PUBLIC=true: the development mailbox (/api/v1/dev/mail) is open to anyone who can reach this server, with every password-reset and invitation link in it; anyone can take over any account. Never use this setting where others can connect.';
  }
  if (config.role !== 'all' && config.role !== 'portal') return '';
  if (mode === 'loopback') return '; development mailbox at /api/v1/dev/mail for loopback requests only';
  if (config.nodeEnv !== 'production') {
    return '; development mailbox off (HOST is not a loopback address)';
  }
  return '';
}
