import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, addMember, type SignedIn } from './identity-helpers.ts';

/**
 * Incidents, enforcement actions, the organisation's kill switch and enforcement policies over
 * HTTP: happy paths, errors and the security cases (another organisation's incidents are
 * invisible, a developer cannot act on another's app, a plain member is not an admin).
 */
for (const engine of engines()) {
  describe(`enforcement (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let developerA: SignedIn;
    let app: { appId: string; clientId: string; clientSecret: string };
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      developerA = await activeUser(sys);
      await addMember(sys, w.ownerA, w.orgA, developerA, 'developer');
      app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
    });
    after(() => sys.cleanup());

    const token = () =>
      tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });

    const incident = (extra: Record<string, unknown> = {}) =>
      call(sys, w.operator, 'POST', '/api/v1/admin/incidents', {
        severity: 'high',
        subject: { kind: 'app', id: app.appId },
        title: 'Probe payloads in title fetches',
        summary: 'SQL fragments in the account number field',
        termsClause: '(c) security',
        requestIds: ['req_1'],
        samples: [{ accountNumber: '12****89' }],
        ...extra,
      });

    test('a manual incident: one live incident per subject keeps counting; filter and detail', async () => {
      const a = await incident();
      assert.equal(a.status, 201, a.raw);
      assert.equal(a.body.orgId, w.orgA);
      const b = await incident({ count: 4, requestIds: ['req_2'] });
      assert.equal(b.body.id, a.body.id);
      assert.equal(b.body.count, 5);
      const list = await call(
        sys,
        w.operator,
        'GET',
        `/api/v1/admin/incidents?orgId=${w.orgA}&status=open&sort=severity`,
      );
      assert.equal(list.status, 200);
      assert.equal(list.body.total, 1);
      const detail = await call(sys, w.operator, 'GET', `/api/v1/admin/incidents/${a.body.id}`);
      assert.deepEqual(
        detail.body.evidence
          .map((e: { requestId: string | null }) => e.requestId)
          .filter(Boolean)
          .sort(),
        ['req_1', 'req_2'],
      );
      assert.equal(detail.body.incident.termsClause, '(c) security');
      const audit = await sys.services.audit.list({ action: 'incident.create', targetId: a.body.id });
      assert.equal(audit.length, 1);
    });

    test('incident states: resolving needs a reason; a closed incident does not move; a new report opens another', async () => {
      const other = await createApp(sys, w.ownerA, w.orgA, { name: 'Second' });
      const a = await incident({ subject: { kind: 'app', id: other.appId } });
      const url = `/api/v1/admin/incidents/${a.body.id}`;
      const noReason = await call(sys, w.operator, 'PATCH', url, { status: 'resolved' });
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.code, 'incident_reason_required');
      assert.equal(
        (await call(sys, w.operator, 'PATCH', url, { status: 'acknowledged' })).body.incident.status,
        'acknowledged',
      );
      const again = await call(sys, w.operator, 'PATCH', url, { status: 'acknowledged' });
      assert.equal(again.body.error.code, 'incident_state_invalid');
      const done = await call(sys, w.operator, 'PATCH', url, { status: 'resolved', reason: 'our own test' });
      assert.equal(done.body.incident.status, 'resolved');
      assert.equal(done.body.incident.resolutionReason, 'our own test');
      assert.equal((await call(sys, w.operator, 'PATCH', url, { status: 'acknowledged' })).status, 409);
      const next = await incident({ subject: { kind: 'app', id: other.appId } });
      assert.notEqual(next.body.id, a.body.id);
    });

    test("the organisation's admins see and answer its incidents; others get 404, members below admin 403", async () => {
      const a = await incident();
      const mine = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/incidents`);
      assert.equal(mine.status, 200);
      assert.ok(mine.body.items.some((i: { id: string }) => i.id === a.body.id));
      const reply = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/incidents/${a.body.id}/replies`,
        {
          body: 'That was our contractor; stopped.',
        },
      );
      assert.equal(reply.status, 201);
      assert.equal(reply.body.authorRole, 'organization');
      const op = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/orgs/${w.orgA}/incidents/${a.body.id}/replies`,
        {
          body: 'Thanks.',
        },
      );
      assert.equal(op.body.authorRole, 'operator');
      const detail = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/incidents/${a.body.id}`);
      assert.equal(detail.body.replies.length, 2);
      // Another organisation: not a member of A → 404; its own org does not hold A's incident → 404.
      assert.equal((await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/incidents`)).status, 404);
      assert.equal(
        (await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgB}/incidents/${a.body.id}`)).status,
        404,
      );
      const list = await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgB}/incidents`);
      assert.equal(list.body.total, 0);
      assert.equal(
        (
          await call(sys, w.ownerB, 'POST', `/api/v1/orgs/${w.orgB}/incidents/${a.body.id}/replies`, {
            body: 'x',
          })
        ).status,
        404,
      );
      // A plain member (developer) is not an admin.
      assert.equal((await call(sys, developerA, 'GET', `/api/v1/orgs/${w.orgA}/incidents`)).status, 403);
      // Developers never reach the operator's queue or actions.
      assert.equal((await call(sys, w.ownerA, 'GET', '/api/v1/admin/incidents')).status, 403);
      assert.equal(
        (
          await call(sys, w.ownerA, 'POST', '/api/v1/admin/enforcement-actions', {
            kind: 'suspend_app',
            appId: app.appId,
            reasonCategory: 'other',
            reason: 'self-service?',
          })
        ).status,
        403,
      );
    });

    test('an operator suspends an app from an incident: admins told by e-mail and notice with the reason; reinstating restores it', async () => {
      const a = await incident();
      assert.equal((await token()).status, 200);
      const r = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'suspend_app',
        incidentId: a.body.id,
        reasonCategory: 'security_testing',
        reason: 'Injection probes from your app on 7 December.',
      });
      assert.equal(r.status, 201, r.raw);
      assert.equal(r.body.appId, app.appId);
      assert.equal(r.body.active, true);
      assert.equal(r.body.reasonLabel, 'Security testing, scanning or probing of the platform');
      assert.equal((await sys.services.apps.getAppById(app.appId))?.status, 'suspended');
      const detail = await call(sys, w.operator, 'GET', `/api/v1/admin/incidents/${a.body.id}`);
      assert.equal(detail.body.incident.status, 'actioned');
      assert.equal(detail.body.actions.length, 1);
      // The owner (an admin) is told in-app and by e-mail, with the category and what to do next.
      const notices = await sys.services.notifications.list(w.ownerA.userId);
      const n = notices.find((x) => x.kind === 'enforcement.action');
      assert.ok(n, 'notice sent');
      assert.match(n.body, /Security testing, scanning or probing/);
      assert.match(n.body, /What to do next/);
      const mail = (await sys.services.mailer.list({ to: w.ownerA.email, limit: 50 })).find(
        (m) => m.kind === 'enforcement.action',
      );
      assert.ok(mail, 'e-mail sent');
      assert.match(mail.text, /Injection probes/);
      // The developer's pages read it; another organisation cannot.
      const seen = await call(
        sys,
        developerA,
        'GET',
        `/api/v1/orgs/${w.orgA}/enforcement-actions?appId=${app.appId}&active=true`,
      );
      assert.equal(seen.body.items.length, 1);
      assert.equal(
        (await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/enforcement-actions`)).status,
        404,
      );
      // Suspended: no token; suspending again changes nothing.
      assert.notEqual((await token()).status, 200);
      const twice = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'suspend_app',
        appId: app.appId,
        reasonCategory: 'other',
        reason: 'again',
      });
      assert.equal(twice.body.error.code, 'enforcement_not_applicable');
      // The organisation cannot lift the operator's suspension.
      const lift = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${app.appId}/reinstate`, {
        reason: 'we fixed it',
      });
      assert.equal(lift.status, 403);
      assert.equal(lift.body.error.code, 'enforcement_by_operator');
      const back = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'reinstate',
        appId: app.appId,
        reasonCategory: 'security_testing',
        reason: 'Contractor stopped.',
      });
      assert.equal(back.status, 201, back.raw);
      assert.equal((await sys.services.apps.getAppById(app.appId))?.status, 'active');
      assert.equal((await token()).status, 200);
      const active = await call(
        sys,
        w.ownerA,
        'GET',
        `/api/v1/orgs/${w.orgA}/enforcement-actions?appId=${app.appId}&active=true`,
      );
      assert.equal(active.body.items.length, 0);
      const trail = await sys.services.audit.list({ orgId: w.orgA, action: 'enforcement.action' });
      assert.ok(trail.length >= 2);
      assert.ok((await sys.services.audit.list({ orgId: w.orgA, action: 'app.suspend' })).length >= 1);
    });

    test('a throttle lowers the effective limit to the lower of plan and throttle until it ends', async () => {
      const before = (await sys.services.apps.entitlement(app.appId, 'ibft'))!.plan;
      const planMinute = before.rateLimits.find((r) => r.periodMs === 60_000)?.limit ?? null;
      const endsAt = new Date(sys.clock.nowMs() + 3_600_000).toISOString();
      const r = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'throttle',
        appId: app.appId,
        reasonCategory: 'excessive_load',
        reason: 'Sustained calls at the limit.',
        throttle: { period: 'minute', limit: 2 },
        endsAt,
      });
      assert.equal(r.status, 201, r.raw);
      const during = (await sys.services.apps.entitlement(app.appId, 'ibft'))!.plan;
      assert.equal(during.rateLimits.find((x) => x.periodMs === 60_000)?.limit, 2);
      assert.ok(during.appliedOverrides.includes(r.body.id));
      assert.equal(during.validUntilMs, Date.parse(endsAt));
      // A throttle above the plan leaves the plan's value.
      if (planMinute !== null) assert.ok(planMinute >= 2);
      const missing = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'throttle',
        appId: app.appId,
        reasonCategory: 'excessive_load',
        reason: 'no end',
        throttle: { period: 'minute', limit: 2 },
      });
      assert.equal(missing.status, 400);
      sys.clock.advance(3_600_001);
      const afterEnd = (await sys.services.apps.entitlement(app.appId, 'ibft'))!.plan;
      assert.equal(afterEnd.rateLimits.find((x) => x.periodMs === 60_000)?.limit ?? null, planMinute);
    });

    test("the organisation's kill switch: admins suspend and reinstate their own app and revoke its tokens; others cannot", async () => {
      const mine = await createApp(sys, w.ownerA, w.orgA, {
        name: 'Kill switch',
        planId: w.plans.ibftDefault,
      });
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: mine.clientId,
        client_secret: mine.clientSecret,
        scope: '1LinkApi',
      });
      assert.equal(t.status, 200);
      const base = `/api/v1/orgs/${w.orgA}/apps/${mine.appId}`;
      // Another organisation's owner, and a plain developer of this one, cannot.
      assert.equal(
        (await call(sys, w.ownerB, 'POST', `${base}/suspend`, { reason: 'not mine' })).status,
        404,
      );
      assert.equal(
        (
          await call(sys, w.ownerB, 'POST', `/api/v1/orgs/${w.orgB}/apps/${mine.appId}/suspend`, {
            reason: 'x y z',
          })
        ).status,
        404,
      );
      assert.equal((await call(sys, developerA, 'POST', `${base}/suspend`, { reason: 'flood' })).status, 403);
      assert.equal((await call(sys, developerA, 'POST', `${base}/revoke-tokens`)).status, 403);
      const revoked = await call(sys, w.ownerA, 'POST', `${base}/revoke-tokens`);
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.revoked, 1);
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(t.body.access_token), null);
      const s = await call(sys, w.ownerA, 'POST', `${base}/suspend`, {
        reason: 'Our server is flooding you.',
      });
      assert.equal(s.status, 201, s.raw);
      assert.equal(s.body.takenBy, 'organization');
      assert.equal(s.body.reasonCategory, 'organization_request');
      assert.equal((await sys.services.apps.getAppById(mine.appId))?.status, 'suspended');
      const r = await call(sys, w.ownerA, 'POST', `${base}/reinstate`, { reason: 'Fixed the loop.' });
      assert.equal(r.status, 201, r.raw);
      assert.equal((await sys.services.apps.getAppById(mine.appId))?.status, 'active');
      // Audited: each action (taken by the organisation) and the revocation.
      const actions = await sys.services.audit.list({ action: 'enforcement.action', targetId: mine.appId });
      assert.deepEqual(
        actions.map((e) => e.details.takenBy),
        ['organization', 'organization'],
      );
      const revokes = await sys.services.audit.list({
        action: 'enforcement.org_tokens_revoke',
        targetId: mine.appId,
      });
      assert.equal(revokes.length, 1);
    });

    test('suspending the organisation refuses its apps; reinstating restores them', async () => {
      const r = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'suspend_org',
        orgId: w.orgA,
        reasonCategory: 'outdated_information',
        reason: 'Registration details expired.',
      });
      assert.equal(r.status, 201, r.raw);
      assert.equal((await sys.services.orgAccess.getOrganization(w.orgA))?.status, 'suspended');
      assert.equal(
        (await sys.services.gatewayDirectory.findAppByClientId(app.clientId))?.status,
        'suspended',
      );
      assert.notEqual((await token()).status, 200);
      const appTarget = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'suspend_org',
        appId: app.appId,
        reasonCategory: 'other',
        reason: 'wrong target',
      });
      assert.equal(appTarget.body.error.code, 'enforcement_target_invalid');
      const back = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-actions', {
        kind: 'reinstate',
        orgId: w.orgA,
        reasonCategory: 'outdated_information',
        reason: 'Details confirmed.',
      });
      assert.equal(back.status, 201, back.raw);
      assert.equal((await sys.services.orgAccess.getOrganization(w.orgA))?.status, 'active');
      assert.equal((await token()).status, 200);
      assert.equal((await sys.services.audit.list({ orgId: w.orgA, action: 'org.suspend' })).length, 1);
    });

    test('policies: a confirmed breach of a policy’s type terminates the organisation (terminateForBreach); switched-off policies do nothing', async () => {
      const owner = await activeUser(sys);
      const { testOrganization } = await import('./identity-helpers.ts');
      const orgC = await testOrganization(sys, owner, { confirmed: true });
      const appC = await createApp(sys, owner, orgC, { planId: w.plans.ibftDefault });
      const p = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-policies', {
        name: 'Sublicensing ends registration',
        trigger: { kind: 'breach_confirmed', breachType: 'sublicensing' },
        action: 'terminate_org',
        reasonCategory: 'terms_breach',
      });
      assert.equal(p.status, 201, p.raw);
      assert.equal(p.body.enabled, false, 'ships switched off');
      const bad = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-policies', {
        name: 'Bad trigger',
        trigger: { kind: 'breach_confirmed', breachType: 'Not A Slug' },
        action: 'terminate_org',
        reasonCategory: 'terms_breach',
      });
      assert.equal(bad.status, 400);
      const dup = await call(sys, w.operator, 'POST', '/api/v1/admin/enforcement-policies', {
        name: 'Sublicensing ends registration',
        trigger: { kind: 'breach_confirmed', breachType: 'x-y' },
        action: 'warn',
        reasonCategory: 'other',
      });
      assert.equal(dup.body.error.code, 'enforcement_policy_conflict');
      const inc = await call(sys, w.operator, 'POST', '/api/v1/admin/incidents', {
        severity: 'critical',
        subject: { kind: 'organization', id: orgC },
        title: 'Resold access to a third party',
      });
      // Off: confirming changes the incident only.
      const off = await call(sys, w.operator, 'PATCH', `/api/v1/admin/incidents/${inc.body.id}`, {
        breachType: 'sublicensing',
      });
      assert.equal(off.body.incident.status, 'acknowledged');
      assert.equal(off.body.actions.length, 0);
      assert.equal((await sys.services.orgAccess.getOrganization(orgC))?.status, 'active');
      const on = await call(sys, w.operator, 'PATCH', `/api/v1/admin/enforcement-policies/${p.body.id}`, {
        enabled: true,
      });
      assert.equal(on.body.enabled, true);
      const fired = await call(sys, w.operator, 'PATCH', `/api/v1/admin/incidents/${inc.body.id}`, {
        breachType: 'sublicensing',
      });
      assert.equal(fired.status, 200, fired.raw);
      assert.equal(fired.body.incident.status, 'actioned');
      assert.equal(fired.body.actions[0].kind, 'terminate_org');
      assert.equal(fired.body.actions[0].policyId, p.body.id);
      assert.equal((await sys.services.orgAccess.getOrganization(orgC))?.status, 'terminated');
      assert.equal((await sys.services.apps.getAppById(appC.appId))?.status, 'revoked');
      const termination = await sys.services.terminations.current(orgC);
      assert.equal(termination?.kind, 'automatic');
      assert.equal(termination?.status, 'completed');
      assert.equal(
        (await sys.services.audit.list({ action: 'enforcement.policy_fire', targetId: p.body.id })).length,
        1,
      );
      assert.equal(
        (await sys.services.audit.list({ action: 'org.terminate_for_breach', orgId: orgC })).length,
        1,
      );
      assert.equal(
        (await sys.services.audit.list({ action: 'enforcement.policy_update', targetId: p.body.id })).length,
        1,
      );
      const mail = (await sys.services.mailer.list({ to: owner.email, limit: 50 })).find(
        (m) => m.kind === 'enforcement.action',
      );
      assert.ok(mail, 'the owner is told why');
      assert.match(mail.text, /A breach of the terms of use/);
    });

    test('the apps API’s setAppStatus is an enforcement action: the admins are told why, and reinstating ends it', async () => {
      const other = await createApp(sys, w.ownerA, w.orgA, {
        planId: w.plans.ibftDefault,
        name: 'Status route app',
      });
      const r = await call(sys, w.operator, 'POST', `/api/v1/admin/apps/${other.appId}/status`, {
        status: 'suspended',
        reason: 'Suspended from the apps screen on 7 December.',
      });
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.status, 'suspended');
      const actions = await call(
        sys,
        w.operator,
        'GET',
        `/api/v1/admin/enforcement-actions?appId=${other.appId}`,
      );
      assert.equal(actions.body.items.length, 1, actions.raw);
      assert.equal(actions.body.items[0].kind, 'suspend_app');
      const mail = (await sys.services.mailer.list({ to: w.ownerA.email, limit: 100 })).find(
        (m) => m.kind === 'enforcement.action' && /Suspended from the apps screen/.test(m.text),
      );
      assert.ok(mail, 'e-mail with the reason sent');
      // A developer cannot use the operator route; an unknown app is 404.
      assert.equal(
        (
          await call(sys, developerA, 'POST', `/api/v1/admin/apps/${other.appId}/status`, {
            status: 'active',
            reason: 'mine now',
          })
        ).status,
        403,
      );
      assert.equal(
        (
          await call(sys, w.operator, 'POST', '/api/v1/admin/apps/app_00000000000000000000000000/status', {
            status: 'suspended',
            reason: 'no such app',
          })
        ).status,
        404,
      );
      const back = await call(sys, w.operator, 'POST', `/api/v1/admin/apps/${other.appId}/status`, {
        status: 'active',
        reason: 'The probing stopped.',
      });
      assert.equal(back.status, 200, back.raw);
      assert.equal(back.body.status, 'active');
    });

    test('reason categories are readable by signed-in users', async () => {
      const r = await call(sys, w.ownerA, 'GET', '/api/v1/enforcement/reasons');
      assert.equal(r.status, 200);
      assert.ok(r.body.items.some((x: { category: string }) => x.category === 'security_testing'));
      assert.equal((await call(sys, null, 'GET', '/api/v1/enforcement/reasons')).status, 401);
    });
  });
}
