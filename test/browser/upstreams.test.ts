import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from './browser-helpers.ts';
import { axeClean, DEMO_OPERATOR, type DemoServer, signIn, startDemoServer } from './demo-server.ts';

/**
 * Operator console → Upstreams (issue 35), in a real browser: every catalogue product is listed,
 * those without an upstream say so; a bad base URL and an out-of-bounds time-out are refused with
 * the message under the field; a good one is saved (version 1) and reaches the service. axe finds
 * no serious or critical violation.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

describe('operator console: production upstreams', { skip: missing ?? false, timeout: 180_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  before(async () => {
    // No simulated upstream: the demo seed leaves the products without one.
    server = await startDemoServer('upstreams', { env: { UPSTREAM_SIM_PORT: '0' } });
    await server.listen();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the products, refuses bad values under their field, saves a good upstream', async () => {
    const ctx = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(20_000);
    const op = await signIn(ctx, DEMO_OPERATOR);
    await op.getByRole('link', { name: 'Upstreams' }).click();
    await op.getByRole('heading', { name: /^ibft/ }).waitFor();
    await op.getByRole('heading', { name: /^bills/ }).waitFor();
    assert.ok((await op.getByText('No upstream: production calls are refused.').count()) >= 2);
    await axeClean(op, 'upstreams-empty');

    const form = op.getByRole('form', { name: 'Upstream of ibft' });
    await form.getByLabel('Base URL').fill('ftp://files.bank.test');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('must be an absolute http:// or https:// URL', { exact: true }).waitFor();
    assert.equal(await form.getByLabel('Base URL').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('Base URL').fill('https://api.bank.test/1link');
    await form.getByLabel(/^Response time-out/).fill('5');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('must be a whole number from 100 to 120000', { exact: true }).waitFor();
    await axeClean(op, 'upstreams-refused');

    await form.getByLabel(/^Response time-out/).fill('4000');
    await form.getByRole('button', { name: 'Save' }).click();
    await op.getByText(/^Version 1, changed/).waitFor();
    const [u] = await server.sys.services.upstreams.list();
    assert.equal(u?.productSlug, 'ibft');
    assert.equal(u?.baseUrl, 'https://api.bank.test/1link');
    assert.equal(u?.responseTimeoutMs, 4000);
    await axeClean(op, 'upstreams-saved');
    await ctx.close();
  });
});
