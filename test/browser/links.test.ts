import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_PLAN_NAME, PARTNER_PLAN_NAME } from '../../src/modules/catalog/index.ts';
import { type TemplateId, templates } from '../../src/modules/notifications/index.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { seedDemo } from '../../src/seed.ts';
import { call, createApp, passProductionGate, tokenCall } from '../apps-helpers.ts';
import { startTestSystem, type TestSystem } from '../harness.ts';
import {
  activeUser,
  operatorUser,
  rfc6238,
  type SignedIn,
  signIn,
  TEST_PASSWORD,
  testOrganization,
  tokenFromMail,
  uniqueEmail,
} from '../identity-helpers.ts';
import { freePort } from '../process-helpers.ts';
import {
  chromiumMissing,
  ensureWebBuild,
  launchChromium,
  screenshot,
  seriousViolations,
  shotsDir,
} from './browser-helpers.ts';

/**
 * Every link the portal sends leads somewhere real. This suite triggers every e-mail and notice
 * template of the registry (src/modules/notifications/templates.ts) at least once against a real
 * server (all modules, SQLite, a fake clock so that terms can take effect), then, in Chromium,
 * follows every link of every e-mail (read through the mailer service, extracted the way a plain
 * mail client would: everything up to the next white space) and clicks the "Open" of every notice,
 * each as its recipient, and follows the `docs` link of portal, gateway and OAuth error bodies.
 * A link passes when it stays on the portal and shows its page: no "Page not found", no error
 * state, no failed token page, the URL it named. The suite fails when a template of the registry
 * was never triggered, so a new template needs a trigger here.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

const STEP_MS = 20_000;
const adult = { dateOfBirth: '1990-05-01', countryOfResidence: 'PK', countryOfUse: 'PK', acceptTerms: true };
/** A plain-text mail client's idea of a link: a scheme, then everything up to white space. */
const URL_IN_TEXT = /https?:\/\/\S+/g;

type Person = {
  userId: string;
  email: string;
  password: string;
  totpSecret?: string;
  page?: Page;
  signInRefused?: number;
};

