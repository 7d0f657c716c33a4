import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AppsWorld, appsWorld, call, dumpDatabase } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * listUpstreams and updateUpstream (issue 35): operators configure each product's production
 * upstream; values are checked (422 naming the field), the mutual-TLS key is sealed and never
 * returned, every change is audited; developers of any organisation and anonymous callers are
 * refused.
 */
const URL_LIST = '/api/v1/admin/upstreams';
const urlOf = (slug: string) => `${URL_LIST}/${slug}`;

/** A self-signed certificate and its key, and a second key that does not match (openssl). */
function tlsMaterial() {
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-tls-'));
  try {
    const gen = (name: string) =>
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
          '-days',
          '30',
          '-subj',
          `/CN=${name}.darwaza.test`,
        ],
        { stdio: 'ignore' },
      );
    gen('client');
    gen('other');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return {
      cert: read('client.crt'),
      key: read('client.key'),
      otherKey: read('other.key'),
      ca: read('other.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of engines()) {
  describe(`upstreams API (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
    });
    after(() => sys.cleanup());

    it('an operator configures a product’s upstream and lists it, with defaults filled in', async () => {
      const r = await call(sys, w.operator, 'PATCH', urlOf('ibft'), { baseUrl: 'http://127.0.0.1:3999/' });
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.baseUrl, 'http://127.0.0.1:3999');
      assert.equal(r.body.connectTimeoutMs, 2000);
      assert.equal(r.body.responseTimeoutMs, 10000);
      assert.equal(r.body.maxResponseBytes, 1048576);
      assert.deepEqual(r.body.headerAllowList, ['content-type', 'accept', 'idempotency-key']);
      assert.equal(r.body.tls, null);
      assert.equal(r.body.enabled, true);
      assert.equal(r.body.version, 1);
      assert.equal(r.body.updatedBy, w.operator.userId);
      const again = await call(sys, w.operator, 'PATCH', urlOf('ibft'), {
        responseTimeoutMs: 3000,
        headerAllowList: ['Accept', 'X-Trace-Id'],
      });
      assert.equal(again.status, 200, again.raw);
      assert.equal(again.body.baseUrl, 'http://127.0.0.1:3999', 'kept');
      assert.equal(again.body.responseTimeoutMs, 3000);
      assert.deepEqual(again.body.headerAllowList, ['accept', 'x-trace-id']);
      assert.equal(again.body.version, 2);
      const list = await call(sys, w.operator, 'GET', URL_LIST);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.items.map((u: { productSlug: string }) => u.productSlug),
        ['ibft'],
      );
      const events = await sys.database.db
        .selectFrom('audit_events')
        .select(['action', 'actor_id', 'target_type', 'target_id'])
        .where('action', '=', 'upstream.update')
        .execute();
      assert.equal(events.length, 2);
      assert.deepEqual(
        { ...events[0] },
        { action: 'upstream.update', actor_id: w.operator.userId, target_type: 'product', target_id: 'ibft' },
      );
    });

    it('422 upstream_setting_invalid names the field: a bad URL, a time-out out of bounds, a credential header', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ baseUrl: 'not a url' }, 'baseUrl'],
        [{ baseUrl: 'ftp://files.example.com' }, 'baseUrl'],
        [{ baseUrl: 'https://user:pw@bank.example.com' }, 'baseUrl'],
        [{ baseUrl: 'https://bank.example.com/?a=1' }, 'baseUrl'],
        [{ connectTimeoutMs: 10 }, 'connectTimeoutMs'],
        [{ responseTimeoutMs: 500_000 }, 'responseTimeoutMs'],
        [{ responseTimeoutMs: 1.5 }, 'responseTimeoutMs'],
        [{ maxResponseBytes: 10 }, 'maxResponseBytes'],
        [{ headerAllowList: ['authorization'] }, 'headerAllowList'],
        [{ headerAllowList: ['bad header'] }, 'headerAllowList'],
      ];
      for (const [body, field] of cases) {
        const r = await call(sys, w.operator, 'PATCH', urlOf('ibft'), body);
        assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.raw}`);
        assert.equal(r.body.error.code, 'upstream_setting_invalid');
        assert.equal(r.body.error.details.field, field, JSON.stringify(body));
        assert.match(r.body.error.message, new RegExp(`^${field}: `));
      }
      // A product without an upstream needs its base URL first.
      const first = await call(sys, w.operator, 'PATCH', urlOf('bills'), { responseTimeoutMs: 2000 });
      assert.equal(first.status, 422);
      assert.equal(first.body.error.details.field, 'baseUrl');
      // Nothing was stored by the refusals.
      const list = await call(sys, w.operator, 'GET', URL_LIST);
      assert.equal(list.body.items.length, 1);
      assert.equal(list.body.items[0].version, 2);
    });

    it('an unknown product is 404; an unknown field is 400 validation_failed', async () => {
      const r = await call(sys, w.operator, 'PATCH', urlOf('no-such-product'), { baseUrl: 'http://x.test' });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'not_found');
      const u = await call(sys, w.operator, 'PATCH', urlOf('ibft'), { baseURL: 'http://x.test' });
      assert.equal(u.status, 400);
      assert.equal(u.body.error.code, 'validation_failed');
    });

    it('mutual TLS: the key is sealed at rest, never returned, and given to the gateway; a key of another certificate is refused', async () => {
      const t = tlsMaterial();
      const bad = await call(sys, w.operator, 'PATCH', urlOf('ibft'), {
        tls: { certificatePem: t.cert, privateKeyPem: t.otherKey },
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.details.field, 'tls.privateKeyPem');
      const r = await call(sys, w.operator, 'PATCH', urlOf('ibft'), {
        tls: { certificatePem: t.cert, privateKeyPem: t.key, caPem: t.ca },
      });
      assert.equal(r.status, 200, r.raw);
      assert.match(r.body.tls.certificateSubject, /CN=client\.darwaza\.test/);
      assert.equal(r.body.tls.privateKeyStored, true);
      assert.equal(r.body.tls.caConfigured, true);
      const keyBody = t.key.split('\n')[1]!;
      assert.ok(!r.raw.includes(keyBody), 'the key is not in the answer');
      const list = await call(sys, w.operator, 'GET', URL_LIST);
      assert.ok(!list.raw.includes(keyBody), 'nor in the list');
      assert.ok(
        !(await dumpDatabase(sys)).includes(keyBody),
        'nor in the database in clear (audit included)',
      );
      const settings = await sys.services.upstreams.listUpstreamSettings();
      assert.equal(settings.find((s) => s.productSlug === 'ibft')!.tls!.keyPem, t.key);
      const off = await call(sys, w.operator, 'PATCH', urlOf('ibft'), { tls: null });
      assert.equal(off.body.tls, null);
    });

    it('security: developers of any organisation get 403, anonymous callers 401, and nothing changes', async () => {
      for (const who of [w.ownerA, w.ownerB]) {
        const l = await call(sys, who, 'GET', URL_LIST);
        assert.equal(l.status, 403, l.raw);
        const u = await call(sys, who, 'PATCH', urlOf('ibft'), { baseUrl: 'http://evil.test' });
        assert.equal(u.status, 403, u.raw);
        assert.ok(!l.raw.includes('127.0.0.1:3999'));
      }
      const anon = await call(sys, null, 'GET', URL_LIST);
      assert.equal(anon.status, 401);
      const anonPatch = await call(sys, null, 'PATCH', urlOf('ibft'), { baseUrl: 'http://evil.test' });
      assert.equal(anonPatch.status, 401);
      const list = await call(sys, w.operator, 'GET', URL_LIST);
      assert.equal(list.body.items[0].baseUrl, 'http://127.0.0.1:3999');
    });
  });
}
