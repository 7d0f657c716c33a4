import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PLAN_NAME, seedCatalog } from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { seedTerms } from '../src/modules/terms/terms-seed.ts';
import { DAY } from '../src/platform/clock.ts';
import { seedDemo } from '../src/seed.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, addMember, operatorUser, type SignedIn, testOrganization } from './identity-helpers.ts';

/**
 * The terms engine over HTTP, with the real identity layer: operators publish under the notice
 * rules, organisations accept, decline, give notice and read their proof; nobody acts for an
 * organisation they do not belong to. Runs on SQLite and on PostgreSQL when DATABASE_URL is set.
 */
for (const engine of engines()) {
  describe(`terms over HTTP (${engine.name})`, () => {
    let sys: TestSystem;
    let op: SignedIn;
    let ownerA: SignedIn;
    let adminA: SignedIn;
    let devA: SignedIn;
    let ownerB: SignedIn;
    let orgA = '';
    let orgB = '';
    let generalDocId = '';
    let pendingVersionId = '';

    const call = (
      who: SignedIn | null,
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      payload?: Record<string, unknown>,
    ) =>
      sys.app.inject({
        method,
        url,
        headers: { ...(who?.headers ?? {}), 'user-agent': 'terms-test/1.0' },
        ...(payload ? { payload } : {}),
      });

    before(async () => {
      sys = await startTestSystem({ engine });
      await seedDemo(sys, { onlyIfEmpty: true, demo: false });
      op = await operatorUser(sys);
      ownerA = await activeUser(sys);
      adminA = await activeUser(sys);
      devA = await activeUser(sys);
      ownerB = await activeUser(sys);
      orgA = await testOrganization(sys, ownerA);
      orgB = await testOrganization(sys, ownerB);
      await addMember(sys, ownerA, orgA, adminA, 'admin');
      await addMember(sys, ownerA, orgA, devA, 'developer');
      const docs = (await call(null, 'GET', '/api/v1/terms/documents')).json().items;
      generalDocId = docs.find((d: { slug: string }) => d.slug === 'general-terms').id;
    });
    after(async () => {
      await sys.cleanup();
    });

    test('a fresh install has general terms in force and the bills product’s additional terms', async () => {
      const res = await call(null, 'GET', '/api/v1/terms/applicable?product=bills');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(
        body.documents.map((d: { slug: string; governs: string }) => [d.slug, d.governs]),
        [
          ['general-terms', 'general'],
          ['bills-additional-terms', 'additional'],
        ],
      );
      assert.equal(body.documents[0].inForce.version, 1);
      assert.match(body.documents[0].inForce.bodyMd, /laws of Pakistan/);
    });

    test('developers cannot draft or publish; operators publish under the notice rules', async () => {
      const draftBody = {
        bodyMd: '# v2\n\nNew limits section.',
        summary: 'Limits section rewritten.',
        changeClass: 'standard',
      };
      const denied = await call(
        devA,
        'POST',
        `/api/v1/admin/terms/documents/${generalDocId}/drafts`,
        draftBody,
      );
      assert.equal(denied.statusCode, 403);
      const draft = await call(op, 'POST', `/api/v1/admin/terms/documents/${generalDocId}/drafts`, draftBody);
      assert.equal(draft.statusCode, 201, draft.body);
      const id = draft.json().id;
      const publishUrl = `/api/v1/admin/terms/drafts/${id}/publish`;
      const asDev = await call(devA, 'POST', publishUrl, {});
      assert.equal(asDev.statusCode, 403);
      const tooSoon = await call(op, 'POST', publishUrl, {
        effectiveAt: new Date(sys.clock.nowMs() + 3 * DAY).toISOString(),
      });
      assert.equal(tooSoon.statusCode, 422, tooSoon.body);
      assert.equal(tooSoon.json().error.code, 'terms_notice_too_short');
      const ok = await call(op, 'POST', publishUrl, {
        effectiveAt: new Date(sys.clock.nowMs() + 15 * DAY).toISOString(),
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().version, 2);
      pendingVersionId = id;
      // Published text cannot change.
      const edit = await call(op, 'PATCH', `/api/v1/admin/terms/drafts/${id}`, { summary: 'changed' });
      assert.equal(edit.statusCode, 409);
      assert.equal(edit.json().error.code, 'terms_version_published');
      // Everyone is told in the portal and by e-mail.
      const inbox = (await call(ownerB, 'GET', '/api/v1/me/notifications')).json().items;
      assert.ok(
        inbox.some(
          (n: { kind: string; body: string }) =>
            n.kind === 'terms.published' && /Limits section/.test(n.body),
        ),
      );
      const mail = await sys.services.mailer.list({ to: ownerB.email });
      assert.ok(mail.some((m) => m.kind === 'terms.published'));
      // The notice setting cannot go below what the terms promise.
      const low = await call(op, 'PATCH', '/api/v1/admin/terms/settings', { standardNoticeDays: 7 });
      assert.equal(low.statusCode, 422);
      const lowDev = await call(devA, 'PATCH', '/api/v1/admin/terms/settings', { standardNoticeDays: 30 });
      assert.equal(lowDev.statusCode, 403);
    });

    test('nobody answers for an organisation they do not belong to, or without authority', async () => {
      const url = `/api/v1/terms/versions/${pendingVersionId}`;
      const asB = await call(ownerB, 'POST', `${url}/accept`, { onBehalfOf: 'organization', orgId: orgA });
      assert.equal(asB.statusCode, 404, asB.body);
      const declineB = await call(ownerB, 'POST', `${url}/decline`, {
        onBehalfOf: 'organization',
        orgId: orgA,
      });
      assert.equal(declineB.statusCode, 404);
      const asDev = await call(devA, 'POST', `${url}/accept`, { onBehalfOf: 'organization', orgId: orgA });
      assert.equal(asDev.statusCode, 403);
      const list = await call(ownerB, 'GET', `/api/v1/terms/acceptances?orgId=${orgA}`);
      assert.equal(list.statusCode, 404);
      const csv = await call(ownerB, 'GET', `/api/v1/terms/acceptances/export?orgId=${orgA}`);
      assert.equal(csv.statusCode, 404);
      const term = await call(ownerB, 'POST', `/api/v1/orgs/${orgA}/termination`, {});
      assert.equal(term.statusCode, 404);
      const termAdmin = await call(adminA, 'POST', `/api/v1/orgs/${orgA}/termination`, {});
      assert.equal(termAdmin.statusCode, 403);
      const withdraw = await call(ownerB, 'POST', `/api/v1/orgs/${orgA}/termination/withdraw`);
      assert.equal(withdraw.statusCode, 404);
      const opOnly = await call(ownerA, 'POST', `/api/v1/admin/orgs/${orgB}/terminate`, {
        reason: 'not allowed',
      });
      assert.equal(opOnly.statusCode, 403);
      const anon = await call(null, 'POST', `${url}/accept`, { onBehalfOf: 'self' });
      assert.equal(anon.statusCode, 401);
    });

    test('an admin accepts for the organisation; the record proves who, when, from where', async () => {
      const res = await call(adminA, 'POST', `/api/v1/terms/versions/${pendingVersionId}/accept`, {
        onBehalfOf: 'organization',
        orgId: orgA,
      });
      assert.equal(res.statusCode, 201, res.body);
      const rec = res.json();
      assert.equal(rec.subjectId, orgA);
      assert.equal(rec.userId, adminA.userId);
      assert.equal(rec.onBehalfOf, 'organization');
      assert.equal(rec.userAgent, 'terms-test/1.0');
      assert.ok(rec.ip);
      assert.equal(rec.version, 2);
      const self = await call(devA, 'POST', `/api/v1/terms/versions/${pendingVersionId}/accept`, {
        onBehalfOf: 'self',
      });
      assert.equal(self.statusCode, 201);
      const history = await call(devA, 'GET', `/api/v1/terms/acceptances?orgId=${orgA}`);
      assert.equal(history.statusCode, 200, history.body);
      assert.equal(
        history.json().versions.find((v: { version: number }) => v.version === 2).standing,
        'accepted',
      );
      const csv = await call(ownerA, 'GET', `/api/v1/terms/acceptances/export?orgId=${orgA}`);
      assert.equal(csv.statusCode, 200, csv.body);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      // A UTF-8 BOM first, for spreadsheet programs (platform/csv.ts), then the header row.
      assert.match(csv.body, /^\uFEFFid,at,subjectType/);
      assert.match(csv.body, new RegExp(adminA.userId));
      const json = await call(ownerA, 'GET', `/api/v1/terms/acceptances/export?orgId=${orgA}&format=json`);
      assert.equal(json.statusCode, 200);
      // One record for this version; the organisation's creation recorded the version then in force.
      const records = json.json().records as Array<{ versionId: string; method: string }>;
      assert.equal(records.filter((r) => r.versionId === pendingVersionId).length, 1);
      assert.ok(records.every((r) => r.method === 'explicit'));
      const events = await sys.services.audit.list({ orgId: orgA, action: 'terms.accept' });
      assert.equal(events.length, records.length);
    });

    test('org B declines; after the effective date its API calls are refused, A’s continue', async () => {
      const res = await call(ownerB, 'POST', `/api/v1/terms/versions/${pendingVersionId}/decline`, {
        onBehalfOf: 'organization',
        orgId: orgB,
      });
      assert.equal(res.statusCode, 201, res.body);
      const enforcer = sys.services.termsEnforcer;
      assert.deepEqual(await enforcer.onApiCall(orgB, sys.clock.nowMs()), { allowed: true });
      const effective = sys.clock.nowMs() + 15 * DAY + 1;
      const refused = await enforcer.onApiCall(orgB, effective);
      assert.equal(!refused.allowed && refused.code, 'terms_declined');
      assert.deepEqual(await enforcer.onApiCall(orgA, effective), { allowed: true });
    });

    test('termination notice: too soon refused, accepted at 30 days, withdrawn before the date', async () => {
      const soon = await call(ownerA, 'POST', `/api/v1/orgs/${orgA}/termination`, {
        effectiveAt: new Date(sys.clock.nowMs() + 10 * DAY).toISOString(),
      });
      assert.equal(soon.statusCode, 422);
      assert.equal(soon.json().error.code, 'termination_too_soon');
      const ok = await call(ownerA, 'POST', `/api/v1/orgs/${orgA}/termination`, {
        effectiveAt: new Date(sys.clock.nowMs() + 30 * DAY).toISOString(),
        reason: 'closing the project',
      });
      assert.equal(ok.statusCode, 201, ok.body);
      const view = await call(devA, 'GET', `/api/v1/orgs/${orgA}/termination`);
      assert.equal(view.json().current.status, 'pending');
      const refusedLater = await sys.services.termsEnforcer.onApiCall(orgA, sys.clock.nowMs() + 30 * DAY);
      assert.equal(refusedLater.allowed, false);
      const w = await call(ownerA, 'POST', `/api/v1/orgs/${orgA}/termination/withdraw`);
      assert.equal(w.statusCode, 200, w.body);
      assert.equal(w.json().status, 'withdrawn');
      sys.services.termsEnforcer.invalidate(null);
      assert.deepEqual(await sys.services.termsEnforcer.onApiCall(orgA, sys.clock.nowMs() + 31 * DAY), {
        allowed: true,
      });
    });

    test('operators terminate at once with a reason', async () => {
      const res = await call(op, 'POST', `/api/v1/admin/orgs/${orgB}/terminate`, {
        reason: 'live customer data in sandbox',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'completed');
      const r = await sys.services.termsEnforcer.onApiCall(orgB, sys.clock.nowMs());
      assert.equal(!r.allowed && r.code, 'organization_terminated');
      const again = await call(op, 'POST', `/api/v1/admin/orgs/${orgB}/terminate`, { reason: 'again' });
      assert.equal(again.statusCode, 403);
      assert.equal(again.json().error.code, 'organization_terminated');
    });
  });
}

// Small helpers for the apps/OAuth suite (kept here so this file depends only on committed helpers).
type AppsWorld = {
  ownerA: SignedIn;
  ownerB: SignedIn;
  orgA: string;
  orgB: string;
  plans: { ibftDefault: string; billsDefault: string };
};

async function appsWorld(sys: TestSystem): Promise<AppsWorld> {
  await seedCatalog(sys.services.catalog, sandboxProducts);
  const ownerA = await activeUser(sys);
  const ownerB = await activeUser(sys);
  const orgA = await testOrganization(sys, ownerA, { confirmed: true });
  const orgB = await testOrganization(sys, ownerB, { confirmed: true });
  const plan = async (product: string) =>
    (await sys.services.catalog.findPlanByName(product, DEFAULT_PLAN_NAME))!.id;
  return {
    ownerA,
    ownerB,
    orgA,
    orgB,
    plans: { ibftDefault: await plan('ibft'), billsDefault: await plan('bills') },
  };
}

async function call(
  sys: TestSystem,
  who: SignedIn | null,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
) {
  const res = await sys.app.inject({
    method,
    url,
    headers: {
      ...(who?.headers ?? {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  let body: any = null;
  try {
    body = res.body ? res.json() : null;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, raw: res.body };
}

async function createApp(sys: TestSystem, who: SignedIn, orgId: string, opts: { planId: string }) {
  const r = await call(sys, who, 'POST', `/api/v1/orgs/${orgId}/apps`, { name: 'Terms test app' });
  if (r.status !== 201) throw new Error(`createApp: ${r.status} ${r.raw}`);
  const s = await call(sys, who, 'POST', `/api/v1/orgs/${orgId}/apps/${r.body.app.id}/subscriptions`, {
    planId: opts.planId,
  });
  if (s.status !== 201) throw new Error(`subscribe: ${s.status} ${s.raw}`);
  return {
    appId: r.body.app.id as string,
    clientId: r.body.clientId as string,
    clientSecret: r.body.clientSecret as string,
  };
}

async function tokenCall(sys: TestSystem, form: Record<string, string>, opts: { basic: [string, string] }) {
  const enc = (v: string) => encodeURIComponent(v);
  const res = await sys.app.inject({
    method: 'POST',
    url: `/${sys.config.gatewayProvider}/sandbox/oauth2/token`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${enc(opts.basic[0])}:${enc(opts.basic[1])}`).toString('base64')}`,
    },
    payload: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, body: res.body };
}

/**
 * With the apps and OAuth modules: subscribing to a product needs its additional terms, and a
 * termination takes effect on its date — the token call works before and fails after.
 */
for (const engine of engines()) {
  describe(`terms with apps and OAuth (${engine.name})`, () => {
    let sys: TestSystem;
    let world: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      await seedTerms(sys.services.terms);
      world = await appsWorld(sys);
    });
    after(async () => {
      await sys.cleanup();
    });

    test('subscribing to bills needs its additional terms accepted by the organisation', async () => {
      const app = await createApp(sys, world.ownerA, world.orgA, { planId: world.plans.ibftDefault });
      const refused = await call(
        sys,
        world.ownerA,
        'POST',
        `/api/v1/orgs/${world.orgA}/apps/${app.appId}/subscriptions`,
        {
          planId: world.plans.billsDefault,
        },
      );
      assert.equal(refused.status >= 400 && refused.status < 500, true, refused.raw);
      assert.equal(refused.body.error.code, 'product_terms_not_accepted');
      const bills = (await call(sys, null, 'GET', '/api/v1/terms/applicable?product=bills')).body
        .documents[1];
      const acc = await call(sys, world.ownerA, 'POST', `/api/v1/terms/versions/${bills.inForce.id}/accept`, {
        onBehalfOf: 'organization',
        orgId: world.orgA,
      });
      assert.equal(acc.status, 201, acc.raw);
      const ok = await call(
        sys,
        world.ownerA,
        'POST',
        `/api/v1/orgs/${world.orgA}/apps/${app.appId}/subscriptions`,
        {
          planId: world.plans.billsDefault,
        },
      );
      assert.equal(ok.status, 201, ok.raw);
    });

    test('termination notice: the token call works before the date and fails from it', async () => {
      const app = await createApp(sys, world.ownerB, world.orgB, { planId: world.plans.ibftDefault });
      const token = () =>
        tokenCall(sys, { grant_type: 'client_credentials' }, { basic: [app.clientId, app.clientSecret] });
      const before = await token();
      assert.equal(before.status, 200, JSON.stringify(before.body));
      const notice = await call(sys, world.ownerB, 'POST', `/api/v1/orgs/${world.orgB}/termination`, {
        effectiveAt: new Date(sys.clock.nowMs() + 30 * DAY).toISOString(),
      });
      assert.equal(notice.status, 201, notice.raw);
      sys.clock.advance(29 * DAY);
      assert.equal((await token()).status, 200);
      assert.deepEqual(await sys.services.termsEnforcer.onApiCall(world.orgB, sys.clock.nowMs()), {
        allowed: true,
      });
      sys.clock.advance(DAY);
      const refused = await sys.services.termsEnforcer.onApiCall(world.orgB, sys.clock.nowMs());
      assert.equal(!refused.allowed && refused.code, 'organization_terminated');
      assert.equal(await sys.services.terminations.processDueTerminations(sys.clock.now()), 1);
      const after = await token();
      assert.ok(after.status >= 400, JSON.stringify(after.body));
      // Organisation A, which gave no notice, is untouched.
      assert.deepEqual(await sys.services.termsEnforcer.onApiCall(world.orgA, sys.clock.nowMs()), {
        allowed: true,
      });
    });
  });
}
