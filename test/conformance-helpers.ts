import assert from 'node:assert/strict';
import { GROWTH_PLAN_NAME } from '../src/modules/catalog/index.ts';
import { appKeys } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import type { TestSystem } from './harness.ts';
import type { SignedIn } from './identity-helpers.ts';

/**
 * An app of one organisation, subscribed to IBFT, 1Bill and 1QR on the Growth plan (50 calls a
 * second, so bursts above the request log's body sampling are served), with the test signing key
 * registered (1Bill HASH), and a sandbox caller that answers each call's request id.
 */
export type SandboxApp = {
  appId: string;
  orgId: string;
  post(
    path: string,
    body: unknown,
    extra?: Record<string, string>,
  ): Promise<{ requestId: string; body: any }>;
};

export async function sandboxApp(sys: TestSystem, owner: SignedIn, orgId: string, name = 'Conformance app') {
  const plan = async (slug: string) =>
    (await sys.services.catalog.findPlanByName(slug, GROWTH_PLAN_NAME))!.id;
  const app = await createApp(sys, owner, orgId, { name, planId: await plan('ibft') });
  for (const slug of ['bills', '1qr']) {
    const s = await call(sys, owner, 'POST', `/api/v1/orgs/${orgId}/apps/${app.appId}/subscriptions`, {
      planId: await plan(slug),
    });
    assert.equal(s.status, 201, s.raw);
  }
  const k = await call(sys, owner, 'PATCH', `/api/v1/orgs/${orgId}/apps/${app.appId}`, {
    publicKeyPem: appKeys.publicPem,
  });
  assert.equal(k.status, 200, k.raw);
  const t = await tokenCall(sys, {
    grant_type: 'client_credentials',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    scope: '1LinkApi',
  });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const headers = {
    'x-ibm-client-id': app.clientId,
    authorization: `Bearer ${t.body.access_token}`,
    'content-type': 'application/json',
  };
  const out: SandboxApp = {
    appId: app.appId,
    orgId,
    async post(path, body, extra = {}) {
      const r = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox${path}`,
        headers: { ...headers, ...extra },
        payload: JSON.stringify(body),
      });
      assert.equal(r.statusCode, 200, r.body);
      return { requestId: String(r.headers['x-request-id']), body: r.json() };
    },
  };
  return out;
}

/** Delivers every queued call record and waits until the conformance module has evaluated them. */
export async function settle(sys: TestSystem): Promise<void> {
  for (let i = 0; i < 6; i++) {
    sys.services.gateway!.callRecords.flush();
    await new Promise((r) => setImmediate(r));
    await sys.services.conformance.recognizer.idle();
  }
}

/** The app's progress through one product's suite, as the portal API answers it. */
export async function progressOf(sys: TestSystem, who: SignedIn, app: SandboxApp, product: string) {
  const r = await call(
    sys,
    who,
    'GET',
    `/api/v1/orgs/${app.orgId}/apps/${app.appId}/conformance?productSlug=${product}`,
  );
  assert.equal(r.status, 200, r.raw);
  const p = r.body.products[0];
  return {
    raw: p,
    passed: new Map<string, string>(
      p.cases.filter((c: any) => c.passed).map((c: any) => [c.caseId, c.requestId] as [string, string]),
    ),
  };
}

export type { AppsWorld };
