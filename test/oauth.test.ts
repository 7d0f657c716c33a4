import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { errorCatalogue } from '../src/main.ts';
import {
  ADDRESS_BLOCK_MS,
  ADDRESS_FAILURE_LIMIT,
  CLIENT_FAILURE_CAP,
  CLIENT_FAILURE_WINDOW_MS,
} from '../src/modules/oauth/index.ts';
import type { ErrorEntry } from '../src/platform/errors.ts';
import { CACHE_INVALIDATE_CHANNEL } from '../src/platform/shared-state/cache-invalidation.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { redisSkipReason, testSharedStates } from '../src/platform/testing.ts';
import { type AppsWorld, appsWorld, call, createApp, dumpDatabase, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

type TokenAnswer = Awaited<ReturnType<typeof tokenCall>>;

/**
 * An OAuth error answer: RFC 6749's `error`, the stable `darwaza_code` with its `error_uri` on the
 * error-code page, the code's registered status, and no-store.
 */
function assertOAuthError(r: TokenAnswer, error: string, code: string, status?: number): void {
  const where = JSON.stringify(r.body);
  assert.equal(r.body?.error, error, where);
  assert.equal(r.body.darwaza_code, code, where);
  assert.equal(r.body.error_uri, `http://localhost:3000/docs/errors#${code}`, where);
  assert.equal(typeof r.body.error_description, 'string', where);
  const entry = (errorCatalogue as Record<string, ErrorEntry>)[code];
  assert.equal(r.status, status ?? entry?.status, where);
  assert.equal(r.status, entry?.status, `${code} is in the catalogue with this status`);
  assert.equal(r.headers['cache-control'], 'no-store');
}

for (const engine of engines()) {
  describe(`OAuth2 token endpoint on ${engine.name}`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let app: Awaited<ReturnType<typeof createApp>>;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
    });
    after(() => sys.cleanup());

    const form = (a = app, extra: Record<string, string> = {}) => ({
      grant_type: 'client_credentials',
      client_id: a.clientId,
      client_secret: a.clientSecret,
      scope: '1LinkApi',
      ...extra,
    });

    test('form credentials: a bearer token, no-store, 1LINK-shaped response', async () => {
      const r = await tokenCall(sys, form());
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.token_type, 'Bearer');
      assert.equal(r.body.expires_in, 3600);
      assert.equal(r.body.scope, '1LinkApi');
      assert.equal(typeof r.body.consented_on, 'number');
      assert.equal(r.body.refresh_token, undefined);
      assert.ok(Buffer.from(r.body.access_token, 'base64url').length >= 16, '≥ 128 bits');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers.pragma, 'no-cache');
      const v = await sys.services.gatewayDirectory.verifyAccessToken(r.body.access_token);
      assert.equal(v?.appId, app.appId);
      assert.equal(v?.environment, 'sandbox');
      assert.ok(v!.expiresAtMs - sys.clock.nowMs() <= 3600_000);
    });

    test('HTTP Basic credentials (form-urlencoded halves), scope defaults to 1LinkApi', async () => {
      const r = await tokenCall(
        sys,
        { grant_type: 'client_credentials' },
        { basic: [app.clientId, app.clientSecret] },
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.scope, '1LinkApi');
      const withIbm = await tokenCall(sys, form(), { headers: { 'x-ibm-client-id': app.clientId } });
      assert.equal(withIbm.status, 200);
    });

    test('an independent client library (openid-client) gets tokens with Basic and with form auth', async () => {
      const address = await sys.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `${address}/${sys.config.gatewayProvider}/sandbox`;
      const meta = { issuer: base, token_endpoint: `${base}/oauth2/token` };
      for (const auth of [
        oidc.ClientSecretBasic(app.clientSecret),
        oidc.ClientSecretPost(app.clientSecret),
      ]) {
        const config = new oidc.Configuration(meta, app.clientId, undefined, auth);
        oidc.allowInsecureRequests(config);
        const tokens = await oidc.clientCredentialsGrant(config, { scope: '1LinkApi' });
        assert.equal(tokens.token_type.toLowerCase(), 'bearer');
        assert.equal(tokens.expires_in, 3600);
        assert.ok(await sys.services.gatewayDirectory.verifyAccessToken(tokens.access_token));
      }
      const bad = new oidc.Configuration(
        meta,
        app.clientId,
        undefined,
        oidc.ClientSecretBasic('wrong-secret'),
      );
      oidc.allowInsecureRequests(bad);
      await assert.rejects(oidc.clientCredentialsGrant(bad, { scope: '1LinkApi' }), (err: any) => {
        // 401 with a WWW-Authenticate challenge (openid-client reports the challenge itself).
        assert.equal(err.status, 401);
        assert.ok(
          err.error === 'invalid_client' || err.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
          err.message,
        );
        return true;
      });
    });

    test('RFC 6749 errors, each with its stable darwaza_code and error_uri: wrong secret, unknown grant, missing grant, bad scope, two methods, JSON body', async () => {
      const wrongForm = await tokenCall(sys, form(app, { client_secret: 'nope' }));
      assertOAuthError(wrongForm, 'invalid_client', 'oauth_client_auth_failed', 401);
      assert.ok(wrongForm.headers['www-authenticate']);
      const wrongBasic = await tokenCall(
        sys,
        { grant_type: 'client_credentials' },
        { basic: [app.clientId, 'nope'] },
      );
      assertOAuthError(wrongBasic, 'invalid_client', 'oauth_client_auth_failed', 401);
      assert.match(String(wrongBasic.headers['www-authenticate']), /^Basic /);
      const unknownClient = await tokenCall(sys, form({ ...app, clientId: 'f'.repeat(32) }));
      assertOAuthError(unknownClient, 'invalid_client', 'oauth_client_auth_failed', 401);
      for (const grant of [
        'password',
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ]) {
        const r = await tokenCall(sys, form(app, { grant_type: grant }));
        assertOAuthError(r, 'unsupported_grant_type', 'oauth_unsupported_grant_type', 400);
      }
      const missing = await tokenCall(sys, { client_id: app.clientId, client_secret: app.clientSecret });
      assertOAuthError(missing, 'invalid_request', 'oauth_invalid_request', 400);
      const scope = await tokenCall(sys, form(app, { scope: '1LinkApi admin' }));
      assertOAuthError(scope, 'invalid_scope', 'oauth_invalid_scope', 400);
      const both = await tokenCall(sys, form(), { basic: [app.clientId, app.clientSecret] });
      assertOAuthError(both, 'invalid_request', 'oauth_invalid_request', 400);
      const noAuth = await tokenCall(sys, { grant_type: 'client_credentials' });
      assertOAuthError(noAuth, 'invalid_client', 'oauth_client_auth_failed', 401);
      const json = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(form()),
      });
      assertOAuthError(
        { status: json.statusCode, body: json.json(), headers: json.headers },
        'invalid_request',
        'oauth_invalid_request',
        400,
      );
      const dup = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams(form()).toString()}&grant_type=client_credentials`,
      });
      assertOAuthError(
        { status: dup.statusCode, body: dup.json(), headers: dup.headers },
        'invalid_request',
        'oauth_invalid_request',
        400,
      );
      const ibmMismatch = await tokenCall(sys, form(), { headers: { 'x-ibm-client-id': 'a'.repeat(32) } });
      assertOAuthError(ibmMismatch, 'invalid_client', 'oauth_client_auth_failed', 401);
      const badCatalog = await tokenCall(sys, form(), { catalog: 'nowhere' });
      assertOAuthError(badCatalog, 'invalid_request', 'oauth_unknown_catalog', 404);
      // Issue 35: the other catalog is unauthorized_client + credential_wrong_catalog (the secret was
      // right), no longer invalid_client + oauth_wrong_catalog.
      const prod = await tokenCall(sys, form(), { catalog: 'production' });
      assertOAuthError(prod, 'unauthorized_client', 'credential_wrong_catalog', 400);
    });

    test('unsubscribed app: invalid_client "client_id unauthorized" (API Connect behaviour)', async () => {
      const bare = await createApp(sys, w.ownerA, w.orgA, { name: 'bare' });
      const r = await tokenCall(sys, form(bare));
      assertOAuthError(r, 'invalid_client', 'oauth_not_subscribed', 401);
      assert.equal(r.body.error_description, 'client_id unauthorized');
    });

    test('suspended app: unauthorized_client naming the suspension (a wrong secret stays invalid_client), its live tokens die; reinstated it works again', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'to suspend', planId: w.plans.ibftDefault });
      const tok = (await tokenCall(sys, form(a))).body.access_token;
      const s = await call(sys, w.operator, 'POST', `/api/v1/admin/apps/${a.appId}/status`, {
        status: 'suspended',
        reason: 'flooding',
      });
      assert.equal(s.status, 200, s.raw);
      const r = await tokenCall(sys, form(a));
      // RFC 6749: the client authenticated but may not have a token — never a wrong-secret answer.
      assertOAuthError(r, 'unauthorized_client', 'oauth_app_suspended', 400);
      assert.match(r.body.error_description, /suspended/);
      assert.doesNotMatch(r.body.error_description, /authentication failed|wrong|invalid/i);
      assert.equal(r.headers['www-authenticate'], undefined);
      // Only after the secret verified: a wrong secret learns nothing about the suspension.
      const wrong = await tokenCall(
        sys,
        form({
          ...a,
          clientSecret: `${a.clientSecret.slice(0, -1)}${a.clientSecret.endsWith('x') ? 'y' : 'x'}`,
        }),
      );
      assertOAuthError(wrong, 'invalid_client', 'oauth_client_auth_failed', 401);
      assert.doesNotMatch(wrong.body.error_description, /suspend/);
      // HTTP Basic credentials read the same.
      const basic = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${a.clientId}:${a.clientSecret}`).toString('base64')}`,
        },
        payload: 'grant_type=client_credentials',
      });
      assert.equal(basic.statusCode, 400);
      assert.equal(basic.json().darwaza_code, 'oauth_app_suspended');
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null);
      assert.equal((await sys.services.gatewayDirectory.findAppByClientId(a.clientId))?.status, 'suspended');
      const listed = await call(
        sys,
        w.operator,
        'GET',
        `/api/v1/admin/apps?status=suspended&orgId=${w.orgA}`,
      );
      assert.deepEqual(
        listed.body.items.map((x: any) => x.id),
        [a.appId],
      );
      assert.equal(
        (await call(sys, w.operator, 'GET', `/api/v1/admin/apps/${a.appId}`)).body.status,
        'suspended',
      );
      await call(sys, w.operator, 'POST', `/api/v1/admin/apps/${a.appId}/status`, {
        status: 'active',
        reason: 'resolved',
      });
      assert.equal((await tokenCall(sys, form(a))).status, 200);
    });

    test('suspended organisation: its apps read as suspended at the token endpoint', async () => {
      const a = await createApp(sys, w.ownerB, w.orgB, {
        name: 'org to suspend',
        planId: w.plans.ibftDefault,
      });
      assert.equal((await tokenCall(sys, form(a))).status, 200);
      const orgStatus = (status: string) =>
        sys.database.db.updateTable('organizations').set({ status }).where('id', '=', w.orgB).execute();
      await orgStatus('suspended');
      try {
        const r = await tokenCall(sys, form(a));
        assertOAuthError(r, 'unauthorized_client', 'oauth_app_suspended', 400);
        assert.match(r.body.error_description, /suspended/);
      } finally {
        await orgStatus('active');
      }
      assert.equal((await tokenCall(sys, form(a))).status, 200);
    });

    test('terminated organisation: unauthorized_client with its own code (revoked); a wrong secret stays invalid_client', async () => {
      const a = await createApp(sys, w.ownerB, w.orgB, { name: 'org to end', planId: w.plans.ibftDefault });
      const orgStatus = (status: string) =>
        sys.database.db.updateTable('organizations').set({ status }).where('id', '=', w.orgB).execute();
      await orgStatus('terminated');
      try {
        const r = await tokenCall(sys, form(a));
        assertOAuthError(r, 'unauthorized_client', 'oauth_app_revoked', 400);
        assert.match(r.body.error_description, /revoked/);
        assert.doesNotMatch(r.body.error_description, /authentication failed/);
        const wrong = await tokenCall(sys, form({ ...a, clientSecret: 'not-the-secret' }));
        assertOAuthError(wrong, 'invalid_client', 'oauth_client_auth_failed', 401);
      } finally {
        await orgStatus('active');
      }
    });

    test('sandbox credentials are refused by the production catalog, which names the catalog to use', async () => {
      const r = await tokenCall(sys, form(), { catalog: 'production' });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'unauthorized_client');
      assert.equal(r.body.darwaza_code, 'credential_wrong_catalog');
      assert.match(r.body.error_description, /sandbox credentials/);
      assert.match(r.body.error_description, /no production credentials yet/);
    });

    test('rotation: two secrets work in the overlap; the revoked one fails at once and is announced', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'rotating', planId: w.plans.ibftDefault });
      const messages: string[] = [];
      const unsub = await sys.sharedState.subscribe(CACHE_INVALIDATE_CHANNEL, (m) => messages.push(m));
      const second = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/secrets`, {});
      assert.equal(second.status, 201, second.raw);
      const newSecret = second.body.clientSecret as string;
      const oldTok = (await tokenCall(sys, form(a))).body.access_token;
      assert.equal((await tokenCall(sys, form({ ...a, clientSecret: newSecret }))).status, 200);
      const appView = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
      const oldId = appView.body.secrets.find((s: any) => s.id !== second.body.secret.id).id;
      const t0 = Date.now();
      const rev = await call(
        sys,
        w.ownerA,
        'DELETE',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/secrets/${oldId}`,
      );
      assert.equal(rev.status, 204, rev.raw);
      const denied = await tokenCall(sys, form(a));
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(denied.status, 401);
      assert.equal(denied.body.error, 'invalid_client');
      assert.equal(
        await sys.services.gatewayDirectory.verifyAccessToken(oldTok),
        null,
        'tokens die with their secret',
      );
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, a.clientSecret, 'sandbox'),
        false,
      );
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, newSecret, 'sandbox'),
        true,
      );
      assert.equal((await tokenCall(sys, form({ ...a, clientSecret: newSecret }))).status, 200);
      await new Promise((r) => setTimeout(r, 20));
      const parsed = messages.map((m) => JSON.parse(m));
      assert.ok(
        parsed.some((m) => m.kind === 'client' && m.id === a.clientId && m.appId === a.appId),
        messages.join(),
      );
      await unsub();
    });

    test('revocation (RFC 7009) and introspection (RFC 7662) for the app itself only', async () => {
      const other = await createApp(sys, w.ownerB, w.orgB, { name: 'other', planId: w.plans.ibftDefault });
      const mine = (await tokenCall(sys, form())).body.access_token;
      const theirs = (await tokenCall(sys, form(other))).body.access_token;
      const intro = await tokenCall(
        sys,
        { token: mine },
        { path: 'introspect', basic: [app.clientId, app.clientSecret] },
      );
      assert.equal(intro.status, 200);
      assert.equal(intro.body.active, true);
      assert.equal(intro.body.client_id, app.clientId);
      const cross = await tokenCall(
        sys,
        { token: theirs },
        { path: 'introspect', basic: [app.clientId, app.clientSecret] },
      );
      assert.deepEqual(cross.body, { active: false });
      const crossRevoke = await tokenCall(
        sys,
        { token: theirs },
        { path: 'revoke', basic: [app.clientId, app.clientSecret] },
      );
      assert.equal(crossRevoke.status, 200);
      assert.ok(
        await sys.services.gatewayDirectory.verifyAccessToken(theirs),
        "another app's token is untouched",
      );
      const rev = await tokenCall(
        sys,
        { token: mine, token_type_hint: 'access_token' },
        { path: 'revoke', basic: [app.clientId, app.clientSecret] },
      );
      assert.equal(rev.status, 200);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(mine), null);
      const after = await tokenCall(
        sys,
        { token: mine },
        { path: 'introspect', basic: [app.clientId, app.clientSecret] },
      );
      assert.deepEqual(after.body, { active: false });
      const unauth = await tokenCall(sys, { token: mine }, { path: 'introspect' });
      assert.equal(unauth.status, 401);
    });

    test('tokens die with their subscription, app and organisation, and expire within the hour', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'mortal', planId: w.plans.ibftDefault });
      let tok = (await tokenCall(sys, form(a))).body.access_token;
      const un = await call(
        sys,
        w.ownerA,
        'DELETE',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/subscriptions/${a.subscriptionId}`,
      );
      assert.equal(un.status, 204, un.raw);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null, 'subscription');
      await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/subscriptions`, {
        planId: w.plans.ibftDefault,
      });
      tok = (await tokenCall(sys, form(a))).body.access_token;
      assert.ok(await sys.services.gatewayDirectory.verifyAccessToken(tok));
      sys.clock.advance(3600_000);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null, 'expiry');
      tok = (await tokenCall(sys, form(a))).body.access_token;
      await sys.database.db
        .updateTable('organizations')
        .set({ status: 'suspended' })
        .where('id', '=', w.orgA)
        .execute();
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null, 'organisation');
      // The secret is right: the organisation's suspension is named (unauthorized_client), not the secret.
      assert.equal((await tokenCall(sys, form(a))).body.darwaza_code, 'oauth_app_suspended');
      await sys.database.db
        .updateTable('organizations')
        .set({ status: 'active' })
        .where('id', '=', w.orgA)
        .execute();
      assert.ok(await sys.services.gatewayDirectory.verifyAccessToken(tok));
      const del = await call(sys, w.ownerA, 'DELETE', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
      assert.equal(del.status, 204, del.raw);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null, 'app');
      assert.equal((await tokenCall(sys, form(a))).body.error, 'invalid_client');
    });

    test('no client secret or access token is stored in plaintext', async () => {
      const tok = (await tokenCall(sys, form())).body.access_token;
      const dump = await dumpDatabase(sys);
      assert.ok(!dump.includes(app.clientSecret), 'client secret found in the database');
      assert.ok(!dump.includes(tok), 'access token found in the database');
      assert.ok(dump.includes(app.clientId), 'the dump is real');
    });
  });
}

/**
 * Secret guessing at the token endpoint (issue 22 item 5): counted per (client id, source address)
 * and capped per client id, so that whoever knows a client id — it is not secret — can neither
 * guess on nor lock the app's owner out. Source addresses are the socket's peer (inject's
 * remoteAddress here). On every engine and every shared-state adapter.
 */
for (const engine of engines()) {
  for (const state of testSharedStates()) {
    describe(`secret guessing at the token endpoint (${engine.name}, ${state.name} state)`, () => {
      let sys: TestSystem;
      let w: AppsWorld;
      before(async () => {
        sys = await startTestSystem({ engine, sharedState: await state.open() });
        w = await appsWorld(sys);
      });
      after(() => sys.cleanup());

      const newApp = (name: string) =>
        createApp(sys, w.ownerA, w.orgA, { name, planId: w.plans.ibftDefault });
      const token = (a: { clientId: string; clientSecret: string }, from: string, secret = a.clientSecret) =>
        tokenCall(
          sys,
          { grant_type: 'client_credentials', client_id: a.clientId, client_secret: secret },
          { remoteAddress: from },
        );

      test('25 bad secrets from one address, then the right secret from another: 200', async () => {
        const a = await newApp('guessed from one address');
        const statuses = [];
        for (let i = 0; i < 25; i++) statuses.push((await token(a, '198.51.100.7', `guess-${i}`)).status);
        assert.deepEqual(
          statuses.slice(0, ADDRESS_FAILURE_LIMIT),
          new Array(ADDRESS_FAILURE_LIMIT).fill(401),
        );
        assert.ok(
          statuses.slice(ADDRESS_FAILURE_LIMIT).every((x) => x === 429),
          'the guessing address is refused',
        );
        const owner = await token(a, '203.0.113.20');
        assert.equal(owner.status, 200, JSON.stringify(owner.body));
      });

      test('10 failures from one address: its 11th try is refused for 15 minutes, even with the right secret', async () => {
        const a = await newApp('address block');
        const other = await newApp('same address, other client');
        for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) {
          assertOAuthError(
            await token(a, '198.51.100.8', `guess-${i}`),
            'invalid_client',
            'oauth_client_auth_failed',
            401,
          );
        }
        const refused = await token(a, '198.51.100.8');
        assertOAuthError(refused, 'invalid_client', 'oauth_address_throttled', 429);
        assert.equal(Number(refused.headers['retry-after']), ADDRESS_BLOCK_MS / 1000);
        assert.equal((await token(a, '198.51.100.9')).status, 200, 'another address is served');
        assert.equal((await token(other, '198.51.100.8')).status, 200, 'another client id from that address');
        sys.clock.advance(ADDRESS_BLOCK_MS - 60_000);
        const later = await token(a, '198.51.100.8');
        assert.equal(later.status, 429);
        assert.equal(Number(later.headers['retry-after']), 60);
        sys.clock.advance(60_000);
        assert.equal((await token(a, '198.51.100.8')).status, 200, 'served again after 15 minutes');
      });

      test('failures 15 minutes apart do not add up; a success forgets the address’s failures', async () => {
        const a = await newApp('slow guesser');
        for (let i = 0; i < ADDRESS_FAILURE_LIMIT - 1; i++) await token(a, '198.51.100.10', `g-${i}`);
        sys.clock.advance(15 * 60_000);
        for (let i = 0; i < ADDRESS_FAILURE_LIMIT - 1; i++) {
          assert.equal((await token(a, '198.51.100.10', `h-${i}`)).status, 401);
        }
        assert.equal((await token(a, '198.51.100.10')).status, 200);
        for (let i = 0; i < ADDRESS_FAILURE_LIMIT - 1; i++) {
          assert.equal((await token(a, '198.51.100.10', `k-${i}`)).status, 401);
        }
        assert.equal(
          (await token(a, '198.51.100.10')).status,
          200,
          'nine failures after a success: not blocked',
        );
      });

      test('IPv6 addresses count by /64', async () => {
        const a = await newApp('ipv6 guesser');
        for (let i = 1; i <= ADDRESS_FAILURE_LIMIT; i++) {
          assert.equal((await token(a, `2001:db8:7:8::${i.toString(16)}`, `g-${i}`)).status, 401);
        }
        assert.equal((await token(a, '2001:db8:7:8:ffff::1')).status, 429, 'same /64');
        assert.equal((await token(a, '2001:db8:7:9::1')).status, 200, 'the next /64');
        assert.equal((await token(a, '::ffff:198.51.100.11')).status, 200, 'IPv4-mapped: its IPv4 address');
      });

      test(`past ${CLIENT_FAILURE_CAP} failures an hour, only addresses that obtained a token are still checked`, async () => {
        const a = await newApp('many guessers');
        assert.equal((await token(a, '203.0.113.50')).status, 200, 'the owner obtains a token');
        const guessers = Math.ceil(CLIENT_FAILURE_CAP / ADDRESS_FAILURE_LIMIT);
        let failures = 0;
        for (let g = 0; g < guessers; g++) {
          for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) {
            const r = await token(a, `127.0.${g}.${i + 1}`, `g-${g}-${i}`);
            if (r.status === 401) failures++;
          }
          sys.clock.advance(1000);
        }
        assert.equal(failures, CLIENT_FAILURE_CAP);
        const stranger = await token(a, '192.0.2.200');
        assertOAuthError(stranger, 'invalid_client', 'oauth_client_throttled', 429);
        const retry = Number(stranger.headers['retry-after']);
        assert.ok(retry > 0 && retry <= CLIENT_FAILURE_WINDOW_MS / 1000, String(retry));
        assert.equal(
          (await token(a, '192.0.2.201', 'wrong')).status,
          429,
          'unknown addresses are not checked',
        );
        // The owner's address is still checked: the right secret works, a wrong one is still a 401.
        assert.equal((await token(a, '203.0.113.50')).status, 200, 'the owner is served');
        assert.equal((await token(a, '203.0.113.50', 'typo')).status, 401);
        assert.equal((await token(a, '203.0.113.50')).status, 200);
        // Another client id is unaffected.
        assert.equal((await token(await newApp('bystander'), '192.0.2.200')).status, 200);
        sys.clock.advance(CLIENT_FAILURE_WINDOW_MS);
        assert.equal((await token(a, '192.0.2.200')).status, 200, 'the cap is per hour');
      });

      test('concurrent guesses cannot overshoot either limit', async () => {
        const a = await newApp('concurrent guessers');
        const one = await Promise.all(
          Array.from({ length: 30 }, (_, i) => token(a, '198.51.100.30', `c-${i}`)),
        );
        assert.equal(one.filter((r) => r.status === 401).length, ADDRESS_FAILURE_LIMIT);
        assert.equal(one.filter((r) => r.status === 429).length, 30 - ADDRESS_FAILURE_LIMIT);
        const b = await newApp('concurrent cap');
        const addresses = Math.ceil((CLIENT_FAILURE_CAP * 1.5) / ADDRESS_FAILURE_LIMIT);
        const many = await Promise.all(
          Array.from({ length: addresses * ADDRESS_FAILURE_LIMIT }, (_, i) =>
            token(b, `127.1.${Math.floor(i / ADDRESS_FAILURE_LIMIT)}.9`, `c-${i}`),
          ),
        );
        assert.equal(many.filter((r) => r.status === 401).length, CLIENT_FAILURE_CAP);
        assert.ok(many.every((r) => r.status === 401 || r.status === 429));
      });
    });
  }
}

describe('source addresses: the socket peer, or behind named proxies (TRUST_PROXY)', () => {
  test('over real sockets, each address in 127.0.0.0/8 is its own source', async () => {
    const sys = await startTestSystem();
    try {
      const w = await appsWorld(sys);
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const base = await sys.app.listen({ port: 0, host: '127.0.0.1' });
      const post = (localAddress: string, secret: string) =>
        new Promise<number>((resolve, reject) => {
          const body = new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: a.clientId,
            client_secret: secret,
          }).toString();
          const req = httpRequest(
            `${base}/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
            {
              method: 'POST',
              localAddress,
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                'x-forwarded-for': '192.0.2.77',
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) assert.equal(await post('127.0.0.2', `g-${i}`), 401);
      assert.equal(await post('127.0.0.2', a.clientSecret), 429, 'the guessing address');
      assert.equal(await post('127.0.0.3', a.clientSecret), 200, 'a neighbour');
    } finally {
      await sys.cleanup();
    }
  });

  const guess = (
    sys: TestSystem,
    a: { clientId: string; clientSecret: string },
    xff: string,
    secret?: string,
  ) =>
    tokenCall(
      sys,
      { grant_type: 'client_credentials', client_id: a.clientId, client_secret: secret ?? a.clientSecret },
      { remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': xff } },
    );

  test('unset: X-Forwarded-For is not believed, so forging it does not escape the address limit', async () => {
    const sys = await startTestSystem();
    try {
      const w = await appsWorld(sys);
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) await guess(sys, a, `192.0.2.${i + 1}`, `g-${i}`);
      assert.equal((await guess(sys, a, '192.0.2.99')).status, 429);
    } finally {
      await sys.cleanup();
    }
  });

  test('naming the proxy: the address it forwards for is the one counted', async () => {
    const sys = await startTestSystem({ env: { TRUST_PROXY: '10.0.0.0/8' } });
    try {
      const w = await appsWorld(sys);
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      for (let i = 0; i < ADDRESS_FAILURE_LIMIT; i++) await guess(sys, a, '192.0.2.1', `g-${i}`);
      assert.equal((await guess(sys, a, '192.0.2.1')).status, 429, 'the guessing client');
      assert.equal((await guess(sys, a, '192.0.2.2')).status, 200, 'another client behind the same proxy');
      // A forged entry left of the client's real address changes nothing: the nearest untrusted one counts.
      assert.equal((await guess(sys, a, '203.0.113.9, 192.0.2.1')).status, 429);
    } finally {
      await sys.cleanup();
    }
  });
});

