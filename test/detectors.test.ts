import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, appWithToken, call } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser } from './identity-helpers.ts';

/**
 * The detectors over HTTP, on the whole system: the operator's settings (listDetectors,
 * updateDetector: a bad threshold is a 422 naming the field, a change applies to the next
 * evaluation), the security cases, and scripted misuse from loopback addresses of 127.0.0.0/8
 * creating the expected incidents while a normal client and the README's first call create none.
 */
for (const engine of engines()) {
  describe(`detectors (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let port = 0;
    let prefix = '';
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      await sys.app.listen({ port: 0, host: '0.0.0.0' });
      port = (sys.app.server.address() as AddressInfo).port;
      prefix = `/${sys.config.gatewayProvider}/sandbox`;
    });
    after(() => sys.cleanup());

    /** One gateway call from `from` (an address of 127.0.0.0/8), answered with its status. */
    const gw = (
      a: { clientId: string; token: string },
      from: string,
      body: string,
      extra: Record<string, string> = {},
      path = '/path-1',
    ) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            localAddress: from,
            method: 'POST',
            path: `${prefix}${path}`,
            headers: {
              'content-type': 'application/json',
              'x-ibm-client-id': a.clientId,
              authorization: `Bearer ${a.token}`,
              'user-agent': 'okhttp/4.12.0',
              ...extra,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    /** Delivers what the feed holds and waits until the detectors evaluated and reported it. */
    const settle = async () => {
      await new Promise((r) => setImmediate(r));
      sys.services.gateway!.callRecords.flush();
      await sys.services.detectors.engine.idle();
    };
    const incidentsOf = async (detector: string) =>
      (await sys.services.enforcement.incidents.list({ detector })).items;

    test('listDetectors: every detector with its rule, thresholds and the engine; operators only', async () => {
      const list = await call(sys, w.operator, 'GET', '/api/v1/admin/detectors');
      assert.equal(list.status, 200, list.raw);
      const ids = list.body.items.map((d: { id: string }) => d.id);
      assert.deepEqual(ids, [
        'brute_force',
        'scanning',
        'pen_test',
        'load_testing',
        'credential_sharing',
        'floods',
        'congestion',
        'live_data',
      ]);
      assert.equal(list.body.engine.running, true);
      assert.equal((await call(sys, w.ownerA, 'GET', '/api/v1/admin/detectors')).status, 403);
      assert.equal((await call(sys, null, 'GET', '/api/v1/admin/detectors')).status, 401);
    });

    test('updateDetector: a bad threshold is a 422 naming the field; unknown detector 404; others 403/401', async () => {
      const url = '/api/v1/admin/detectors/brute_force';
      const bad = await call(sys, w.operator, 'PATCH', url, { thresholds: { perSubject: 1 } });
      assert.equal(bad.status, 422, bad.raw);
      assert.equal(bad.body.error.code, 'detector_threshold_invalid');
      assert.match(bad.body.error.message, /thresholds\.perSubject/);
      const unknown = await call(sys, w.operator, 'PATCH', url, { thresholds: { nope: 3 } });
      assert.equal(unknown.status, 422);
      assert.match(unknown.body.error.message, /nope/);
      assert.equal(
        (await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/no_such', { enabled: false })).status,
        404,
      );
      assert.equal((await call(sys, w.ownerA, 'PATCH', url, { enabled: false })).status, 403);
      assert.equal((await call(sys, null, 'PATCH', url, { enabled: false })).status, 401);
      const ok = await call(sys, w.operator, 'PATCH', url, { thresholds: { perSubject: 12 } });
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.thresholds.perSubject, 12);
      assert.equal(ok.body.thresholds.perSource, 20);
      const audit = await sys.services.audit.list({ action: 'detector.update', targetId: 'brute_force' });
      assert.equal(audit.length, 1);
      await call(sys, w.operator, 'PATCH', url, { thresholds: { perSubject: 10 } });
    });

    test('scripted probing from 127.0.0.23 opens a pen-test incident about the app with evidence', async () => {
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      const probes = [
        JSON.stringify(ibftBody({ AccountNumberTo: "1' OR 1=1 --" })),
        JSON.stringify(ibftBody({ Narration: '<img src=x onerror=alert(1)>' })),
        JSON.stringify(ibftBody({ Narration: '{{constructor.constructor("id")()}}' })),
        JSON.stringify(ibftBody({ Narration: 'x | whoami' })),
      ];
      for (const body of probes) await gw(a, '127.0.0.23', body);
      await settle();
      const found = (await incidentsOf('pen_test')).filter((i) => i.subject.id === a.appId);
      assert.equal(found.length, 1);
      assert.equal(found[0]!.orgId, a.orgId);
      assert.match(found[0]!.termsClause ?? '', /penetration/);
      const detail = await sys.services.enforcement.incidents.detail(found[0]!.id);
      assert.ok(detail.evidence.some((e) => e.requestId !== null));
      assert.equal(JSON.stringify(detail.evidence).includes('whoami'), false, 'payloads are not kept');
    });

    test('a threshold change through the API changes the next evaluation', async () => {
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/pen_test', {
        thresholds: { signatures: 5 },
      });
      for (let i = 0; i < 4; i++)
        await gw(a, '127.0.0.24', JSON.stringify(ibftBody({ Narration: `../../etc/passwd${i}` })));
      await settle();
      assert.equal((await incidentsOf('pen_test')).filter((i) => i.subject.id === a.appId).length, 0);
      await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/pen_test', {
        thresholds: { signatures: 1 },
      });
      await gw(a, '127.0.0.24', JSON.stringify(ibftBody({ Narration: '../../etc/passwd' })));
      await settle();
      assert.equal((await incidentsOf('pen_test')).filter((i) => i.subject.id === a.appId).length, 1);
      await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/pen_test', {
        thresholds: { signatures: 3 },
      });
    });

    test('one client id from four networks of 127.0.0.0/8 opens a credential-sharing incident', async () => {
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      for (const from of ['127.0.1.5', '127.0.2.5', '127.0.3.5', '127.0.4.5'])
        await gw(a, from, JSON.stringify(ibftBody()));
      await settle();
      assert.equal(
        (await incidentsOf('credential_sharing')).filter((i) => i.subject.id === a.appId).length,
        1,
      );
    });

    test('an auto-suspend policy suspends a probing app within seconds and tells the organisation why; dry run first', async () => {
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      const created = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-policies', {
        name: 'Pen-test signature suspends the app',
        trigger: { kind: 'detector', detector: 'pen_test', minSeverity: 'high' },
        action: 'suspend_app',
        reasonCategory: 'security_testing',
      });
      assert.equal(created.status, 201, created.raw);
      assert.equal(created.body.enabled, false, 'ships switched off');
      // The dry run over the last 30 days: the pen-test incidents recorded above, acting on nothing.
      const dry = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/enforcement-policies/${created.body.id}/dry-run`,
      );
      assert.equal(dry.status, 200, dry.raw);
      assert.ok(dry.body.outcomes.length >= 1);
      assert.ok(dry.body.outcomes.every((o: { detector: string }) => o.detector === 'pen_test'));
      assert.equal((await sys.services.apps.getAppById(a.appId))!.status, 'active');
      assert.equal(
        (await call(sys, w.ownerA, 'POST', `/api/v1/admin/enforcement-policies/${created.body.id}/dry-run`))
          .status,
        403,
      );
      assert.equal(
        (await call(sys, null, 'POST', `/api/v1/admin/enforcement-policies/${created.body.id}/dry-run`))
          .status,
        401,
      );
      const on = await call(
        sys,
        w.operator,
        'PATCH',
        `/api/v1/admin/enforcement-policies/${created.body.id}`,
        { enabled: true },
      );
      assert.equal(on.status, 200, on.raw);
      const started = Date.now();
      for (const n of ['<script>alert(1)</script>', "' OR '1'='1", '../../../etc/passwd'])
        await gw(a, '127.0.0.77', JSON.stringify(ibftBody({ Narration: n })));
      await settle();
      assert.equal((await sys.services.apps.getAppById(a.appId))!.status, 'suspended');
      assert.ok(Date.now() - started < 5000, 'within seconds');
      const actions = await call(
        sys,
        w.operator,
        'GET',
        `/api/v1/admin/enforcement-actions?appId=${a.appId}`,
      );
      assert.equal(actions.body.items[0].takenBy, 'policy');
      assert.match(actions.body.items[0].reason, /Pen-test signature suspends the app/);
      const admins = await sys.services.organizations.memberUserIds(a.orgId, 'admin');
      const notices = await sys.services.notifications.list(admins[0]!);
      assert.ok(
        notices.some((x) => x.kind === 'enforcement.action'),
        'the organisation is told',
      );
      await call(sys, w.operator, 'PATCH', `/api/v1/admin/enforcement-policies/${created.body.id}`, {
        enabled: false,
      });
    });

    test('failed portal sign-ins on one account open a brute-force incident about the account; one fewer does not', async () => {
      const victim = await activeUser(sys);
      await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/brute_force', {
        thresholds: { perSubject: 4 },
      });
      const wrong = () =>
        call(sys, null, 'POST', '/api/v1/sessions', { email: victim.email, password: 'not-the-password-1' });
      for (let i = 0; i < 3; i++) assert.equal((await wrong()).status, 401);
      await settle();
      const mine = async () =>
        (await incidentsOf('brute_force')).filter((i) => i.subject.id === victim.userId);
      assert.equal((await mine()).length, 0, 'three, just under four');
      await wrong();
      await settle();
      const found = await mine();
      assert.equal(found.length, 1);
      assert.equal(found[0]!.subject.kind, 'account');
      await call(sys, w.operator, 'PATCH', '/api/v1/admin/detectors/brute_force', {
        thresholds: { perSubject: 10 },
      });
    });

    test("a normal client at its plan's rate and the README's first call create no incident", async () => {
      const before = (await sys.services.enforcement.incidents.list({})).total;
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      for (let i = 0; i < 30; i++) assert.equal(await gw(a, '127.0.0.50', JSON.stringify(ibftBody())), 200);
      const readme = await appWithToken(sys, w.plans.ibftDefault);
      assert.equal(
        await gw(readme, '127.0.0.51', JSON.stringify(ibftBody()), { 'user-agent': 'curl/8.5.0' }),
        200,
      );
      await settle();
      assert.equal((await sys.services.enforcement.incidents.list({})).total, before);
    });
  });
}
