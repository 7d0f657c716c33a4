import assert from 'node:assert/strict';
import { request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, appWithToken, call, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * The signals issue 30 added beyond the call records, over real sockets bound to addresses of
 * 127.0.0.0/8 on the whole system: the edge's counters (unknown paths, oversized and over-deep
 * bodies, slow requests, connections), the OAuth endpoints' failed client authentications, and a
 * token's issue network. Each scripted misuse creates the expected incident with evidence; one
 * fewer creates none; the README's first call and try-it create none.
 */
for (const engine of engines()) {
  describe(`detector signals from the edge and the token endpoint (${engine.name})`, () => {
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

    /** One request from `from` on a connection of its own, answered with its status. */
    const send = (
      from: string,
      method: string,
      path: string,
      headers: Record<string, string | number> = {},
      body: string | Buffer = '',
    ) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, localAddress: from, method, path, headers, agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    /** Hands the edge's counts and the feed's records on, and waits until the detectors reported. */
    const settle = async () => {
      await new Promise((r) => setImmediate(r));
      sys.edge.flush();
      sys.services.gateway!.callRecords.flush();
      await sys.services.detectors.engine.idle();
    };
    const incidentsAbout = async (detector: string, subjectId: string) =>
      (await sys.services.enforcement.incidents.list({ detector })).items.filter(
        (i) => i.subject.id === subjectId,
      );
    const setThresholds = async (id: string, thresholds: Record<string, number>) => {
      const r = await call(sys, w.operator, 'PATCH', `/api/v1/admin/detectors/${id}`, { thresholds });
      assert.equal(r.status, 200, r.raw);
    };
    const tokenOver = (from: string, form: Record<string, string>) =>
      send(
        from,
        'POST',
        `${prefix}/oauth2/token`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams(form).toString(),
      );

    test("the README's first call (token, then a call) and try-it from one address create no incident", async () => {
      const before = (await sys.services.enforcement.incidents.list({})).total;
      const a = await appWithToken(sys, w.plans.ibftDefault);
      const form = { grant_type: 'client_credentials', client_id: a.clientId, client_secret: a.clientSecret };
      assert.equal(await tokenOver('127.0.0.60', form), 200);
      const t = await tokenCall(sys, form, { remoteAddress: '127.0.0.60' });
      const headers = {
        'content-type': 'application/json',
        'x-ibm-client-id': a.clientId,
        authorization: `Bearer ${t.body.access_token}`,
        'user-agent': 'curl/8.5.0',
      };
      assert.equal(
        await send('127.0.0.60', 'POST', `${prefix}/path-1`, headers, JSON.stringify(ibftBody())),
        200,
      );
      // Try-it: the browser's preflight and call carry the portal's Origin (Fastify answers them).
      const origin = { origin: sys.config.publicUrl };
      const preflight = await send('127.0.0.60', 'OPTIONS', `${prefix}/path-1`, {
        ...origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-ibm-client-id',
      });
      assert.ok(preflight < 300, `preflight ${preflight}`);
      assert.equal(
        await send(
          '127.0.0.60',
          'POST',
          `${prefix}/path-1`,
          { ...headers, ...origin, 'user-agent': 'Mozilla/5.0' },
          JSON.stringify(ibftBody()),
        ),
        200,
      );
      await settle();
      assert.equal((await sys.services.enforcement.incidents.list({})).total, before);
    });

    test('20 unknown paths from 127.0.0.31 open a scanning incident about the address with a path; 19 from .32 do not', async () => {
      const probes = [
        '/wp-login.php',
        '/.env',
        '/phpmyadmin/index.php',
        '/api/v1/../../etc',
        '/server-status.json',
      ];
      for (let i = 0; i < 20; i++)
        assert.equal(await send('127.0.0.31', 'GET', `${probes[i % 5]}?i=${i}`), 404);
      for (let i = 0; i < 19; i++) await send('127.0.0.32', 'GET', `/backup-${i}.zip`);
      await settle();
      const found = await incidentsAbout('scanning', '127.0.0.31');
      assert.equal(found.length, 1);
      assert.equal(found[0]!.subject.kind, 'source_address');
      assert.equal(found[0]!.count, 20);
      const detail = await sys.services.enforcement.incidents.detail(found[0]!.id);
      const paths = detail.evidence.map((e) => (e.sample as { path?: string } | null)?.path);
      assert.ok(
        paths.some((p) => p !== undefined && probes.includes(p)),
        JSON.stringify(detail.evidence),
      );
      assert.equal((await incidentsAbout('scanning', '127.0.0.32')).length, 0, 'one under the threshold');
    });

    test('oversized bodies and heads, over-deep bodies and unauthenticated requests from 127.0.0.33 add up to a flood; four from .34 do not', async () => {
      await setThresholds('floods', { edgeEvents: 5 });
      const big = Buffer.alloc(300_000, 0x20);
      const json = { 'content-type': 'application/json' };
      const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
      /** One of each refusal the edge counts here (the first `n`), answered with these statuses. */
      const refusals = async (from: string, n: number): Promise<number[]> => {
        const kinds = [
          // The raw gateway entrance refuses the body by its declared size (413).
          () => send(from, 'POST', `${prefix}/path-1`, { ...json, 'content-length': big.length }, big),
          // Fastify's JSON parser refuses the nesting (400 json_too_deep).
          () => send(from, 'POST', '/api/v1/sessions', json, deep),
          // Node refuses a head over its header limit (431), handed over by the lean layer.
          () => send(from, 'GET', `${prefix}/path-1`, { 'x-pad': 'x'.repeat(20_000) }),
          // The portal API without a session (401 unauthenticated), twice.
          () => send(from, 'GET', '/api/v1/admin/detectors'),
          () => send(from, 'GET', '/api/v1/admin/detectors'),
        ];
        const out: number[] = [];
        for (const k of kinds.slice(0, n)) out.push(await k());
        return out;
      };
      assert.deepEqual(await refusals('127.0.0.33', 5), [413, 400, 431, 401, 401]);
      assert.deepEqual(await refusals('127.0.0.34', 4), [413, 400, 431, 401]);
      await settle();
      const found = await incidentsAbout('floods', '127.0.0.33');
      assert.equal(found.length, 1);
      assert.equal(found[0]!.count, 5);
      for (const what of ['oversized', 'too_deep', 'unauthenticated'])
        assert.match(found[0]!.title, new RegExp(what));
      assert.equal((await incidentsAbout('floods', '127.0.0.34')).length, 0);
      await setThresholds('floods', { edgeEvents: 200 });
    });

    test('requests whose head never completes are timed out (408) and counted as slow: five from 127.0.0.35 are a flood', async () => {
      await setThresholds('floods', { edgeEvents: 5 });
      const server = sys.app.server;
      const headersTimeout = server.headersTimeout;
      server.headersTimeout = 200;
      try {
        const slow = (from: string) =>
          new Promise<string>((resolve, reject) => {
            const s = connect({ host: '127.0.0.1', port, localAddress: from });
            let got = '';
            s.on('connect', () => s.write(`POST ${prefix}/path-1 HTTP/1.1\r\nhost: t\r\n`));
            s.on('data', (d) => {
              got += d.toString('latin1');
            });
            s.on('close', () => resolve(got));
            s.on('error', reject);
          });
        const answers = await Promise.all([1, 2, 3, 4, 5].map(() => slow('127.0.0.35')));
        for (const a of answers) assert.match(a, /^HTTP\/1\.1 408 /);
        await Promise.all([1, 2, 3, 4].map(() => slow('127.0.0.36')));
      } finally {
        server.headersTimeout = headersTimeout;
      }
      await settle();
      const found = await incidentsAbout('floods', '127.0.0.35');
      assert.equal(found.length, 1);
      assert.match(found[0]!.title, /slow/);
      assert.equal((await incidentsAbout('floods', '127.0.0.36')).length, 0);
      await setThresholds('floods', { edgeEvents: 200 });
    });

    test('50 connections in 10 s from one network are a connection flood; 49 from another are not', async () => {
      await setThresholds('floods', { requestsPer10s: 50 });
      const open = (from: string) =>
        new Promise<void>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, localAddress: from }, () => s.end());
          s.on('close', () => resolve());
          s.on('error', reject);
        });
      for (let i = 0; i < 50; i++) await open(`127.0.51.${(i % 5) + 1}`);
      for (let i = 0; i < 49; i++) await open(`127.0.50.${(i % 5) + 1}`);
      await settle();
      const incidents = (await sys.services.enforcement.incidents.list({ detector: 'floods' })).items;
      const flood = incidents.filter((i) => i.title.startsWith('Connection flood'));
      assert.equal(flood.length, 1, JSON.stringify(flood.map((i) => i.title)));
      assert.match(flood[0]!.title, /127\.0\.51\.0\/24/);
      assert.match(flood[0]!.subject.id, /^127\.0\.51\./);
      await setThresholds('floods', { requestsPer10s: 5000 });
    });

    test('wrong client secrets at the token endpoint open a brute-force incident about the app (channel token); one fewer does not', async () => {
      await setThresholds('brute_force', { perSubject: 4 });
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      const wrong = {
        grant_type: 'client_credentials',
        client_id: a.clientId,
        client_secret: 'not-the-secret',
      };
      for (let i = 0; i < 3; i++) assert.equal(await tokenOver('127.0.0.37', wrong), 401);
      await settle();
      assert.equal((await incidentsAbout('brute_force', a.appId)).length, 0, 'three, just under four');
      assert.equal(await tokenOver('127.0.0.37', wrong), 401);
      await settle();
      const found = await incidentsAbout('brute_force', a.appId);
      assert.equal(found.length, 1);
      assert.equal(found[0]!.orgId, a.orgId);
      assert.match(found[0]!.title, /failed token checks/);
      const detail = await sys.services.enforcement.incidents.detail(found[0]!.id);
      assert.equal(
        detail.evidence.filter((e) => e.requestId !== null).length,
        4,
        'the token requests, by id',
      );
      assert.equal(JSON.stringify(detail).includes('not-the-secret'), false, 'no secret is kept');
      await setThresholds('brute_force', { perSubject: 10 });
    });

    test('a token used from a network other than the one it was issued to opens a credential-sharing incident; at home it does not', async () => {
      await setThresholds('credential_sharing', { elsewhereCalls: 3 });
      // Issued over inject, from 127.0.0.1: the token's network is 127.0.0.0/24.
      const a = await appWithToken(sys, w.plans.ibftGrowth);
      const headers = {
        'content-type': 'application/json',
        'x-ibm-client-id': a.clientId,
        authorization: `Bearer ${a.token}`,
        'user-agent': 'okhttp/4.12.0',
      };
      const callFrom = (from: string) =>
        send(from, 'POST', `${prefix}/path-1`, headers, JSON.stringify(ibftBody()));
      for (let i = 0; i < 5; i++) assert.equal(await callFrom(`127.0.0.${70 + i}`), 200);
      for (let i = 0; i < 2; i++) assert.equal(await callFrom('127.0.7.7'), 200);
      await settle();
      assert.equal((await incidentsAbout('credential_sharing', a.appId)).length, 0, 'two, just under three');
      assert.equal(await callFrom('127.0.7.7'), 200);
      await settle();
      const found = await incidentsAbout('credential_sharing', a.appId);
      assert.equal(found.length, 1);
      const detail = await sys.services.enforcement.incidents.detail(found[0]!.id);
      const sample = detail.evidence.find(
        (e) => (e.sample as { tokenIssuedTo?: string } | null)?.tokenIssuedTo,
      )?.sample as { tokenIssuedTo: string; usedFrom: string };
      assert.deepEqual([sample.tokenIssuedTo, sample.usedFrom], ['127.0.x.0/24', '127.0.x.0/24']);
      await setThresholds('credential_sharing', { elsewhereCalls: 20 });
    });
  });
}
