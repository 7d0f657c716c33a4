import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../src/modules/audit/audit-service.ts';
import { portalContracts } from '../src/modules.ts';
import { seedDemo } from '../src/seed.ts';
import { type AppsWorld, appsWorld, createApp, passProductionGate, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
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
} from './identity-helpers.ts';

/**
 * Audit coverage (issue 32, item 3): every state-changing route of the portal API (POST, PUT, PATCH,
 * DELETE, developers' and operators', read from the contracts in src/modules.ts) is called once with
 * a valid request against a whole system, and must write exactly one audit event with the action
 * and target type EXPECTED names. Then the security events no route names (failed sign-in, lockout,
 * token revocation, exports) are checked the same way.
 *
 * A route added later without an entry in EXPECTED and a step in the scenario fails the test with
 * a message saying what to add: that is the point of deriving the list from the contracts.
 */
type Expectation = {
  action: string;
  /** The target's type (null: the event has no target). */
  target: string | null;
  /** Other actions the same call records on purpose (each once), e.g. a side effect's own event. */
  also?: string[];
};

/**
 * A route that changes state without any security or administrative meaning, named with the reason
 * it writes no event (the test then requires that it writes none).
 */
type NotAudited = { notAudited: string };

const EXPECTED: Record<string, Expectation | NotAudited> = {
  // notifications
  dryRunEnforcementPolicy: {
    notAudited: 'computes what a policy would have done over recorded incidents and acts on nothing',
  },
  markNotificationRead: {
    notAudited: 'marks one of the caller’s own portal notifications read: no effect on access or data',
  },
  // identity: accounts, sessions, MFA, passwords, profile
  // Sign-up also records the acceptance of the general terms the form showed (terms' proof).
  signUp: { action: 'user.signup', target: 'user', also: ['terms.accept'] },
  activateAccount: { action: 'user.activated', target: 'user' },
  resendActivation: { action: 'user.activation_resent', target: 'user' },
  createSession: { action: 'user.signin', target: 'session' },
  deleteSession: { action: 'session.revoked', target: 'session' },
  revokeSession: { action: 'session.revoked', target: 'session' },
  enrollTotp: { action: 'mfa.totp_enrollment_started', target: 'user' },
  confirmTotp: { action: 'mfa.totp_enrolled', target: 'user' },
  disableTotp: { action: 'mfa.totp_disabled', target: 'user' },
  regenerateRecoveryCodes: { action: 'mfa.recovery_codes_regenerated', target: 'user' },
  changePassword: { action: 'user.password_changed', target: 'user' },
  requestPasswordReset: { action: 'user.password_reset_requested', target: 'user' },
  resetPassword: { action: 'user.password_reset', target: 'user' },
  updateProfile: { action: 'user.profile_updated', target: 'user' },
  confirmProfile: { action: 'user.profile_confirmed', target: 'user' },
  // identity: operators' decisions and settings
  approveAccount: { action: 'user.approved', target: 'user' },
  rejectAccount: { action: 'user.rejected', target: 'user' },
  requireProfileUpdate: { action: 'user.update_required', target: 'user' },
  updateIdentitySettings: { action: 'identity.settings_changed', target: null },
  setBarredCountries: { action: 'identity.barred_countries_changed', target: null },
  importScreeningList: { action: 'identity.screening_list_imported', target: null },
  createAutoApproveRule: { action: 'identity.auto_approve_rule_added', target: null },
  deleteAutoApproveRule: { action: 'identity.auto_approve_rule_removed', target: null },
  // organisations, members, participants, representatives
  // Registering also records the organisation's acceptance of the terms (on behalf of it).
  createOrganization: { action: 'org.created', target: 'organization', also: ['terms.accept'] },
  updateOrganization: { action: 'org.updated', target: 'organization' },
  confirmOrganizationDetails: { action: 'org.details_confirmed', target: 'organization' },
  changeMemberRole: { action: 'org.member_role_changed', target: 'user' },
  removeMember: { action: 'org.member_removed', target: 'user' },
  transferOwnership: { action: 'org.ownership_transferred', target: 'user' },
  inviteMember: { action: 'org.member_invited', target: 'invitation' },
  revokeInvitation: { action: 'org.invitation_revoked', target: 'invitation' },
  acceptInvitation: { action: 'org.member_joined', target: 'user' },
  createParticipant: { action: 'participant.created', target: 'participant' },
  addParticipantReviewer: { action: 'participant.reviewer_added', target: 'user' },
  removeParticipantReviewer: { action: 'participant.reviewer_removed', target: 'user' },
  requireOrganizationUpdate: { action: 'org.update_required', target: 'organization' },
  confirmRepresentative: { action: 'org.representative_confirmed', target: 'user' },
  rejectRepresentative: { action: 'org.representative_rejected', target: 'user' },
  // catalogue (operators' configuration)
  createProduct: { action: 'product.saved', target: 'product' },
  addApiVersion: { action: 'product.api_added', target: 'product' },
  publishProduct: { action: 'product.published', target: 'product' },
  deprecateProduct: { action: 'product.deprecated', target: 'product' },
  retireProduct: { action: 'product.retired', target: 'product' },
  createPlan: { action: 'plan.created', target: 'plan' },
  updatePlan: { action: 'plan.updated', target: 'plan' },
  // terms and termination
  acceptTerms: { action: 'terms.accept', target: 'terms_version' },
  declineTerms: { action: 'terms.decline', target: 'terms_version' },
  createTermsDocument: { action: 'terms.document_create', target: 'terms_document' },
  createTermsDraft: { action: 'terms.draft_create', target: 'terms_version' },
  updateTermsDraft: { action: 'terms.draft_update', target: 'terms_version' },
  publishTermsVersion: { action: 'terms.publish', target: 'terms_version' },
  updateTermsSettings: { action: 'terms.settings_update', target: null },
  requestTermination: { action: 'org.termination_request', target: 'organization' },
  withdrawTermination: { action: 'org.termination_withdraw', target: 'organization' },
  // The operator's decision, then its consequences, each recorded once by the module that acts:
  // the termination completes (terms), members' sessions end (identity), the sandbox world goes.
  terminateOrganization: {
    action: 'org.terminate',
    target: 'organization',
    also: ['org.terminated', 'session.revoked', 'sandbox.world_deleted'],
  },
  // apps, secrets, subscriptions, limits, production access
  createApp: { action: 'app.create', target: 'app' },
  updateApp: { action: 'app.update', target: 'app' },
  deleteApp: { action: 'app.delete', target: 'app' },
  createClientSecret: { action: 'app.secret.create', target: 'client_secret' },
  revokeClientSecret: { action: 'app.secret.revoke', target: 'client_secret' },
  resetClientSecret: { action: 'app.secret.reset', target: 'client_secret' },
  requestProductionAccess: { action: 'app.production.request', target: 'app' },
  createProductionSecret: { action: 'app.production_secret.create', target: 'client_secret' },
  revokeProductionSecret: { action: 'app.production_secret.revoke', target: 'client_secret' },
  subscribe: { action: 'subscription.create', target: 'subscription' },
  unsubscribe: { action: 'subscription.cancel', target: 'subscription' },
  requestLimitIncrease: { action: 'limit_request.create', target: 'limit_request' },
  acceptLimitConditions: { action: 'limit_request.accept_conditions', target: 'limit_request' },
  cancelLimitRequest: { action: 'limit_request.cancel', target: 'limit_request' },
  approveSubscription: { action: 'subscription.approve', target: 'subscription' },
  declineSubscription: { action: 'subscription.decline', target: 'subscription' },
  decideProductionAccess: { action: 'app.production.approve', target: 'app' },
  decideLimitRequest: { action: 'limit_request.approve_with_conditions', target: 'limit_request' },
  // An operator's suspension through the apps API is an enforcement action (the admins are told why).
  setAppStatus: { action: 'app.suspend', target: 'app', also: ['enforcement.action'] },
  // sandbox
  resetSandbox: { action: 'sandbox.reset', target: 'organization' },
  // enforcement: incidents, actions, the organisation's kill switch, policies
  createIncident: { action: 'incident.create', target: 'incident' },
  updateIncident: { action: 'incident.acknowledge', target: 'incident' },
  replyToIncident: { action: 'incident.reply', target: 'incident' },
  createEnforcementAction: { action: 'enforcement.action', target: 'organization' },
  // The kill switch records the action and the apps module's own status change.
  suspendOwnApp: { action: 'enforcement.action', target: 'app', also: ['app.suspend'] },
  reinstateOwnApp: { action: 'enforcement.action', target: 'app', also: ['app.reinstate'] },
  revokeAppTokens: { action: 'enforcement.org_tokens_revoke', target: 'app' },
  createEnforcementPolicy: { action: 'enforcement.policy_create', target: 'enforcement_policy' },
  updateEnforcementPolicy: { action: 'enforcement.policy_update', target: 'enforcement_policy' },
  // detectors: the operator's settings
  updateDetector: { action: 'detector.update', target: 'detector' },
  // upstreams: a product's production back-end
  updateUpstream: { action: 'upstream.update', target: 'product' },
  // conformance: the operator's suites
  updateConformanceSuite: { action: 'conformance_suite.update', target: 'conformance_suite' },
  // regulator: requests (four eyes), information requests to an organisation
  createRegulatorRequest: { action: 'regulator_request.create', target: 'regulator_request' },
  approveRegulatorRequest: { action: 'regulator_request.approve', target: 'regulator_request' },
  createInformationRequest: { action: 'information_request.create', target: 'information_request' },
  answerInformationRequest: { action: 'information_request.answer', target: 'information_request' },
};

