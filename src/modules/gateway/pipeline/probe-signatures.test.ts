import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeClassOf } from './probe-signatures.ts';

/** The signature classes the call record carries for the detectors' pen-test rule. */
describe('probe signatures', () => {
  it('the signatures: injection, traversal and probe paths match; ordinary 1LINK bodies do not', () => {
    const hits: Array<[string, string, string]> = [
      ['/p/path-1', `{"AccountNumberTo":"1' OR '1'='1"}`, 'sql'],
      ['/p/path-1?q=1%20UNION%20SELECT%20password', '', 'sql'],
      ['/p/path-1', '{"Narration":"<script>alert(1)</script>"}', 'script'],
      ['/p/path-1', '{"Narration":"{{7*7}}"}', 'template'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the probe payload itself.
      ['/p/path-1', '{"Narration":"${jndi:ldap://x}"}', 'template'],
      ['/p/path-1', '{"Narration":"; cat /etc/hosts"}', 'command'],
      ['/p/../../etc/passwd', '', 'traversal'],
      ['/.env', '', 'probe_path'],
      ['/wp-login.php', '', 'probe_path'],
    ];
    for (const [url, body, cls] of hits) assert.equal(probeClassOf(url, body), cls, `${url} ${body}`);
    const ordinary = JSON.stringify({
      AccountNumberTo: '1234567890123456',
      Narration: 'Rent for Dec - flat 3/B',
      TransactionDate: '1207',
      Amount: '000000010000',
      nested: { a: [[1, 2]], b: { c: 1 } },
    });
    assert.equal(probeClassOf('/1link/sandbox/path-1', ordinary), null);
  });
});
