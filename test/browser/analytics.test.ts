import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { System } from '../../src/main.ts';
import { DEFAULT_PLAN_NAME } from '../../src/modules/catalog/index.ts';
import { ibftBody } from '../../src/modules/sandbox/test-support.ts';
import type { DatabaseTables } from '../../src/modules.ts';
import { systemContext } from '../../src/platform/request-context.ts';
import { testEngines } from '../../src/platform/testing.ts';
import { chromiumMissing, launchChromium, screenshot } from './browser-helpers.ts';
import {
  axeClean as axeCleanNamed,
  DEMO_DEVELOPER,
  DEMO_OPERATOR,
  type DemoServer,
  signIn as signInAs,
  startDemoServer,
} from './demo-server.ts';

/**
 * Issue 31's operator analytics page (and issue 29's "declines shown as declines" on the operator's
 * console), in a real browser over real gateway calls — approvals, declines answered 55 and 10,
 * and a call the gateway refuses: the numbers on the page equal the API's and a direct count over
 * the raw usage rows; the drill-down to the app shows its declines by network code; the charts are
 * painted, each with its text table; axe finds nothing serious; nothing overflows a phone's width;
 * a failing API says what to do, a window with no calls says so. The operator's dashboard shows the
 * gateway's day instead of "You do not belong to an organisation yet". A developer gets no
 * operator analytics (the API answers 403, the page says operators only) and sees the
 * organisation's own analytics.
 */
const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(missing);

const OUTSIDER = { email: 'outsider@analytics.example', password: 'outsider-password-77' };
const APP_NAME = 'Analytics app';
const ORG_NAME = 'Demo Fintech';
const STATS = ['calls', 'approved', 'declined', 'failed', 'http429', 'shed'] as const;
type Stat = (typeof STATS)[number];

