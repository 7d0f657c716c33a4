import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, type SignedIn, testOrganization } from './identity-helpers.ts';

/**
 * Properties that hold for every route in the portal's OpenAPI document, generated from the
 * document itself so new routes are covered without new test code:
 * - operator routes refuse developers (403) and anonymous callers (401);
 * - fuzzed inputs (random JSON, prototype keys, huge and odd strings, wrong types) never get a 5xx
 *   and always get the house error body when refused.
 */
type Op = { method: string; path: string; operationId: string; security: Array<Record<string, unknown>> };

function operations(doc: { paths: Record<string, Record<string, Op>> }): Op[] {
  const out: Op[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.push({ ...op, method: method.toUpperCase(), path });
  }
  return out;
}

const fakeIds: Record<string, string> = {};
function fillPath(path: string, orgId: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    if (name === 'orgId') return orgId;
    const prefix = name.replace(/Id$/, '').slice(0, 3).toLowerCase();
    fakeIds[name] ??= `${prefix}_01m8zzzzzzzzzzzzzzzzzzzzzz`;
    return fakeIds[name];
  });
}

const engine = engines()[0];

describe('every route of the portal API', () => {
  let sys: TestSystem;
  let ops: Op[];
  let dev: SignedIn;
  let orgId: string;
  before(async () => {
    sys = await startTestSystem({ engine });
    const doc = (await sys.app.inject({ url: '/api/v1/openapi.json' })).json();
    ops = operations(doc);
    dev = await activeUser(sys);
    orgId = await testOrganization(sys, dev);
  });
  after(() => sys.cleanup());

  test('operator routes: developers get 403, anonymous callers 401', async () => {
    const operatorOps = ops.filter((o) => o.security?.some((s) => 'operatorSession' in s));
    assert.ok(operatorOps.length >= 10, `only ${operatorOps.length} operator routes found`);
    for (const op of operatorOps) {
      const url = fillPath(op.path, orgId);
      const payload = ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined;
      const asDev = await sys.app.inject({ method: op.method as 'GET', url, headers: dev.headers, payload });
      assert.equal(
        asDev.statusCode,
        403,
        `${op.operationId} as developer: ${asDev.statusCode} ${asDev.body}`,
      );
      const anon = await sys.app.inject({ method: op.method as 'GET', url, payload });
      assert.equal(anon.statusCode, 401, `${op.operationId} anonymous: ${anon.statusCode}`);
    }
  });

  test('fuzzed requests never produce a 5xx and refusals use the house error body', async () => {
    const odd = fc.oneof(
      fc.jsonValue(),
      fc.constant('{"__proto__":{"isAdmin":true},"role":"operator"}'),
      fc.constant('{"constructor":{"prototype":{"polluted":1}}}'),
      fc.constant('{"orgId":"org_01m8zzzzzzzzzzzzzzzzzzzzzz","isOperator":true,"rateLimit":1e9}'),
      fc.string({ minLength: 0, maxLength: 3000, unit: 'binary' }),
      fc.dictionary(
        fc.string({ maxLength: 12 }),
        fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)),
      ),
      fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 20 }),
    );
    const unsafe = ops.filter((o) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(o.method));
    let sent = 0;
    for (const op of [...unsafe, ...ops.filter((o) => o.method === 'GET')]) {
      const samples = fc.sample(odd, { numRuns: 6, seed: 42 + sent });
      for (const [i, body] of samples.entries()) {
        const url =
          fillPath(op.path, orgId) +
          (op.method === 'GET'
            ? `?q=${encodeURIComponent(typeof body === 'string' ? body : (JSON.stringify(body) ?? '')).slice(0, 200)}&limit=-1`
            : '');
        const payload =
          op.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const res = await sys.app.inject({
          method: op.method as 'POST',
          url,
          headers: {
            ...(i % 2 === 0 ? dev.headers : {}),
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          payload,
        });
        sent++;
        assert.ok(
          res.statusCode < 500,
          `${op.operationId} ${res.statusCode} for ${(payload ?? url).slice(0, 200)}: ${res.body}`,
        );
        if (res.statusCode >= 400 && res.headers['content-type']?.includes('json')) {
          const err = res.json().error;
          assert.ok(
            err && typeof err.code === 'string' && typeof err.requestId === 'string',
            `${op.operationId}: ${res.body}`,
          );
        }
      }
    }
    assert.ok(sent > 300, `only ${sent} requests sent`);
  });
});
