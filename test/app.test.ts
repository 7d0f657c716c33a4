import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

describe('HTTP foundation', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ engine: engines()[0] });
  });
  after(() => sys.cleanup());

  test('every response carries x-request-id; a well-formed incoming id is kept', async () => {
    const a = await sys.app.inject({ url: '/healthz' });
    assert.equal(a.statusCode, 200);
    assert.match(String(a.headers['x-request-id']), /^req_[0-9a-z]{26}$/);
    const b = await sys.app.inject({ url: '/healthz', headers: { 'x-request-id': 'client-trace-12345' } });
    assert.equal(b.headers['x-request-id'], 'client-trace-12345');
    const c = await sys.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\r\nx' } });
    assert.match(String(c.headers['x-request-id']), /^req_/);
  });

  test('unknown API routes answer with the house error body', async () => {
    const r = await sys.app.inject({ url: '/api/v1/nothing-here' });
    assert.equal(r.statusCode, 404);
    const body = r.json();
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'docs', 'message', 'requestId']);
    assert.equal(body.error.code, 'route_not_found');
    assert.equal(body.error.requestId, r.headers['x-request-id']);
  });

  test('malformed JSON, wrong media type and oversized bodies are 4xx with stable codes', async () => {
    const bad = await sys.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/ntf_x/read',
      headers: { 'content-type': 'application/json' },
      payload: '{"oops":',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'malformed_json');
    const media = await sys.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/ntf_x/read',
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    assert.equal(media.statusCode, 415);
    assert.equal(media.json().error.code, 'unsupported_media_type');
    const big = await sys.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/ntf_x/read',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'a'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'payload_too_large');
    const proto = await sys.app.inject({
      method: 'POST',
      url: '/api/v1/me/notifications/ntf_x/read',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__":{"isAdmin":true}}',
    });
    assert.ok(proto.statusCode >= 400 && proto.statusCode < 500);
  });

  test('protected routes refuse anonymous callers with 401', async () => {
    const r = await sys.app.inject({ url: '/api/v1/admin/audit/events' });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'unauthenticated');
  });

  test('readiness reports the database', async () => {
    const r = await sys.app.inject({ url: '/readyz' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().checks.database, 'ok');
  });

  test('metrics expose request counts and latency per route template', async () => {
    await sys.app.inject({ url: '/healthz' });
    const r = await sys.app.inject({ url: '/metrics' });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /darwaza_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(r.body, /darwaza_http_request_duration_seconds_bucket\{/);
  });

  test('the OpenAPI document is 3.1 with a unique operationId on every operation', async () => {
    const r = await sys.app.inject({ url: '/api/v1/openapi.json' });
    const doc = r.json();
    assert.equal(doc.openapi, '3.1.0');
    const ids: string[] = [];
    for (const ops of Object.values(doc.paths) as Array<Record<string, { operationId: string }>>) {
      for (const op of Object.values(ops)) ids.push(op.operationId);
    }
    assert.ok(ids.includes('listDevMail'));
    assert.equal(new Set(ids).size, ids.length);
  });

  test('the development mailbox lists outbox messages newest first', async () => {
    await sys.services.mailer.send({
      to: 'dev@example.com',
      subject: 'hello',
      text: 't',
      kind: 'activation',
    });
    const r = await sys.app.inject({ url: '/api/v1/dev/mail?to=dev@example.com' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().items[0].subject, 'hello');
  });

  test('security headers are present on responses', async () => {
    const r = await sys.app.inject({ url: '/healthz' });
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
  });
});

describe('production mode', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ env: { NODE_ENV: 'production' } });
  });
  after(() => sys.cleanup());

  test('the development mailbox is disabled', async () => {
    const r = await sys.app.inject({ url: '/api/v1/dev/mail' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'dev_mailbox_disabled');
  });
});

describe('readiness when the database is gone', () => {
  test('answers 503 and names the failing dependency', async () => {
    const sys = await startTestSystem();
    await sys.database.close();
    const r = await sys.app.inject({ url: '/readyz' });
    assert.equal(r.statusCode, 503);
    assert.match(r.json().checks.database, /^unavailable/);
    await sys.cleanup();
  });
});
