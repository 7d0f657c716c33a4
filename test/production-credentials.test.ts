import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { moveFlippedApps } from '../src/modules/apps/migrations.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import {
  type AppsWorld,
  appsWorld,
  call,
  createApp,
  dumpDatabase,
  grantProduction,
  passProductionGate,
  tokenCall,
} from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, addMember } from './identity-helpers.ts';

/**
 * Issue 35, item 1: separate production credentials. An app keeps its sandbox client id and secrets
 * from the start; its first production grant (per app and product) issues a second, production
 * client id with secrets of its own (shown once, rotated with overlap, revoked one by one). Each
 * catalog takes only its own credentials and tokens, and says which catalog to use otherwise.
 */
for (const engine of engines()) {
  describe(`production credentials (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      passProductionGate(sys);
    });
    after(async () => sys.cleanup());

    const appPath = (appId: string, org = w.orgA) => `/api/v1/orgs/${org}/apps/${appId}`;
    const creds = (appId: string, org = w.orgA) => `${appPath(appId, org)}/production-credentials`;
    const form = (clientId: string, clientSecret: string) => ({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    const gateway = (catalog: string, clientId: string, token: string) =>
      sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/${catalog}/path-1`,
        headers: {
          'x-ibm-client-id': clientId,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(ibftBody()),
      });
    /** An app of organisation A subscribed to IBFT and granted production access to it. */
    const approvedApp = async (name: string) => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name, planId: w.plans.ibftDefault });
      await grantProduction(sys, w, w.ownerA, w.orgA, a);
      const prodClientId = (await call(sys, w.ownerA, 'GET', appPath(a.appId))).body.productionClientId;
      return { ...a, prodClientId: prodClientId as string };
    };
    const newProdSecret = async (appId: string) => {
      const r = await call(sys, w.ownerA, 'POST', `${creds(appId)}/secrets`, {});
      assert.equal(r.status, 201, r.raw);
      return r.body as { clientId: string; secret: { id: string; hint: string }; clientSecret: string };
    };

    test('before any grant: no production client id, and no production secret (409 production_not_granted)', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const list = await call(sys, w.ownerA, 'GET', creds(a.appId));
      assert.equal(list.status, 200, list.raw);
      assert.equal(list.body.clientId, null);
      assert.equal(list.body.sandboxClientId, a.clientId);
      assert.deepEqual(list.body.secrets, []);
      const r = await call(sys, w.ownerA, 'POST', `${creds(a.appId)}/secrets`, {});
      assert.equal(r.status, 409, r.raw);
      assert.equal(r.body.error.code, 'production_not_granted');
    });

    test('the first grant issues a separate production client id; its secret is shown once and honours Idempotency-Key', async () => {
      const a = await approvedApp('Shown once');
      assert.match(a.prodClientId, /^[0-9a-f]{32}$/);
      assert.notEqual(a.prodClientId, a.clientId);
      const before = await call(sys, w.ownerA, 'GET', creds(a.appId));
      assert.equal(before.body.clientId, a.prodClientId);
      assert.equal(
        before.body.gatewayBaseUrl,
        `http://localhost:3000/${sys.config.gatewayProvider}/production`,
      );
      assert.equal(before.body.sandboxBaseUrl, `http://localhost:3000/${sys.config.gatewayProvider}/sandbox`);
      assert.deepEqual(
        before.body.products.map((p: { productSlug: string; status: string }) => [p.productSlug, p.status]),
        [['ibft', 'approved']],
      );
      assert.deepEqual(before.body.secrets, [], 'the secret is the developer’s to create');

      const send = () =>
        sys.app.inject({
          method: 'POST',
          url: `${creds(a.appId)}/secrets`,
          headers: { ...w.ownerA.headers, 'content-type': 'application/json', 'idempotency-key': 'prod-1' },
          payload: '{}',
        });
      const first = await send();
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.headers['cache-control'], 'no-store');
      const secret = first.json().clientSecret as string;
      assert.equal(first.json().clientId, a.prodClientId);
      assert.ok(Buffer.from(secret, 'base64url').length >= 32, '≥ 256 bits');
      const again = await send();
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().clientSecret, secret, 'a retry gets the same answer, not a second secret');

      const list = await call(sys, w.ownerA, 'GET', creds(a.appId));
      assert.equal(list.body.secrets.length, 1);
      assert.equal(list.body.secrets[0].hint, secret.slice(-4));
      assert.ok(!list.raw.includes(secret), 'metadata only');
      const app = await call(sys, w.ownerA, 'GET', appPath(a.appId));
      assert.ok(!app.raw.includes(secret));
      assert.equal(app.body.secrets.length, 1, "the app's secrets are the sandbox ones");
      assert.equal(app.body.clientId, a.clientId, 'the sandbox client id stays');
      assert.ok(!(await dumpDatabase(sys)).includes(secret), 'plaintext secret in the database');
    });

    test('each catalog takes only its own credentials and tokens, names the catalog to use, and the sandbox keeps working', async () => {
      const a = await approvedApp('Two catalogs');
      const prod = await newProdSecret(a.appId);
      // Token endpoint: each set at its own catalog.
      const sandboxTok = await tokenCall(sys, form(a.clientId, a.clientSecret));
      assert.equal(sandboxTok.status, 200, JSON.stringify(sandboxTok.body));
      const prodTok = await tokenCall(sys, form(a.prodClientId, prod.clientSecret), {
        catalog: 'production',
      });
      assert.equal(prodTok.status, 200, JSON.stringify(prodTok.body));
      // … and refused at the other, after the secret verified: unauthorized_client + the stable code.
      const s2p = await tokenCall(sys, form(a.clientId, a.clientSecret), { catalog: 'production' });
      assert.equal(s2p.status, 400);
      assert.equal(s2p.body.error, 'unauthorized_client');
      assert.equal(s2p.body.darwaza_code, 'credential_wrong_catalog');
      assert.match(s2p.body.error_description, /sandbox credentials.*sandbox catalog/);
      assert.match(s2p.body.error_description, /production client id and secret/);
      const p2s = await tokenCall(sys, form(a.prodClientId, prod.clientSecret));
      assert.equal(p2s.status, 400);
      assert.equal(p2s.body.darwaza_code, 'credential_wrong_catalog');
      assert.match(p2s.body.error_description, /production credentials.*production catalog/);
      // A secret belongs to one client id: the sandbox secret is no secret of the production id.
      const mixed = await tokenCall(sys, form(a.prodClientId, a.clientSecret), { catalog: 'production' });
      assert.equal(mixed.status, 401);
      assert.equal(mixed.body.error, 'invalid_client');

      // Gateway: the sandbox set works in the sandbox (try-it's set), whatever production has.
      const sOk = await gateway('sandbox', a.clientId, sandboxTok.body.access_token);
      assert.equal(sOk.statusCode, 200, sOk.body);
      const wrong = [
        await gateway('production', a.clientId, sandboxTok.body.access_token),
        await gateway('sandbox', a.prodClientId, prodTok.body.access_token),
        await gateway('production', a.prodClientId, sandboxTok.body.access_token),
        await gateway('sandbox', a.clientId, prodTok.body.access_token),
      ];
      for (const [i, r] of wrong.entries()) {
        assert.equal(r.statusCode, 401, `case ${i}: ${r.body}`);
        assert.equal(r.json().error.code, 'credential_wrong_catalog', `case ${i}`);
        assert.match(String(r.headers['www-authenticate']), /error="invalid_token"/, `case ${i}`);
      }
      assert.match(wrong[0].json().error.message, /client id belongs to the sandbox catalog/);
      assert.match(wrong[2].json().error.message, /access token belongs to the sandbox catalog/);
      assert.match(wrong[3].json().error.message, /access token belongs to the production catalog/);
      // The production set passes authentication and entitlement in production (what answers after
      // that is the production upstream's business, not this test's).
      const pOk = await gateway('production', a.prodClientId, prodTok.body.access_token);
      assert.ok(![401, 403].includes(pOk.statusCode), pOk.body);
    });

    test('production access is per product: the grant for IBFT is no grant for 1Bill', async () => {
      const a = await approvedApp('Per product');
      const bills = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/subscriptions`, {
        planId: w.plans.billsDefault,
      });
      assert.equal(bills.status, 201, bills.raw);
      const dir = sys.services.gatewayDirectory;
      assert.equal((await dir.entitlement(a.appId, 'ibft'))?.productionGranted, true);
      assert.equal((await dir.entitlement(a.appId, 'bills'))?.productionGranted, false);
      // Asking for 1Bill is a separate request; the production client id stays the same after it.
      const req = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/production-access`, {
        productId: bills.body.productId,
      });
      assert.equal(req.status, 201, req.raw);
      assert.equal(req.body.productSlug, 'bills');
      const again = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/production-access`, {
        productId: bills.body.productId,
      });
      assert.equal(again.body.id, req.body.id, 'asking twice returns the pending request');
      const decided = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/production-requests/${req.body.id}/decide`,
        {
          approve: true,
        },
      );
      assert.equal(decided.status, 200, decided.raw);
      assert.equal((await dir.entitlement(a.appId, 'bills'))?.productionGranted, true);
      const view = await call(sys, w.ownerA, 'GET', appPath(a.appId));
      assert.equal(view.body.productionClientId, a.prodClientId);
      assert.deepEqual(
        view.body.productionAccess.map((p: { productSlug: string; status: string }) => [
          p.productSlug,
          p.status,
        ]),
        [
          ['bills', 'approved'],
          ['ibft', 'approved'],
        ],
      );
      // A granted product cannot be asked for again; a product without a subscription cannot be asked for.
      const granted = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/production-access`, {
        productId: bills.body.productId,
      });
      assert.equal(granted.status, 409);
      const other = await createApp(sys, w.ownerA, w.orgA, { name: 'Unsubscribed' });
      const none = await call(sys, w.ownerA, 'POST', `${appPath(other.appId)}/production-access`, {
        productId: bills.body.productId,
      });
      assert.equal(none.status, 409);
      assert.equal(none.body.error.code, 'conflict');
    });

    test('a declined request issues nothing; a decided request is not decided again', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'Declined', planId: w.plans.ibftDefault });
      const req = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/production-access`, {
        productId: a.productId,
      });
      const no = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/production-requests/${req.body.id}/decide`,
        {
          approve: false,
          reason: 'not yet',
        },
      );
      assert.equal(no.status, 200, no.raw);
      assert.equal(no.body.status, 'declined');
      const twice = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/production-requests/${req.body.id}/decide`,
        {
          approve: true,
        },
      );
      assert.equal(twice.status, 409);
      const view = await call(sys, w.ownerA, 'GET', appPath(a.appId));
      assert.equal(view.body.productionClientId, null);
      assert.equal(view.body.productionAccess[0].status, 'declined');
      assert.equal(view.body.productionAccess[0].reason, 'not yet');
      // Declined is not live: the app may ask again.
      const again = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/production-access`, {
        productId: a.productId,
      });
      assert.equal(again.status, 201, again.raw);
      assert.notEqual(again.body.id, req.body.id);
    });

    test('rotation: two live production secrets overlap, a third is refused; revoking one ends it and its tokens at once', async () => {
      const a = await approvedApp('Rotation');
      const s1 = await newProdSecret(a.appId);
      const s2 = await newProdSecret(a.appId);
      const s3 = await call(sys, w.ownerA, 'POST', `${creds(a.appId)}/secrets`, {});
      assert.equal(s3.status, 409);
      assert.equal(s3.body.error.code, 'secret_limit_reached');
      const t1 = await tokenCall(sys, form(a.prodClientId, s1.clientSecret), { catalog: 'production' });
      assert.equal(t1.status, 200);
      assert.equal(
        (await tokenCall(sys, form(a.prodClientId, s2.clientSecret), { catalog: 'production' })).status,
        200,
        'both work during the overlap',
      );
      // The sandbox routes cannot touch a production secret, nor the reverse.
      const viaSandbox = await call(sys, w.ownerA, 'DELETE', `${appPath(a.appId)}/secrets/${s1.secret.id}`);
      assert.equal(viaSandbox.status, 404);
      const sandboxSecretId = (await call(sys, w.ownerA, 'GET', appPath(a.appId))).body.secrets[0].id;
      const viaProd = await call(sys, w.ownerA, 'DELETE', `${creds(a.appId)}/secrets/${sandboxSecretId}`);
      assert.equal(viaProd.status, 404);
      // Resetting the sandbox secret leaves production alone.
      const reset = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/reset-secret`);
      assert.equal(reset.status, 200, reset.raw);
      assert.ok(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, s1.clientSecret, 'production'),
      );

      const rev = await call(sys, w.ownerA, 'DELETE', `${creds(a.appId)}/secrets/${s1.secret.id}`);
      assert.equal(rev.status, 204, rev.raw);
      const dead = await tokenCall(sys, form(a.prodClientId, s1.clientSecret), { catalog: 'production' });
      assert.equal(dead.status, 401);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(t1.body.access_token), null);
      assert.equal(
        (await tokenCall(sys, form(a.prodClientId, s2.clientSecret), { catalog: 'production' })).status,
        200,
      );
      const list = await call(sys, w.ownerA, 'GET', creds(a.appId));
      assert.deepEqual(
        list.body.secrets.map((s: { id: string; status: string }) => [s.id, s.status]).sort(),
        [
          [s1.secret.id, 'revoked'],
          [s2.secret.id, 'active'],
        ].sort(),
      );
      const gone = await call(sys, w.ownerA, 'DELETE', `${creds(a.appId)}/secrets/${s1.secret.id}`);
      assert.equal(gone.status, 404, 'revoked already');
    });

    test("security: another organisation's production credentials are invisible (404); viewers read but cannot create or revoke (403)", async () => {
      const a = await approvedApp('Guarded');
      const s = await newProdSecret(a.appId);
      const routes = (org: string): Array<['GET' | 'POST' | 'DELETE', string, unknown?]> => [
        ['GET', creds(a.appId, org)],
        ['POST', `${creds(a.appId, org)}/secrets`, {}],
        ['DELETE', `${creds(a.appId, org)}/secrets/${s.secret.id}`],
      ];
      for (const org of [w.orgA, w.orgB]) {
        for (const [method, url, body] of routes(org)) {
          const r = await call(sys, w.ownerB, method, url, body);
          assert.equal(r.status, 404, `${method} ${url} → ${r.status}`);
          assert.ok(!r.raw.includes(a.prodClientId), 'the production client id must not leak');
        }
      }
      const viewer = await activeUser(sys);
      await addMember(sys, w.ownerA, w.orgA, viewer, 'viewer');
      assert.equal((await call(sys, viewer, 'GET', creds(a.appId))).status, 200);
      assert.equal((await call(sys, viewer, 'POST', `${creds(a.appId)}/secrets`, {})).status, 403);
      assert.equal(
        (await call(sys, viewer, 'DELETE', `${creds(a.appId)}/secrets/${s.secret.id}`)).status,
        403,
      );
      assert.equal(
        (await call(sys, viewer, 'POST', `${appPath(a.appId)}/production-access`, { productId: a.productId }))
          .status,
        403,
      );
      assert.equal((await call(sys, null, 'GET', creds(a.appId))).status, 401);
      // The secret still works: none of the refused calls touched it.
      assert.ok(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, s.clientSecret, 'production'),
      );
    });

    test('migration: an app flipped in place to production keeps its credentials and tokens there and gets a new sandbox client id', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'Flipped', planId: w.plans.ibftDefault });
      const tok = await tokenCall(sys, form(a.clientId, a.clientSecret));
      assert.equal(tok.status, 200);
      // The state the old in-place flip left: environment production, the one client id, its secrets
      // and tokens production's, an approved request without a product.
      const db = sys.database.db as any;
      await db.updateTable('apps').set({ environment: 'production' }).where('id', '=', a.appId).execute();
      await db
        .updateTable('oauth_tokens')
        .set({ environment: 'production' })
        .where('app_id', '=', a.appId)
        .execute();
      await db
        .insertInto('production_access_requests')
        .values({
          id: 'prq_01legacyflipped0000000000',
          app_id: a.appId,
          org_id: w.orgA,
          status: 'approved',
          created_at: new Date().toISOString(),
          decided_at: new Date().toISOString(),
        })
        .execute();
      await moveFlippedApps(db);
      await moveFlippedApps(db); // twice changes nothing more
      await sys.services.apps.invalidate({ kind: 'app', id: a.appId, appId: a.appId });
      await sys.services.apps.invalidate({ kind: 'client', id: a.clientId, appId: a.appId });

      const view = await call(sys, w.ownerA, 'GET', appPath(a.appId));
      assert.equal(view.body.productionClientId, a.clientId, 'the old id is the production id');
      assert.match(view.body.clientId, /^[0-9a-f]{32}$/);
      assert.notEqual(view.body.clientId, a.clientId);
      assert.equal(view.body.environment, 'sandbox');
      assert.deepEqual(view.body.secrets, [], 'no sandbox secret until the developer creates one');
      assert.deepEqual(
        view.body.productionAccess.map((p: { productSlug: string; status: string }) => [
          p.productSlug,
          p.status,
        ]),
        [['ibft', 'approved']],
      );
      // Production works as before: the old id and secret take tokens there, the old token verifies.
      const prodTok = await tokenCall(sys, form(a.clientId, a.clientSecret), { catalog: 'production' });
      assert.equal(prodTok.status, 200, JSON.stringify(prodTok.body));
      const old = await sys.services.gatewayDirectory.verifyAccessToken(tok.body.access_token);
      assert.equal(old?.environment, 'production');
      // The sandbox needs the new id and a new secret.
      const sec = await call(sys, w.ownerA, 'POST', `${appPath(a.appId)}/secrets`, {});
      assert.equal(sec.status, 201, sec.raw);
      const sTok = await tokenCall(sys, form(view.body.clientId, sec.body.clientSecret));
      assert.equal(sTok.status, 200, JSON.stringify(sTok.body));
    });
  });
}
