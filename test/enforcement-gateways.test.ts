import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createInfrastructure, createSystem } from '../src/main.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import type { DatabaseTables } from '../src/modules.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { openPostgres } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { type Running, startServer } from './process-helpers.ts';

/**
 * Issue 29's check, through two gateway processes (`darwaza serve --role gateway`) on one
 * PostgreSQL database and one Redis: an operator suspends an app with a reason
 * (createEnforcementAction) → the organisation's admin has the e-mail and the notice with the
 * reason → both gateways refuse the app with `gateway_app_suspended` within 1 s of the action,
 * awaited by polling both (never a fixed sleep) → the token endpoint says suspended → reinstating
 * restores it → the audit trail has each step. Then a throttle lowers the admitted rate on both
 * gateways within 1 s (the policy named `throttle-minute`), and an organisation's suspension is
 * refused with `gateway_organization_suspended`. The operator's side is an in-process system on
 * the same database and Redis (it publishes `cache-invalidate` as a portal process would).
 * Needs DATABASE_URL and REDIS_URL (skipped otherwise).
 */
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const CEILING_MS = 1000;

type Answer = { status: number; code: string | null; headers: Headers; body: Record<string, unknown> };

async function callGateway(url: string, app: { clientId: string; token: string }): Promise<Answer> {
  const res = await fetch(`${url}/darwaza/sandbox/path-1`, {
    method: 'POST',
    headers: {
      'x-ibm-client-id': app.clientId,
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(ibftBody()),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {}
  const code = (body.error as { code?: string } | undefined)?.code ?? null;
  return { status: res.status, code, headers: res.headers, body };
}

/**
 * Calls every gateway until each has given an answer that `done` accepts, and returns how long
 * that took per gateway (ms from `t0`: the moment the operator's action was answered, so it is in
 * force); fails when the accepted answer — or any answer before it — comes later than
 * `ceilingMs`. No fixed sleep: the next call goes out as soon as the last one is answered.
 */
async function awaitOnAll(
  urls: string[],
  app: { clientId: string; token: string },
  done: (a: Answer) => boolean,
  t0: number,
  ceilingMs: number,
): Promise<number[]> {
  return Promise.all(
    urls.map(async (url) => {
      for (;;) {
        const a = await callGateway(url, app);
        const elapsed = performance.now() - t0;
        const ok = done(a);
        assert.ok(
          elapsed <= ceilingMs,
          `${url} answers ${a.status} ${a.code} ${elapsed.toFixed(0)} ms after the action`,
        );
        if (ok) return elapsed;
      }
    }),
  );
}

async function tokenRequest(url: string, app: { clientId: string; clientSecret: string }) {
  const res = await fetch(`${url}/darwaza/sandbox/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: '1LinkApi',
    }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('enforcement reaches two gateway processes (PostgreSQL + Redis)', {
  skip: databaseUrl && redisUrl ? false : 'DATABASE_URL and REDIS_URL not both set',
}, () => {
  const dbName = `darwaza_enf_${randomBytes(5).toString('hex')}`;
  const dbUrl = (() => {
    if (!databaseUrl) return '';
    const u = new URL(databaseUrl);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-enf-'));
  const masterKey = randomBytes(32);
  const env = {
    DATA_DIR: dataDir,
    MASTER_KEY: masterKey.toString('base64'),
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PUBLIC_URL: 'http://127.0.0.1:3000',
  };
  let sys: TestSystem;
  let shared: RedisSharedState;
  let w: AppsWorld;
  let gateways: Running[] = [];
  const urls = () => gateways.map((g) => g.url);
  const figures: string[] = [];

  before(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const database = openPostgres<DatabaseTables>(dbUrl, { poolSize: 5 });
    // The operator's side: a whole system on the same database and Redis, on the real time (the
    // gateways run on it) through a clock the helpers can read.
    const clock = new FakeClock(Date.now());
    shared = new RedisSharedState(redisUrl!);
    const config = loadConfig({ ...env, PORTAL_RATE_LIMIT: '1000000', LOG_LEVEL: 'silent' });
    const system = await createSystem(
      createInfrastructure(config, {
        database,
        clock,
        log: createLogger('silent'),
        metrics: createMetrics({ defaultMetrics: false }),
        sharedState: shared,
        keyring: createKeyring(masterKey),
      }),
    );
    sys = {
      ...system,
      clock,
      async cleanup() {
        await system.app.close();
        await system.shutdown().catch(() => {});
        await database.close().catch(() => {});
      },
    };
    w = await appsWorld(sys);
    // Migrated by the system above: the gateways start on the schema as it is.
    for (let i = 0; i < 2; i++) gateways.push(await startServer(env, ['--role', 'gateway', '--no-seed']));
  });

  after(async () => {
    for (const g of gateways) if (g.child.exitCode === null) g.child.kill('SIGKILL');
    gateways = [];
    await sys?.cleanup();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    if (figures.length) console.log(`# ${figures.join('; ')}`);
  });

  /** A fresh app of organisation A on `planId`, with a token issued by a gateway's token endpoint. */
  async function appWithToken(planId: string) {
    sys.clock.set(Date.now());
    const app = await createApp(sys, w.ownerA, w.orgA, {
      planId,
      name: `App ${randomBytes(3).toString('hex')}`,
    });
    const t = await tokenRequest(gateways[0].url, app);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    return { ...app, token: t.body.access_token };
  }

  const act = (payload: Record<string, unknown>) => {
    sys.clock.set(Date.now());
    return call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', payload);
  };

  test('an operator suspends an app: admins told why; both gateways refuse it within 1 s; the token endpoint says suspended; reinstating restores it; all audited', async () => {
    const app = await appWithToken(w.plans.ibftDefault);
    for (const url of urls()) assert.equal((await callGateway(url, app)).status, 200, 'served before');

    const tSend = performance.now();
    const suspend = await act({
      kind: 'suspend_app',
      appId: app.appId,
      reasonCategory: 'security_testing',
      reason: 'Injection probes in title fetches on 7 December.',
    });
    const tAction = performance.now();
    assert.equal(suspend.status, 201, suspend.raw);
    const refused = await awaitOnAll(
      urls(),
      app,
      (a) => a.status === 403 && a.code === 'gateway_app_suspended',
      tAction,
      CEILING_MS,
    );
    figures.push(
      `suspension refused by both gateways ${refused.map((ms) => `${ms.toFixed(0)} ms`).join(' / ')} after the action was answered (which took ${(tAction - tSend).toFixed(0)} ms)`,
    );
    const refusal = await callGateway(gateways[1].url, app);
    assert.match(String((refusal.body.error as { message: string }).message), /suspended/);

    // The organisation's admin: the e-mail (the dev mailbox's outbox) and the in-app notice.
    const mail = (await sys.services.mailer.list({ to: w.ownerA.email, limit: 50 })).find(
      (m) => m.kind === 'enforcement.action' && /Injection probes/.test(m.text),
    );
    assert.ok(mail, 'the admin has the e-mail with the reason');
    assert.match(mail.text, /Security testing, scanning or probing/);
    const notice = (await sys.services.notifications.list(w.ownerA.userId)).find(
      (n) => n.kind === 'enforcement.action' && /Injection probes/.test(n.body),
    );
    assert.ok(notice, 'the admin has the notice with the reason');

    // The token endpoint (served by the gateway processes): unauthorized_client, suspended.
    for (const url of urls()) {
      const t = await tokenRequest(url, app);
      assert.equal(t.status, 400, JSON.stringify(t.body));
      assert.equal(t.body.error, 'unauthorized_client');
      assert.equal(t.body.darwaza_code, 'oauth_app_suspended');
      assert.match(t.body.error_description, /suspended/);
    }

    const reinstate = await act({
      kind: 'reinstate',
      appId: app.appId,
      reasonCategory: 'security_testing',
      reason: 'The contractor stopped.',
    });
    assert.equal(reinstate.status, 201, reinstate.raw);
    const t = await tokenRequest(gateways[1].url, app);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const fresh = { clientId: app.clientId, token: t.body.access_token };
    // Restoring is held to 5 s, not to the refusal's 1 s: the issue promises the refusal's speed;
    // under load the first call after a change also reads the database.
    const t0 = performance.now();
    const served = await awaitOnAll(urls(), fresh, (a) => a.status === 200, t0, 5000);
    figures.push(
      `reinstatement: a new token served by both ${served.map((ms) => `${ms.toFixed(0)} ms`).join(' / ')}`,
    );

    const steps = await sys.services.audit.list({ orgId: w.orgA, targetId: app.appId });
    const actions = steps.map((e) => e.action);
    for (const a of ['app.suspend', 'enforcement.action', 'app.reinstate'])
      assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(', ')}`);
    assert.equal(actions.filter((a) => a === 'enforcement.action').length, 2);
  });

  test('a throttle lowers the admitted rate on both gateways within 1 s (leases revoked), named in the headers and the 429', async () => {
    // A budget large enough that the gateways serve it from Redis leases.
    const plan = await sys.services.catalog.createPlan('ibft', {
      name: `Big ${randomBytes(3).toString('hex')}`,
      rateLimits: [{ period: 'hour', limit: 5_000_000 }],
    });
    const app = await appWithToken(plan.id);
    for (let i = 0; i < 40; i++) assert.equal((await callGateway(urls()[i % 2], app)).status, 200);

    const throttle = await act({
      kind: 'throttle',
      appId: app.appId,
      reasonCategory: 'excessive_load',
      reason: 'Load testing against the sandbox.',
      throttle: { period: 'minute', limit: 10 },
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    assert.equal(throttle.status, 201, throttle.raw);
    const t0 = performance.now();
    const named = await awaitOnAll(
      urls(),
      app,
      (a) => /"throttle-minute";q=10;w=60/.test(a.headers.get('ratelimit-policy') ?? ''),
      t0,
      CEILING_MS,
    );
    figures.push(
      `throttle in force on both gateways ${named.map((ms) => `${ms.toFixed(0)} ms`).join(' / ')}`,
    );

    // The admitted rate: at most 10 in the minute across both gateways (the calls above count).
    let admitted = 0;
    const refusals: Answer[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const a = await callGateway(urls()[i % 2], app);
        if (a.status === 200) admitted++;
        else refusals.push(a);
      }),
    );
    assert.ok(admitted <= 10, `admitted ${admitted} more after the throttle`);
    assert.ok(refusals.length >= 20);
    const r = refusals[0];
    assert.equal(r.status, 429);
    assert.equal(r.code, 'rate_limited');
    const violated = r.body['violated-policies'] as { id: string; limit: number }[];
    assert.deepEqual(
      violated.map((v) => [v.id, v.limit]),
      [['throttle-minute', 10]],
    );
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  });

  test("an organisation's suspension is refused by both gateways with gateway_organization_suspended within 1 s", async () => {
    const app = await appWithToken(w.plans.ibftDefault);
    for (const url of urls()) assert.equal((await callGateway(url, app)).status, 200);
    const suspend = await act({
      kind: 'suspend_org',
      orgId: w.orgA,
      reasonCategory: 'denial_of_service',
      reason: 'A flood from your addresses.',
    });
    assert.equal(suspend.status, 201, suspend.raw);
    const t0 = performance.now();
    const refused = await awaitOnAll(
      urls(),
      app,
      (a) => a.status === 403 && a.code === 'gateway_organization_suspended',
      t0,
      CEILING_MS,
    );
    figures.push(`organisation suspension refused ${refused.map((ms) => `${ms.toFixed(0)} ms`).join(' / ')}`);
    const back = await act({ kind: 'reinstate', orgId: w.orgA, reasonCategory: 'other', reason: 'Fixed.' });
    assert.equal(back.status, 201, back.raw);
  });
});

/**
 * The embedded case: one process (`darwaza serve` without Redis), where the gateway hears the
 * change in process. The refusal is in force for the very next call after the action answers.
 */
for (const engine of engines()) {
  describe(`enforcement reaches the embedded gateway in process (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
    });
    after(() => sys.cleanup());

    const gatewayCall = async (app: { clientId: string; token: string }) => {
      const res = await sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/sandbox/path-1`,
        headers: {
          'x-ibm-client-id': app.clientId,
          authorization: `Bearer ${app.token}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(ibftBody()),
      });
      const body = res.body ? res.json() : {};
      return { status: res.statusCode, code: body.error?.code as string | undefined, res, body };
    };

    test('suspend → the next call is refused with gateway_app_suspended; throttle → named in the headers; reinstate → served', async () => {
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      const creds = { clientId: app.clientId, token: t.body.access_token as string };
      assert.equal((await gatewayCall(creds)).status, 200);
      const op = (payload: Record<string, unknown>) =>
        call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', payload);
      const s = await op({
        kind: 'suspend_app',
        appId: app.appId,
        reasonCategory: 'other',
        reason: 'Checking.',
      });
      assert.equal(s.status, 201, s.raw);
      const refused = await gatewayCall(creds);
      assert.equal(refused.status, 403);
      assert.equal(refused.code, 'gateway_app_suspended');
      const r = await op({ kind: 'reinstate', appId: app.appId, reasonCategory: 'other', reason: 'Done.' });
      assert.equal(r.status, 201, r.raw);
      const again = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      const fresh = { clientId: app.clientId, token: again.body.access_token as string };
      assert.equal((await gatewayCall(fresh)).status, 200);
      const th = await op({
        kind: 'throttle',
        appId: app.appId,
        reasonCategory: 'excessive_load',
        reason: 'Slow down.',
        throttle: { period: 'minute', limit: 1 },
        endsAt: new Date(sys.clock.nowMs() + 3_600_000).toISOString(),
      });
      assert.equal(th.status, 201, th.raw);
      const first = await gatewayCall(fresh);
      assert.equal(first.status, 200);
      assert.match(String(first.res.headers['ratelimit-policy']), /"throttle-minute";q=1;w=60/);
      const second = await gatewayCall(fresh);
      assert.equal(second.status, 429);
      assert.deepEqual(
        second.body['violated-policies'].map((v: { id: string }) => v.id),
        ['throttle-minute'],
      );
    });
  });
}
