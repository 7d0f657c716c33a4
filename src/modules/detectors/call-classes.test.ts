import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BODY_CLASSES, classify, maySignature, probeClassOf, userAgentClassOf } from './call-classes.ts';
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

  it('a text value that merely ends in sleep or benchmark is not an SQL signature (a JSON string ends in a quote)', () => {
    for (const narration of ['Need more sleep', 'Benchmark', 'PG_SLEEP'])
      assert.equal(probeClassOf('/p/path-1', JSON.stringify({ Narration: narration })), null, narration);
    assert.equal(probeClassOf('/p/path-1', JSON.stringify({ AccountNumberTo: '1 and sleep(5)' })), 'sql');
    assert.equal(
      probeClassOf('/p/path-1', JSON.stringify({ AccountNumberTo: "1' and benchmark('x')" })),
      'sql',
    );
    assert.equal(probeClassOf('/p/path-1?q=waitfor%20delay%20%270:0:5%27', ''), 'sql');
  });

  it('the pre-check: a text it passes over matches no signature pattern (property)', () => {
    // Pieces of every pattern's alternatives, in both cases, with their neighbours and a few
    // characters that case-fold oddly, so that generated texts often do match a pattern.
    const pieces = [
      ...["'", '%27', '%2e', '%2E', '%2f', '%5c', '%20', '/**/', '+', ' ', '\t', '\n', '"', '(', ')', ':'],
      ...['or', 'OR', 'and', '=', 'like', 'union', 'UNION', 'Union', 'all', 'select', 'SELECT', ';'],
      ...['drop', 'sleep', 'SLEEP', 'pg_sleep', 'benchmark', 'waitfor', 'delay', '--', '#', '<', '>'],
      ...['script', 'javascript:', 'JavaScript:', 'on', 'error', 'load', 'focus', 'svg', 'img', 'x'],
      ...['{', '}', '{{', '$', '${', '<%', '#{', '`', '|', '&', '&&', 'cat', 'id', 'ls', 'sh', '1'],
      ...[
        '..',
        '.',
        '/',
        '\\',
        'etc',
        'passwd',
        'win',
        'boot',
        'ini',
        'INI',
        'win.ini',
        'boot.INI',
        '/etc/',
        '../',
        'ſ',
        'İ',
        '\u212a',
        'é',
      ],
    ];
    const text = fc.oneof(
      fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((a) => a.join('')),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    let matched = 0;
    fc.assert(
      fc.property(text, (t) => {
        const any = BODY_CLASSES.some(([, re]) => re.test(t));
        if (any) matched++;
        return maySignature(t) || !any;
      }),
      { numRuns: 20_000 },
    );
    assert.ok(
      matched > 1_000,
      `the texts generated match a pattern often enough to test the pre-check (${matched})`,
    );
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
