import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportSignerFromSeed, verifyBundle } from '../src/modules/regulator/index.ts';
import { type AppsWorld, appsWorld, call, createApp } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, addMember, operatorUser, type SignedIn } from './identity-helpers.ts';
import { requestBody, saveAndExtract, seedUsage } from './regulator-helpers.ts';

/**
 * Regulator requests over HTTP: recording with field-naming refusals, four-eyes approval, the
 * worker's bundle (paged, encrypted chunks), the download (audited, delivered, organisations told
 * unless confidential), verification against the published key (a flipped byte names the file, a
 * bundle re-signed with another key fails), information requests to an organisation, and the
 * security cases (developer 403, another organisation 404, anonymous 401).
 */
for (const engine of engines()) {
  describe(`regulator requests (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let operator2: SignedIn;
    let developer: SignedIn;
    let app: { appId: string };
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      operator2 = await operatorUser(sys);
      developer = await activeUser(sys);
      await addMember(sys, w.ownerA, w.orgA, developer, 'developer');
      app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      // 2,500 calls in November (more than two pages of 1,000) and 10 in October, outside the range.
      await seedUsage(sys, w.orgA, app.appId, new Date('2026-11-02T00:00:00Z'), 2500);
    });
    after(() => sys.cleanup());

    const create = (extra: Record<string, unknown> = {}, who: SignedIn = w.operator) =>
      call(sys, who, 'POST', '/api/v1/admin/regulator-requests', requestBody(w, extra));

    test('bad input answers 422 naming the field', async () => {
      const cls = await create({ dataClasses: ['usage', 'browsing_history'] });
      assert.equal(cls.status, 422, cls.raw);
      assert.equal(cls.body.error.code, 'regulator_data_class_unknown');
      assert.equal(cls.body.error.details[0].field, 'dataClasses.1');
      const range = await create({ dateRange: { from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' } });
      assert.equal(range.status, 422);
      assert.equal(range.body.error.code, 'regulator_date_range_invalid');
      assert.equal(range.body.error.details[0].field, 'dateRange.to');
      const empty = await create({ scope: {} });
      assert.equal(empty.status, 422);
      assert.equal(empty.body.error.code, 'regulator_scope_empty');
      assert.equal(empty.body.error.details[0].field, 'scope');
      const unknown = await create({ scope: { orgIds: ['org_00000000000000000000000000'] } });
      assert.equal(unknown.body.error.code, 'regulator_scope_empty');
      assert.equal(unknown.body.error.details[0].field, 'scope.orgIds');
    });

    test('four eyes, the bundle, the download and verification against the published key', async () => {
      const created = await create();
      assert.equal(created.status, 201, created.raw);
      const id = created.body.id as string;
      assert.equal(created.body.status, 'received');
      assert.deepEqual(created.body.resolvedOrgIds, [w.orgA]);
      const self = await call(sys, w.operator, 'POST', `/api/v1/admin/regulator-requests/${id}/approve`);
      assert.equal(self.status, 403);
      assert.equal(self.body.error.code, 'regulator_self_approval');
      const early = await call(sys, operator2, 'GET', `/api/v1/admin/regulator-requests/${id}/export.tar`);
      assert.equal(early.body.error.code, 'regulator_export_not_ready');
      const ok = await call(sys, operator2, 'POST', `/api/v1/admin/regulator-requests/${id}/approve`);
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.status, 'approved');
      assert.equal(ok.body.export.state, 'pending');
      const again = await call(sys, operator2, 'POST', `/api/v1/admin/regulator-requests/${id}/approve`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'regulator_request_state');

      const tick = await sys.services.regulator.tick();
      assert.equal(tick.built, 1);
      const ready = await call(sys, operator2, 'GET', `/api/v1/admin/regulator-requests/${id}`);
      assert.equal(ready.body.export.state, 'ready', JSON.stringify(ready.body.export));
      const usage = ready.body.export.files.find((f: { path: string }) => f.path === 'files/usage.jsonl');
      assert.equal(usage.rows, 2500);
      // Written page by page into 256 KiB chunks, never as one value.
      const usageChunks = await sys.database.db
        .selectFrom('regulator_export_chunks')
        .select('seq')
        .where('request_id', '=', id)
        .where('path', '=', 'files/usage.jsonl')
        .execute();
      assert.ok(usageChunks.length >= 3, `usage.jsonl in ${usageChunks.length} chunks`);
      // Stored encrypted at rest: no chunk holds the plain text of a row.
      const chunk = await sys.database.db
        .selectFrom('regulator_export_chunks')
        .select('data_enc')
        .executeTakeFirstOrThrow();
      assert.ok(chunk.data_enc.startsWith('v1.'));
      assert.ok(!chunk.data_enc.includes(w.orgA));

      const res = await sys.app.inject({
        method: 'GET',
        url: `/api/v1/admin/regulator-requests/${id}/export.tar`,
        headers: operator2.headers,
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/x-tar');
      const key = await call(sys, null, 'GET', '/api/v1/regulator/export-key');
      assert.equal(key.status, 200);
      assert.match(key.body.keyId, /^ed25519:[0-9a-f]{16}$/);
      const { tarFile, dir, root } = saveAndExtract(res.rawPayload);
      const good = await verifyBundle(tarFile, key.body.publicKeyPem);
      assert.equal(good.ok, true, JSON.stringify(good));
      const lines = readFileSync(join(dir, 'files/usage.jsonl'), 'utf8').trim().split('\n');
      assert.equal(lines.length, 2500);
      assert.equal(JSON.parse(lines[0]!).record, 'calls');
      // No secret column reaches a bundle.
      const account = readFileSync(join(dir, 'files/account_and_eligibility.jsonl'), 'utf8');
      assert.ok(!/password_hash|totp|secret_hash/.test(account));
      assert.ok(!readFileSync(join(dir, 'files/apps_and_credentials.jsonl'), 'utf8').includes('secret_hash'));

      // Delivered, audited, and the organisation's admins told.
      const after1 = await call(sys, operator2, 'GET', `/api/v1/admin/regulator-requests/${id}`);
      assert.equal(after1.body.status, 'delivered');
      const audit = await sys.services.audit.list({ action: 'regulator_request.download', targetId: id });
      assert.equal(audit.length, 1);
      const notices = await call(sys, w.ownerA, 'GET', '/api/v1/me/notifications');
      assert.ok(notices.body.items.some((n: { kind: string }) => n.kind === 'regulator_request.delivered'));

      // One flipped byte fails, naming the file.
      const target = join(dir, 'files/usage.jsonl');
      const bytes = readFileSync(target);
      bytes[10] = bytes[10]! ^ 1;
      writeFileSync(target, bytes);
      const tampered = join(root, 'tampered.tar');
      const { execFileSync } = await import('node:child_process');
      execFileSync('tar', ['-cf', tampered, '-C', root, dir.slice(root.length + 1)]);
      const bad = await verifyBundle(tampered, key.body.publicKeyPem);
      assert.deepEqual(bad.ok ? null : bad.file, 'files/usage.jsonl');

      // Re-signed with another key: refused against the published key.
      bytes[10] = bytes[10]! ^ 1;
      writeFileSync(target, bytes);
      const impostor = exportSignerFromSeed(randomBytes(32));
      for (const f of ['manifest.json', 'SHA256SUMS'])
        writeFileSync(join(dir, `${f}.sig`), impostor.sign(readFileSync(join(dir, f))));
      const resigned = join(root, 'resigned.tar');
      execFileSync('tar', ['-cf', resigned, '-C', root, dir.slice(root.length + 1)]);
      const forged = await verifyBundle(resigned, key.body.publicKeyPem);
      assert.equal(forged.ok, false);
      assert.equal(forged.ok ? null : forged.file, 'manifest.json');
      assert.equal(
        (await verifyBundle(resigned, impostor.publicKeyPem)).ok,
        false,
        'its key id is not the manifest’s',
      );
    });

    test('a confidential request is not told to the organisation', async () => {
      const created = await create({
        confidential: true,
        scope: { orgIds: [w.orgB] },
        dataClasses: ['incidents'],
      });
      const id = created.body.id as string;
      await call(sys, operator2, 'POST', `/api/v1/admin/regulator-requests/${id}/approve`);
      await sys.services.regulator.tick();
      const res = await sys.app.inject({
        method: 'GET',
        url: `/api/v1/admin/regulator-requests/${id}/export.tar`,
        headers: operator2.headers,
      });
      assert.equal(res.statusCode, 200);
      const notices = await call(sys, w.ownerB, 'GET', '/api/v1/me/notifications');
      assert.ok(!notices.body.items.some((n: { kind: string }) => n.kind === 'regulator_request.delivered'));
    });

    test('operators are told once when a request is due within three days', async () => {
      const created = await create({
        dueAt: new Date(sys.clock.nowMs() + 24 * 3600_000).toISOString(),
        dataClasses: ['incidents'],
      });
      assert.equal(created.status, 201);
      const first = await sys.services.regulator.tick();
      assert.ok(first.noticed >= 1);
      assert.equal((await sys.services.regulator.tick()).noticed, 0);
      const notices = await call(sys, w.operator, 'GET', '/api/v1/me/notifications');
      assert.ok(notices.body.items.some((n: { kind: string }) => n.kind === 'regulator_request.due'));
    });

    test('information requests: the operator asks, the organisation’s admin answers once', async () => {
      const created = await call(sys, w.operator, 'POST', '/api/v1/admin/information-requests', {
        orgId: w.orgA,
        subject: 'Users served in November',
        body: 'How many distinct end users did your apps serve in November?',
      });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.id as string;
      const mine = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/information-requests`);
      assert.equal(mine.body.items[0].id, id);
      const url = `/api/v1/orgs/${w.orgA}/information-requests/${id}/answer`;
      assert.equal((await call(sys, developer, 'POST', url, { answer: 'x' })).status, 403);
      assert.equal((await call(sys, w.ownerB, 'POST', url, { answer: 'x' })).status, 404);
      assert.equal(
        (
          await call(sys, w.ownerB, 'POST', `/api/v1/orgs/${w.orgB}/information-requests/${id}/answer`, {
            answer: 'x',
          })
        ).status,
        404,
      );
      const answered = await call(sys, w.ownerA, 'POST', url, { answer: '1,204 distinct end users.' });
      assert.equal(answered.status, 200, answered.raw);
      assert.equal(answered.body.status, 'answered');
      const twice = await call(sys, w.ownerA, 'POST', url, { answer: 'again' });
      assert.equal(twice.body.error.code, 'information_request_answered');
      const list = await call(sys, w.operator, 'GET', '/api/v1/admin/information-requests');
      assert.equal(
        list.body.items.find((i: { id: string }) => i.id === id).answer,
        '1,204 distinct end users.',
      );
    });

    test('security: developers 403, anonymous 401, other organisations 404', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/admin/regulator-requests'],
        ['POST', '/api/v1/admin/regulator-requests'],
        ['GET', '/api/v1/admin/information-requests'],
        ['POST', '/api/v1/admin/information-requests'],
      ] as const) {
        assert.equal(
          (await call(sys, developer, method, url, method === 'POST' ? {} : undefined)).status,
          403,
          url,
        );
        assert.equal(
          (await call(sys, null, method, url, method === 'POST' ? {} : undefined)).status,
          401,
          url,
        );
      }
      assert.equal((await call(sys, null, 'GET', `/api/v1/orgs/${w.orgA}/information-requests`)).status, 401);
      assert.equal(
        (await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/information-requests`)).status,
        404,
      );
      assert.equal(
        (await call(sys, developer, 'GET', `/api/v1/orgs/${w.orgA}/information-requests`)).status,
        403,
      );
    });
  });
}