describe('every link in e-mails, notices and error bodies', {
  skip: missing ?? false,
  timeout: 600_000,
}, () => {
  let sys: TestSystem;
  let base = '';
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Everyone the suite creates, by e-mail: the recipients whose links it follows. */
  const people = new Map<string, Person>();
  /** Links already followed (absolute URLs): token links are followed once, before they are used. */
  const followed = new Set<string>();
  const axe: Record<string, number> = {};
  let op: SignedIn & { totpSecret: string };

  const remember = (s: SignedIn, password = TEST_PASSWORD, totpSecret?: string): SignedIn => {
    people.set(s.email, { userId: s.userId, email: s.email, password, totpSecret });
    return s;
  };
  const ok = (r: { status: number; raw: string }, status: number, what: string) =>
    assert.equal(r.status, status, `${what}: ${r.raw}`);

  async function newPage(): Promise<Page> {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(STEP_MS);
    contexts.push(ctx);
    return ctx.newPage();
  }

  /** The person's own browser, signed in the way the web app signs in (its cookie, its CSRF token). */
  async function pageOf(email: string): Promise<Page | null> {
    const p = people.get(email);
    assert.ok(p, `a link was sent to ${email}, whom this suite did not create`);
    if (p.page) return p.page;
    if (p.signInRefused) return null;
    const page = await newPage();
    await page.goto('/');
    let code: string | undefined;
    if (p.totpSecret) {
      sys.clock.advance(30_000); // a TOTP code works once: every sign-in takes a new step
      code = rfc6238(p.totpSecret, sys.clock.nowMs());
    }
    const status = await page.evaluate(
      async (body) =>
        (
          await fetch('/api/v1/sessions', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status,
      { email: p.email, password: p.password, ...(code ? { code } : {}) },
    );
    if (status !== 201) {
      p.signInRefused = status;
      return null;
    }
    p.page = page;
    return page;
  }

  /** The browser of the first recipient who can sign in (a rejected account, say, cannot). */
  async function pageOfAny(emails: string[], what: string): Promise<Page> {
    for (const e of emails) {
      const page = await pageOf(e);
      if (page) return page;
    }
    throw new Error(`no recipient of ${what} can sign in: ${emails.join(', ')}`);
  }

  /** The page a link led to is a real one: its route exists, it shows no error, it is where the link said. */
  async function assertRealPage(page: Page, url: URL, from: string): Promise<void> {
    const what = `${from}: ${url.href}`;
    const h1 = page.locator('main h1').first();
    await h1.waitFor();
    // The page's own data has arrived when nothing in it is loading any more.
    await page.waitForFunction(() => !document.querySelector('main .state-loading'), undefined, {
      timeout: 10_000,
    });
    const title = ((await h1.textContent()) ?? '').trim();
    assert.notEqual(title, 'Page not found', `${what} shows "Page not found"`);
    assert.doesNotMatch(title, /did not work/i, `${what} shows "${title}"`);
    const errors = await page.locator('main .state-error').allTextContents();
    assert.deepEqual(errors, [], `${what} shows an error`);
    const now = new URL(page.url());
    assert.equal(now.pathname, url.pathname, `${what} ended at ${now.pathname}`);
    if (url.hash) {
      const id = decodeURIComponent(url.hash.slice(1));
      assert.equal(await page.locator(`[id="${id}"]`).count(), 1, `${what}: no entry #${id}`);
      assert.ok(await page.locator(`[id="${id}"]`).isVisible(), `${what}: #${id} is not shown`);
    }
  }

  /** Opens a link from an e-mail (or an error body) in `page`, as a click in a mail client would. */
  async function followUrl(page: Page, href: string, from: string): Promise<void> {
    const t0 = Date.now();
    const url = new URL(href);
    assert.equal(url.origin, base, `${from}: ${href} leads off the portal`);
    // A fresh load each time, as from a mail client (and never a same-page jump to another anchor).
    await page.goto('about:blank');
    const res = await page.goto(url.href);
    assert.ok(res && res.status() < 400, `${from}: ${href} answered ${res?.status()}`);
    await assertRealPage(page, url, from);
    followed.add(url.href);
    if (process.env.LINKS_TIMING) console.log(`${Date.now() - t0} ms ${from} ${url.pathname}`);
  }

  /**
   * Every link in a mail's text; `misplaced` lists those that do not stand alone on their line (the
   * templates' convention, which keeps sentence punctuation out of links in any mail client).
   */
  function linksIn(text: string): { links: string[]; misplaced: string[] } {
    const links = [...text.matchAll(URL_IN_TEXT)].map((m) => m[0]);
    const lines = new Set(text.split('\n').map((l) => l.trim()));
    return { links, misplaced: links.filter((l) => !lines.has(l)) };
  }

  function linksOf(text: string, from: string): string[] {
    const { links, misplaced } = linksIn(text);
    assert.deepEqual(misplaced, [], `${from}: links that do not stand alone on their line`);
    return links;
  }

  async function mailTo(email: string, kind: TemplateId) {
    const m = (await sys.services.mailer.list({ to: email, limit: 50 })).find((x) => x.kind === kind);
    assert.ok(m, `no ${kind} mail to ${email}`);
    return m;
  }

  before(async () => {
    await ensureWebBuild();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sys = await startTestSystem({ clock: new FakeClock(Date.now()), env: { PUBLIC_URL: base } });
    await seedDemo(sys, { onlyIfEmpty: true, demo: false });
    await sys.app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
    op = await operatorUser(sys);
    remember(op, TEST_PASSWORD, op.totpSecret);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await sys?.cleanup();
    console.log(`axe serious/critical violations per page: ${JSON.stringify(axe)}`);
  });

  it('accounts: activation, approval, rejection, existing address, two-step sign-in, password change and reset', async () => {
    const signUp = async (name: string, email: string) =>
      ok(
        await call(sys, null, 'POST', '/api/v1/accounts', { name, email, password: TEST_PASSWORD, ...adult }),
        202,
        'sign-up',
      );
    // A newcomer opens the activation link (the link itself activates): operators are told.
    const newcomer = uniqueEmail('newcomer');
    await signUp('Nadia Qureshi', newcomer);
    const activation = linksOf((await mailTo(newcomer, 'activation')).text, 'activation');
    assert.equal(activation.length, 1);
    await followUrl(await newPage(), activation[0], 'activation');
    const n = await signIn(sys, newcomer);
    remember(n);
    ok(await call(sys, op, 'POST', `/api/v1/admin/accounts/${n.userId}/approve`), 200, 'approve');
    // Another is activated the same way and rejected.
    const refused = uniqueEmail('refused');
    await signUp('Rashid Iqbal', refused);
    await followUrl(
      await newPage(),
      linksOf((await mailTo(refused, 'activation')).text, 'activation')[0],
      'activation',
    );
    const r = await signIn(sys, refused);
    remember(r);
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/accounts/${r.userId}/reject`, { reason: 'not a fintech' }),
      200,
      'reject',
    );
    // Someone signs up with an address that has an account.
    const existing = remember(await activeUser(sys));
    await signUp('Someone Else', existing.email);
    await mailTo(existing.email, 'signup_existing');

    // Two-step sign-in turned on, then off.
    const m = remember(await activeUser(sys));
    const enrol = await call(sys, m, 'POST', '/api/v1/me/mfa/totp');
    ok(enrol, 201, 'enrol');
    ok(
      await call(sys, m, 'POST', '/api/v1/me/mfa/totp/confirm', {
        code: rfc6238(enrol.body.secret, sys.clock.nowMs()),
      }),
      200,
      'confirm',
    );
    sys.clock.advance(30_000);
    ok(
      await call(sys, m, 'POST', '/api/v1/me/mfa/totp/disable', {
        password: TEST_PASSWORD,
        code: rfc6238(enrol.body.secret, sys.clock.nowMs()),
      }),
      204,
      'disable',
    );

    // A password changed; another reset from its e-mailed link (opened before it is used).
    const p = remember(await activeUser(sys));
    const changed = 'a changed long passphrase 31';
    ok(
      await call(sys, p, 'POST', '/api/v1/me/password', {
        currentPassword: TEST_PASSWORD,
        newPassword: changed,
      }),
      200,
      'change password',
    );
    people.get(p.email)!.password = changed;
    const q = remember(await activeUser(sys));
    ok(await call(sys, null, 'POST', '/api/v1/password-resets', { email: q.email }), 202, 'reset');
    const resetLinks = linksOf((await mailTo(q.email, 'password_reset')).text, 'password_reset');
    await followUrl(await newPage(), resetLinks[0], 'password_reset');
    const reset = 'a reset long passphrase 58';
    ok(
      await call(sys, null, 'POST', '/api/v1/password-resets/complete', {
        token: await tokenFromMail(sys, q.email, 'password_reset'),
        password: reset,
      }),
      204,
      'complete reset',
    );
    people.get(q.email)!.password = reset;
  });

  // Shared by the next steps: an organisation confirmed by its participant's reviewer.
  const org: { id: string; owner?: SignedIn } = { id: '' };

  it('organisations: representative review, confirmation, rejection and an invitation', async () => {
    const participant = await call(sys, op, 'POST', '/api/v1/admin/participants', {
      name: `Links Bank ${Date.now().toString(36)}`,
      code: 'LNK',
    });
    ok(participant, 201, 'participant');
    const reviewer = remember(await activeUser(sys));
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/participants/${participant.body.id}/reviewers`, {
        user: reviewer.email,
      }),
      201,
      'reviewer',
    );
    const owner = remember(await activeUser(sys));
    org.owner = owner;
    org.id = await testOrganization(sys, owner, { participantId: participant.body.id });
    await mailTo(reviewer.email, 'representative_review');
    ok(
      await call(
        sys,
        reviewer,
        'POST',
        `/api/v1/review/organizations/${org.id}/representatives/${owner.userId}/confirm`,
        {},
      ),
      200,
      'confirm representative',
    );
    const owner2 = remember(await activeUser(sys));
    const org2 = await testOrganization(sys, owner2, { participantId: participant.body.id });
    ok(
      await call(
        sys,
        reviewer,
        'POST',
        `/api/v1/review/organizations/${org2}/representatives/${owner2.userId}/reject`,
        {
          reason: 'not known to us',
        },
      ),
      200,
      'reject representative',
    );
    // The invitee opens the link signed in with the invited address (the link itself accepts).
    const invitee = remember(await activeUser(sys));
    ok(
      await call(sys, owner, 'POST', `/api/v1/organizations/${org.id}/invitations`, {
        email: invitee.email,
        role: 'developer',
      }),
      201,
      'invite',
    );
    const invitation = linksOf((await mailTo(invitee.email, 'org_invitation')).text, 'org_invitation');
    await followUrl(await pageOfAny([invitee.email], 'the invitation'), invitation[0], 'org_invitation');
  });

  it('apps: subscriptions, production access, limit increases and a product deprecated then retired', async () => {
    const owner = org.owner!;
    const plan = async (product: string, name: string) =>
      (await sys.services.catalog.findPlanByName(product, name))!.id;
    const partner = await plan('ibft', PARTNER_PLAN_NAME);
    const basic = await plan('ibft', DEFAULT_PLAN_NAME);
    const pending = await createApp(sys, owner, org.id, { name: 'Approved app', planId: partner });
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/subscriptions/${pending.subscriptionId}/approve`, {}),
      200,
      'approve sub',
    );
    const declined = await createApp(sys, owner, org.id, { name: 'Declined app', planId: partner });
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/subscriptions/${declined.subscriptionId}/decline`, {
        reason: 'no volume',
      }),
      200,
      'decline sub',
    );
    passProductionGate(sys);
    for (const approve of [true, false]) {
      const a = await createApp(sys, owner, org.id, { name: `Production ${approve}`, planId: basic });
      const req = await call(sys, owner, 'POST', `/api/v1/orgs/${org.id}/apps/${a.appId}/production-access`, {
        productId: a.productId,
        note: 'ready',
      });
      ok(req, 201, 'production request');
      ok(
        await call(sys, op, 'POST', `/api/v1/admin/production-requests/${req.body.id}/decide`, {
          approve,
          ...(approve ? {} : { reason: 'tests first' }),
        }),
        200,
        'production decision',
      );
    }
    for (const decision of ['approve', 'approve_with_conditions', 'decline'] as const) {
      const a = await createApp(sys, owner, org.id, { name: `Limits ${decision}`, planId: basic });
      const req = await call(sys, owner, 'POST', `/api/v1/orgs/${org.id}/apps/${a.appId}/limit-requests`, {
        subscriptionId: a.subscriptionId,
        limit: 'rate:hour',
        requestedValue: 1000,
        reason: 'Salary run on the first of the month',
      });
      ok(req, 201, 'limit request');
      ok(
        await call(sys, op, 'POST', `/api/v1/admin/limit-requests/${req.body.id}/decide`, {
          decision,
          ...(decision === 'approve_with_conditions' ? { value: 500 } : {}),
          ...(decision === 'decline' ? { note: 'not on the sandbox' } : {}),
        }),
        200,
        `limit ${decision}`,
      );
    }
    // A product of its own, so retiring it takes nothing from the other steps.
    const product = await call(sys, op, 'POST', '/api/v1/admin/products', {
      slug: 'qr',
      name: '1QR',
      description: 'QR payments',
      apis: [
        {
          openapi: {
            openapi: '3.1.0',
            info: { title: 'QR', version: '1.0.0' },
            paths: {
              '/qr-rest-service/getQRCode': {
                post: { operationId: 'getQRCode', responses: { '200': { description: 'ok' } } },
              },
            },
          },
        },
      ],
    });
    ok(product, 200, 'product');
    const qrPlan = await call(sys, op, 'POST', '/api/v1/admin/products/qr/plans', {
      name: 'QR basic',
      rateLimits: [{ period: 'minute', limit: 60 }],
    });
    ok(qrPlan, 201, 'qr plan');
    ok(await call(sys, op, 'POST', '/api/v1/admin/products/qr/publish'), 200, 'publish qr');
    await createApp(sys, owner, org.id, { name: 'QR app', planId: qrPlan.body.id });
    ok(
      await call(sys, op, 'POST', '/api/v1/admin/products/qr/deprecate', { note: 'use v2' }),
      200,
      'deprecate',
    );
    ok(await call(sys, op, 'POST', '/api/v1/admin/products/qr/retire', {}), 200, 'retire');
  });

  it('terms: a new version published, declined, taking effect, accepted by use; termination given, withdrawn and carried out', async () => {
    // One organisation will decline the new version; another keeps calling the API and so accepts it.
    const decliner = remember(await activeUser(sys));
    const declining = await testOrganization(sys, decliner, { confirmed: true });
    const user = remember(await activeUser(sys));
    const using = await testOrganization(sys, user, { confirmed: true });
    const basic = (await sys.services.catalog.findPlanByName('ibft', DEFAULT_PLAN_NAME))!.id;
    const app = await createApp(sys, user, using, { planId: basic });
    const token = await tokenCall(sys, {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));

    const docs = (await call(sys, null, 'GET', '/api/v1/terms/documents')).body.items;
    const general = docs.find((d: { slug: string }) => d.slug === 'general-terms');
    const draft = await call(sys, op, 'POST', `/api/v1/admin/terms/documents/${general.id}/drafts`, {
      bodyMd: '# General terms\n\nVersion 2: the dispute clause names the regulator.',
      summary: 'The dispute clause names the regulator.',
      changeClass: 'legal',
    });
    ok(draft, 201, 'draft');
    const effectiveAt = new Date(sys.clock.nowMs() + 10 * 60_000).toISOString();
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/terms/drafts/${draft.body.id}/publish`, { effectiveAt }),
      200,
      'publish',
    );
    ok(
      await call(sys, decliner, 'POST', `/api/v1/terms/versions/${draft.body.id}/decline`, {
        onBehalfOf: 'organization',
        orgId: declining,
      }),
      201,
      'decline',
    );
    sys.clock.set(Date.parse(effectiveAt) + 1000);
    await sys.services.terms.processDeclineEffects();
    const call1 = await sys.app.inject({
      method: 'POST',
      url: `/${sys.config.gatewayProvider}/sandbox/path-1`,
      headers: {
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${token.body.access_token}`,
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    assert.notEqual(call1.statusCode, 403, call1.body);
    const deadline = Date.now() + 5000;
    while (
      !(await sys.services.notifications.list(user.userId)).some((x) => x.kind === 'terms.accepted_by_use')
    ) {
      assert.ok(Date.now() < deadline, 'no terms.accepted_by_use notice after an API call');
      await new Promise((res) => setTimeout(res, 50));
    }

    // Notice of termination, withdrawn; another organisation terminated by the operator.
    const leaver = remember(await activeUser(sys));
    const leaving = await testOrganization(sys, leaver, { confirmed: true });
    ok(
      await call(sys, leaver, 'POST', `/api/v1/orgs/${leaving}/termination`, {
        effectiveAt: new Date(sys.clock.nowMs() + 31 * 86_400_000).toISOString(),
        reason: 'closing the project',
      }),
      201,
      'termination notice',
    );
    ok(await call(sys, leaver, 'POST', `/api/v1/orgs/${leaving}/termination/withdraw`), 200, 'withdraw');
    const ended = remember(await activeUser(sys));
    const ending = await testOrganization(sys, ended, { confirmed: true });
    ok(
      await call(sys, op, 'POST', `/api/v1/admin/orgs/${ending}/terminate`, {
        reason: 'live data in sandbox',
      }),
      200,
      'terminate',
    );
  });

  it('enforcement: an operator suspends an app with a reason; the organisation is told by e-mail and notice', async () => {
    const owner = remember(await activeUser(sys));
    const orgId = await testOrganization(sys, owner, { confirmed: true });
    const app = await createApp(sys, owner, orgId, {});
    ok(
      await call(sys, op, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'suspend_app',
        appId: app.appId,
        reasonCategory: 'security_testing',
        reason: 'Probe payloads from this app',
      }),
      201,
      'suspend',
    );
  });

  it('regulator: a request due soon, approved by a second operator and delivered; an information request asked and answered', async () => {
    const owner = remember(await activeUser(sys));
    const orgId = await testOrganization(sys, owner, { confirmed: true });
    const op2 = await operatorUser(sys);
    remember(op2, TEST_PASSWORD, op2.totpSecret);
    const rr = await call(sys, op, 'POST', '/api/v1/admin/regulator-requests', {
      authority: 'State Bank of Pakistan',
      reference: 'LINKS-1',
      legalBasis: 'Links suite',
      dueAt: new Date(sys.clock.nowMs() + 24 * 3600_000).toISOString(),
      scope: { orgIds: [orgId] },
      dateRange: { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
      dataClasses: ['incidents'],
    });
    ok(rr, 201, 'regulator request');
    ok(
      await call(sys, op2, 'POST', `/api/v1/admin/regulator-requests/${rr.body.id}/approve`),
      200,
      'approve',
    );
    await sys.services.regulator.tick();
    ok(
      await call(sys, op2, 'GET', `/api/v1/admin/regulator-requests/${rr.body.id}/export.tar`),
      200,
      'download',
    );
    const ir = await call(sys, op, 'POST', '/api/v1/admin/information-requests', {
      orgId,
      subject: 'Links question',
      body: 'How many users did you serve?',
    });
    ok(ir, 201, 'information request');
    ok(
      await call(sys, owner, 'POST', `/api/v1/orgs/${orgId}/information-requests/${ir.body.id}/answer`, {
        answer: 'Ten.',
      }),
      200,
      'answer',
    );
  });

  it('every template was triggered; every link of every e-mail and notice leads to a real page', {
    timeout: 300_000,
  }, async () => {
    const mails = await sys.services.mailer.list({ limit: 500 });
    assert.ok(mails.length < 500, 'more mail than one listing shows');
    const notices = (
      await Promise.all(
        [...people.values()].map(async (p) => ({
          p,
          list: await sys.services.notifications.list(p.userId, 200),
        })),
      )
    ).flatMap(({ p, list }) => list.map((n) => ({ ...n, to: p })));
    // Every problem is collected, so one run reports them all.
    const problems: string[] = [];
    const attempt = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]);
      }
    };

    // Every template of the registry was sent on each of its channels.
    const sent = {
      mail: new Set<string>(mails.map((m) => m.kind)),
      notice: new Set<string>(notices.map((n) => n.kind)),
    };
    for (const [id, t] of Object.entries(templates)) {
      for (const c of t.channels) {
        if (!sent[c].has(id))
          problems.push(`template ${id} (${c}) was never triggered: give it a trigger here`);
      }
    }
    for (const m of mails) if (!(m.kind in templates)) problems.push(`mail of unregistered kind ${m.kind}`);
    for (const x of notices)
      if (!(x.kind in templates)) problems.push(`notice of unregistered kind ${x.kind}`);

    // Every link in every e-mail, opened by one of its recipients (the first who can sign in).
    const mailRecipients = new Map<string, { kind: string; to: string[] }>();
    for (const m of mails) {
      const { links, misplaced } = linksIn(m.text);
      for (const l of misplaced) problems.push(`${m.kind} e-mail: ${l} does not stand alone on its line`);
      for (const link of links) {
        const href = new URL(link).href;
        const e = mailRecipients.get(href) ?? { kind: m.kind, to: [] };
        e.to.push(m.to);
        mailRecipients.set(href, e);
      }
    }
    for (const [href, { kind, to }] of mailRecipients) {
      if (followed.has(href)) continue;
      await attempt(async () => followUrl(await pageOfAny(to, href), href, `${kind} e-mail`));
    }
    // Every notice's "Open", clicked on a recipient's notifications page.
    const noticeRecipients = new Map<string, { kind: string; to: string[] }>();
    for (const x of notices) {
      if (!x.link) continue;
      if (!x.link.startsWith('/') || x.link.startsWith('//')) {
        problems.push(`${x.kind} notice: ${x.link} is not a path of the portal`);
        continue;
      }
      const e = noticeRecipients.get(x.link) ?? { kind: x.kind, to: [] };
      e.to.push(x.to.email);
      noticeRecipients.set(x.link, e);
    }
    for (const [link, { kind, to }] of noticeRecipients) {
      await attempt(async () => {
        const page = await pageOfAny(to, link);
        await page.goto('/account/notifications');
        const open = page.locator(`li.notification a[href="${link}"]`).first();
        await open.waitFor();
        await open.click();
        await assertRealPage(page, new URL(link, base), `${kind} notice`);
      });
    }
    const mailLinks = mails.reduce((n, m) => n + (m.text.match(URL_IN_TEXT)?.length ?? 0), 0);
    const noticeLinks = notices.filter((x) => x.link).length;
    console.log(
      `templates: ${Object.keys(templates).length}; mails: ${mails.length} with ${mailLinks} links; notices: ${notices.length} with ${noticeLinks} links; distinct links opened: ${followed.size + noticeRecipients.size}`,
    );
    assert.deepEqual([...new Set(problems)], []);
    assert.ok(mailLinks > 0 && noticeLinks > 0);
  });

  it('the terms version page shows the version a notice links to, and passes axe', async () => {
    const p = await pageOfAny([op.email], 'the terms version');
    const notice = (await sys.services.notifications.list(op.userId, 200)).find(
      (n) => n.kind === 'terms.published',
    );
    assert.ok(notice?.link);
    await p.goto(notice.link);
    await p.getByRole('heading', { level: 1, name: /version 2/ }).waitFor();
    await p.getByText('The dispute clause names the regulator.').first().waitFor();
    await p.getByText(/In force since/).waitFor();
    const found = await seriousViolations(p);
    axe['terms-version'] = found.length;
    assert.deepEqual(found, []);
    await screenshot(p, 'terms-version-desktop');
  });

  it('the docs link of portal, gateway and OAuth error bodies opens its entry of the error-code reference', async () => {
    const portal = (await sys.app.inject({ method: 'GET', url: '/api/v1/organizations/org_nope' })).json();
    const gateway = (
      await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/path-1`,
        payload: {},
      })
    ).json();
    const oauth = (
      await tokenCall(sys, { grant_type: 'client_credentials', client_id: 'nope', client_secret: 'nope' })
    ).body;
    const page = await newPage();
    for (const [from, link] of [
      ['portal error', portal.error.docs],
      ['gateway error', gateway.error.docs],
      ['OAuth error', oauth.error_uri],
    ] as const) {
      assert.equal(typeof link, 'string', `${from} has no docs link`);
      await followUrl(page, link, from);
      const code = decodeURIComponent(new URL(link).hash.slice(1));
      const entry = page.locator(`[id="${code}"]`);
      assert.match(
        (await entry.getAttribute('class')) ?? '',
        /targeted/,
        `${from}: #${code} is not singled out`,
      );
      assert.ok(
        ((await entry.textContent()) ?? '').includes('What to do'),
        `${from}: #${code} says nothing to do`,
      );
    }
    const found = await seriousViolations(page);
    axe['error-codes'] = found.length;
    assert.deepEqual(found, []);
    // The viewport, where the last link (OAuth's) put its entry.
    mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: join(shotsDir, 'error-codes-desktop.png') });
  });
});
