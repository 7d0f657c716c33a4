import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorCatalogue } from '../src/main.ts';
import { startTestSystem, type TestSystem } from './harness.ts';
import { root } from './process-helpers.ts';

/**
 * The error-code reference (GET /api/v1/errors, rendered at /docs/errors) lists every code the
 * portal API, the OAuth token endpoint and the gateway can answer with, each with its status, its
 * meaning and what to do next; every `docs` link of an error body points at one of its entries.
 * The listing is generated from the composed catalogue (main.ts, every module's errors.ts), and the
 * catalogue is checked against the source: a code answered anywhere in src must be in it.
 */
type Entry = { code: string; status: number; area: string; meaning: string; action: string };

/** Every code literal the source answers with: AppError, GatewayError, OAuthError, error bodies, route contracts. */
function codesUsedInSource(): Map<string, string> {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join('src', f));
  const patterns = [
    /new AppError\(\s*'([a-z0-9_]+)'/g,
    /(?:new GatewayError|gatewayError)\(\s*'([a-z0-9_]+)'/g,
    /new OAuthError\(\s*'[a-z_]+',\s*'([a-z0-9_]+)'/g,
    /errorBody\(\s*'([a-z0-9_]+)'/g,
    /refusal\(\s*\d+,\s*'([a-z0-9_]+)'/g,
    /lookupError\(\s*'([a-z0-9_]+)'/g,
  ];
  const used = new Map<string, string>();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) used.set(m[1], f);
    for (const m of text.matchAll(/\berrors: \[([^\]]*)\]/g))
      for (const c of m[1].matchAll(/'([a-z0-9_]+)'/g)) used.set(c[1], f);
  }
  return used;
}

describe('error-code reference', () => {
  let sys: TestSystem;
  let items: Entry[] = [];
  before(async () => {
    sys = await startTestSystem();
    const res = await sys.app.inject({ method: 'GET', url: '/api/v1/errors' });
    assert.equal(res.statusCode, 200, res.body);
    items = res.json().items;
  });
  after(async () => {
    await sys.cleanup();
  });

  test('lists every registered code once, with its status, meaning and what to do next', () => {
    const registry = errorCatalogue;
    const byCode = new Map(items.map((i) => [i.code, i]));
    assert.equal(byCode.size, items.length, 'a code is listed twice');
    assert.deepEqual([...byCode.keys()].sort(), Object.keys(registry).sort());
    for (const [code, def] of Object.entries(registry)) {
      const e = byCode.get(code)!;
      assert.equal(e.status, def.status, code);
      assert.equal(e.meaning, def.message, code);
      assert.ok(e.action.trim().length >= 15, `${code} has no real "what to do" text: ${e.action}`);
      assert.notEqual(e.action, e.meaning, `${code}: "what to do" repeats the meaning`);
      assert.ok(e.area, `${code} has no area`);
    }
    // The three surfaces are all there.
    for (const c of ['validation_failed', 'gateway_invalid_token', 'oauth_client_auth_failed']) {
      assert.ok(byCode.has(c), `${c} missing`);
    }
  });

  test('every code the source answers with is registered, so it is in the reference', () => {
    const listed = new Set(items.map((i) => i.code));
    const used = codesUsedInSource();
    assert.ok(used.size > 50, `the source scan found only ${used.size} codes`);
    const missing = [...used].filter(([c]) => !listed.has(c)).map(([c, f]) => `${c} (${f})`);
    assert.deepEqual(missing, [], 'codes answered but not registered');
  });

  test('the docs link of portal, gateway and OAuth error bodies names an entry of the reference', async () => {
    const listed = new Set(items.map((i) => i.code));
    const base = `${sys.config.publicUrl}/docs/errors#`;
    const portal = (await sys.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' })).json();
    const gateway = (
      await sys.app.inject({ method: 'POST', url: '/darwaza/sandbox/path-1', payload: {} })
    ).json();
    const oauth = (
      await sys.app.inject({
        method: 'POST',
        url: '/darwaza/sandbox/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=password',
      })
    ).json();
    for (const [where, link] of [
      ['portal', portal.error.docs],
      ['gateway', gateway.error.docs],
      ['oauth', oauth.error_uri],
    ] as const) {
      assert.ok(typeof link === 'string' && link.startsWith(base), `${where}: ${link}`);
      assert.ok(listed.has(link.slice(base.length)), `${where}: ${link} names no entry`);
    }
  });
});
