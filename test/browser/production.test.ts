import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { System } from '../../src/main.ts';
import { DEFAULT_PLAN_NAME } from '../../src/modules/catalog/index.ts';
import { systemContext } from '../../src/platform/request-context.ts';
import { chromiumMissing, launchChromium, seriousViolations } from './browser-helpers.ts';
import { DEMO_DEVELOPER, DEMO_OPERATOR, type DemoServer, signIn, startDemoServer } from './demo-server.ts';

/**
 * Issue 35 in Chromium: the demo developer asks for production access to IBFT on the app's page;
 * once an operator approves it, the page shows both base URLs and which credentials go with which,
 * the production client id, and a production secret shown once (a real one: it takes a token at
 * the production catalog); try-it still works with the sandbox set.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

describe('production credentials in the portal', { skip: missing ?? false, timeout: 180_000 }, () => {
  let server: DemoServer;
  let sys: System;
  let url = '';
  let browser: Browser;
  const app = { orgId: '', appId: '', clientSecret: '' };

  before(async () => {
    server = await startDemoServer('prod');
    sys = server.sys;
    url = server.url;
    // This test is about credentials, not certification: the conformance gate (when there is one)
    // lets the request through.
    const gate = (sys.services as { conformance?: { check: unknown } }).conformance;
    if (gate) gate.check = async () => ({ ok: true });
    const { organizations, apps, catalog } = sys.services;
    const org = await organizations.findOrganizationByName('Demo Fintech');
    assert.ok(org);
    const ctx = systemContext('test');
    const created = await apps.createApp(org.id, { name: 'Going live app', description: '' }, ctx);
    const plan = await catalog.findPlanByName('ibft', DEFAULT_PLAN_NAME);
    assert.ok(plan);
    await apps.subscribe(org.id, created.app.id, plan.id, ctx, { skipTermsCheck: true });
    Object.assign(app, { orgId: org.id, appId: created.app.id, clientSecret: created.clientSecret });
    await server.listen();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('approved app: production credentials shown once, both base URLs visible, sandbox try-it still works', async () => {
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await signIn(context, DEMO_DEVELOPER);
    try {
      // Ask for production access to IBFT on the app's page.
      await page.goto(`/orgs/${app.orgId}/apps/${app.appId}`);
      const row = page.getByTestId('production-ibft');
      await row.getByRole('button', { name: 'Request production access' }).click();
      await row.getByText(/Request of .*pending/i).waitFor();
      const [request] = await sys.services.apps.listProductionRequests('pending');
      assert.equal(request?.appId, app.appId);
      assert.equal(request?.productSlug, 'ibft');

      // The operator decides this (app, product) on the production queue.
      const opContext = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
      opContext.setDefaultTimeout(20_000);
      try {
        const op = await signIn(opContext, DEMO_OPERATOR);
        await op.goto('/operator/production');
        const queued = op.getByRole('row').filter({ hasText: 'ibft' }).filter({ hasText: 'Going live app' });
        await queued.waitFor();
        assert.deepEqual(await seriousViolations(op), []);
        await queued.getByRole('button', { name: 'Approve' }).click();
        await op.getByText('No production-access requests are waiting.').waitFor();
      } finally {
        await opContext.close();
      }

      await page.reload();
      await row.getByText(/approved/).waitFor();
      // Both base URLs, each with its client id.
      const sandboxRow = page.getByTestId('catalog-sandbox');
      const productionRow = page.getByTestId('catalog-production');
      await sandboxRow.getByText(`${url}/darwaza/sandbox`, { exact: true }).waitFor();
      await productionRow.getByText(`${url}/darwaza/production`, { exact: true }).waitFor();
      const view = await sys.services.apps.getApp(app.orgId, app.appId);
      assert.ok(view.productionClientId);
      await sandboxRow.getByText(view.clientId, { exact: true }).waitFor();
      await productionRow.getByText(view.productionClientId, { exact: true }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);

      // The production secret, shown once.
      await page.getByRole('button', { name: 'Create a production secret' }).click();
      await page.getByRole('heading', { name: 'New production client secret' }).waitFor();
      const secret = ((await page.getByTestId('client-secret').textContent()) ?? '').trim();
      assert.equal((await page.getByTestId('client-id').textContent())?.trim(), view.productionClientId);
      assert.ok(secret.length >= 40, secret);
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await page.reload();
      await page
        .getByRole('table', { name: 'Production client secrets' })
        .getByText(`…${secret.slice(-4)}`)
        .waitFor();
      assert.ok(!(await page.content()).includes(secret), 'the secret is shown once');
      // It is a real one: it takes a token at the production catalog (and the sandbox set does not).
      const token = (catalog: string, clientId: string, clientSecret: string) =>
        fetch(`${url}/darwaza/${catalog}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
          }).toString(),
        });
      assert.equal((await token('production', view.productionClientId, secret)).status, 200);
      const wrong = await token('production', view.clientId, app.clientSecret);
      assert.equal(wrong.status, 400);
      assert.equal((await wrong.json()).darwaza_code, 'credential_wrong_catalog');

      // Try-it: the sandbox, with the sandbox set, still works.
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`/catalog/ibft/reference?org=${app.orgId}&app=${app.appId}`);
      await page.getByRole('heading', { name: 'Try it' }).waitFor();
      await page.getByText(`${url}/darwaza/sandbox`, { exact: true }).waitFor();
      await page.getByLabel('Client secret').fill(app.clientSecret);
      await page.getByRole('button', { name: 'Fill from my test data' }).click();
      await page.getByRole('button', { name: 'Send request' }).click();
      const rc = page.getByTestId('network-code').or(page.getByRole('alert'));
      await rc.first().waitFor();
      assert.match((await rc.first().textContent()) ?? '', /ResponseCode 00/);
      assert.ok(requests.includes(`${url}/darwaza/sandbox/oauth2/token`), requests.join('\n'));
      assert.ok(!requests.some((u) => u.includes('/darwaza/production/')), requests.join('\n'));
    } finally {
      await context.close();
    }
  });
});
