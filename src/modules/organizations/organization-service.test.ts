import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import type { AppError } from '../../platform/errors.ts';
import { EventBus } from '../../platform/events.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import { createLogger } from '../../platform/logger.ts';
import { createKeyring } from '../../platform/master-key.ts';
import { actorOf, type RequestContext, systemContext } from '../../platform/request-context.ts';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import { testEngines } from '../../platform/testing.ts';
import { auditModule } from '../audit/index.ts';
import { type IdentityService, identityModule } from '../identity/index.ts';
import { notificationsModule } from '../notifications/index.ts';
import { migrations } from './migrations.ts';
import { OrganizationService } from './organization-service.ts';

/** OrgAccess as other modules rely on it, on each engine. */
for (const engine of testEngines()) {
  describe(`OrganizationService as OrgAccess (${engine.name})`, () => {
    let database: Database & { cleanup(): Promise<void> };
    let orgs: OrganizationService;
    let identity: IdentityService;
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
    const people: Record<string, Principal> = {};
    let orgId = '';

    const person = async (key: string, operator = false): Promise<Principal> => {
      const r = await identity.provisionUser({
        email: `${key}@example.test`,
        name: key,
        password: 'a sensible passphrase',
        operator,
      });
      return {
        userId: r.user.id,
        sessionId: 'ses_x',
        email: r.user.email,
        name: key,
        isOperator: operator,
        status: 'active',
      };
    };
    /** The person acting for themselves, outside any HTTP request. */
    const contextFor = (p: Principal): RequestContext => ({ ...systemContext(), actor: actorOf(p) });
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: AppError) => e.code,
      );

    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [
        auditModule.migrations,
        notificationsModule.migrations,
        identityModule.migrations,
        migrations,
      ]);
      const audit = (await auditModule.create({ db: database.db, clock: clock })).ports.audit;
      const keyring = createKeyring(randomBytes(32));
      const { mailer, notifications } = (
        await notificationsModule.create({
          db: database.db,
          clock,
          keyring,
          from: 'x@y',
          log: createLogger('silent'),
          devMailbox: 'off',
        })
      ).ports;
      identity = (
        await identityModule.create({
          db: database.db,
          clock,
          keyring,
          audit,
          mailer,
          notifications,
          sharedState: new MemorySharedState(),
          publicUrl: 'http://localhost',
          events: new EventBus(),
          termsVersions: { generalVersionInForce: async () => null },
        })
      ).ports.identity;
      orgs = new OrganizationService({
        db: database.db,
        clock,
        keyring,
        audit,
        mailer,
        identity,
        publicUrl: 'http://localhost',
      });
      for (const k of ['owner', 'admin', 'dev', 'viewer', 'outsider']) people[k] = await person(k);
      people.op = await person('op', true);
      const p = await orgs.createParticipant({ name: 'Bank' }, systemContext());
      orgId = (
        await orgs.createOrganization(
          people.owner,
          { name: 'Acme', registrationNumber: 'R1', participantId: p.id, attestAuthority: true },
          contextFor(people.owner),
        )
      ).id;
      await orgs.addMemberAsSystem(orgId, people.admin.userId, 'admin');
      await orgs.addMemberAsSystem(orgId, people.dev.userId, 'developer');
      await orgs.addMemberAsSystem(orgId, people.viewer.userId, 'viewer');
    });
    after(async () => {
      await database.cleanup();
    });

    test('requireMember: role returned; below minRole → forbidden; non-member or unknown org → not_found', async () => {
      assert.equal(await orgs.requireMember(people.owner, orgId), 'owner');
      assert.equal(await orgs.requireMember(people.dev, orgId, 'developer'), 'developer');
      assert.equal(await code(orgs.requireMember(people.viewer, orgId, 'developer')), 'forbidden');
      assert.equal(await code(orgs.requireMember(people.admin, orgId, 'owner')), 'forbidden');
      assert.equal(await code(orgs.requireMember(people.outsider, orgId)), 'not_found');
      assert.equal(await code(orgs.requireMember(people.owner, newId('org'))), 'not_found');
    });

    test('operators pass only with allowOperator, and only for existing organisations', async () => {
      assert.equal(await code(orgs.requireMember(people.op, orgId)), 'not_found');
      assert.equal(await orgs.requireMember(people.op, orgId, 'owner', { allowOperator: true }), 'operator');
      assert.equal(
        await code(orgs.requireMember(people.op, newId('org'), 'viewer', { allowOperator: true })),
        'not_found',
      );
    });

    test('memberUserIds by minimum role, orgIdsOfUser, getOrganization', async () => {
      assert.equal((await orgs.memberUserIds(orgId)).length, 4);
      assert.deepEqual(
        (await orgs.memberUserIds(orgId, 'admin')).sort(),
        [people.owner.userId, people.admin.userId].sort(),
      );
      assert.deepEqual(await orgs.orgIdsOfUser(people.dev.userId), [orgId]);
      assert.deepEqual(await orgs.orgIdsOfUser(people.outsider.userId), []);
      assert.equal(await orgs.getOrganization(newId('org')), null);
      const s = await orgs.getOrganization(orgId);
      assert.equal(s?.representativeConfirmed, false);
      await orgs.confirmRepresentativeAsSystem(orgId, people.owner.userId);
      assert.equal((await orgs.getOrganization(orgId))?.representativeConfirmed, true);
    });

    test('requireCurrentDetails follows the re-confirmation period', async () => {
      assert.equal(await code(orgs.requireCurrentDetails(people.dev, orgId)), 'ok');
      clock.advance(366 * 24 * 3600_000);
      assert.equal(
        await code(orgs.requireCurrentDetails(people.dev, orgId)),
        'details_confirmation_required',
      );
      await identity.confirmProfile(people.dev, contextFor(people.dev));
      assert.equal(
        await code(orgs.requireCurrentDetails(people.dev, orgId)),
        'details_confirmation_required',
      );
      await orgs.confirmOrganizationDetails(people.admin, orgId, contextFor(people.admin));
      assert.equal(await code(orgs.requireCurrentDetails(people.dev, orgId)), 'ok');
    });
  });
}
