import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults give the embedded setup', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.role, 'all');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.publicUrl, 'http://127.0.0.1:3000');
  assert.equal(c.usageWriter, 'worker');
  assert.equal(c.gatewayHttp, 'lean');
  assert.equal(c.requestLogRetentionDays, 30);
  assert.equal(c.requestLogBodiesPerAppPerSecond, 10);
  assert.equal(c.sandboxTimeoutMs, undefined);
  assert.equal(loadConfig({ SANDBOX_TIMEOUT_MS: '250' }).sandboxTimeoutMs, 250);
});

test('each bad value names the setting and what is allowed, in one line', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^invalid setting PORT: must be a whole number from 1 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^invalid setting PORT: /],
    [{ DATABASE_URL: 'nonsense' }, /^invalid setting DATABASE_URL: must be a URL like postgres:/],
    [{ DATABASE_URL: 'mysql://x/y' }, /^invalid setting DATABASE_URL/],
    [{ REDIS_URL: 'http://x' }, /^invalid setting REDIS_URL: must be a URL like redis:/],
    [{ ROLE: 'boss' }, /^invalid setting ROLE: must be one of all, portal, gateway, worker/],
    [{ LOG_LEVEL: 'loud' }, /^invalid setting LOG_LEVEL/],
    [{ MASTER_KEY: 'short' }, /^invalid setting MASTER_KEY: must be 32 bytes/],
    [{ USAGE_WRITER: 'thread' }, /^invalid setting USAGE_WRITER: must be one of worker, inline/],
    [{ GATEWAY_HTTP: 'fast' }, /^invalid setting GATEWAY_HTTP: must be one of lean, node/],
    [{ REQUEST_LOG_RETENTION_DAYS: '0' }, /^invalid setting REQUEST_LOG_RETENTION_DAYS/],
    [{ SANDBOX_TIMEOUT_MS: '3001' }, /^invalid setting SANDBOX_TIMEOUT_MS/],
    [
      { REQUEST_LOG_BODIES_PER_APP_PER_SECOND: '-1' },
      /^invalid setting REQUEST_LOG_BODIES_PER_APP_PER_SECOND/,
    ],
  ];
  for (const [env, re] of cases) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && re.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});

test('URLs with credentials are never echoed back in errors', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' }),
    (err: Error) => !err.message.includes('hunter2'),
  );
});

test('valid URLs are accepted', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    REDIS_URL: 'redis://localhost:6379',
  });
  assert.equal(c.databaseUrl, 'postgres://u:p@localhost:5432/db');
  assert.equal(c.redisUrl, 'redis://localhost:6379');
});

test('TRUST_PROXY: unset trusts no proxy; a list of addresses, ranges and names; anything else stops', () => {
  assert.deepEqual(loadConfig({}).trustProxy, []);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.2, 10.1.0.0/16,fd00::/8,::1,loopback' }).trustProxy, [
    '10.0.0.2',
    '10.1.0.0/16',
    'fd00::/8',
    '::1',
    'loopback',
  ]);
  for (const bad of ['true', '*', '10.0.0.0/33', '::/129', '10.0.0.1/8/1', 'proxy.example', '10.0.0.1,']) {
    assert.throws(
      () => loadConfig({ TRUST_PROXY: bad }),
      (err: unknown) => err instanceof ConfigError && /^invalid setting TRUST_PROXY: /.test(err.message),
      bad,
    );
  }
});
