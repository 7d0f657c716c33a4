/**
 * Penetration-test signatures, read off the call (records.ts builds the call record after the
 * call, in the feed's batch): the first class whose pattern a request's path, query or body text
 * matches, or null. The detectors module's pen-test rule reads the class, never the payload
 * (docs/detectors.md, "Signals"). One pass per class over the text; a request body is bounded by
 * the gateway's body limit, so the cost is bounded too (docs/performance.md item 31).
 */
export type ProbeClass = 'sql' | 'script' | 'template' | 'command' | 'traversal' | 'probe_path';

const BODY_CLASSES: ReadonlyArray<readonly [ProbeClass, RegExp]> = [
  [
    'sql',
    /(?:'|%27)\s*(?:or|and)\s+[\w'"]+\s*(?:=|like)|union(?:\s|\+|%20|\/\*\*\/)+(?:all\s+)?select|;\s*(?:drop|delete|insert|update|shutdown)\s|\b(?:sleep|benchmark|pg_sleep|waitfor\s+delay)\s*[('"]|'\s*(?:--|#)/i,
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

export function probeClassOf(url: string, bodyText: string): ProbeClass | null {
  if (PROBE_PATH.test(url)) return 'probe_path';
  let text = url;
  try {
    if (url.includes('%')) text = decodeURIComponent(url);
  } catch {}
  for (const [cls, re] of BODY_CLASSES)
    if (re.test(text) || (bodyText !== '' && re.test(bodyText))) return cls;
  return null;
}
