import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, probeClassOf, userAgentClassOf } from './call-classes.ts';
import { call } from './test-support.ts';

/** The classes the detectors' worker computes from a call record's raw inputs. */
describe('call classes (probe signatures, user agents)', () => {
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

  it('user agents: tools, browsers and SDKs by their usual prefixes; none without one', () => {
    const cases: Array<[string | null, string]> = [
      [null, 'none'],
      ['', 'none'],
      ['curl/8.5.0', 'curl'],
      ['Mozilla/5.0 (X11; Linux x86_64)', 'browser'],
      ['okhttp/4.12.0', 'sdk'],
      ['sqlmap/1.8#stable (https://sqlmap.org)', 'scanner'],
      ['Nuclei - Open-source project', 'scanner'],
      ['k6/0.49.0 (https://k6.io/)', 'load_tool'],
      ['ApacheBench/2.3', 'load_tool'],
      ['my-app/1.0', 'other'],
    ];
    for (const [ua, cls] of cases) assert.equal(userAgentClassOf(ua), cls, String(ua));
  });

  it('classify computes missing classes from the inputs, keeps given ones, and drops the inputs', () => {
    const { probe: _p, source: _s, ...bare } = call();
    const fed = {
      ...bare,
      path: '/p/path-1',
      source: { ip: '10.0.0.9' },
      inputs: { query: '?q=1%20UNION%20SELECT%20x', bodyHead: '', userAgent: 'sqlmap/1.8' },
    };
    const r = classify(fed);
    assert.equal(r.probe, 'sql', 'the query is scanned with the path');
    assert.deepEqual(r.source, { ip: '10.0.0.9', userAgent: 'scanner' });
    assert.equal('inputs' in r, false, 'the raw inputs are not kept');
    const body = classify({
      ...fed,
      inputs: { query: '', bodyHead: '{"a":"<script>x</script>"}', userAgent: null },
    });
    assert.equal(body.probe, 'script');
    assert.equal(body.source.userAgent, 'none');
    const given = classify({ ...fed, probe: null, source: { ip: '10.0.0.9', userAgent: 'sdk' } });
    assert.equal(given.probe, null, 'a class given is kept (not recomputed from the inputs)');
    assert.equal(given.source.userAgent, 'sdk');
  });
});
