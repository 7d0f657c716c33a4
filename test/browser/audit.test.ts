import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestSystem, type TestSystem } from '../harness.ts';
import { activeUser, rfc6238, TEST_PASSWORD, testOrganization, uniqueEmail } from '../identity-helpers.ts';
import { freePort } from '../process-helpers.ts';
import {
  chromiumMissing,
  ensureWebBuild,
  launchChromium,
  screenshot,
  seriousViolations,
} from './browser-helpers.ts';

/**
 * The operator's audit screen (issue 32, item 4) in Chromium against a whole system: an operator
 * signs in with TOTP, opens Operator console → Audit trail, sees the verification panel and the
 * events, filters by organisation (the address keeps the search; the CSV link carries it), pages
 * to older events and back, and each state has no serious or critical axe violation.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

describe('operator audit screen', { skip: missing ?? false, timeout: 180_000 }, () => {
  let sys: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let orgId = '';
  let busyOrg = '';
  const operator = { email: uniqueEmail('auditop'), secret: '' };

  before(async () => {
    await ensureWebBuild();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    sys = await startTestSystem({ env: { PUBLIC_URL: url } });
    const dev = await activeUser(sys);
    orgId = await testOrganization(sys, dev, { name: 'Audited Traders' });
    // 60 events for one organisation: more than one page (50).
    busyOrg = 'org_01m8busybusybusybusybusybu';
    for (let i = 0; i < 60; i++) {
      sys.clock.advance(10);
      await sys.services.audit.record({
        actor: { type: 'system', id: 'seed' },
        action: 'paging.check',
        orgId: busyOrg,
        target: { type: 'widget', id: `wdg_${String(i).padStart(2, '0')}` },
      });
    }
    const r = await sys.services.identity.provisionUser({
      email: operator.email,
      name: 'Audit Operator',
      password: TEST_PASSWORD,
      operator: true,
    });
    operator.secret = r.totpSecret!;
    await sys.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await sys?.cleanup();
  });

  const noSeriousViolations = async (name: string) => {
    await page
      .locator('.state-loading')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await screenshot(page, name);
    const found = await seriousViolations(page);
    assert.deepEqual(found, [], `${name}: ${JSON.stringify(found, null, 2)}`);
  };

  it('an operator opens the audit trail, filters by organisation and pages through the events', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(operator.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    sys.clock.advance(30_000);
    await page.getByLabel('Authentication code').fill(rfc6238(operator.secret, sys.clock.nowMs()));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(/\/operator/);

    await page
      .getByRole('navigation', { name: 'Operator' })
      .getByRole('link', { name: 'Audit trail' })
      .click();
    await page.waitForURL(/\/operator\/audit/);
    await page.getByRole('heading', { name: 'Chain verification' }).waitFor();
    await page.getByRole('table', { name: 'Audit events, newest first' }).waitFor();
    await noSeriousViolations('operator-audit');

    // Filter by the organisation: the address keeps the search, every row is that organisation's.
    await page.getByLabel('Organisation id').fill(orgId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(new RegExp(`orgId=${orgId}`));
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    await table.getByText('org.created').first().waitFor();
    const rows = table.locator('tbody tr');
    const n = await rows.count();
    assert.ok(n >= 1);
    for (let i = 0; i < n; i++) assert.match((await rows.nth(i).textContent()) ?? '', new RegExp(orgId));
    // The event links to the organisation it concerns, and the export carries the same search.
    const orgLink = table.getByRole('link', { name: `organization ${orgId}` }).first();
    assert.equal(await orgLink.getAttribute('href'), `/orgs/${orgId}`);
    const csv = page.getByRole('link', { name: 'Export these events as CSV' });
    assert.equal(await csv.getAttribute('href'), `/api/v1/admin/audit/events.csv?orgId=${orgId}`);
    const exported = await page.request.get(`/api/v1/admin/audit/events.csv?orgId=${orgId}`);
    assert.equal(exported.status(), 200);
    assert.match(await exported.text(), /org\.created/);
    await noSeriousViolations('operator-audit-filtered');

    // Paging: 60 events of one organisation are two pages; older, then newer again.
    await page.goto(`/operator/audit?orgId=${busyOrg}&actionPrefix=paging.`);
    await table.getByText('widget wdg_59').waitFor();
    assert.equal(await rows.count(), 50);
    await page.getByRole('button', { name: 'Older events' }).click();
    await table.getByText('widget wdg_09').waitFor();
    assert.equal(await rows.count(), 10);
    assert.equal(await page.getByRole('button', { name: 'Older events' }).count(), 0);
    await noSeriousViolations('operator-audit-older');
    await page.getByRole('button', { name: 'Newer events' }).click();
    await table.getByText('widget wdg_59').waitFor();
  });
});
