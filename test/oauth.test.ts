import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { FAILED_AUTH_CAP } from '../src/modules/oauth/oauth-service.ts';
import { CACHE_INVALIDATE_CHANNEL } from '../src/platform/ports.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { redisSkipReason } from '../src/platform/testing.ts';
import { type AppsWorld, appsWorld, call, createApp, dumpDatabase, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

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

    test('RFC 6749 errors: wrong secret, unknown grant, missing grant, bad scope, two methods, JSON body', async () => {
      const wrongForm = await tokenCall(sys, form(app, { client_secret: 'nope' }));
      assert.equal(wrongForm.status, 401);
      assert.equal(wrongForm.body.error, 'invalid_client');
      assert.ok(wrongForm.headers['www-authenticate']);
      assert.equal(wrongForm.headers['cache-control'], 'no-store');
      const wrongBasic = await tokenCall(
        sys,
        { grant_type: 'client_credentials' },
        { basic: [app.clientId, 'nope'] },
      );
      assert.equal(wrongBasic.status, 401);
      assert.equal(wrongBasic.body.error, 'invalid_client');
      assert.match(String(wrongBasic.headers['www-authenticate']), /^Basic /);
      const unknownClient = await tokenCall(sys, form({ ...app, clientId: 'f'.repeat(32) }));
      assert.equal(unknownClient.body.error, 'invalid_client');
      for (const grant of [
        'password',
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ]) {
        const r = await tokenCall(sys, form(app, { grant_type: grant }));
        assert.equal(r.status, 400);
        assert.equal(r.body.error, 'unsupported_grant_type', grant);
      }
      const missing = await tokenCall(sys, { client_id: app.clientId, client_secret: app.clientSecret });
      assert.equal(missing.body.error, 'invalid_request');
      const scope = await tokenCall(sys, form(app, { scope: '1LinkApi admin' }));
      assert.equal(scope.status, 400);
      assert.equal(scope.body.error, 'invalid_scope');
      const both = await tokenCall(sys, form(), { basic: [app.clientId, app.clientSecret] });
      assert.equal(both.body.error, 'invalid_request');
      const noAuth = await tokenCall(sys, { grant_type: 'client_credentials' });
      assert.equal(noAuth.status, 401);
      assert.equal(noAuth.body.error, 'invalid_client');
      const json = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(form()),
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().error, 'invalid_request');
      const dup = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams(form()).toString()}&grant_type=client_credentials`,
      });
      assert.equal(dup.json().error, 'invalid_request');
      const ibmMismatch = await tokenCall(sys, form(), { headers: { 'x-ibm-client-id': 'a'.repeat(32) } });
      assert.equal(ibmMismatch.body.error, 'invalid_client');
      const badCatalog = await tokenCall(sys, form(), { catalog: 'nowhere' });
      assert.equal(badCatalog.status, 404);
    });

    test('unsubscribed app: invalid_client "client_id unauthorized" (API Connect behaviour)', async () => {
      const bare = await createApp(sys, w.ownerA, w.orgA, { name: 'bare' });
      const r = await tokenCall(sys, form(bare));
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
      assert.equal(r.body.error_description, 'client_id unauthorized');
    });

    test('suspended app: invalid_client, and its live tokens die; reinstated it works again', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'to suspend', planId: w.plans.ibftDefault });
      const tok = (await tokenCall(sys, form(a))).body.access_token;
      const s = await call(sys, w.operator, 'POST', `/api/v1/admin/apps/${a.appId}/status`, {
        status: 'suspended',
        reason: 'flooding',
      });
      assert.equal(s.status, 200, s.raw);
      const r = await tokenCall(sys, form(a));
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
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

    test('sandbox credentials are refused by the production catalog', async () => {
      const r = await tokenCall(sys, form(), { catalog: 'production' });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'invalid_client');
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
      assert.equal(await sys.services.gatewayDirectory.verifyClientSecret(a.appId, a.clientSecret), false);
      assert.equal(await sys.services.gatewayDirectory.verifyClientSecret(a.appId, newSecret), true);
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
      assert.equal((await tokenCall(sys, form(a))).body.error, 'invalid_client');
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

    test(`secret guessing is capped at ${FAILED_AUTH_CAP} failures per client per hour`, async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'guessed', planId: w.plans.ibftDefault });
      for (let i = 0; i < FAILED_AUTH_CAP; i++) {
        assert.equal((await tokenCall(sys, form(a, { client_secret: `guess-${i}` }))).status, 401);
      }
      const blocked = await tokenCall(sys, form(a));
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error, 'invalid_client');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.equal((await tokenCall(sys, form())).status, 200, 'other clients are unaffected');
      sys.clock.advance(3600_000);
      assert.equal((await tokenCall(sys, form(a))).status, 200);
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