describe('revocation reaches another gateway over Redis within 1 s', { skip: redisSkipReason }, () => {
  let sys: TestSystem;
  let other: RedisSharedState;
  before(async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    const shared = new RedisSharedState(process.env.REDIS_URL!, { keyPrefix: prefix });
    await shared.ready();
    other = new RedisSharedState(process.env.REDIS_URL!, { keyPrefix: prefix });
    await other.ready();
    sys = await startTestSystem({ sharedState: shared });
  });
  after(async () => {
    await other.close();
    await sys.cleanup();
  });

  test('a revoked secret is announced to a second process and refused at once', async () => {
    const w = await appsWorld(sys);
    const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
    const got: Array<{ at: number; msg: { kind: string; id: string; appId?: string } }> = [];
    const unsub = await other.subscribe(CACHE_INVALIDATE_CHANNEL, (m) =>
      got.push({ at: Date.now(), msg: JSON.parse(m) }),
    );
    const view = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
    const t0 = Date.now();
    const rev = await call(
      sys,
      w.ownerA,
      'DELETE',
      `/api/v1/orgs/${w.orgA}/apps/${a.appId}/secrets/${view.body.secrets[0].id}`,
    );
    assert.equal(rev.status, 204);
    for (let i = 0; i < 50 && !got.some((g) => g.msg.kind === 'client'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const hit = got.find((g) => g.msg.kind === 'client' && g.msg.appId === a.appId);
    assert.ok(hit, 'the other process heard of it');
    assert.ok(hit.at - t0 < 1000, `${hit.at - t0} ms`);
    const r = await tokenCall(sys, {
      grant_type: 'client_credentials',
      client_id: a.clientId,
      client_secret: a.clientSecret,
    });
    assert.equal(r.body.error, 'invalid_client');
    await unsub();
  });
});
