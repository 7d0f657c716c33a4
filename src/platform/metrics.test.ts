import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createMetrics } from './metrics.ts';

/** The exposition passes Prometheus' own linter (promtool) when it is installed, and its rules here. */
test('metrics text follows Prometheus naming rules (promtool check metrics when available)', async () => {
  const m = createMetrics();
  m.httpRequests.inc({ method: 'GET', route: '/healthz', status: '200' });
  m.httpDuration.observe({ method: 'GET', route: '/healthz', status: '200' }, 0.002);
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
