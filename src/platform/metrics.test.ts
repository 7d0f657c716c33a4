import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createMetrics } from './metrics.ts';

/** The exposition passes Prometheus' own linter (promtool) when it is installed, and its rules here. */
test('metrics text follows Prometheus naming rules (promtool check metrics when available)', async () => {
  const m = createMetrics();
  m.http.observe('GET', '/healthz', '200', 0.002);
  const text = await m.registry.metrics();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
  }
  for (const [name, type] of types) {
    if (name.endsWith('_total')) assert.equal(type, 'counter', `${name} is a ${type} named like a counter`);
    if (type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} lacks _total`);
  }
  assert.ok(types.has('darwaza_nodejs_active_resources'));
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (promtool.error) return; // promtool not installed: the rules above are the check
  assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
});

test('HTTP series: counts, cumulative buckets, sum and count in the exposition', async () => {
  const m = createMetrics({ defaultMetrics: false });
  const s = m.http.series('POST', '/darwaza/sandbox/path-1', '200');
  for (const v of [0.0004, 0.0005, 0.003, 0.2, 7]) s.observe(v);
  m.http.observe('POST', '/darwaza/sandbox/path-1', '429', 0.001);
  const text = await m.registry.metrics();
  const line = (name: string, labels: string) => {
    const re = new RegExp(`^${name}\\{${labels.replace(/[+.]/g, '\\$&')}\\} (\\S+)$`, 'm');
    const hit = re.exec(text);
    assert.ok(hit, `${name}{${labels}} in\n${text}`);
    return Number(hit[1]);
  };
  const l = 'method="POST",route="/darwaza/sandbox/path-1",status="200"';
  assert.equal(line('darwaza_http_requests_total', l), 5);
  assert.equal(line('darwaza_http_requests_total', l.replace('200', '429')), 1);
  // le is inclusive: 0.0005 falls in the 0.0005 bucket; 7 s only in +Inf.
  assert.equal(line('darwaza_http_request_duration_seconds_bucket', `${l},le="0.0005"`), 2);
  assert.equal(line('darwaza_http_request_duration_seconds_bucket', `${l},le="0.005"`), 3);
  assert.equal(line('darwaza_http_request_duration_seconds_bucket', `${l},le="0.25"`), 4);
  assert.equal(line('darwaza_http_request_duration_seconds_bucket', `${l},le="2.5"`), 4);
  assert.equal(line('darwaza_http_request_duration_seconds_bucket', `${l},le="+Inf"`), 5);
  assert.equal(line('darwaza_http_request_duration_seconds_count', l), 5);
  assert.ok(Math.abs(line('darwaza_http_request_duration_seconds_sum', l) - 7.2039) < 1e-9);
  assert.match(text, /# TYPE darwaza_http_request_duration_seconds histogram/);
  assert.match(text, /# TYPE darwaza_http_requests_total counter/);
});
