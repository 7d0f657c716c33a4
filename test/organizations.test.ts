import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../src/platform/ids.ts';
import { actorOf, systemContext } from '../src/platform/request-context.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import {
  activeUser,
  addMember,
  operatorUser,
  type SignedIn,
  testOrganization,
  testParticipant,
  tokenFromMail,
} from './identity-helpers.ts';

/**
 * Organisations, memberships, invitations and participant reviews over HTTP, including the
 * cross-organisation probe: a member of one organisation tries every organisation-scoped route of
 * another and must get no 2xx and no foreign data.
 */
for (const engine of engines()) {
  describe(`organisations over HTTP (${engine.name})`, () => {
    let sys: TestSystem;
    let op: SignedIn;
    let participantId: string;
    before(async () => {
      sys = await startTestSystem({ engine });
      op = await operatorUser(sys);
      participantId = await testParticipant(sys, 'Probe Bank');
    });
    after(async () => {
      await sys.cleanup();
    });

    /** The operator's headers, signing in again when a test moved the clock past the session. */
    const opH = async () => {
      if (!(await sys.services.identity.authenticateToken(op.token))) op = await operatorUser(sys);
      return op.headers;
    };
    const inject = (method: string, url: string, headers?: Record<string, string>, payload?: unknown) =>
      sys.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });

    test('create an organisation: authority attested, participant from the list, owner is its representative', async () => {
      const dev = await activeUser(sys);
      const parts = await inject('GET', '/api/v1/participants', dev.headers);
      assert.equal(parts.statusCode, 200);
      assert.ok(parts.json().items.some((p: { id: string }) => p.id === participantId));
      const body = {
        name: 'Karachi Payments Ltd',
        registrationNumber: '0012345',
        participantId,
        attestAuthority: true,
      };
      const noAttest = await inject('POST', '/api/v1/organizations', dev.headers, {
        ...body,
        attestAuthority: false,
      });
      assert.equal(noAttest.statusCode, 422);
      assert.equal(noAttest.json().error.code, 'authority_not_attested');
      const badPart = await inject('POST', '/api/v1/organizations', dev.headers, {
        ...body,
        participantId: newId('par'),
      });
      assert.equal(badPart.json().error.code, 'unknown_participant');
      const res = await inject('POST', '/api/v1/organizations', dev.headers, body);
      assert.equal(res.statusCode, 201, res.body);
      const org = res.json();
      assert.equal(org.myRole, 'owner');
      assert.equal(org.registrationNumber, '0012345');
      assert.equal(org.participant.name, 'Probe Bank');
      assert.equal(org.representativeConfirmed, false);
      assert.equal(org.representative.status, 'pending');
      assert.match(org.authorityStatement, /authorised/);
      const ev = await sys.services.audit.list({ action: 'org.created', orgId: org.id });
      assert.equal(ev[0].details.authorityAttested, true);
      const summary = await sys.services.orgAccess.getOrganization(org.id);
      assert.deepEqual(summary, {
        id: org.id,
        name: 'Karachi Payments Ltd',
        status: 'active',
        representativeConfirmed: false,
      });
    });

    test('invitations by e-mail: accept once, only by the invited address; a person can be in several organisations', async () => {
      const owner = await activeUser(sys);
      const orgA = await testOrganization(sys, owner, { participantId });
      const orgB = await testOrganization(sys, owner, { participantId });
      const invitee = await activeUser(sys);
      const stranger = await activeUser(sys);
      const inv = await inject('POST', `/api/v1/organizations/${orgA}/invitations`, owner.headers, {
        email: invitee.email,
        role: 'developer',
      });
      assert.equal(inv.statusCode, 201, inv.body);
      const token = await tokenFromMail(sys, invitee.email, 'org_invitation');
      const wrong = await inject('POST', '/api/v1/invitations/accept', stranger.headers, { token });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().error.code, 'invitation_email_mismatch');
      const ok = await inject('POST', '/api/v1/invitations/accept', invitee.headers, { token });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().myRole, 'developer');
      const reuse = await inject('POST', '/api/v1/invitations/accept', invitee.headers, { token });
      assert.equal(reuse.json().error.code, 'invalid_token');
      await addMember(sys, owner, orgB, invitee, 'viewer');
      const mine = await inject('GET', '/api/v1/organizations', invitee.headers);
      assert.deepEqual(
        mine
          .json()
          .items.map((o: { id: string; myRole: string }) => [o.id, o.myRole])
          .sort(),
        [
          [orgA, 'developer'],
          [orgB, 'viewer'],
        ].sort(),
      );
      assert.deepEqual(
        (await sys.services.orgAccess.orgIdsOfUser(invitee.userId)).sort(),
        [orgA, orgB].sort(),
      );
      const list = await inject('GET', `/api/v1/organizations/${orgA}/invitations`, owner.headers);
      assert.equal(list.json().items[0].status, 'accepted');
      const again = await inject('POST', `/api/v1/organizations/${orgA}/invitations`, owner.headers, {
        email: invitee.email,
        role: 'viewer',
      });
      assert.equal(again.json().error.code, 'already_member');
      // Expired invitations cannot be used.
      const late = await activeUser(sys);
      await inject('POST', `/api/v1/organizations/${orgA}/invitations`, owner.headers, {
        email: late.email,
        role: 'viewer',
      });
      const lateToken = await tokenFromMail(sys, late.email, 'org_invitation');
      sys.clock.advance(8 * 24 * 3600_000);
      const lateUser = await activeUser(sys, { email: `x${late.email}` }).catch(() => null);
      assert.ok(lateUser);
      const fresh = await (await import('./identity-helpers.ts')).signIn(sys, late.email);
      const expired = await inject('POST', '/api/v1/invitations/accept', fresh.headers, { token: lateToken });
      assert.equal(expired.json().error.code, 'invalid_token');
    });

    test('roles: who may invite, change roles, remove; owner stays until ownership is transferred', async () => {
      const owner = await activeUser(sys);
      const orgId = await testOrganization(sys, owner, { participantId });
      const admin = await activeUser(sys);
      const dev = await activeUser(sys);
      const viewer = await activeUser(sys);
      await addMember(sys, owner, orgId, admin, 'admin');
      await addMember(sys, owner, orgId, dev, 'developer');
      await addMember(sys, owner, orgId, viewer, 'viewer');

      const devInvite = await inject('POST', `/api/v1/organizations/${orgId}/invitations`, dev.headers, {
        email: 'x@example.test',
        role: 'viewer',
      });
      assert.equal(devInvite.statusCode, 403);
      assert.equal(devInvite.json().error.code, 'forbidden');
      assert.equal(
        (await inject('GET', `/api/v1/organizations/${orgId}/members`, viewer.headers)).statusCode,
        200,
      );
      assert.equal(
        (await inject('GET', `/api/v1/organizations/${orgId}/invitations`, viewer.headers)).statusCode,
        403,
      );
      assert.equal(
        (
          await inject('PATCH', `/api/v1/organizations/${orgId}`, dev.headers, {
            website: 'https://x.example',
          })
        ).statusCode,
        403,
      );

      const promote = await inject(
        'PATCH',
        `/api/v1/organizations/${orgId}/members/${dev.userId}`,
        admin.headers,
        { role: 'viewer' },
      );
      assert.equal(promote.statusCode, 200, promote.body);
      assert.equal(promote.json().role, 'viewer');
      const adminOnOwner = await inject(
        'PATCH',
        `/api/v1/organizations/${orgId}/members/${owner.userId}`,
        admin.headers,
        { role: 'viewer' },
      );
      assert.equal(adminOnOwner.json().error.code, 'owner_cannot_leave');
      const makeOwner = await inject(
        'PATCH',
        `/api/v1/organizations/${orgId}/members/${dev.userId}`,
        owner.headers,
        { role: 'owner' },
      );
      assert.equal(makeOwner.statusCode, 400, 'owner is not an assignable role');
      const removeOwner = await inject(
        'DELETE',
        `/api/v1/organizations/${orgId}/members/${owner.userId}`,
        owner.headers,
      );
      assert.equal(removeOwner.json().error.code, 'owner_cannot_leave');

      const removed = await inject(
        'DELETE',
        `/api/v1/organizations/${orgId}/members/${dev.userId}`,
        admin.headers,
      );
      assert.equal(removed.statusCode, 204);
      assert.equal((await inject('GET', `/api/v1/organizations/${orgId}`, dev.headers)).statusCode, 404);
      const leave = await inject(
        'DELETE',
        `/api/v1/organizations/${orgId}/members/${viewer.userId}`,
        viewer.headers,
      );
      assert.equal(leave.statusCode, 204);

      const notOwner = await inject(
        'POST',
        `/api/v1/organizations/${orgId}/ownership-transfer`,
        admin.headers,
        { userId: admin.userId },
      );
      assert.equal(notOwner.statusCode, 403);
      const transfer = await inject(
        'POST',
        `/api/v1/organizations/${orgId}/ownership-transfer`,
        owner.headers,
        { userId: admin.userId },
      );
      assert.equal(transfer.statusCode, 200, transfer.body);
      assert.equal(transfer.json().myRole, 'admin');
      assert.equal(transfer.json().representative.userId, admin.userId);
      assert.equal(transfer.json().representative.status, 'pending');
      const members = (await inject('GET', `/api/v1/organizations/${orgId}/members`, admin.headers)).json()
        .items;
      assert.equal(members.find((m: { userId: string }) => m.userId === admin.userId).role, 'owner');
      assert.deepEqual(await sys.services.orgAccess.memberUserIds(orgId, 'owner'), [admin.userId]);
      const actions = new Set((await sys.services.audit.list({ orgId })).map((e) => e.action));
      for (const a of [
        'org.member_joined',
        'org.member_role_changed',
        'org.member_removed',
        'org.member_left',
        'org.ownership_transferred',
      ]) {
        assert.ok(actions.has(a), a);
      }
    });

    test('cross-organisation probe: a member of B gets no 2xx and no data from any organisation-scoped route of A', async () => {
      const ownerA = await activeUser(sys, { name: 'Owner Of A' });
      const orgA = await testOrganization(sys, ownerA, { participantId, name: 'Secret Org A' });
      const memberA = await activeUser(sys);
      await addMember(sys, ownerA, orgA, memberA, 'developer');
      const inv = await sys.services.organizations.inviteMember(
        ownerA.principal,
        orgA,
        { email: 'pending-a@example.test', role: 'viewer' },
        { ...systemContext(), actor: actorOf(ownerA.principal) },
      );
      const ownerB = await activeUser(sys);
      await testOrganization(sys, ownerB, { participantId });

      const ids: Record<string, string> = { orgId: orgA, userId: memberA.userId, invitationId: inv.id };
      const doc = (await inject('GET', '/api/v1/openapi.json')).json();
      const bodies: Record<string, unknown> = {
        updateOrganization: { website: 'https://evil.example' },
        changeMemberRole: { role: 'viewer' },
        transferOwnership: { userId: ownerB.userId },
        inviteMember: { email: ownerB.email, role: 'admin' },
        rejectRepresentative: { reason: 'probe' },
      };
      let probed = 0;
      for (const [path, item] of Object.entries(doc.paths) as Array<
        [string, Record<string, { operationId: string }>]
      >) {
        if (!path.includes('{orgId}')) continue;
        for (const [method, op] of Object.entries(item)) {
          const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
            if (ids[name]) return ids[name];
            const prefix = name.replace(/Id$/, '').slice(0, 3);
            return newId(prefix as 'app');
          });
          const res = await inject(
            method.toUpperCase(),
            url,
            ownerB.headers,
            bodies[op.operationId] ?? (method === 'get' || method === 'delete' ? undefined : {}),
          );
          probed++;
          assert.ok(
            res.statusCode < 200 || res.statusCode >= 300,
            `${method} ${url} (${op.operationId}) answered ${res.statusCode}`,
          );
          assert.ok(!res.body.includes('Secret Org A'), `${op.operationId} leaked the name`);
          assert.ok(!res.body.includes(memberA.email), `${op.operationId} leaked a member`);
        }
      }
      assert.ok(probed >= 12, `probed ${probed} routes`);
      // The identity-owned ones answer exactly 404 (existence is not revealed).
      for (const [method, url, body] of [
        ['GET', `/api/v1/organizations/${orgA}`],
        ['PATCH', `/api/v1/organizations/${orgA}`, { website: 'https://evil.example' }],
        ['POST', `/api/v1/organizations/${orgA}/confirm-details`],
        ['GET', `/api/v1/organizations/${orgA}/members`],
        ['PATCH', `/api/v1/organizations/${orgA}/members/${memberA.userId}`, { role: 'viewer' }],
        ['DELETE', `/api/v1/organizations/${orgA}/members/${memberA.userId}`],
        ['POST', `/api/v1/organizations/${orgA}/ownership-transfer`, { userId: ownerB.userId }],
        ['POST', `/api/v1/organizations/${orgA}/invitations`, { email: ownerB.email, role: 'admin' }],
        ['GET', `/api/v1/organizations/${orgA}/invitations`],
        ['DELETE', `/api/v1/organizations/${orgA}/invitations/${inv.id}`],
        ['POST', `/api/v1/review/organizations/${orgA}/representatives/${ownerA.userId}/confirm`, {}],
        [
          'POST',
          `/api/v1/review/organizations/${orgA}/representatives/${ownerA.userId}/reject`,
          { reason: 'probe' },
        ],
      ] as Array<[string, string, unknown?]>) {
        const res = await inject(method, url, ownerB.headers, body);
        assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
      }
      const listed = await inject('GET', '/api/v1/organizations', ownerB.headers);
      assert.ok(!listed.body.includes(orgA));
      const review = await inject('GET', '/api/v1/review/organizations', ownerB.headers);
      assert.deepEqual(review.json().items, []);
      // Nothing changed in A.
      const members = await sys.services.organizations.listMembers(ownerA.principal, orgA);
      assert.equal(members.length, 2);
      assert.equal((await sys.services.orgAccess.getOrganization(orgA))?.name, 'Secret Org A');
    });

    test('developers get 403 on operator routes of organisations and participants', async () => {
      const dev = await activeUser(sys);
      const orgId = await testOrganization(sys, dev, { participantId });
      for (const [method, url, body] of [
        ['POST', '/api/v1/admin/participants', { name: 'Rogue Bank' }],
        ['GET', `/api/v1/admin/participants/${participantId}/reviewers`],
        ['POST', `/api/v1/admin/participants/${participantId}/reviewers`, { user: dev.email }],
        ['DELETE', `/api/v1/admin/participants/${participantId}/reviewers/${dev.userId}`],
        ['GET', '/api/v1/admin/organizations'],
        ['POST', `/api/v1/admin/organizations/${orgId}/require-update`],
      ] as Array<[string, string, unknown?]>) {
        const res = await inject(method, url, dev.headers, body);
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
      }
      const all = await inject('GET', '/api/v1/admin/organizations', await opH());
      assert.equal(all.statusCode, 200);
      assert.ok(all.json().items.some((o: { id: string }) => o.id === orgId));
    });

    test('participant reviewers see only their participant’s organisations and confirm or reject representatives', async () => {
      const p1 = await inject('POST', '/api/v1/admin/participants', await opH(), {
        name: 'Reviewer Bank One',
        code: 'RB1',
      });
      assert.equal(p1.statusCode, 201, p1.body);
      const p2 = await testParticipant(sys, 'Reviewer Bank Two');
      const dup = await inject('POST', '/api/v1/admin/participants', await opH(), {
        name: 'Reviewer Bank One',
      });
      assert.equal(dup.json().error.code, 'already_exists');
      const reviewer = await activeUser(sys);
      const appoint = await inject(
        'POST',
        `/api/v1/admin/participants/${p1.json().id}/reviewers`,
        await opH(),
        { user: reviewer.email },
      );
      assert.equal(appoint.statusCode, 201, appoint.body);

      const owner1 = await activeUser(sys);
      const org1 = await testOrganization(sys, owner1, {
        participantId: p1.json().id,
        name: 'Names Bank One',
      });
      const owner2 = await activeUser(sys);
      const org2 = await testOrganization(sys, owner2, { participantId: p2, name: 'Names Bank Two' });
      assert.ok(
        (await sys.services.mailer.list({ to: reviewer.email })).some(
          (m) => m.kind === 'representative_review',
        ),
      );

      const mine = await inject('GET', '/api/v1/review/participants', reviewer.headers);
      assert.deepEqual(
        mine.json().items.map((p: { name: string }) => p.name),
        ['Reviewer Bank One'],
      );
      const seen = await inject('GET', '/api/v1/review/organizations', reviewer.headers);
      assert.equal(seen.statusCode, 200);
      assert.deepEqual(
        seen.json().items.map((o: { id: string }) => o.id),
        [org1],
      );
      assert.equal(seen.json().items[0].representatives[0].userId, owner1.userId);

      // A reviewer who also owns an organisation under their participant cannot confirm themselves.
      const selfOrg = await testOrganization(sys, reviewer, {
        participantId: p1.json().id,
        name: 'Reviewer Own Co',
      });
      const self = await inject(
        'POST',
        `/api/v1/review/organizations/${selfOrg}/representatives/${reviewer.userId}/confirm`,
        reviewer.headers,
        {},
      );
      assert.equal(self.statusCode, 403);
      const foreign = await inject(
        'POST',
        `/api/v1/review/organizations/${org2}/representatives/${owner2.userId}/confirm`,
        reviewer.headers,
        {},
      );
      assert.equal(foreign.statusCode, 404);
      const past = await inject(
        'POST',
        `/api/v1/review/organizations/${org1}/representatives/${owner1.userId}/confirm`,
        reviewer.headers,
        {
          validUntil: '2020-01-01T00:00:00Z',
        },
      );
      assert.equal(past.statusCode, 400);
      const validUntil = new Date(sys.clock.nowMs() + 90 * 24 * 3600_000).toISOString();
      const conf = await inject(
        'POST',
        `/api/v1/review/organizations/${org1}/representatives/${owner1.userId}/confirm`,
        reviewer.headers,
        { validUntil },
      );
      assert.equal(conf.statusCode, 200, conf.body);
      assert.equal(conf.json().status, 'confirmed');
      assert.equal(conf.json().expiresAt, validUntil);
      assert.equal((await sys.services.orgAccess.getOrganization(org1))?.representativeConfirmed, true);
      const ownerView = await inject('GET', `/api/v1/organizations/${org1}`, owner1.headers);
      assert.equal(ownerView.json().representativeConfirmed, true);

      // The confirmation lapses at its expiry.
      sys.clock.advance(91 * 24 * 3600_000);
      assert.equal((await sys.services.orgAccess.getOrganization(org1))?.representativeConfirmed, false);

      // The operator (not a reviewer of p2) may decide as well; a rejection carries its reason.
      const opHeaders = (await operatorUser(sys)).headers;
      const rej = await inject(
        'POST',
        `/api/v1/review/organizations/${org2}/representatives/${owner2.userId}/reject`,
        opHeaders,
        {
          reason: 'Not on our list of authorised signatories',
        },
      );
      assert.equal(rej.statusCode, 200, rej.body);
      assert.equal(rej.json().status, 'rejected');
      assert.equal(rej.json().reason, 'Not on our list of authorised signatories');
      const ev = await sys.services.audit.list({ action: 'org.representative_rejected', orgId: org2 });
      assert.equal(ev.length, 1);
      assert.ok(ev[0].ip);
    });

    test('organisation details need re-confirming; the operator can require an update now', async () => {
      const owner = await activeUser(sys);
      const orgId = await testOrganization(sys, owner, { participantId });
      await sys.services.orgAccess.requireCurrentDetails!(owner.principal, orgId);
      const opHeaders = (await operatorUser(sys)).headers;
      const req = await inject('POST', `/api/v1/admin/organizations/${orgId}/require-update`, opHeaders);
      assert.equal(req.statusCode, 204);
      const fresh = await (await import('./identity-helpers.ts')).signIn(sys, owner.email);
      const view = await inject('GET', `/api/v1/organizations/${orgId}`, fresh.headers);
      assert.equal(view.json().detailsConfirmationDue, true);
      await assert.rejects(sys.services.orgAccess.requireCurrentDetails!(fresh.principal, orgId), /confirm/);
      const conf = await inject('POST', `/api/v1/organizations/${orgId}/confirm-details`, fresh.headers);
      assert.equal(conf.statusCode, 200, conf.body);
      assert.equal(conf.json().detailsConfirmationDue, false);
      await sys.services.orgAccess.requireCurrentDetails!(fresh.principal, orgId);
    });

    test('a terminated organisation is read-only and its members are signed out', async () => {
      const owner = await activeUser(sys);
      const orgId = await testOrganization(sys, owner, { participantId });
      await sys.services.organizations.onOrganizationTerminated(orgId, 'test');
      await sys.services.organizations.onOrganizationTerminated(orgId, 'test');
      assert.equal((await inject('GET', '/api/v1/me', owner.headers)).statusCode, 401);
      const again = await (await import('./identity-helpers.ts')).signIn(sys, owner.email);
      assert.equal(
        (await inject('GET', `/api/v1/organizations/${orgId}`, again.headers)).json().status,
        'terminated',
      );
      const edit = await inject('PATCH', `/api/v1/organizations/${orgId}`, again.headers, {
        website: 'https://x.example',
      });
      assert.equal(edit.statusCode, 403);
      // The completion is the terms module's event (once, with the termination): marking the
      // organisation writes none of its own, so a termination is never counted twice.
      assert.equal((await sys.services.audit.list({ action: 'org.terminated', orgId })).length, 0);
    });
  });
}
