import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, type Running, startServer } from '../process-helpers.ts';
import {
  chromiumMissing,
  ensureWebBuild,
  freshTotp,
  launchChromium,
  screenshot,
  seriousViolations,
  shotsDir,
} from './browser-helpers.ts';

/**
 * The portal in a real browser against a real server: a new developer walks from sign-up to a
 * try-it title fetch answering ResponseCode 00, an operator approves the account and a pending
 * subscription, and every main page is checked with axe-core and photographed at desktop and phone
 * width (test-results/portal/).
 */
const OPERATOR = { email: 'operator@darwaza.local', password: 'darwaza-demo-operator' };
const OPERATOR_TOTP = 'DARWAZADEMOOPERATORTOTPSECRETXYZ';
const STEP_MS = 20_000;

const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

// One Chromium walks 30-odd pages with an axe check each: ~3 minutes alone on a 2-core machine, and
// more while other test files share the cores (CI runs two at a time), so the suite's bound is generous.
describe('web portal in Chromium', { skip: missing ?? false, timeout: 600_000 }, () => {
  let server: Running;
  let dataDir: string;
  let browser: Browser;
  let dev: BrowserContext;
  let op: BrowserContext;
  let page: Page;
  let opPage: Page;
  const stamp = Date.now().toString(36);
  const person = {
    name: `Ayesha Khan ${stamp}`,
    email: `ayesha.${stamp}@fintech.example`,
    password: 'correct-horse-battery-77',
  };
  const state: { orgUrl?: string; appUrl?: string; clientSecret?: string; clientId?: string } = {};
  const axe: Record<string, number> = {};
  const timings: Record<string, number> = {};

  /** Main pages are photographed at phone width too (and checked for sideways overflow there). */
  const PHONE = new Set([
    'home',
    'catalog',
    'getting-started',
    'sign-up',
    'sign-in',
    'mfa-enrolment',
    'org',
    'app',
    'reference-try-it',
    'usage',
    'sandbox',
    'operator-subscriptions',
  ]);

  /**
   * Checks a page with axe and photographs it. A browser-level hiccup (a navigation aborted by a
   * background refetch, a context destroyed mid-analysis) is retried once; assertion failures are not.
   */
  async function checkPage(p: Page, name: string, url?: string): Promise<void> {
    try {
      await checkPageOnce(p, name, url);
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      console.log(`retrying the check of ${name} after: ${(err as Error).message.split('\n')[0]}`);
      await checkPageOnce(p, name, url ?? p.url());
    }
  }

  async function checkPageOnce(p: Page, name: string, url?: string): Promise<void> {
    const started = Date.now();
    if (url) await p.goto(url);
    await p.waitForLoadState('networkidle');
    await p
      .locator('.state-loading')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    const found = await seriousViolations(p);
    axe[name] = found.length;
    assert.deepEqual(found, [], `axe found serious/critical violations on ${name}`);
    await screenshot(p, `${name}-desktop`);
    timings[name] = Date.now() - started;
    if (!PHONE.has(name)) return;
    const phone = await p.context().newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(p.url());
    await phone.waitForLoadState('networkidle');
    await phone
      .locator('.state-loading')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await screenshot(phone, `${name}-phone`);
    const overflow = await phone.evaluate(() => {
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(-3)
        .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).replace(/\s+/g, '.')}`);
      return { by: document.documentElement.scrollWidth - window.innerWidth, wide };
    });
    assert.ok(
      overflow.by <= 1,
      `${name} overflows the phone width by ${overflow.by}px: ${overflow.wide.join(', ')}`,
    );
    await phone.close();
    timings[name] = Date.now() - started;
  }

  before(async () => {
    rmSync(shotsDir, { recursive: true, force: true });
    await ensureWebBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'darwaza-browser-'));
    const port = await freePort();
    server = await startServer({
      PORT: String(port),
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      NODE_ENV: 'development',
      PORTAL_RATE_LIMIT: '100000',
      LOG_LEVEL: 'error',
    });
    browser = await launchChromium();
    dev = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    op = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    dev.setDefaultTimeout(STEP_MS);
    op.setDefaultTimeout(STEP_MS);
    page = await dev.newPage();
    opPage = await op.newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      server.child.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    console.log(`axe serious/critical violations per page: ${JSON.stringify(axe)}`);
    console.log(`ms per checked page: ${JSON.stringify(timings)}`);
  });

  it('public pages: home, catalogue, getting started, terms, sign-up and sign-in are accessible', async () => {
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('link', { name: 'IBFT' }).first().waitFor();
    await checkPage(page, 'home');
    await checkPage(page, 'catalog', '/catalog');
    await page.getByText('Default Plan').first().waitFor();
    await checkPage(page, 'product', '/catalog/ibft');
    await checkPage(page, 'getting-started', '/getting-started');
    await checkPage(page, 'terms', '/terms');
    await checkPage(page, 'sign-up', '/sign-up');
    await checkPage(page, 'sign-in', '/sign-in');
  });

  it('sign-up refuses an under-age applicant with a field-level reason', async () => {
    await page.goto('/sign-up');
    await page.getByLabel('Full name').fill('Too Young');
    await page.getByLabel('Work e-mail').fill(`young.${stamp}@fintech.example`);
    await page.getByLabel('Password').fill(person.password);
    await page.getByLabel('Date of birth').fill(`${new Date().getUTCFullYear() - 16}-01-01`);
    await page.getByLabel('I have read and accept').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    const err = page
      .locator('.field.has-error', { has: page.getByLabel('Date of birth') })
      .locator('.field-error');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /18/);
    assert.equal(await page.getByLabel('Date of birth').getAttribute('aria-invalid'), 'true');
  });

  it('a new developer signs up and activates the account from the dev mailbox', async () => {
    await page.goto('/sign-up');
    await page.getByLabel('Full name').fill(person.name);
    await page.getByLabel('Work e-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByLabel('Date of birth').fill('1991-04-12');
    await page.getByLabel('Job title').fill('Lead engineer');
    await page.getByLabel('I have read and accept').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();

    await page.getByRole('link', { name: 'development mailbox', exact: true }).click();
    await page.getByLabel('Filter by recipient').fill(person.email);
    const link = page.getByRole('link', { name: /\/activate\?token=/ }).first();
    await link.waitFor();
    await checkPage(page, 'dev-mailbox');
    await link.click();
    await page.getByRole('heading', { name: 'Account activated' }).waitFor();
    await page.getByText('Waiting for approval').waitFor();
  });

  it('an operator signs in with TOTP and approves the account', async () => {
    await opPage.goto('/sign-in');
    await opPage.getByLabel('E-mail').fill(OPERATOR.email);
    await opPage.getByLabel('Password').fill(OPERATOR.password);
    await opPage.getByRole('button', { name: 'Sign in' }).click();
    await opPage.getByLabel('Authentication code').fill(await freshTotp(OPERATOR_TOTP));
    await opPage.getByRole('button', { name: 'Verify and sign in' }).click();
    await opPage.waitForURL(/\/operator/);
    await opPage.goto('/operator/accounts');
    const approve = opPage.getByRole('button', { name: `Approve ${person.name}` });
    await approve.waitFor();
    await checkPage(opPage, 'operator-accounts');
    await approve.click();
    await approve.waitFor({ state: 'detached' });
  });

  it('the developer signs in and enrols TOTP with a QR code and recovery codes', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account\/security/);
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    await checkPage(page, 'mfa-enrolment');
    await page.getByLabel('Code from the app').fill(await freshTotp(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count();
    assert.ok(codes >= 5, `expected recovery codes, got ${codes}`);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('An authenticator app is set up').waitFor();
    await checkPage(page, 'security');
  });

  it('the developer creates an organisation naming a participant', async () => {
    await page.goto('/dashboard');
    await page.getByText('You do not belong to an organisation yet').waitFor();
    await checkPage(page, 'dashboard-empty');
    await page.getByRole('link', { name: 'Create an organisation' }).first().click();
    await page.getByLabel('Legal name of the organisation').fill(`Khan Payments ${stamp}`);
    await page.getByLabel('Registration number').fill('0123456');
    await page.getByLabel('Corporate participant').selectOption({ index: 1 });
    await page.getByLabel('I confirm I am authorised').check();
    await checkPage(page, 'org-new');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.waitForURL(/\/orgs\/org_[^/]+$/);
    await page.getByRole('heading', { name: 'Confirmation status' }).waitFor();
    state.orgUrl = new URL(page.url()).pathname;
    await checkPage(page, 'org');
  });

  it('the developer registers an app and sees its secret once', async () => {
    await page.goto(`${state.orgUrl}/apps/new`);
    await page.getByLabel('App name').fill('Khan Wallet');
    await page.getByLabel('Description').fill('Wallet top-ups by IBFT');
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.getByRole('heading', { name: "Your app's credentials" }).waitFor();
    await page.getByText('This is the only time the secret is shown').waitFor();
    state.clientSecret = ((await page.getByTestId('client-secret').textContent()) ?? '').trim();
    state.clientId = ((await page.getByTestId('client-id').textContent()) ?? '').trim();
    assert.ok(state.clientSecret.length >= 20);
    await checkPage(page, 'app-created');
    await page.getByRole('link', { name: 'subscribe the app to a plan' }).click();
    await page.waitForURL(/\/apps\/app_/);
    state.appUrl = new URL(page.url()).pathname;
  });

  it('the developer subscribes: an open plan is active at once, an approval plan stays pending', async () => {
    await page.goto(state.appUrl!);
    const plan = page.getByRole('combobox', { name: /^Plan/ });
    await plan.waitFor();
    const pick = async (prefix: string) => {
      const value = await plan.evaluate(
        (el, pre) => [...(el as HTMLSelectElement).options].find((o) => o.text.startsWith(pre))?.value ?? '',
        prefix,
      );
      assert.ok(value, `no plan option starting with ${prefix}`);
      await plan.selectOption(value);
      await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    };
    await pick('IBFT — Default Plan');
    const subs = page.getByRole('table').filter({ hasText: 'Plan' }).first();
    await subs.getByRole('row', { name: /ibft.*active/i }).waitFor();
    await pick('1Bill — Partner');
    // 1Bill has additional terms: the page offers them, the owner accepts them and the subscription follows.
    await page.getByRole('heading', { name: 'Additional terms for 1Bill' }).waitFor();
    await page.getByRole('button', { name: 'Accept for the organisation and subscribe' }).click();
    await subs.getByRole('row', { name: /bills.*pending/i }).waitFor();
    await page.getByText('waiting for operator approval').waitFor();
    await checkPage(page, 'app');
  });

  it('try-it: the title fetch through our gateway answers ResponseCode 00', async () => {
    await page.goto(state.appUrl!);
    await page.getByRole('link', { name: 'Try it' }).first().click();
    await page.waitForURL(/\/catalog\/ibft\/reference/);
    await page.getByRole('heading', { name: 'Try it' }).waitFor();
    await page.getByLabel('Client secret').fill(state.clientSecret!);
    await page.getByRole('button', { name: 'Fill from my test data' }).click();
    await page.getByRole('button', { name: 'Send request' }).click();
    const rc = page.getByTestId('network-code');
    await rc.waitFor();
    const text = (await rc.textContent()) ?? '';
    const body = await page
      .getByTestId('response-body')
      .textContent()
      .catch(() => '');
    assert.match(text, /ResponseCode 00/, `try-it answered: ${text}\n${body}`);
    await checkPage(page, 'reference-try-it');
  });

  it('try-it names a suspension (not the secret) when the token endpoint refuses a suspended app', async () => {
    const appId = state.appUrl!.split('/').pop()!;
    // The operator suspends the app through the portal API, with the operator's own session.
    const setStatus = (status: string) =>
      opPage.evaluate(
        async ([id, st]) =>
          (
            await fetch(`/api/v1/admin/apps/${id}/status`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-csrf-token': sessionStorage.getItem('dz_csrf') ?? '',
              },
              body: JSON.stringify({ status: st, reason: 'browser test of the suspension message' }),
            })
          ).status,
        [appId, status] as const,
      );
    await opPage.goto('/operator/apps');
    assert.equal(await setStatus('suspended'), 200);
    try {
      await page.goto(state.appUrl!);
      await page.getByRole('link', { name: 'Try it' }).first().click();
      await page.getByRole('heading', { name: 'Try it' }).waitFor();
      await page.getByLabel('Client secret').fill(state.clientSecret!);
      await page.getByRole('button', { name: 'Send request' }).click();
      const alert = page.getByRole('alert').filter({ hasText: /suspended/ });
      await alert.waitFor();
      const said = (await alert.textContent()) ?? '';
      assert.match(said, /This app is suspended/);
      assert.doesNotMatch(said, /check the client secret/i);
    } finally {
      assert.equal(await setStatus('active'), 200);
    }
  });

  it('calls the network declines (55, 10) go through the gateway with the app’s credentials', async () => {
    // Sent here, while `state` holds the app's first secret: the network answers 55 (host link
    // down) and 10 (a duplicate RRN), declines the usage test below finds on the usage page.
    const gateway = `${server.url}/darwaza/sandbox`;
    const tok = await fetch(`${gateway}/oauth2/token`, {
      method: 'POST',
      headers: {
        // RFC 6749 §2.3.1: each half form-urlencoded before Basic (a secret may hold + or /).
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(state.clientId!)}:${encodeURIComponent(state.clientSecret!)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=1LinkApi',
    });
    assert.equal(tok.status, 200, await tok.clone().text());
    const headers = {
      authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}`,
      'x-ibm-client-id': state.clientId!,
      'content-type': 'application/json',
    };
    const rrn = () => String(Date.now()).slice(-12).padStart(12, '0');
    const body = {
      TransactionAmount: '000000100000',
      TransmissionDateAndTime: '1123140512',
      STAN: '444666',
      Time: '140512',
      Date: '1123',
      MerchantType: '0003',
      FromBankIMD: '998876',
      RRN: rrn(),
      CardAcceptorTerminalId: '40260275',
      CardAcceptorIdCode: '402626030259047',
      CardAcceptorNameLocation: { Location: 'Karachi', City: 'Karachi', State: 'Sindh', Country: 'PK' },
      MerchantDetail: '',
      PaymentDetail: '0320 Donations  Charity',
      CurrencyCodeTransaction: '586',
      AccountNumberFrom: '0010000000001',
      AccountNumberTo: '9990000000001002',
      ToBankIMD: '22116600000',
      PAN: '0000000000000',
      ExpiryDate: '0000',
      PosEntMode: '000',
      BeneficiaryBankName: '1Link Model Bank',
      Reserved1: '',
      Reserved2: '',
      Reserved3: '',
    };
    const codeOf = async (path: string, b: object) => {
      const r = await fetch(`${gateway}${path}`, { method: 'POST', headers, body: JSON.stringify(b) });
      return ((await r.json()) as { ResponseCode?: string }).ResponseCode;
    };
    assert.equal(await codeOf('/path-1', { ...body, AccountNumberTo: '9990000000000055' }), '55');
    const transfer = {
      ...body,
      RRN: rrn().replace(/^./, '7'),
      SenderName: 'TEST SENDER',
      ReferenceNo: 'REF1',
    };
    assert.equal(await codeOf('/funds-transfer-rest-service/path-1', transfer), '00');
    assert.equal(await codeOf('/funds-transfer-rest-service/path-1', transfer), '10');
  });

  it('an operator approves the pending subscription and the developer sees it active', async () => {
    await opPage.goto('/operator/subscriptions');
    const approve = opPage.getByRole('button', { name: /Approve the Partner/ });
    await approve.first().waitFor();
    await checkPage(opPage, 'operator-subscriptions');
    await approve.first().click();
    await opPage.getByText('No subscriptions are waiting for approval.').waitFor();
    await page.goto(state.appUrl!);
    await page.getByRole('row', { name: /bills.*active/i }).waitFor();
  });

  it('a limit increase: the developer asks, the operator approves with conditions, the owner accepts them', async () => {
    await page.goto(state.appUrl!);
    await page.getByText('Ask for a higher limit').click();
    const sub = page.getByRole('combobox', { name: /^Subscription/ });
    const ibft = await sub.evaluate(
      (el) => [...(el as HTMLSelectElement).options].find((o) => o.text.startsWith('ibft'))?.value ?? '',
    );
    await sub.selectOption(ibft);
    await page.getByRole('combobox', { name: /^Which limit/ }).selectOption('rate:hour');
    await page.getByLabel('Value you need').fill('500');
    await page.getByLabel('Why you need it').fill('Salary disbursement pilot on the first of the month.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('row', { name: /Calls per hour.*100 → 500.*pending/i }).waitFor();

    await opPage.goto('/operator/limits');
    await opPage.getByRole('button', { name: 'Decide' }).first().click();
    await opPage.getByLabel('Granted value (conditions)').fill('300');
    await opPage
      .getByLabel('Terms to accept first (conditions)')
      .fill('Keep bursts under 10 calls a second.');
    await checkPage(opPage, 'operator-limit-decision');
    await opPage.getByRole('button', { name: 'Record decision' }).click();
    await opPage.getByText('No limit-increase requests are waiting.').waitFor();

    await page.reload();
    await page.getByRole('button', { name: 'Accept conditions' }).click();
    await page.getByRole('row', { name: /granted 300.*yes/i }).waitFor();
  });

  it('a participant reviewer confirms the representative; production access is requested and approved', async () => {
    // The operator appoints the demo developer as a reviewer for the participant the organisation named.
    await opPage.goto('/operator/participants');
    await opPage.getByText('1LINK Model Bank').first().click();
    await opPage.getByLabel("User's e-mail or id").fill('developer@darwaza.local');
    await opPage.getByRole('button', { name: 'Appoint reviewer' }).click();
    await opPage.getByText(/Demo Developer/).waitFor();

    const reviewerContext = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 900 },
    });
    reviewerContext.setDefaultTimeout(STEP_MS);
    const reviewer = await reviewerContext.newPage();
    try {
      await reviewer.goto('/sign-in');
      await reviewer.getByLabel('E-mail').fill('developer@darwaza.local');
      await reviewer.getByLabel('Password').fill('darwaza-demo-developer');
      await reviewer.getByRole('button', { name: 'Sign in' }).click();
      await reviewer.waitForURL(/\/(account|dashboard)/);
      await reviewer.goto('/reviews');
      const confirm = reviewer.getByRole('button', {
        name: `Confirm ${person.name} for Khan Payments ${stamp}`,
      });
      await confirm.waitFor();
      await checkPage(reviewer, 'reviews');
      await confirm.click();
      await reviewer
        .getByRole('row', { name: new RegExp(`${person.name}.*confirmed`) })
        .first()
        .waitFor();
    } finally {
      await reviewerContext.close();
    }

    await page.goto(state.orgUrl!);
    await page.getByText(/confirmed the organisation's representative/).waitFor();
    await page.goto(state.appUrl!);
    // Production access is asked per product (issue 35): the IBFT row.
    const ibft = page.getByTestId('production-ibft');
    // The conformance gate (issue 37): the app has passed IBFT's title fetch (try-it above) and none
    // of the suite's other cases, so the request is refused naming them…
    await ibft.getByRole('button', { name: 'Request production access' }).click();
    await ibft
      .getByText(/timeout-resolved/)
      .first()
      .waitFor();
    // …until the operator retires them in the suite editor (a retired case no longer blocks).
    await opPage.goto('/operator/conformance');
    for (const id of [
      'transfer',
      'invalid-account',
      'insufficient-funds',
      'timeout-resolved',
      'duplicate-reference',
    ]) {
      await opPage.getByRole('button', { name: `Retire ${id}` }).click();
      await opPage.getByRole('button', { name: `Restore ${id}` }).waitFor();
    }
    await ibft.getByRole('button', { name: 'Request production access' }).click();
    await ibft.getByText(/Request of .*pending/i).waitFor();

    await opPage.goto('/operator/production');
    await opPage.getByRole('button', { name: 'Approve' }).first().click();
    await opPage.getByText('No production-access requests are waiting.').waitFor();
    await page.reload();
    await page
      .getByText(/approved|This app is in production/i)
      .first()
      .waitFor();
  });

  it('secret rotation: a second secret overlaps, then the old one is revoked', async () => {
    await page.goto(state.appUrl!);
    const secrets = page.getByRole('table').filter({ hasText: 'Expires' }).first();
    await secrets
      .getByRole('row', { name: /active/i })
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Create a new secret' }).click();
    await page.getByRole('heading', { name: 'New client secret' }).waitFor();
    const second = ((await page.getByTestId('client-secret').textContent()) ?? '').trim();
    assert.ok(second.length >= 20 && second !== state.clientSecret);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await secrets.getByRole('row', { name: /active/i }).count(), 2);
    page.once('dialog', (d) => void d.accept());
    await secrets
      .getByRole('button', { name: /Revoke the secret ending/ })
      .first()
      .click();
    // The revoked secret leaves the active list (or shows as revoked): one active secret remains.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('table')]
          .find((t) => t.textContent?.includes('Expires'))
          ?.querySelectorAll('button.btn-danger').length === 1,
    );
    state.clientSecret = second;
  });

  it('sandbox: the test data is listed and a reset asks for confirmation', async () => {
    await page.goto(`${state.orgUrl}/sandbox`);
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    page.once('dialog', (d) => {
      assert.match(d.message(), /Reset the sandbox/);
      void d.accept();
    });
    await page.getByRole('button', { name: 'Reset sandbox' }).click();
    await page.getByText(/Reset done at/).waitFor();
  });

  it('keyboard: the skip link is the first stop and moves focus to the content', async () => {
    await page.goto('/catalog');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent ?? '');
    assert.equal(first.trim(), 'Skip to content');
    await page.keyboard.press('Enter');
    const inMain = await page.evaluate(() => !!document.activeElement?.closest('main'));
    assert.ok(inMain, 'focus did not move to the main content');
  });

  it('usage, sandbox data and operator queues render without serious accessibility issues', async () => {
    // The calls of 'calls the network declines' (55, 10) are declines on the usage page.
    await page.goto(`${state.appUrl}/usage`);
    const summary = page.getByTestId('outcome-summary');
    await summary.waitFor();
    assert.match((await summary.textContent()) ?? '', /\d+ approved · [1-9]\d* declined · \d+ failed/);
    const declines = page.getByRole('table', { name: 'Declines by network code' });
    await declines.getByRole('row', { name: /ibftTitleFetch 55/ }).waitFor();
    await declines.getByRole('row', { name: /ibftFundsTransfer 10/ }).waitFor();
    await checkPage(page, 'usage', `${state.appUrl}/usage`);
    // The usage charts: Chart.js has drawn each on its canvas (which is named for screen readers),
    // and every bucket's numbers are in the text table behind it.
    await page.goto(`${state.appUrl}/usage`);
    const drawn = () =>
      [...document.querySelectorAll('figure.chart')].map((f) => {
        const c = f.querySelector('canvas');
        const px =
          c && c.width > 0 ? c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data : undefined;
        return {
          name: c?.getAttribute('aria-label')?.split('.')[0] ?? '',
          role: c?.getAttribute('role') ?? '',
          painted: !!px?.some((v, i) => i % 4 === 3 && v > 0),
          rows: f.querySelectorAll('table.visually-hidden tbody tr').length,
        };
      });
    await page.waitForFunction(() => {
      const cs = [...document.querySelectorAll('figure.chart canvas')] as HTMLCanvasElement[];
      return (
        cs.length === 2 &&
        cs.every(
          (c) =>
            c.width > 0 &&
            c
              .getContext('2d')
              ?.getImageData(0, 0, c.width, c.height)
              .data.some((v) => v > 0),
        )
      );
    });
    const charts = await page.evaluate(drawn);
    assert.deepEqual(
      charts.map((c) => ({ name: c.name, role: c.role, painted: c.painted })),
      [
        { name: 'Calls by outcome', role: 'img', painted: true },
        { name: 'Average latency', role: 'img', painted: true },
      ],
    );
    assert.ok(
      charts.every((c) => c.rows > 0),
      `a chart has no text table behind it: ${JSON.stringify(charts)}`,
    );
    // New numbers (a range switch here; the 5-second refresh alike) update the drawn chart in place:
    // Chart.js keeps its per-canvas record ('$chartjs') for the chart's life, so a tag put on it
    // survives only if the chart was not destroyed and drawn again (which left a blank canvas
    // between the two, and failed the check above at random).
    await page.evaluate(() => {
      for (const c of document.querySelectorAll('figure.chart canvas'))
        (c as unknown as { $chartjs: { tag?: number } }).$chartjs.tag = 1;
    });
    await page.getByRole('radio', { name: 'Last 30 days' }).check();
    await page.waitForFunction(() =>
      /^\d\d-\d\d$/.test(document.querySelector('figure.chart table tbody th')?.textContent?.trim() ?? ''),
    );
    const kept = await page.evaluate(() =>
      [...document.querySelectorAll('figure.chart canvas')].map(
        (c) => (c as unknown as { $chartjs?: { tag?: number } }).$chartjs?.tag === 1,
      ),
    );
    assert.deepEqual(kept, [true, true], 'a chart was destroyed and drawn again on new data');
    assert.deepEqual(
      (await page.evaluate(drawn)).map((c) => c.painted),
      [true, true],
    );
    await checkPage(page, 'sandbox', `${state.orgUrl}/sandbox`);
    await checkPage(page, 'org-terms', `${state.orgUrl}/terms`);
    await checkPage(page, 'profile', '/account');
    await checkPage(page, 'notifications', '/account/notifications');
    for (const tab of [
      'production',
      'organisations',
      'apps',
      'catalogue',
      'eligibility',
      'terms',
      'participants',
    ]) {
      await checkPage(opPage, `operator-${tab}`, `/operator/${tab}`);
    }
    // The screening list's and barred countries' headings read as words (type renames once leaked
    // into them as "ScreeningEntry list" and "BarredCountry countries").
    await opPage.goto('/operator/eligibility');
    await opPage.getByRole('heading', { name: 'Screening list' }).waitFor();
    await opPage.getByRole('heading', { name: 'Barred countries' }).waitFor();
    assert.equal(await opPage.getByText(/ScreeningEntry|BarredCountry/).count(), 0);
    const exportCsv = opPage.getByRole('link', { name: 'Export the list as CSV' });
    assert.equal(await exportCsv.getAttribute('href'), '/api/v1/admin/identity/screening-list.csv');
    const csv = await opPage.request.get('/api/v1/admin/identity/screening-list.csv');
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
  });
});
