import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DAY, FakeClock, HOUR } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { contextOf } from '../../platform/request-context.ts';
import { testEngines } from '../../platform/testing.ts';
import { acceptancesToCsv } from './acceptance-history.ts';
import { BILLS_TERMS_SLUG, GENERAL_TERMS_SLUG, seedTerms } from './terms-seed.ts';
import { principal, type TermsFixture, termsFixture } from './terms-test-support.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const operator = principal('usr_operator', true);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected AppError(${code}), got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected AppError(${code}), but it succeeded`);
}

for (const engine of testEngines()) {
  describe(`terms engine (${engine.name})`, () => {
    let f: TermsFixture;
    const clock = new FakeClock(T0);
    let generalId = '';
    let v1 = '';

    before(async () => {
      f = await termsFixture(engine, clock);
      for (const u of ['usr_a_owner', 'usr_a_admin', 'usr_a_dev', 'usr_b_owner', 'usr_c_owner', 'usr_solo'])
        f.users.ids.add(u);
      f.orgs.addOrg('org_a', { usr_a_owner: 'owner', usr_a_admin: 'admin', usr_a_dev: 'developer' });
      f.orgs.addOrg('org_b', { usr_b_owner: 'owner' });
      f.orgs.addOrg('org_c', { usr_c_owner: 'owner' });
      assert.match((await seedTerms(f.terms)) ?? '', /general terms v1/);
      const general = (await f.terms.store.getDocumentBySlug(GENERAL_TERMS_SLUG))!;
      generalId = general.id;
      v1 = (await f.terms.listDocuments()).find((d) => d.id === generalId)!.inForce!.id;
    });
    after(() => f.cleanup());

    test('the seed is idempotent and in force at once; its text is our own', async () => {
      assert.equal(await seedTerms(f.terms), undefined);
      const docs = await f.terms.listDocuments();
      const general = docs.find((d) => d.slug === GENERAL_TERMS_SLUG)!;
      assert.equal(general.inForce?.version, 1);
      assert.match(general.inForce!.bodyMd, /Karachi/);
      assert.match(general.inForce!.bodyMd, /15 days/);
      assert.doesNotMatch(general.inForce!.bodyMd, /1LINK/);
      assert.ok(docs.find((d) => d.slug === BILLS_TERMS_SLUG)?.inForce);
    });

    test('applicable terms: general first, then the product’s additional terms, which govern', async () => {
      const bills = await f.terms.getApplicableTerms('bills');
      assert.deepEqual(
        bills.documents.map((d) => [d.slug, d.governs]),
        [
          [GENERAL_TERMS_SLUG, 'general'],
          [BILLS_TERMS_SLUG, 'additional'],
        ],
      );
      assert.match(bills.precedence, /govern/);
      const ibft = await f.terms.getApplicableTerms('ibft');
      assert.deepEqual(
        ibft.documents.map((d) => d.slug),
        [GENERAL_TERMS_SLUG],
      );
    });

    test('first API call records first access and acceptance by use of the version in force', async () => {
      assert.deepEqual(await f.enforcer.onApiCall('org_a', clock.nowMs()), { allowed: true });
      assert.deepEqual(await f.enforcer.onApiCall('org_a', clock.nowMs()), { allowed: true });
      const recs = await f.terms.store.acceptancesOf('org', 'org_a');
      assert.equal(recs.filter((r) => r.method === 'first_access').length, 1);
      assert.equal(recs.filter((r) => r.method === 'continued_use' && r.versionId === v1).length, 1);
      assert.equal(await f.audit.count('terms.first_access'), 1);
    });

    test('the common call is answered from memory: no database reads', async () => {
      await f.enforcer.onApiCall('org_a', clock.nowMs());
      const store = f.terms.store;
      const saved = { acceptancesOf: store.acceptancesOf, liveTermination: store.liveTermination };
      const boom = async () => {
        throw new Error('database touched on the hot path');
      };
      store.acceptancesOf = boom;
      store.liveTermination = boom;
      try {
        for (let i = 0; i < 100; i++) {
          assert.deepEqual(await f.enforcer.onApiCall('org_a', clock.nowMs() + i), { allowed: true });
        }
      } finally {
        Object.assign(store, saved);
      }
    });

    test('developers cannot publish; a standard change 3 days out is refused, 15 days is accepted', async () => {
      const draft = await f.terms.createDraft(operator, generalId, {
        bodyMd: '# General terms v2\n\nClearer limits section.',
        summary: 'Clearer wording of the limits section.',
        changeClass: 'standard',
      });
      await rejectsWith(f.terms.publish(principal('usr_a_owner'), draft.id), 'forbidden');
      await rejectsWith(
        f.terms.publish(operator, draft.id, { effectiveAt: new Date(clock.nowMs() + 3 * DAY) }),
        'terms_notice_too_short',
      );
      await rejectsWith(
        f.terms.publish(operator, draft.id, { effectiveAt: new Date(clock.nowMs() + 15 * DAY - 1) }),
        'terms_notice_too_short',
      );
      const v2 = await f.terms.publish(operator, draft.id, {
        effectiveAt: new Date(clock.nowMs() + 15 * DAY),
      });
      assert.equal(v2.status, 'published');
      assert.equal(v2.version, 2);
      assert.equal(v2.effectiveAt, new Date(T0 + 15 * DAY).toISOString());
      // Published versions never change.
      await rejectsWith(f.terms.updateDraft(operator, v2.id, { summary: 'x' }), 'terms_version_published');
      await rejectsWith(f.terms.publish(operator, v2.id), 'terms_version_published');
      // Everyone was told, in the portal and by e-mail, with the summary and the date.
      const inbox = await f.notifications.list('usr_solo');
      assert.equal(inbox[0].kind, 'terms.published');
      assert.match(inbox[0].body, /Clearer wording/);
      assert.match(inbox[0].title, /2026-12-08/);
      const mail = await f.mailer.list({ to: 'usr_b_owner@example.test' });
      assert.ok(mail.some((m) => m.kind === 'terms.published' && /Clearer wording/.test(m.text)));
      assert.ok((await f.audit.count('terms.publish')) >= 3);
    });

    test('the operator setting can lengthen the notice but never go below 15 days', async () => {
      await rejectsWith(
        f.terms.updateSettings(operator, { standardNoticeDays: 14 }),
        'terms_setting_invalid',
      );
      await rejectsWith(
        f.terms.updateSettings(principal('usr_a_owner'), { standardNoticeDays: 30 }),
        'forbidden',
      );
      await f.terms.updateSettings(operator, { standardNoticeDays: 20 });
      const policy = await f.terms.createDocument(operator, {
        kind: 'policy',
        slug: 'monitoring-policy',
        title: 'Monitoring policy',
      });
      const p1 = await f.terms.createDraft(operator, policy.id, {
        bodyMd: 'v1',
        summary: 'first',
        changeClass: 'standard',
      });
      await f.terms.publish(operator, p1.id); // first version: nothing changes for anyone
      const p2 = await f.terms.createDraft(operator, policy.id, {
        bodyMd: 'v2',
        summary: 'second',
        changeClass: 'standard',
      });
      await rejectsWith(
        f.terms.publish(operator, p2.id, { effectiveAt: new Date(clock.nowMs() + 15 * DAY) }),
        'terms_notice_too_short',
      );
      const published = await f.terms.publish(operator, p2.id); // defaults to the earliest allowed
      assert.equal(published.effectiveAt, new Date(clock.nowMs() + 20 * DAY).toISOString());
      await f.terms.updateSettings(operator, { standardNoticeDays: 15 });
    });

    test('a legal change may take effect at publication, never before it', async () => {
      const bills = (await f.terms.store.getDocumentBySlug(BILLS_TERMS_SLUG))!;
      const d = await f.terms.createDraft(operator, bills.id, {
        bodyMd: '# Bills v2',
        summary: 'Regulator requires receipts to show the biller name.',
        changeClass: 'legal',
      });
      await rejectsWith(
        f.terms.publish(operator, d.id, { effectiveAt: new Date(clock.nowMs() - HOUR) }),
        'terms_effective_in_past',
      );
      const v = await f.terms.publish(operator, d.id, { effectiveAt: clock.now() });
      assert.equal(v.effectiveAt, clock.now().toISOString());
      const docs = await f.terms.listDocuments();
      assert.equal(docs.find((x) => x.id === bills.id)!.inForce!.id, v.id);
    });

    test('subscribing needs the product’s additional terms in force accepted by the organisation', async () => {
      assert.equal(await f.terms.hasAcceptedProductTerms('org_a', 'ibft'), true);
      assert.equal(await f.terms.hasAcceptedProductTerms('org_a', 'bills'), false);
      // A developer cannot bind the organisation; an admin can.
      const billsDoc = (await f.terms.getApplicableTerms('bills')).documents[1];
      await rejectsWith(
        f.terms.accept(principal('usr_a_dev'), billsDoc.inForce!.id, {
          onBehalfOf: 'organization',
          orgId: 'org_a',
        }),
        'forbidden',
      );
      const rec = await f.terms.accept(
        principal('usr_a_admin'),
        billsDoc.inForce!.id,
        { onBehalfOf: 'organization', orgId: 'org_a' },
        contextOf({
          principal: principal('usr_a_admin'),
          ip: '203.0.113.7',
          userAgent: 'test-agent',
          requestId: 'req_accept',
        }),
      );
      assert.deepEqual(
        [
          rec.subjectType,
          rec.subjectId,
          rec.userId,
          rec.onBehalfOf,
          rec.method,
          rec.ip,
          rec.userAgent,
          rec.version,
        ],
        ['org', 'org_a', 'usr_a_admin', 'organization', 'explicit', '203.0.113.7', 'test-agent', 2],
      );
      assert.equal(await f.terms.hasAcceptedProductTerms('org_a', 'bills'), true);
      // The superseded first version can no longer be accepted.
      const v1bills = (await f.terms.store.listPublished(billsDoc.id)).find((v) => v.version === 1)!;
      await rejectsWith(
        f.terms.accept(principal('usr_b_owner'), v1bills.id, { onBehalfOf: 'organization', orgId: 'org_b' }),
        'terms_version_superseded',
      );
      // Members of another organisation cannot answer for this one.
      await rejectsWith(
        f.terms.accept(principal('usr_b_owner'), billsDoc.inForce!.id, {
          onBehalfOf: 'organization',
          orgId: 'org_a',
        }),
        'not_found',
      );
    });

    test('declining a pending version; explicit acceptance in advance; then the effective date', async () => {
      const general = (await f.terms.listDocuments()).find((d) => d.id === generalId)!;
      const v2 = general.pending[0];
      assert.equal(v2.version, 2);
      // org_b accepts in advance, org_c declines, org_a says nothing.
      await f.terms.accept(principal('usr_b_owner'), v2.id, { onBehalfOf: 'organization', orgId: 'org_b' });
      await rejectsWith(
        f.terms.decline(principal('usr_a_owner'), v2.id, { onBehalfOf: 'organization', orgId: 'org_c' }),
        'not_found',
      );
      await f.terms.decline(principal('usr_c_owner'), v2.id, { onBehalfOf: 'organization', orgId: 'org_c' });
      assert.equal((await f.notifications.list('usr_c_owner'))[0].kind, 'terms.declined');
      // The version in force cannot be declined.
      await rejectsWith(
        f.terms.decline(principal('usr_c_owner'), v1, { onBehalfOf: 'organization', orgId: 'org_c' }),
        'terms_version_not_pending',
      );
      // Before the date everyone works (and the answer is cached).
      for (const org of ['org_a', 'org_b', 'org_c']) {
        assert.deepEqual(await f.enforcer.onApiCall(org, clock.nowMs()), { allowed: true });
      }
      clock.set(Date.parse(v2.effectiveAt!) + 1);
      // After the date: org_a gets exactly one continued-use record naming v2, even under concurrency.
      const results = await Promise.all(
        Array.from({ length: 10 }, () => f.enforcer.onApiCall('org_a', clock.nowMs())),
      );
      assert.ok(results.every((r) => r.allowed));
      f.enforcer.invalidate(null);
      assert.deepEqual(await f.enforcer.onApiCall('org_a', clock.nowMs()), { allowed: true });
      const aRecs = await f.terms.store.acceptancesOf('org', 'org_a');
      const byUse = aRecs.filter((r) => r.method === 'continued_use' && r.versionId === v2.id);
      assert.equal(byUse.length, 1);
      assert.equal(byUse[0].decision, 'accepted');
      assert.ok((await f.notifications.list('usr_a_admin')).some((n) => n.kind === 'terms.accepted_by_use'));
      // org_b accepted explicitly: no continued-use record.
      assert.deepEqual(await f.enforcer.onApiCall('org_b', clock.nowMs()), { allowed: true });
      const bRecs = await f.terms.store.acceptancesOf('org', 'org_b');
      assert.equal(bRecs.filter((r) => r.method === 'continued_use' && r.versionId === v2.id).length, 0);
      // org_c declined: refused with a clear code, and told once by the worker.
      const c = await f.enforcer.onApiCall('org_c', clock.nowMs());
      assert.equal(c.allowed, false);
      assert.equal(!c.allowed && c.code, 'terms_declined');
      assert.equal((await f.tick()).declinesTakenEffect, 1);
      assert.equal((await f.tick()).declinesTakenEffect, 0);
      assert.equal((await f.notifications.list('usr_c_owner'))[0].kind, 'terms.decline_effective');
      // Accepting the version restores access at once (the cache is dropped).
      await f.terms.accept(principal('usr_c_owner'), v2.id, { onBehalfOf: 'organization', orgId: 'org_c' });
      assert.deepEqual(await f.enforcer.onApiCall('org_c', clock.nowMs()), { allowed: true });
    });

    test('a user can accept for themselves and list their own history', async () => {
      const general = (await f.terms.listDocuments()).find((d) => d.id === generalId)!;
      await f.terms.accept(principal('usr_solo'), general.inForce!.id, { onBehalfOf: 'self' });
      const h = await f.terms.listAcceptances(principal('usr_solo'), {});
      assert.equal(h.subject.type, 'user');
      assert.equal(h.records.length, 1);
      assert.equal(h.records[0].onBehalfOf, 'self');
      assert.equal(h.versions.find((v) => v.version === 2)?.standing, 'accepted');
      assert.equal(h.versions.find((v) => v.version === 1)?.standing, 'no_response');
      await rejectsWith(
        f.terms.listAcceptances(principal('usr_solo'), { userId: 'usr_a_owner' }),
        'not_found',
      );
    });

    test('one step accepts everything in force for a product; sign-up acceptance is recorded', async () => {
      const recs = await f.terms.acceptInForce(principal('usr_b_owner'), {
        onBehalfOf: 'organization',
        orgId: 'org_b',
        productSlug: 'bills',
      });
      assert.deepEqual(recs.map((r) => r.documentSlug).sort(), [BILLS_TERMS_SLUG, GENERAL_TERMS_SLUG]);
      assert.equal(await f.terms.hasAcceptedProductTerms('org_b', 'bills'), true);
      const signUp = await f.terms.recordSignUpAcceptance(
        'usr_new',
        contextOf({ principal: null, ip: '198.51.100.2', userAgent: 'ua', requestId: 'req_signup' }),
      );
      assert.equal(signUp?.subjectId, 'usr_new');
      assert.equal(signUp?.documentSlug, GENERAL_TERMS_SLUG);
      const h = await f.terms.listAcceptances(principal('usr_new'), {});
      assert.equal(h.records[0].ip, '198.51.100.2');
    });

    test('organisation history shows versions in force and how each was accepted; CSV export', async () => {
      const h = await f.terms.listAcceptances(principal('usr_a_dev'), { orgId: 'org_a' });
      assert.equal(h.firstAccessAt, new Date(T0).toISOString());
      const gen = h.versions.filter((v) => v.documentSlug === GENERAL_TERMS_SLUG);
      assert.deepEqual(
        gen.map((v) => [v.version, v.standing, v.method]),
        [
          [1, 'accepted', 'continued_use'],
          [2, 'accepted', 'continued_use'],
        ],
      );
      assert.equal(gen[0].inForceUntil, gen[1].effectiveAt);
      await rejectsWith(f.terms.listAcceptances(principal('usr_b_owner'), { orgId: 'org_a' }), 'not_found');
      const asOperator = await f.terms.listAcceptances(operator, { orgId: 'org_a' });
      assert.equal(asOperator.records.length, h.records.length);
      const csv = await f.terms.exportAcceptancesCsv(principal('usr_a_owner'), { orgId: 'org_a' });
      const lines = csv.trim().split('\r\n');
      assert.match(
        lines[0],
        /^id,at,subjectType,subjectId,orgId,userId,onBehalfOf,decision,method,documentSlug/,
      );
      assert.equal(lines.length, h.records.length + 1);
      assert.ok(lines.some((l) => l.includes('continued_use')));
      assert.equal(await f.audit.count('terms.acceptances_export'), 1);
    });

    test('CSV cells are quoted and cannot become spreadsheet formulas', () => {
      const csv = acceptancesToCsv([
        {
          id: 'acc_1',
          at: 't',
          subjectType: 'org',
          subjectId: 'org_x',
          orgId: 'org_x',
          userId: null,
          onBehalfOf: 'organization',
          decision: 'accepted',
          method: 'explicit',
          ip: null,
          userAgent: '=HYPERLINK("x"), "quoted"',
          documentId: 'tdoc_1',
          documentSlug: 'general-terms',
          documentTitle: 'General, terms',
          versionId: 'trm_1',
          version: 1,
          versionEffectiveAt: 't',
        },
      ]);
      assert.match(csv, /"General, terms"/);
      assert.match(csv, /"'=HYPERLINK\(""x""\), ""quoted"""\r\n$/);
    });
  });

  describe(`termination (${engine.name})`, () => {
    let f: TermsFixture;
    const clock = new FakeClock(T0);
    before(async () => {
      f = await termsFixture(engine, clock);
      await seedTerms(f.terms);
      for (const o of ['org_t', 'org_w', 'org_op', 'org_auto', 'org_fail']) {
        f.orgs.addOrg(o, { [`usr_${o}_owner`]: 'owner', [`usr_${o}_admin`]: 'admin' });
        f.users.ids.add(`usr_${o}_owner`);
      }
    });
    after(() => f.cleanup());

    test('only the owner may give notice, and not sooner than the notice period', async () => {
      await rejectsWith(f.terminations.request(principal('usr_org_t_admin'), 'org_t', {}), 'forbidden');
      await rejectsWith(f.terminations.request(principal('usr_org_w_owner'), 'org_t', {}), 'not_found');
      await rejectsWith(
        f.terminations.request(principal('usr_org_t_owner'), 'org_t', {
          effectiveAt: new Date(T0 + 10 * DAY),
        }),
        'termination_too_soon',
      );
      const t = await f.terminations.request(principal('usr_org_t_owner'), 'org_t', {
        effectiveAt: new Date(T0 + 30 * DAY),
        reason: 'moving to another provider',
      });
      assert.equal(t.status, 'pending');
      await rejectsWith(
        f.terminations.request(principal('usr_org_t_owner'), 'org_t', {
          effectiveAt: new Date(T0 + 40 * DAY),
        }),
        'termination_already_requested',
      );
      assert.equal((await f.notifications.list('usr_org_t_owner'))[0].kind, 'org.termination_requested');
    });

    test('before the date calls work; from the date they are refused, even before the worker runs', async () => {
      assert.deepEqual(await f.enforcer.onApiCall('org_t', T0 + 30 * DAY - 1), { allowed: true });
      const refused = await f.enforcer.onApiCall('org_t', T0 + 30 * DAY);
      assert.equal(!refused.allowed && refused.code, 'organization_terminated');
      assert.deepEqual(f.terminated, []);
      clock.set(T0 + 30 * DAY);
      assert.equal(await f.terminations.processDueTerminations(clock.now()), 1);
      assert.deepEqual(f.terminated, ['org_t']);
      assert.equal(await f.terminations.processDueTerminations(clock.now()), 0);
      const t = (await f.terminations.current('org_t'))!;
      assert.equal(t.status, 'completed');
      assert.equal(t.retentionUntil, new Date(T0 + 30 * DAY + 365 * DAY).toISOString());
      assert.equal((await f.notifications.list('usr_org_t_owner'))[0].kind, 'org.terminated');
      assert.equal(await f.audit.count('org.terminated'), 1);
      // Cannot withdraw after the date.
      await rejectsWith(
        f.terminations.withdraw(principal('usr_org_t_owner'), 'org_t'),
        'termination_not_pending',
      );
      clock.set(T0);
    });

    test('a notice withdrawn before its date changes nothing', async () => {
      await f.terminations.request(principal('usr_org_w_owner'), 'org_w', {
        effectiveAt: new Date(T0 + 31 * DAY),
      });
      await rejectsWith(f.terminations.withdraw(principal('usr_org_w_admin'), 'org_w'), 'forbidden');
      const w = await f.terminations.withdraw(principal('usr_org_w_owner'), 'org_w');
      assert.equal(w.status, 'withdrawn');
      assert.equal(await f.terminations.current('org_w'), null);
      assert.deepEqual(await f.enforcer.onApiCall('org_w', T0 + 40 * DAY), { allowed: true });
      clock.set(T0 + 40 * DAY);
      assert.equal(await f.terminations.processDueTerminations(clock.now()), 0);
      assert.ok(!f.terminated.includes('org_w'));
      // A new notice can be given later.
      await f.terminations.request(principal('usr_org_w_owner'), 'org_w', {});
      const hist = await f.terminations.get(principal('usr_org_w_admin'), 'org_w');
      assert.equal(hist.history.length, 2);
      clock.set(T0);
    });

    test('operators terminate at once with a reason; developers cannot', async () => {
      await rejectsWith(
        f.terminations.terminateByOperator(principal('usr_org_op_owner'), 'org_op', 'no'),
        'forbidden',
      );
      await rejectsWith(f.terminations.terminateByOperator(operator, 'org_missing', 'gone'), 'not_found');
      const t = await f.terminations.terminateByOperator(
        operator,
        'org_op',
        'repeated live data in the sandbox',
      );
      assert.equal(t.status, 'completed');
      assert.equal(t.kind, 'operator');
      assert.ok(f.terminated.includes('org_op'));
      const r = await f.enforcer.onApiCall('org_op', clock.nowMs());
      assert.equal(!r.allowed && r.code, 'organization_terminated');
      await rejectsWith(
        f.terminations.terminateByOperator(operator, 'org_op', 'again'),
        'organization_terminated',
      );
    });

    test('automatic termination on breach is immediate and audited with its evidence', async () => {
      const t = await f.terminations.terminateForBreach('org_auto', {
        rule: 'sustained_overload',
        reason: 'load test against the sandbox',
        evidence: { requestsPerSecond: 900 },
      });
      assert.equal(t.kind, 'automatic');
      assert.equal(t.status, 'completed');
      const ev = await f.audit.list({ action: 'org.terminate_for_breach' });
      assert.deepEqual(ev[0].details.evidence, { requestsPerSecond: 900 });
    });

    test('a failing handler leaves the termination pending (access refused) and is retried', async () => {
      let fail = true;
      f.events.subscribe('failing-subscriber', {
        'terms.organization_terminated': async ({ orgId }) => {
          if (orgId === 'org_fail' && fail) throw new Error('apps module down');
        },
      });
      await f.terminations.request(principal('usr_org_fail_owner'), 'org_fail', {});
      clock.set(T0 + 30 * DAY);
      assert.equal(await f.terminations.processDueTerminations(clock.now()), 0);
      const pending = (await f.terminations.current('org_fail'))!;
      assert.equal(pending.status, 'pending');
      assert.match(pending.lastError ?? '', /apps module down/);
      const r = await f.enforcer.onApiCall('org_fail', clock.nowMs());
      assert.equal(r.allowed, false);
      fail = false;
      assert.ok((await f.terminations.processDueTerminations(clock.now())) >= 1);
      assert.equal((await f.terminations.current('org_fail'))!.status, 'completed');
    });
  });
}
