import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticate } from './authenticate.ts';
import { DirectoryCache } from './directory-cache.ts';
import type { GatewayError } from './gateway-errors.ts';
import { FakeDirectory } from './testing.ts';

const NOW = Date.UTC(2026, 10, 23, 9);

function setup() {
  const dir = new FakeDirectory();
  dir.addApp(
    { appId: 'app_a', clientId: 'ca', orgId: 'org_a' },
    { token: 'ta', secret: 'sa', expiresAtMs: NOW + 60_000 },
  );
  dir.addApp({ appId: 'app_b', clientId: 'cb', orgId: 'org_b' }, { token: 'tb' });
  dir.tokens.set('t-narrow', {
    appId: 'app_a',
    clientId: 'ca',
    scopes: ['other'],
    expiresAtMs: NOW + 1000,
    environment: 'sandbox',
  });
  dir.tokens.set('t-old', {
    appId: 'app_a',
    clientId: 'ca',
    scopes: ['1LinkApi'],
    expiresAtMs: NOW - 1,
    environment: 'sandbox',
  });
  return new DirectoryCache(dir);
}

const input = (headers: Record<string, string>, over: Partial<Parameters<typeof authenticate>[1]> = {}) => ({
  headers,
  rawQuery: '',
  catalog: 'sandbox' as const,
  requiresClientSecret: false,
  nowMs: NOW,
  requiredScope: '1LinkApi',
  ...over,
});

async function refused(p: Promise<unknown>, status: number, code: string, www?: RegExp) {
  await assert.rejects(p, (e: GatewayError) => {
    assert.equal(e.status, status);
    assert.equal(e.code, code);
    if (www) assert.match(e.headers['www-authenticate'], www);
    return true;
  });
}

describe('authenticate: one app, two catalogs (issue 35)', () => {
  // The same app seen through its sandbox client id ('cs') and its production one ('cp'), each with
  // a token of its own catalog and a secret of its own.
  function twoCatalogs() {
    const dir = new FakeDirectory();
    dir.addApp({ appId: 'app_x', clientId: 'cs', orgId: 'org_x' }, { token: 'ts', secret: 'ss' });
    dir.addApp(
      { appId: 'app_x', clientId: 'cp', orgId: 'org_x', environment: 'production' },
      { token: 'tp', secret: 'sp' },
    );
    return new DirectoryCache(dir);
  }
  it('accepts each client id with its own token at its own catalog', async () => {
    const c = twoCatalogs();
    const s = await authenticate(c, input({ 'x-ibm-client-id': 'cs', authorization: 'Bearer ts' }));
    assert.equal(s.app.environment, 'sandbox');
    const p = await authenticate(
      c,
      input({ 'x-ibm-client-id': 'cp', authorization: 'Bearer tp' }, { catalog: 'production' }),
    );
    assert.equal(p.app.environment, 'production');
    assert.equal(p.app.appId, s.app.appId);
  });
  it('refuses a client id of the other catalog, naming the catalog it belongs to', async () => {
    const c = twoCatalogs();
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'cp', authorization: 'Bearer tp' })),
      401,
      'credential_wrong_catalog',
      /error="invalid_token".*production catalog/,
    );
  });
  it("refuses a token of the other catalog with the right catalog's client id", async () => {
    const c = twoCatalogs();
    await refused(
      authenticate(
        c,
        input({ 'x-ibm-client-id': 'cp', authorization: 'Bearer ts' }, { catalog: 'production' }),
      ),
      401,
      'credential_wrong_catalog',
      /error="invalid_token".*access token belongs to the sandbox catalog/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'cs', authorization: 'Bearer tp' })),
      401,
      'credential_wrong_catalog',
      /production catalog/,
    );
  });
  it("never takes one catalog's secret for the other's", async () => {
    const c = twoCatalogs();
    const prod = { 'x-ibm-client-id': 'cp', authorization: 'Bearer tp' };
    await refused(
      authenticate(
        c,
        input(
          { ...prod, 'x-ibm-client-secret': 'ss' },
          { catalog: 'production', requiresClientSecret: true },
        ),
      ),
      401,
      'gateway_invalid_client_secret',
    );
    const ok = await authenticate(
      c,
      input({ ...prod, 'x-ibm-client-secret': 'sp' }, { catalog: 'production', requiresClientSecret: true }),
    );
    assert.equal(ok.app.clientId, 'cp');
    await refused(
      authenticate(
        c,
        input(
          { 'x-ibm-client-id': 'cs', authorization: 'Bearer ts', 'x-ibm-client-secret': 'sp' },
          { requiresClientSecret: true },
        ),
      ),
      401,
      'gateway_invalid_client_secret',
    );
  });
});

describe('authenticate', () => {
  it('accepts the client id header (or its alias) with a bearer token of the same client', async () => {
    const c = setup();
    assert.equal(
      (await authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer ta' }))).app.appId,
      'app_a',
    );
    assert.equal(
      (await authenticate(c, input({ 'x-client-id': 'ca', authorization: 'bearer ta' }))).app.appId,
      'app_a',
    );
  });
  it('refuses with RFC 6750 codes', async () => {
    const c = setup();
    await refused(
      authenticate(c, input({ authorization: 'Bearer ta' })),
      401,
      'gateway_invalid_client',
      /^Bearer realm="darwaza"$/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca' })),
      401,
      'gateway_invalid_token',
      /^Bearer realm="darwaza"$/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer' })),
      400,
      'gateway_invalid_token',
      /invalid_request/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer nope' })),
      401,
      'gateway_invalid_token',
      /invalid_token/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer tb' })),
      401,
      'gateway_invalid_token',
      /another client/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer t-old' })),
      401,
      'gateway_invalid_token',
      /expired/,
    );
    await refused(
      authenticate(c, input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer t-narrow' })),
      403,
      'gateway_insufficient_scope',
      /insufficient_scope/,
    );
    // Issue 35: the other catalog's client id is RFC 6750 invalid_token with credential_wrong_catalog
    // and a description naming the catalog it belongs to (it was gateway_invalid_token).
    await refused(
      authenticate(
        c,
        input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer ta' }, { catalog: 'production' }),
      ),
      401,
      'credential_wrong_catalog',
      /invalid_token.*sandbox catalog/,
    );
    await refused(
      authenticate(
        c,
        input({ 'x-ibm-client-id': 'ca', authorization: 'Bearer ta' }, { rawQuery: 'x=1&access_token=ta' }),
      ),
      400,
      'gateway_token_in_query',
      /invalid_request/,
    );
  });
  it('checks the client secret only where the operation needs it', async () => {
    const c = setup();
    const h = { 'x-ibm-client-id': 'ca', authorization: 'Bearer ta' };
    await refused(
      authenticate(c, input(h, { requiresClientSecret: true })),
      401,
      'gateway_invalid_client_secret',
    );
    await refused(
      authenticate(c, input({ ...h, 'x-ibm-client-secret': 'bad' }, { requiresClientSecret: true })),
      401,
      'gateway_invalid_client_secret',
    );
    assert.ok(
      await authenticate(c, input({ ...h, 'x-ibm-client-secret': 'sa' }, { requiresClientSecret: true })),
    );
  });
});
