import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createInfrastructure, createSystem, type System } from '../../src/main.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createKeyring } from '../../src/platform/master-key.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { MemorySharedState } from '../../src/platform/shared-state/memory-shared-state.ts';
import { seedDemo } from '../../src/seed.ts';
import { freePort } from '../process-helpers.ts';
import {
  chromiumMissing,
  ensureWebBuild,
  freshTotp,
  launchChromium,
  screenshot,
  seriousViolations,
} from './browser-helpers.ts';

/**
 * Operator console → Upstreams (issue 35), in a real browser: every catalogue product is listed,
 * those without an upstream say so; a bad base URL and an out-of-bounds time-out are refused with
 * the message under the field; a good one is saved (version 1) and reaches the service. axe finds
 * no serious or critical violation.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

const OPERATOR = { email: 'operator@darwaza.local', password: 'darwaza-demo-operator' };
const OPERATOR_TOTP = 'DARWAZADEMOOPERATORTOTPSECRETXYZ';

describe('operator console: production upstreams', { skip: missing ?? false, timeout: 180_000 }, () => {
  let sys: System;
  let browser: Browser;
  let dataDir: string;
  let url = '';

  before(async () => {
    await ensureWebBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'dz-upstreams-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    sys = await createSystem(
      createInfrastructure(
        loadConfig({
          NODE_ENV: 'development',
          LOG_LEVEL: 'silent',
          DATA_DIR: dataDir,
          PUBLIC_URL: url,
          PORT: String(port),
          PORTAL_RATE_LIMIT: '100000',
          // No simulated upstream: the demo seed leaves the products without one.
          UPSTREAM_SIM_PORT: '0',
        }),
        {
          keyring: createKeyring(randomBytes(32)),
          sharedState: new MemorySharedState(),
          log: createLogger('silent'),
          metrics: createMetrics({ defaultMetrics: false }),
        },
      ),
    );
    await seedDemo(sys, { onlyIfEmpty: true });
    await sys.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await sys?.app.close();
    await sys?.shutdown().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function axeClean(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `axe found serious/critical violations on ${name}`);
    await screenshot(page, name);
  }

  it('lists the products, refuses bad values under their field, saves a good upstream', async () => {
    const ctx = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(20_000);
    const op = await ctx.newPage();
    await op.goto('/sign-in');
    await op.getByLabel('E-mail').fill(OPERATOR.email);
    await op.getByLabel('Password').fill(OPERATOR.password);
    await op.getByRole('button', { name: 'Sign in' }).click();
    await op.getByLabel('Authentication code').fill(await freshTotp(OPERATOR_TOTP));
    await op.getByRole('button', { name: 'Verify and sign in' }).click();
    await op.waitForURL(/\/operator/);
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
    const [u] = await sys.services.upstreams.list();
    assert.equal(u?.productSlug, 'ibft');
    assert.equal(u?.baseUrl, 'https://api.bank.test/1link');
    assert.equal(u?.responseTimeoutMs, 4000);
    await axeClean(op, 'upstreams-saved');
    await ctx.close();
  });
});