// On SQLite, and on PostgreSQL when DATABASE_URL is set: the page's numbers against a count over
// each engine's raw rows.
for (const engine of testEngines())
  describe(`operator analytics in the browser (${engine.name})`, {
    skip: missing ?? false,
    timeout: 300_000,
  }, () => {
    let sys: System;
    let cleanupDatabase: (() => Promise<void>) | undefined;
    let browser: Browser;
    let server: DemoServer;
    let url = '';
    const app = { orgId: '', appId: '', clientId: '', clientSecret: '' };

    /** What the gateway answered to each call sent in `before` (ResponseCode, or the HTTP status). */
    const answers: string[] = [];

    async function gatewayCalls(): Promise<void> {
      const gateway = `${url}/darwaza/sandbox`;
      const tok = await fetch(`${gateway}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: app.clientId,
          client_secret: app.clientSecret,
          scope: '1LinkApi',
        }).toString(),
      });
      assert.equal(tok.status, 200, await tok.clone().text());
      const headers = {
        authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}`,
        'x-ibm-client-id': app.clientId,
        'content-type': 'application/json',
      };
      const send = async (path: string, body: unknown) => {
        const r = await fetch(`${gateway}${path}`, {
          method: 'POST',
          // Three end users over the calls (the gateway hashes the header; the analytics count them).
          headers: { ...headers, 'x-end-user-id': `end-user-${answers.length % 3}` },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        const json = (await r.json()) as { ResponseCode?: string };
        answers.push(r.status >= 400 ? `HTTP ${r.status}` : String(json.ResponseCode));
      };
      await send('/path-1', ibftBody());
      await send('/path-1', ibftBody());
      await send('/path-1', ibftBody({ AccountNumberTo: '9990000000000055' }));
      const transfer = ibftBody({ SenderName: 'TEST SENDER', ReferenceNo: 'REF1' });
      await send('/funds-transfer-rest-service/path-1', transfer);
      await send('/funds-transfer-rest-service/path-1', transfer);
      // A body that is not JSON: the gateway refuses it (HTTP 400), a failed call.
      await send('/path-1', '{"TransactionAmount": ');
      assert.deepEqual(answers.slice(0, 5), ['00', '00', '55', '00', '10']);
      assert.match(answers[5], /^HTTP 4\d\d$/);
    }

    before(async () => {
      const database = await engine.open<DatabaseTables>();
      cleanupDatabase = database.cleanup;
      server = await startDemoServer('analytics', { infrastructure: { database } });
      sys = server.sys;
      url = server.url;
      const org = await sys.services.organizations.findOrganizationByName(ORG_NAME);
      assert.ok(org);
      const created = await sys.services.apps.createApp(
        org.id,
        { name: APP_NAME, description: '' },
        systemContext('test'),
      );
      const plan = await sys.services.catalog.findPlanByName('ibft', DEFAULT_PLAN_NAME);
      assert.ok(plan);
      await sys.services.apps.subscribe(org.id, created.app.id, plan.id, systemContext('test'), {
        skipTermsCheck: true,
      });
      Object.assign(app, {
        orgId: org.id,
        appId: created.app.id,
        clientId: created.app.clientId,
        clientSecret: created.clientSecret,
      });
      // A developer in no organisation: another organisation's analytics are not theirs to see.
      await sys.services.identity.provisionUser({ ...OUTSIDER, name: 'Outside Developer' });
      await server.listen();
      await gatewayCalls();
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await server?.close();
      await cleanupDatabase?.();
    });

    /** Counts over the raw usage rows in [from, to), as the analytics name them. */
    async function rawCounts(fromIso: string, toIso: string, where = '1=1'): Promise<Record<Stat, number>> {
      const r = await sql<Record<Stat, number | string>>`
      select count(*) as calls,
        sum(case when outcome = 'approved' then 1 else 0 end) as approved,
        sum(case when outcome = 'declined' then 1 else 0 end) as declined,
        sum(case when outcome = 'failed' then 1 else 0 end) as failed,
        sum(case when status = 429 then 1 else 0 end) as http429,
        sum(case when error_code = 'gateway_overloaded' then 1 else 0 end) as shed
      from gateway_usage where at >= ${fromIso} and at < ${toIso} and ${sql.raw(where)}`.execute(
        sys.database.db,
      );
      return Object.fromEntries(STATS.map((k) => [k, Number(r.rows[0][k] ?? 0)])) as Record<Stat, number>;
    }

    /** The totals the page shows, read from its stat boxes. */
    async function pageCounts(page: Page): Promise<Record<Stat, number>> {
      const out: Partial<Record<Stat, number>> = {};
      for (const k of STATS) {
        const text = await page.getByTestId(`stat-${k}`).locator('.stat-value').textContent();
        out[k] = Number(String(text).replace(/,/g, ''));
      }
      return out as Record<Stat, number>;
    }

    function countsOf(totals: Record<string, number>): Record<Stat, number> {
      return Object.fromEntries(STATS.map((k) => [k, totals[k]])) as Record<Stat, number>;
    }

    function signIn(context: BrowserContext, who: 'operator' | 'developer' | 'outsider'): Promise<Page> {
      return signInAs(
        context,
        who === 'operator' ? DEMO_OPERATOR : who === 'developer' ? DEMO_DEVELOPER : OUTSIDER,
      );
    }

    const axeClean = (page: Page, name: string) => axeCleanNamed(page, `${name}-desktop`);

    /** The page at phone width: the stats are there and nothing is wider than the screen. */
    async function phoneFits(context: BrowserContext, path: string, name: string): Promise<void> {
      const phone = await context.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(path);
      await phone.getByTestId('stat-calls').waitFor();
      await phone.waitForLoadState('networkidle');
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
    }

    /** Both charts drawn by Chart.js (pixels on the canvas), each with a text table behind it. */
    async function chartsPainted(page: Page): Promise<void> {
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
                .data.some((v, i) => i % 4 === 3 && v > 0),
          )
        );
      });
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll('figure.chart')].map((f) => ({
          name: f.querySelector('canvas')?.getAttribute('aria-label')?.split('.')[0] ?? '',
          role: f.querySelector('canvas')?.getAttribute('role') ?? '',
          rows: f.querySelectorAll('table.visually-hidden tbody tr').length,
        })),
      );
      assert.deepEqual(
        charts.map((c) => [c.name, c.role]),
        [
          ['Calls by outcome, per hour (UTC)', 'img'],
          ['Refused calls, per hour (UTC)', 'img'],
        ],
      );
      assert.ok(
        charts.every((c) => c.rows >= 24),
        `a chart lacks its text table (one row per hour): ${JSON.stringify(charts)}`,
      );
    }

    it('the operator: dashboard summary, analytics equal to the API and the raw rows, drill-down to the app’s declines', async () => {
      const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      const op = await signIn(context, 'operator');

      // The dashboard: the gateway's day and a link, not "You do not belong to an organisation yet".
      await op.goto('/dashboard');
      const summary = op.getByTestId('operator-summary');
      await summary.waitFor();
      assert.equal(await op.getByText('You do not belong to an organisation yet').count(), 0);
      await op.getByText('You are not a member of any organisation').waitFor();
      await axeClean(op, 'analytics-operator-dashboard');
      await op.getByRole('link', { name: "Open the gateway's analytics" }).click();
      await op.waitForURL(/\/operator\/analytics/);

      // The whole gateway: page = API = raw rows.
      await op.getByTestId('stat-calls').waitFor();
      const api = (await (await op.request.get('/api/v1/admin/analytics?window=24h')).json()) as {
        from: string;
        to: string;
        totals: Record<string, number>;
      };
      const raw = await rawCounts(api.from, api.to);
      assert.equal(raw.calls, answers.length, 'every call sent is one raw row');
      assert.ok(raw.declined >= 2 && raw.failed >= 1 && raw.approved >= 3, JSON.stringify(raw));
      assert.deepEqual(countsOf(api.totals), raw, 'the API counts as the raw rows do');
      assert.deepEqual(await pageCounts(op), raw, 'the page shows the API’s counts');
      // p50 / p99: from the rollups' latency histogram, within a factor 1.16 of the exact
      // nearest-rank percentile over the raw rows (under 250 µs: reported as 0.125 ms).
      const lat = (
        await sql<{ us: number | string }>`select latency_us as us from gateway_usage
        where at >= ${api.from} and at < ${api.to}`.execute(sys.database.db)
      ).rows
        .map((r) => Number(r.us))
        .sort((x, y) => x - y);
      for (const [q, key, testId] of [
        [0.5, 'p50Ms', 'stat-p50'],
        [0.99, 'p99Ms', 'stat-p99'],
      ] as const) {
        const exactMs = lat[Math.ceil(q * lat.length) - 1] / 1000;
        const shown = api.totals[key];
        if (exactMs < 0.25) assert.equal(shown, 0.125);
        else
          assert.ok(
            shown / exactMs <= 1.17 && exactMs / shown <= 1.17,
            `${key} ${shown} vs exact ${exactMs}`,
          );
        const text = await op.getByTestId(testId).locator('.stat-value').textContent();
        assert.equal(text, `${shown < 10 ? shown.toFixed(1) : Math.round(shown)} ms`);
      }
      // Distinct end users: a HyperLogLog estimate (within ~2 %; with three users, exact).
      const users = await sql<{ n: number | string }>`
      select count(distinct end_user_hash) as n from gateway_usage
      where at >= ${api.from} and at < ${api.to} and end_user_hash is not null`.execute(sys.database.db);
      assert.equal(Number(users.rows[0].n), 3);
      assert.ok(
        Math.abs(api.totals.distinctEndUsers - 3) <= 0.02 * 3 + 0.5,
        `estimate ${api.totals.distinctEndUsers}`,
      );
      assert.equal(
        await op.getByTestId('stat-end-users').locator('.stat-value').textContent(),
        String(api.totals.distinctEndUsers),
      );
      const summaryText = (await op.getByTestId('analytics-summary').textContent()) ?? '';
      assert.match(
        summaryText,
        new RegExp(`^${raw.approved} approved · ${raw.declined} declined · ${raw.failed} failed`),
      );
      const status = op.getByRole('table', { name: 'Errors by HTTP status' });
      await status.getByRole('row', { name: new RegExp(`^${answers[5].slice(5)} 1$`) }).waitFor();
      await chartsPainted(op);
      await axeClean(op, 'analytics-operator-gateway');
      await phoneFits(context, '/operator/analytics?window=24h', 'analytics-operator-gateway');

      // The CSV export is the same window.
      const csvLink = op.getByRole('link', { name: 'Export as CSV' });
      assert.equal(await csvLink.getAttribute('href'), '/api/v1/admin/analytics.csv?window=24h');
      const csv = await op.request.get('/api/v1/admin/analytics.csv?window=24h');
      assert.equal(csv.status(), 200);
      assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
      assert.match(
        await csv.text(),
        new RegExp(`\\ntotal,[^,]+,${raw.calls},${raw.approved},${raw.declined},${raw.failed},`),
      );

      // Another window: the address, the export and the charts follow it (30 days: one bar a day).
      await op.getByRole('radio', { name: 'Last 30 days' }).check();
      await op.waitForURL(/window=30d/);
      await op.getByRole('link', { name: 'Export as CSV' }).and(op.locator('[href$="window=30d"]')).waitFor();
      await op.waitForFunction(() =>
        /^\d\d-\d\d$/.test(document.querySelector('figure.chart table tbody th')?.textContent?.trim() ?? ''),
      );
      assert.deepEqual(await pageCounts(op), raw, 'the 30 days hold the same calls');
      await op.getByRole('radio', { name: 'Last 24 hours' }).check();
      await op.waitForURL(/window=24h/);

      // Drill down: the organisation (top organisations), then its app (top apps).
      await op
        .getByRole('table', { name: 'Top organisations' })
        .getByRole('link', { name: ORG_NAME })
        .click();
      await op.getByRole('heading', { name: `Traffic of ${ORG_NAME}` }).waitFor();
      await op.getByRole('table', { name: 'Top apps' }).getByRole('link', { name: APP_NAME }).click();
      await op.getByRole('heading', { name: `Traffic of ${APP_NAME}` }).waitFor();
      assert.match(op.url(), new RegExp(`org=${app.orgId}&app=${app.appId}`));
      await op.getByTestId('stat-calls').waitFor();
      const drill = (await (
        await op.request.get(`/api/v1/admin/analytics?window=24h&orgId=${app.orgId}&appId=${app.appId}`)
      ).json()) as { from: string; to: string; totals: Record<string, number> };
      const appRaw = await rawCounts(drill.from, drill.to, `app_id = '${app.appId}'`);
      assert.deepEqual(countsOf(drill.totals), appRaw);
      assert.deepEqual(await pageCounts(op), appRaw);
      const declines = op.getByRole('table', { name: 'Declines by network code' });
      for (const code of ['55', '10']) {
        const n = (
          await rawCounts(
            drill.from,
            drill.to,
            `app_id = '${app.appId}' and network_code = '${code}' and outcome = 'declined'`,
          )
        ).calls;
        assert.equal(n, 1, `one call declined with ${code}`);
        await declines.getByRole('row', { name: `${code} ${n}` }).waitFor();
      }
      await axeClean(op, 'analytics-operator-app');

      // The Apps screen links to the same drill-down (issue 29: the operator's view of an app's outcomes).
      await op.goto('/operator/apps');
      await op.getByRole('link', { name: `Outcomes of ${APP_NAME}` }).waitFor();
      await axeClean(op, 'analytics-operator-apps-screen');
      await op.getByRole('link', { name: `Outcomes of ${APP_NAME}` }).click();
      await op.getByRole('heading', { name: `Traffic of ${APP_NAME}` }).waitFor();
      await op
        .getByRole('table', { name: 'Declines by network code' })
        .getByRole('row', { name: '55 1' })
        .waitFor();
      await op.goto('/operator/organisations');
      await op.getByRole('link', { name: `Traffic of ${ORG_NAME}` }).waitFor();
      await axeClean(op, 'analytics-operator-organisations-screen');
      await op.getByRole('link', { name: `Traffic of ${ORG_NAME}` }).click();
      await op.getByRole('heading', { name: `Traffic of ${ORG_NAME}` }).waitFor();

      // An organisation with no calls: the page says so.
      await op.goto('/operator/analytics?window=1h&org=org_without_traffic');
      await op.getByTestId('analytics-empty').waitFor();
      assert.equal(await op.getByTestId('analytics-empty').textContent(), 'No calls in the last hour.');

      // The API fails: the page says what happened and what to do; "Try again" recovers.
      await op.route('**/api/v1/admin/analytics?*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: {
              code: 'unavailable',
              message: 'The database is not answering.',
              requestId: 'req-test-1',
            },
          }),
        }),
      );
      await op.goto('/operator/analytics?window=7d');
      const alert = op.getByTestId('analytics-error');
      await alert.waitFor();
      const said = (await alert.textContent()) ?? '';
      assert.match(said, /could not be loaded/);
      assert.match(said, /The database is not answering\./);
      assert.match(said, /Try again in a minute/);
      assert.match(said, /req-test-1/);
      await axeClean(op, 'analytics-operator-error');
      await op.unroute('**/api/v1/admin/analytics?*');
      await op.getByRole('button', { name: 'Try again' }).click();
      await op.getByTestId('stat-calls').waitFor();
      await context.close();
    });

    it('a developer gets no operator analytics, and sees the organisation’s own', async () => {
      const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      const dev = await signIn(context, 'developer');
      assert.equal((await dev.request.get('/api/v1/admin/analytics?window=24h')).status(), 403);
      assert.equal((await dev.request.get('/api/v1/admin/analytics.csv?window=24h')).status(), 403);
      await dev.goto('/operator/analytics');
      await dev.getByRole('heading', { name: 'Operators only' }).waitFor();
      assert.equal(await dev.getByTestId('stat-calls').count(), 0);

      // The organisation's analytics page (members): its counts as the API and the raw rows say.
      await dev.goto(`/orgs/${app.orgId}`);
      await dev
        .getByRole('navigation', { name: 'Organisation' })
        .getByRole('link', { name: 'Analytics' })
        .click();
      await dev.getByTestId('stat-calls').waitFor();
      const a = (await (await dev.request.get(`/api/v1/orgs/${app.orgId}/analytics?window=24h`)).json()) as {
        from: string;
        to: string;
        totals: Record<string, number>;
      };
      const raw = await rawCounts(a.from, a.to, `org_id = '${app.orgId}'`);
      assert.deepEqual(countsOf(a.totals), raw);
      assert.deepEqual(await pageCounts(dev), raw);
      await dev
        .getByRole('table', { name: 'Declines by network code' })
        .getByRole('row', { name: '10 1' })
        .waitFor();
      await chartsPainted(dev);
      await axeClean(dev, 'analytics-org');
      await phoneFits(context, `/orgs/${app.orgId}/analytics?window=24h`, 'analytics-org');
      await context.close();
    });

    it('another organisation’s analytics: the API answers 404 and the page says what to do, with no numbers', async () => {
      const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      const outsider = await signIn(context, 'outsider');
      assert.equal(
        (await outsider.request.get(`/api/v1/orgs/${app.orgId}/analytics?window=24h`)).status(),
        404,
      );
      await outsider.goto(`/orgs/${app.orgId}/analytics`);
      const alert = outsider.getByTestId('analytics-error');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /not one of its members/);
      assert.equal(await outsider.getByTestId('stat-calls').count(), 0);
      assert.equal(await outsider.getByText(APP_NAME).count(), 0);
      await axeClean(outsider, 'analytics-org-outsider');
      await context.close();
    });
  });
