/**
 * Test support for raw-socket HTTP tests: reads one content-length-framed response off the front of
 * the bytes received so far, or null when it is not complete yet.
 */
export type RawReply = {
  status: number;
  /** Status line and header lines as sent (latin1), without the blank line. */
  head: string;
  /** Lower-case names; a repeated name keeps its last value. */
  headers: Record<string, string>;
  body: string;
};

export function takeResponse(buf: Buffer): { reply: RawReply; rest: Buffer } | null {
  const he = buf.indexOf('\r\n\r\n');
  if (he < 0) return null;
  const head = buf.toString('latin1', 0, he);
  const lines = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const len = Number(headers['content-length'] ?? 0);
  if (buf.length < he + 4 + len) return null;
  return {
    reply: {
      status: Number(lines[0].split(' ')[1]),
      head,
      headers,
      body: buf.toString('utf8', he + 4, he + 4 + len),
    },
    rest: buf.subarray(he + 4 + len),
  };
}