const STATE_CHANGING = portalContracts.filter((c) => c.method !== 'GET');
const adult = { dateOfBirth: '1990-05-01', countryOfResidence: 'PK', countryOfUse: 'PK', acceptTerms: true };

type Observed = { status: number; events: AuditEvent[] };

for (const engine of engines())
  describe(`audit coverage of every state-changing route (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    const observed = new Map<string, Observed>();

    /** Any request; not counted. */
    const raw = async (who: SignedIn | null, method: string, url: string, payload?: unknown) => {
      const res = await sys.app.inject({
        method: method as 'POST',
        url,
        headers: {
          ...(who?.headers ?? {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
      });
      return { status: res.statusCode, body: res.body ? safeJson(res.body) : null, raw: res.body };
    };

    /** The events recorded while `run` ran (the clock moves a second first, so they are apart). */
    const eventsDuring = async <T>(run: () => Promise<T>): Promise<{ result: T; events: AuditEvent[] }> => {
      sys.clock.advance(1000);
      const from = new Date(sys.clock.nowMs()).toISOString();
      const result = await run();
      return { result, events: await sys.services.audit.list({ from, limit: 1000 }) };
    };

    /** Calls the route `operationId` once, counted: it must answer 2xx. */
    const hit = async (
      operationId: string,
      who: SignedIn | null,
      params: Record<string, string> = {},
      payload?: unknown,
    ) => {
      const c = portalContracts.find((x) => x.operationId === operationId);
      assert.ok(c, `no contract ${operationId}`);
      const url = c.url.replace(/:([A-Za-z]+)/g, (_m, k: string) => {
        assert.ok(params[k], `${operationId}: no value for :${k}`);
        return encodeURIComponent(params[k]!);
      });
      const body = payload ?? (['POST', 'PUT', 'PATCH'].includes(c.method) ? {} : undefined);
      const { result, events } = await eventsDuring(() => raw(who, c.method, url, body));
      assert.ok(result.status < 300, `${operationId}: ${result.status} ${result.raw}`);
      observed.set(operationId, { status: result.status, events });
      return result.body;
    };

    before(async () => {
      sys = await startTestSystem({ engine });
      // The general terms (and the catalogue's) as a fresh install has them.
      await seedDemo(sys, { onlyIfEmpty: true, demo: false });
      w = await appsWorld(sys);
      passProductionGate(sys);
    });
    after(() => sys.cleanup());

    test('every state-changing route has an entry (derived from the contracts)', () => {
      const missing = STATE_CHANGING.filter((c) => !EXPECTED[c.operationId]).map(
        (c) =>
          `${c.operationId} (${c.method} ${c.url}) has no entry in EXPECTED (test/audit-coverage.test.ts): ` +
          'add { action, target } for the one audit event it must write, and a step in the scenario below that calls it',
      );
      assert.deepEqual(missing, []);
      const gone = Object.keys(EXPECTED).filter((id) => !STATE_CHANGING.some((c) => c.operationId === id));
      assert.deepEqual(gone, [], 'entries for routes that no longer exist');
    });

    test('each route writes exactly one event with the expected action and target', async () => {
      const op = w.operator;
      const ownerA = w.ownerA;
      // ── identity: sign-up, activation, operator decisions
      const e1 = uniqueEmail('cov1');
      await hit('signUp', null, {}, { name: 'Coverage One', email: e1, password: TEST_PASSWORD, ...adult });
      await hit('activateAccount', null, {}, { token: await tokenFromMail(sys, e1, 'activation') });
      const u1 = { id: (await sys.services.identity.findUserIdByEmail(e1))! };
      await hit('approveAccount', op, { userId: u1.id });
      await hit('requireProfileUpdate', op, { userId: u1.id });
      const e2 = uniqueEmail('cov2');
      await raw(null, 'POST', '/api/v1/accounts', {
        name: 'Coverage Two',
        email: e2,
        password: TEST_PASSWORD,
        ...adult,
      });
      sys.clock.advance(120_000);
      await hit('resendActivation', null, {}, { email: e2 });
      const e3 = uniqueEmail('cov3');
      await raw(null, 'POST', '/api/v1/accounts', {
        name: 'Coverage Three',
        email: e3,
        password: TEST_PASSWORD,
        ...adult,
      });
      await raw(null, 'POST', '/api/v1/accounts/activate', {
        token: await tokenFromMail(sys, e3, 'activation'),
      });
      const u3 = { id: (await sys.services.identity.findUserIdByEmail(e3))! };
      await hit('rejectAccount', op, { userId: u3.id }, { reason: 'Not a licensed institution' });
      await hit('updateIdentitySettings', op, {}, { reconfirmMonths: 12 });
      await hit('setBarredCountries', op, {}, { items: [{ code: 'KP', note: 'sanctions' }] });
      await hit(
        'importScreeningList',
        op,
        {},
        { csv: 'name,reference\r\nCoverage Listed,X-1', replace: false },
      );
      await hit('createAutoApproveRule', op, {}, { emailDomain: 'coverage.example' });
      await hit('deleteAutoApproveRule', op, { emailDomain: 'coverage.example' });

      // ── sessions, MFA, passwords, profile (a user of their own)
      const u = await activeUser(sys);
      await hit('createSession', null, {}, { email: u.email, password: TEST_PASSWORD });
      const sessions = (await raw(u, 'GET', '/api/v1/me/sessions')).body.items as Array<{
        id: string;
        current: boolean;
      }>;
      const other = sessions.find((s) => !s.current)!;
      await hit('revokeSession', u, { sessionId: other.id });
      const signedOut = await signIn(sys, u.email);
      await hit('deleteSession', signedOut);
      const enrol = await hit('enrollTotp', u);
      const secret: string = enrol.secret;
      sys.clock.advance(30_000);
      await hit('confirmTotp', u, {}, { code: rfc6238(secret, sys.clock.nowMs()) });
      sys.clock.advance(30_000);
      await hit('regenerateRecoveryCodes', u, {}, { code: rfc6238(secret, sys.clock.nowMs()) });
      sys.clock.advance(30_000);
      await hit('disableTotp', u, {}, { password: TEST_PASSWORD, code: rfc6238(secret, sys.clock.nowMs()) });
      await hit('updateProfile', u, {}, { name: 'Coverage Renamed' });
      await hit('confirmProfile', u);
      await hit('requestPasswordReset', null, {}, { email: u.email });
      const newPassword = 'another-horse-battery-77';
      await hit(
        'resetPassword',
        null,
        {},
        { token: await tokenFromMail(sys, u.email, 'password_reset'), password: newPassword },
      );
      const u2 = await activeUser(sys);
      await hit('changePassword', u2, {}, { currentPassword: TEST_PASSWORD, newPassword });
      // The account approved above was told so in the portal too.
      const approved = await signIn(sys, e1);
      const notes = (await raw(approved, 'GET', '/api/v1/me/notifications')).body.items as Array<{
        id: string;
      }>;
      assert.ok(notes.length > 0, 'the approved account has a notification to mark read');
      await hit('markNotificationRead', approved, { notificationId: notes[0]!.id });

      // ── participants, organisations, members, representatives
      const participant = await hit(
        'createParticipant',
        op,
        {},
        { name: `Coverage Bank ${uniqueEmail('b')}` },
      );
      const reviewer = await activeUser(sys);
      await hit('addParticipantReviewer', op, { participantId: participant.id }, { user: reviewer.email });
      const ownerC = await activeUser(sys);
      const orgC = await hit(
        'createOrganization',
        ownerC,
        {},
        {
          name: 'Coverage Org C',
          registrationNumber: 'REG-C',
          participantId: participant.id,
          attestAuthority: true,
        },
      );
      await hit('confirmRepresentative', reviewer, { orgId: orgC.id, userId: ownerC.userId }, {});
      const ownerD = await activeUser(sys);
      const orgD = await testOrganization(sys, ownerD, { participantId: participant.id });
      await hit(
        'rejectRepresentative',
        reviewer,
        { orgId: orgD, userId: ownerD.userId },
        { reason: 'Not on our records' },
      );
      await hit('removeParticipantReviewer', op, { participantId: participant.id, userId: reviewer.userId });
      await hit('updateOrganization', ownerC, { orgId: orgC.id }, { name: 'Coverage Org C renamed' });
      await hit('confirmOrganizationDetails', ownerC, { orgId: orgC.id });
      await hit('requireOrganizationUpdate', op, { orgId: orgC.id });
      const m = await activeUser(sys);
      const inv = await hit(
        'inviteMember',
        ownerC,
        { orgId: orgC.id },
        { email: m.email, role: 'developer' },
      );
      await hit('revokeInvitation', ownerC, { orgId: orgC.id, invitationId: inv.id });
      await raw(ownerC, 'POST', `/api/v1/organizations/${orgC.id}/invitations`, {
        email: m.email,
        role: 'developer',
      });
      await hit('acceptInvitation', m, {}, { token: await tokenFromMail(sys, m.email, 'org_invitation') });
      await hit('changeMemberRole', ownerC, { orgId: orgC.id, userId: m.userId }, { role: 'admin' });
      const n = await activeUser(sys);
      await raw(ownerC, 'POST', `/api/v1/organizations/${orgC.id}/invitations`, {
        email: n.email,
        role: 'viewer',
      });
      await raw(n, 'POST', '/api/v1/invitations/accept', {
        token: await tokenFromMail(sys, n.email, 'org_invitation'),
      });
      await hit('removeMember', ownerC, { orgId: orgC.id, userId: n.userId });
      await hit('transferOwnership', ownerC, { orgId: orgC.id }, { userId: m.userId });

      // ── catalogue
      const openapi = {
        openapi: '3.1.0',
        info: { title: 'QR', version: '1.0.0' },
        paths: {
          '/qr/get': { post: { operationId: 'getQRCode', responses: { '200': { description: 'ok' } } } },
        },
      };
      await hit('createProduct', op, {}, { slug: 'covqr', name: 'Coverage QR', apis: [{ openapi }] });
      await hit(
        'addApiVersion',
        op,
        { slug: 'covqr' },
        { openapi: { ...openapi, info: { title: 'QR', version: '2.0.0' } } },
      );
      const plan = await hit(
        'createPlan',
        op,
        { slug: 'covqr' },
        { name: 'QR basic', rateLimits: [{ period: 'minute', limit: 60 }] },
      );
      await hit('publishProduct', op, { slug: 'covqr' });
      await hit('updatePlan', op, { planId: plan.id }, { description: 'sixty a minute' });
      await hit('deprecateProduct', op, { slug: 'covqr' }, { note: 'replaced' });
      await hit('retireProduct', op, { slug: 'covqr' }, { note: 'gone' });

      // ── terms
      await hit('updateTermsSettings', op, {}, { standardNoticeDays: 30 });
      const doc = await hit(
        'createTermsDocument',
        op,
        {},
        { kind: 'policy', slug: 'coverage-policy', title: 'Coverage policy' },
      );
      const draft = await hit(
        'createTermsDraft',
        op,
        { documentId: doc.id },
        { bodyMd: '# Policy', summary: 'First', changeClass: 'standard' },
      );
      await hit('updateTermsDraft', op, { versionId: draft.id }, { summary: 'First version' });
      await hit('publishTermsVersion', op, { versionId: draft.id }, {});
      const general = (
        (await raw(null, 'GET', '/api/v1/terms/documents')).body.items as Array<{ id: string; slug: string }>
      ).find((d) => d.slug === 'general-terms')!;
      const gDraft = (
        await raw(op, 'POST', `/api/v1/admin/terms/documents/${general.id}/drafts`, {
          bodyMd: '# v2',
          summary: 'v2',
          changeClass: 'standard',
        })
      ).body;
      await raw(op, 'POST', `/api/v1/admin/terms/drafts/${gDraft.id}/publish`, {});
      await hit('acceptTerms', ownerA, { versionId: gDraft.id }, { onBehalfOf: 'self' });
      await hit('declineTerms', w.ownerB, { versionId: gDraft.id }, { onBehalfOf: 'self' });
      await hit('requestTermination', w.ownerB, { orgId: w.orgB }, { reason: 'Closing the project' });
      await hit('withdrawTermination', w.ownerB, { orgId: w.orgB });
      await hit('terminateOrganization', op, { orgId: orgD }, { reason: 'Registration refused' });

      // ── apps, secrets, subscriptions, limits, production access (organisation A: confirmed)
      const app = await hit('createApp', ownerA, { orgId: w.orgA }, { name: 'Coverage app' });
      const appId: string = app.app.id;
      const ids = { orgId: w.orgA, appId };
      await hit('updateApp', ownerA, ids, { description: 'covers routes' });
      const secret2 = await hit('createClientSecret', ownerA, ids, {});
      await hit('revokeClientSecret', ownerA, { ...ids, credentialId: secret2.secret.id });
      await hit('resetClientSecret', ownerA, ids);
      const sub = await hit('subscribe', ownerA, ids, { planId: w.plans.ibftDefault });
      const lr = await hit('requestLimitIncrease', ownerA, ids, {
        subscriptionId: sub.id,
        limit: 'rate:hour',
        requestedValue: 1000,
        reason: 'Salary run on the first of the month',
      });
      await hit(
        'decideLimitRequest',
        op,
        { requestId: lr.id },
        { decision: 'approve_with_conditions', value: 500, terms: 'Only for salary runs', note: 'half' },
      );
      await hit('acceptLimitConditions', ownerA, { orgId: w.orgA, requestId: lr.id });
      const lr2 = (
        await raw(ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${appId}/limit-requests`, {
          subscriptionId: sub.id,
          limit: 'rate:hour',
          requestedValue: 2000,
          reason: 'Another salary run, larger',
        })
      ).body;
      await hit('cancelLimitRequest', ownerA, { orgId: w.orgA, requestId: lr2.id });
      const prod = await hit('requestProductionAccess', ownerA, ids, {
        productId: sub.productId,
        note: 'ready',
      });
      await hit('decideProductionAccess', op, { requestId: prod.id }, { approve: true });
      const prodSecret = await hit('createProductionSecret', ownerA, ids, {});
      await hit('revokeProductionSecret', ownerA, { ...ids, credentialId: prodSecret.secret.id });
      const app2 = await createApp(sys, ownerA, w.orgA, { name: 'Coverage app 2' });
      const pending2 = await hit(
        'subscribe',
        ownerA,
        { orgId: w.orgA, appId: app2.appId },
        { planId: w.plans.ibftPartner },
      );
      await hit('approveSubscription', op, { subscriptionId: pending2.id }, {});
      const app3 = await createApp(sys, ownerA, w.orgA, { name: 'Coverage app 3' });
      const pending3 = (
        await raw(ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${app3.appId}/subscriptions`, {
          planId: w.plans.ibftPartner,
        })
      ).body;
      await hit('declineSubscription', op, { subscriptionId: pending3.id }, { reason: 'Not a partner' });
      await hit('unsubscribe', ownerA, { ...ids, subscriptionId: sub.id });
      await hit('setAppStatus', op, { appId: app2.appId }, { status: 'suspended', reason: 'Coverage check' });
      await hit('deleteApp', ownerA, { orgId: w.orgA, appId: app3.appId });
      await hit('resetSandbox', ownerA, {}, { orgId: w.orgA });

      // ── enforcement: incidents, actions, the organisation's kill switch, policies
      const app4 = await createApp(sys, ownerA, w.orgA, { name: 'Coverage app 4' });
      const inc = await hit(
        'createIncident',
        op,
        {},
        { severity: 'high', subject: { kind: 'app', id: app4.appId }, title: 'Coverage incident' },
      );
      await hit('updateIncident', op, { incidentId: inc.id }, { status: 'acknowledged' });
      await hit(
        'replyToIncident',
        ownerA,
        { orgId: w.orgA, incidentId: inc.id },
        { body: 'Looking into it' },
      );
      await hit(
        'createEnforcementAction',
        op,
        {},
        { kind: 'warn', incidentId: inc.id, reasonCategory: 'excessive_load', reason: 'Coverage warning' },
      );
      const own = { orgId: w.orgA, appId: app4.appId };
      await hit('revokeAppTokens', ownerA, own);
      await hit('suspendOwnApp', ownerA, own, { reason: 'Coverage kill switch' });
      await hit('reinstateOwnApp', ownerA, own, { reason: 'Coverage fixed' });
      const pol = await hit(
        'createEnforcementPolicy',
        op,
        {},
        {
          name: 'Coverage policy',
          trigger: { kind: 'breach_confirmed', breachType: 'coverage' },
          action: 'warn',
          reasonCategory: 'other',
        },
      );
      await hit('updateEnforcementPolicy', op, { policyId: pol.id }, { enabled: true });
      await hit('updateDetector', op, { detectorId: 'floods' }, { thresholds: { badInputs: 50 } });
      await hit('updateUpstream', op, { productSlug: 'ibft' }, { baseUrl: 'http://127.0.0.1:3999' });
      await hit('updateConformanceSuite', op, { productSlug: '1qr' }, { cases: [] });
      await hit('dryRunEnforcementPolicy', op, { policyId: pol.id });

      // ── regulator: a request approved by a second operator; an information request answered
      const rr = await hit(
        'createRegulatorRequest',
        op,
        {},
        {
          authority: 'State Bank of Pakistan',
          reference: 'COV-1',
          legalBasis: 'Coverage legal basis',
          dueAt: '2026-12-31T00:00:00Z',
          scope: { orgIds: [w.orgA] },
          dateRange: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
          dataClasses: ['incidents'],
        },
      );
      await hit('approveRegulatorRequest', await operatorUser(sys), { requestId: rr.id });
      const ir = await hit(
        'createInformationRequest',
        op,
        {},
        { orgId: w.orgA, subject: 'Coverage question', body: 'How many users?' },
      );
      await hit(
        'answerInformationRequest',
        ownerA,
        { orgId: w.orgA, informationRequestId: ir.id },
        { answer: 'Ten.' },
      );

      // ── the verdict, all routes at once
      const problems: string[] = [];
      for (const c of STATE_CHANGING) {
        const want = EXPECTED[c.operationId];
        const got = observed.get(c.operationId);
        if (!want) continue; // reported by the first test
        if (!got) {
          problems.push(`${c.operationId}: not called by the scenario (add a step that calls it)`);
          continue;
        }
        const actions = got.events.map((e) => e.action).sort();
        if ('notAudited' in want) {
          if (actions.length > 0)
            problems.push(`${c.operationId}: not audited by design, but wrote [${actions.join(', ')}]`);
          continue;
        }
        const wanted = [want.action, ...(want.also ?? [])].sort();
        if (JSON.stringify(actions) !== JSON.stringify(wanted)) {
          problems.push(`${c.operationId}: wrote [${actions.join(', ')}], expected [${wanted.join(', ')}]`);
          continue;
        }
        const main = got.events.find((e) => e.action === want.action)!;
        if (main.targetType !== want.target) {
          problems.push(`${c.operationId}: target type ${main.targetType}, expected ${want.target}`);
        }
      }
      assert.deepEqual(problems, []);
    });

    test('security events outside the routes: failed sign-in, lockout, token issue and revocation, exports, deemed acceptance', async () => {
      const problems: string[] = [];
      const expectOne = (name: keyof typeof SECURITY_EVENTS, events: AuditEvent[], targetId?: string) => {
        const want = SECURITY_EVENTS[name];
        const got = events.filter((e) => e.action === want.action);
        if (got.length !== 1) {
          problems.push(
            `${name}: ${got.length} × ${want.action} in [${events.map((e) => e.action).join(', ')}]`,
          );
        } else if (got[0]!.targetType !== want.target || (targetId && got[0]!.targetId !== targetId)) {
          problems.push(`${name}: target ${got[0]!.targetType}/${got[0]!.targetId}`);
        }
      };
      // Failed sign-ins: one event each; the tenth in a row locks the account, recorded once.
      const victim = await activeUser(sys);
      const wrong = () =>
        raw(null, 'POST', '/api/v1/sessions', { email: victim.email, password: 'not-the-password-1' });
      const first = await eventsDuring(wrong);
      assert.equal(first.result.status, 401);
      expectOne('signInFailed', first.events, victim.userId);
      const rest = await eventsDuring(async () => {
        for (let i = 0; i < 9; i++) await wrong();
      });
      expectOne('lockout', rest.events, victim.userId);
      const afterLock = await eventsDuring(wrong);
      if (afterLock.events.some((e) => e.action === 'user.locked'))
        problems.push('lockout recorded again while locked');

      // A token issued, then revoked by its app: one event each, the token as target.
      const app = await createApp(sys, w.ownerA, w.orgA, { name: 'Token app', planId: w.plans.ibftDefault });
      const issued = await eventsDuring(() =>
        tokenCall(sys, {
          grant_type: 'client_credentials',
          client_id: app.clientId,
          client_secret: app.clientSecret,
          scope: '1LinkApi',
        }),
      );
      assert.equal(issued.result.status, 200, JSON.stringify(issued.result.body));
      expectOne('tokenIssued', issued.events);
      const revoked = await eventsDuring(() =>
        tokenCall(
          sys,
          { token: issued.result.body.access_token },
          { path: 'revoke', basic: [app.clientId, app.clientSecret] },
        ),
      );
      assert.equal(revoked.result.status, 200);
      expectOne(
        'tokenRevoked',
        revoked.events,
        issued.events.find((e) => e.action === 'oauth.token_issued')?.targetId ?? undefined,
      );
      const again = await eventsDuring(() =>
        tokenCall(
          sys,
          { token: issued.result.body.access_token },
          { path: 'revoke', basic: [app.clientId, app.clientSecret] },
        ),
      );
      if (again.events.length > 0) problems.push('revoking an already revoked token was recorded again');

      // Exports: each download is recorded once.
      const termsCsv = await eventsDuring(() =>
        raw(w.ownerA, 'GET', `/api/v1/terms/acceptances/export?orgId=${w.orgA}`),
      );
      assert.equal(termsCsv.result.status, 200, termsCsv.result.raw);
      expectOne('termsExport', termsCsv.events);
      const screening = await eventsDuring(() =>
        raw(w.operator, 'GET', '/api/v1/admin/identity/screening-list.csv'),
      );
      assert.equal(screening.result.status, 200);
      expectOne('screeningExport', screening.events);
      const auditCsv = await eventsDuring(() =>
        raw(w.operator, 'GET', `/api/v1/admin/audit/events.csv?orgId=${w.orgA}`),
      );
      assert.equal(auditCsv.result.status, 200);
      expectOne('auditExport', auditCsv.events);

      // Deemed acceptance: once the general terms' version 2 (published by the scenario above) is
      // in force, an organisation that has not answered it and uses the APIs accepts it by
      // continued use, recorded once; the next call records nothing. (The gateway asks the same
      // enforcer.)
      const late = await activeUser(sys);
      const lateOrg = await testOrganization(sys, late);
      sys.clock.advance(40 * 86_400_000);
      await sys.services.termsEnforcer.onApiCall(lateOrg, sys.clock.nowMs());
      const byUse = await eventsDuring(async () =>
        sys.services.termsEnforcer.onApiCall(lateOrg, sys.clock.nowMs()),
      );
      const deemed = await sys.services.audit.list({ orgId: lateOrg, action: 'terms.accept_by_use' });
      if (deemed.length !== 1 || deemed[0]!.targetType !== 'terms_version') {
        problems.push(`deemed acceptance: ${deemed.length} × terms.accept_by_use`);
      }
      if (byUse.events.length > 0) problems.push('a second API call recorded the deemed acceptance again');
      assert.deepEqual(problems, []);
    });
  });

/** The events no route names: each must be recorded exactly once per occurrence. */
const SECURITY_EVENTS = {
  signInFailed: { action: 'user.signin_failed', target: 'user' },
  lockout: { action: 'user.locked', target: 'user' },
  tokenIssued: { action: 'oauth.token_issued', target: 'token' },
  tokenRevoked: { action: 'oauth.token_revoked', target: 'token' },
  termsExport: { action: 'terms.acceptances_export', target: 'organization' },
  screeningExport: { action: 'identity.screening_list_exported', target: null },
  auditExport: { action: 'audit.events_exported', target: null },
} as const;

function safeJson(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
