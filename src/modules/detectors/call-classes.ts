import type { CallRecord, ClassedCallRecord, ProbeClass, UserAgentClass } from '../gateway/index.ts';

/**
 * The two classes of a call that need a scan, computed in the detectors' worker thread (never on
 * the serving thread) from the raw inputs the gateway's call record carries (`inputs`: the query,
 * the body's head, the User-Agent), which are dropped once classed:
 * - `probe`: the first penetration-test signature class whose pattern the request's path, query
 *   or body head matches, or null. The pen-test rule reads the class, never the payload
 *   (docs/detectors.md, "Signals"). One pass per class over the text; the body head is bounded
 *   (BODY_HEAD_SIZE of the gateway's records.ts), so the cost is bounded too.
 * - the User-Agent's class (scanner, load_tool, …): the string itself is never kept.
 */

export const BODY_CLASSES: ReadonlyArray<readonly [ProbeClass, RegExp]> = [
  [
    'sql',
    /(?:'|%27)\s*(?:or|and)\s+[\w'"]+\s*(?:=|like)|union(?:\s|\+|%20|\/\*\*\/)+(?:all\s+)?select|;\s*(?:drop|delete|insert|update|shutdown)\s|\b(?:sleep|benchmark|pg_sleep|waitfor\s+delay)\s*[(']|'\s*(?:--|#)/i,
  ],
  [
    'script',
    /<\s*script|javascript:|\bon(?:error|load|mouseover|focus)\s*=|<\s*(?:svg|img|iframe)[^>]*\bon\w+\s*=/i,
  ],
  ['template', /\{\{[^}]*\}\}|\$\{[^}]*\}|<%=?|#\{[^}]*\}/],
  [
    'command',
    /(?:;|\||&&|\n)\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|bash|sh|ping|nslookup)\b|`[^`]+`|\$\([^)]+\)/i,
  ],
  ['traversal', /\.\.[/\\]|%2e%2e(?:%2f|%5c|\/|\\)|\/etc\/(?:passwd|shadow)|\bwin\.ini\b|\bboot\.ini\b/i],
];

/** Paths scanners ask for on any server; none of them is a gateway operation. */
const PROBE_PATH =
  /\/(?:\.env|\.git|\.aws|\.ssh|wp-admin|wp-login|wp-content|phpmyadmin|admin\.php|xmlrpc\.php|actuator|server-status|cgi-bin|config\.json|\.DS_Store|swagger-ui|console|solr|jmx-console|manager\/html)/i;

/**
 * What every alternative of every BODY_CLASSES pattern needs at least one of: one of these
 * characters or sequences (case-insensitive), or one of SIGNATURE_WORDS. Each kind is a pattern
 * V8 scans fast (a character-class or punctuation-led alternation; a literal word list apart).
 */
const SIGNATURE_MARK = /[<'`;|$#=\n(]|&&|\.\.|\{\{|%2[7e]|\.ini|\/etc\//i;
const SIGNATURE_WORDS = /union|javascript:/i;

/**
 * False only when no BODY_CLASSES pattern can match `text` (a property test holds it to that).
 * An ordinary 1LINK body carries none of the marks, and this costs a sixth of running the five
 * patterns over it (docs/detectors.md, "Signals").
 */
export function maySignature(text: string): boolean {
  return SIGNATURE_MARK.test(text) || SIGNATURE_WORDS.test(text);
}

/** The signature class of a request target (path and query) and body text, or null. */
export function probeClassOf(url: string, bodyText: string): ProbeClass | null {
  if (PROBE_PATH.test(url)) return 'probe_path';
  let text = url;
  try {
    if (url.includes('%')) text = decodeURIComponent(url);
  } catch {}
  const inUrl = maySignature(text);
  const inBody = bodyText !== '' && maySignature(bodyText);
  if (!inUrl && !inBody) return null;
  for (const [cls, re] of BODY_CLASSES)
    if ((inUrl && re.test(text)) || (inBody && re.test(bodyText))) return cls;
  return null;
}

const SDK = /^(okhttp|Apache-HttpClient|python-requests|axios|node-fetch|undici|Java|Go-http-client)/i;
const SCANNER =
  /sqlmap|nikto|nmap|nuclei|acunetix|burp|zaproxy|owasp|wpscan|dirbuster|gobuster|ffuf|masscan|netsparker|wfuzz/i;
const LOAD_TOOL =
  /^(k6\/|ApacheBench|wrk|hey\/|locust|Gatling|artillery|vegeta|autocannon|siege|bombardier|JMeter)/i;

/** A coarse class of a User-Agent header. */
export function userAgentClassOf(ua: string | null | undefined): UserAgentClass {
  if (!ua) return 'none';
  if (ua.startsWith('curl/')) return 'curl';
  if (ua.startsWith('Mozilla/')) return 'browser';
  if (SDK.test(ua)) return 'sdk';
  if (SCANNER.test(ua)) return 'scanner';
  if (LOAD_TOOL.test(ua)) return 'load_tool';
  return 'other';
}

/** A body head as text: bytes are UTF-8 (a character cut at the end reads as U+FFFD). */
function headText(head: string | Buffer | undefined): string {
  return head === undefined ? '' : typeof head === 'string' ? head : head.toString('utf8');
}

/**
 * The record with its classes: those it carries are kept (records built classed: tests,
 * benchmarks), missing ones are computed from `inputs` (absent inputs count as none sent).
 * The answer carries no `inputs`.
 */
export function classify(r: CallRecord): ClassedCallRecord {
  const { inputs, probe, source, ...rest } = r;
  return {
    ...rest,
    probe:
      probe !== undefined ? probe : probeClassOf(r.path + (inputs?.query ?? ''), headText(inputs?.bodyHead)),
    source: { ip: source.ip, userAgent: source.userAgent ?? userAgentClassOf(inputs?.userAgent) },
  };
}
