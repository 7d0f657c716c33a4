import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createInfrastructure, createSystem, type System } from '../../src/main.ts';
import { DEFAULT_PLAN_NAME } from '../../src/modules/catalog/index.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createKeyring } from '../../src/platform/master-key.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { systemContext } from '../../src/platform/request-context.ts';
import { MemorySharedState } from '../../src/platform/shared-state/memory-shared-state.ts';
import { seedDemo } from '../../src/seed.ts';
import { freePort } from '../process-helpers.ts';
import { chromiumMissing, ensureWebBuild, launchChromium } from './browser-helpers.ts';

/**
 * Try-it with the portal and the gateway on separate addresses, as `--role portal` and
 * `--role gateway` run them: the portal (PUBLIC_URL) serves the web app, the gateway
 * (GATEWAY_PUBLIC_URL, another port: another origin) serves the token endpoint and the operations.
 * Both run here in one process on one database and one shared state (what PostgreSQL and Redis
 * are to separate processes), each with its own HTTP server and role. In Chromium, the demo
 * developer's try-it takes a token from the gateway and calls it across origins: the answer is
 * ResponseCode 00, and nothing of the gateway was asked of the portal.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

describe('try-it with the portal and the gateway on separate addresses', {
  skip: missing ?? false,
  timeout: 180_000,
}, () => {
  let portal: System;
  let gateway: System;
  let browser: Browser;
  let dataDir: string;
  let portalUrl = '';
  let gatewayUrl = '';
  const app = { orgId: '', appId: '', clientSecret: '' };

  before(async () => {
    await ensureWebBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'dz-split-'));
    const [portalPort, gatewayPort] = [await freePort(), await freePort()];
    portalUrl = `http://127.0.0.1:${portalPort}`;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      PUBLIC_URL: portalUrl,
      GATEWAY_PUBLIC_URL: gatewayUrl,
    };
    const shared = {
      keyring: createKeyring(randomBytes(32)),
      sharedState: new MemorySharedState(),
      log: createLogger('silent'),
    };
    const portalInfra = createInfrastructure(
      loadConfig({ ...env, ROLE: 'portal', PORT: String(portalPort) }),
      {
        ...shared,
        metrics: createMetrics({ defaultMetrics: false }),
      },
    );
    portal = await createSystem(portalInfra);
    gateway = await createSystem(
      createInfrastructure(loadConfig({ ...env, ROLE: 'gateway', PORT: String(gatewayPort) }), {
        ...shared,
        database: portalInfra.database,
        metrics: createMetrics({ defaultMetrics: false }),
      }),
    );
    await seedDemo(portal, { onlyIfEmpty: true });
    // The demo organisation's app on the IBFT default plan, as `darwaza admin create-app` makes it.
    const { organizations, apps, catalog } = portal.services;
    const org = await organizations.findOrganizationByName('Demo Fintech');
    assert.ok(org);
    const ctx = systemContext('test');
    const created = await apps.createApp(org.id, { name: 'Split roles app', description: '' }, ctx);
    const plan = await catalog.findPlanByName('ibft', DEFAULT_PLAN_NAME);
    assert.ok(plan);
    await apps.subscribe(org.id, created.app.id, plan.id, ctx, { skipTermsCheck: true });
    Object.assign(app, { orgId: org.id, appId: created.app.id, clientSecret: created.clientSecret });
    await portal.app.listen({ port: portalPort, host: '127.0.0.1' });
    await gateway.app.listen({ port: gatewayPort, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await gateway?.app.close();
    await portal?.app.close();
    // Both systems share the database and the shared state: the second close finds them closed.
    await gateway?.shutdown().catch(() => {});
    await portal?.shutdown().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("try-it takes a token from the gateway's address and calls it there: ResponseCode 00", async () => {
    const context = await browser.newContext({ baseURL: portalUrl, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    try {
      await page.goto('/sign-in');
      await page.getByLabel('E-mail').fill('developer@darwaza.local');
      await page.getByLabel('Password').fill('darwaza-demo-developer');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/(account|dashboard)/);

      await page.goto(`/catalog/ibft/reference?org=${app.orgId}&app=${app.appId}`);
      await page.getByRole('heading', { name: 'Try it' }).waitFor();
      await page.getByText(`${gatewayUrl}/darwaza/sandbox`, { exact: true }).waitFor();
      await page.getByLabel('Client secret').fill(app.clientSecret);
      await page.getByRole('button', { name: 'Fill from my test data' }).click();
      await page.getByRole('button', { name: 'Send request' }).click();
      const rc = page.getByTestId('network-code').or(page.getByRole('alert'));
      await rc.first().waitFor();
      const text = (await rc.first().textContent()) ?? '';
      assert.match(text, /ResponseCode 00/, `try-it answered: ${text}\nconsole: ${problems.join('\n')}`);

      assert.ok(requests.includes(`${gatewayUrl}/darwaza/sandbox/oauth2/token`), requests.join('\n'));
      assert.ok(requests.includes(`${gatewayUrl}/darwaza/sandbox/path-1`), requests.join('\n'));
      const askedPortal = requests.filter((u) => u.startsWith(`${portalUrl}/darwaza/`));
      assert.deepEqual(askedPortal, [], 'the portal was asked for a gateway URL');
    } finally {
      await context.close();
    }
  });
});
