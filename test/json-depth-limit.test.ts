import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, type SignedIn } from './identity-helpers.ts';

/**
 * The nesting bound (64 levels, src/platform/http/json-depth.ts) outside the gateway: portal routes
 * refuse a deeper JSON body with 400 `json_too_deep` before it is parsed; the OAuth endpoints
 * (which take forms) refuse it as RFC 6749's invalid_request with the same stable code, never with
 * a 5xx. Neither records usage.
 */
const nested = (n: number, leaf = '1') => `${'{"a":'.repeat(n)}${leaf}${'}'.repeat(n)}`;

describe('JSON nesting bound on the portal and OAuth endpoints', () => {
  let sys: TestSystem;
  let user: SignedIn;
  before(async () => {
    sys = await startTestSystem();
    user = await activeUser(sys);
  });
  after(() => sys.cleanup());

  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    sys.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });

  it('a portal body nested deeper than 64 levels: 400 json_too_deep in the house shape, for any depth', async () => {
    for (const depth of [65, 1000, 5000, 50_000]) {
      const r = await post('/api/v1/sessions', nested(depth));
      assert.equal(r.statusCode, 400, `depth ${depth}`);
      const body = r.json();
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'docs', 'message', 'requestId']);
      assert.equal(body.error.code, 'json_too_deep');
      assert.equal(body.error.requestId, r.headers['x-request-id']);
    }
    // Signed in, on a route with a body schema: the same answer.
    const deep = await post(`/api/v1/orgs`, nested(100), user.headers);
    assert.equal(deep.json().error.code, 'json_too_deep');
  });

  it('64 levels are parsed and go on to validation; brackets inside strings do not count', async () => {
    const at64 = await post('/api/v1/sessions', `{"email":"x@example.com","extra":${nested(63)}}`);
    assert.notEqual(at64.json().error?.code, 'json_too_deep');
    assert.ok(at64.statusCode < 500);
    const inString = await post(
      '/api/v1/sessions',
      JSON.stringify({ email: 'x@example.com', password: '['.repeat(5000) }),
    );
    assert.notEqual(inString.json().error?.code, 'json_too_deep');
    assert.ok(inString.statusCode < 500);
  });

  it('the OAuth token endpoint refuses a deep JSON body: invalid_request with darwaza_code json_too_deep', async () => {
    for (const path of ['token', 'revoke', 'introspect']) {
      const r = await post(`/${sys.config.gatewayProvider}/sandbox/oauth2/${path}`, nested(5000));
      assert.equal(r.statusCode, 400, path);
      assert.equal(r.json().error, 'invalid_request');
      assert.equal(r.json().darwaza_code, 'json_too_deep');
      assert.equal(r.headers['cache-control'], 'no-store');
    }
  });

  it('no usage row for portal or OAuth refusals', async () => {
    const n = await sys.database.db
      .selectFrom('gateway_usage')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    assert.equal(Number(n?.n), 0);
  });
});
