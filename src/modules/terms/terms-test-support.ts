import { randomBytes } from 'node:crypto';
import type { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { AppError } from '../../platform/errors.ts';
import { EventBus } from '../../platform/events.ts';
import type { Principal } from '../../platform/http/route.ts';
import { createLogger } from '../../platform/logger.ts';
import { createKeyring } from '../../platform/master-key.ts';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import type { TestEngine } from '../../platform/testing.ts';
import { type AuditLog, type AuditTables, auditModule } from '../audit/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import {
  type MailOutbox,
  type Notices,
  type NotificationsTables,
  notificationsModule,
} from '../notifications/index.ts';
import type { OrgAccess, OrgRole, OrgSummary } from '../organizations/index.ts';
import { type TermsPorts, type TermsTables, termsModule } from './index.ts';
import { termsTick } from './worker.ts';

/** Test doubles for the identity layer the terms module talks to through ports. */
const rank: Record<OrgRole, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

class FakeOrgAccess implements OrgAccess {
  readonly orgs = new Map<string, { summary: OrgSummary; members: Map<string, OrgRole> }>();

  addOrg(id: string, members: Record<string, OrgRole>): void {
    this.orgs.set(id, {
      summary: { id, name: id, status: 'active', representativeConfirmed: true },
      members: new Map(Object.entries(members)),
    });
  }

  async requireMember(
    principal: Principal,
    orgId: string,
    minRole: OrgRole = 'viewer',
    opts: { allowOperator?: boolean } = {},
  ): Promise<OrgRole | 'operator'> {
    if (principal.isOperator && opts.allowOperator && this.orgs.has(orgId)) return 'operator';
    const role = this.orgs.get(orgId)?.members.get(principal.userId);
    if (!role) throw new AppError('not_found');
    if (rank[role] < rank[minRole]) throw new AppError('forbidden');
    return role;
  }
  async getOrganization(orgId: string): Promise<OrgSummary | null> {
    return this.orgs.get(orgId)?.summary ?? null;
  }
  async memberUserIds(orgId: string, minRole: OrgRole = 'viewer'): Promise<string[]> {
    const o = this.orgs.get(orgId);
    if (!o) return [];
    return [...o.members].filter(([, r]) => rank[r] >= rank[minRole]).map(([u]) => u);
  }
  async orgIdsOfUser(userId: string): Promise<string[]> {
    return [...this.orgs].filter(([, o]) => o.members.has(userId)).map(([id]) => id);
  }
}

class FakeUsers implements UserDirectory {
  readonly ids = new Set<string>();
  async getUser(userId: string) {
    return this.ids.has(userId)
      ? { id: userId, email: `${userId}@example.test`, name: userId, status: 'active' }
      : null;
  }
  async listActiveUserIds(): Promise<string[]> {
    return [...this.ids];
  }
}

export function principal(userId: string, isOperator = false): Principal {
  return {
    userId,
    sessionId: 'ses_x',
    email: `${userId}@example.test`,
    name: userId,
    isOperator,
    status: 'active',
  };
}

export type TermsFixture = {
  terms: TermsPorts['terms'];
  terminations: TermsPorts['terminations'];
  enforcer: TermsPorts['termsEnforcer'];
  /** One worker pass (worker.ts), driven with the fake clock. */
  tick(now?: Date): ReturnType<typeof termsTick>;
  /** The bus the terms module emits on (a test subscribes more handlers to it). */
  events: EventBus;
  audit: AuditLog;
  notifications: Notices;
  mailer: MailOutbox;
  orgs: FakeOrgAccess;
  users: FakeUsers;
  /** Organisations whose `terms.organization_terminated` reached the first subscriber. */
  terminated: string[];
  cleanup(): Promise<void>;
};

/** The terms module on a fresh database of `engine`, with fake identity ports. */
export async function termsFixture(engine: TestEngine, clock: FakeClock): Promise<TermsFixture> {
  const database = await engine.open<TermsTables & AuditTables & NotificationsTables>();
  const db = database.db;
  await migrateToLatest(db, [auditModule.migrations, notificationsModule.migrations, termsModule.migrations]);
  const log = createLogger('silent');
  const audit = (await auditModule.create({ db: db, clock: clock })).ports.audit;
  const { mailer, notifications } = (
    await notificationsModule.create({
      db,
      clock,
      keyring: createKeyring(randomBytes(32)),
      log,
      from: 'test@darwaza.local',
      devMailbox: 'off',
    })
  ).ports;
  const orgs = new FakeOrgAccess();
  const users = new FakeUsers();
  const terminated: string[] = [];
  const events = new EventBus();
  events.subscribe('test', {
    'terms.organization_terminated': async ({ orgId }) => void terminated.push(orgId),
  });
  const sharedState = new MemorySharedState();
  const mod = await termsModule.create({
    db,
    clock,
    audit,
    notifications,
    mailer,
    orgAccess: orgs,
    users,
    events,
    sharedState,
    log,
  });
  const { terms, terminations, termsEnforcer } = mod.ports;
  return {
    terms,
    terminations,
    enforcer: termsEnforcer,
    tick: (now) => termsTick({ terms, terminations, clock }, now),
    events,
    audit,
    notifications,
    mailer,
    orgs,
    users,
    terminated,
    async cleanup() {
      await mod.close?.();
      await sharedState.close();
      await database.cleanup();
    },
  };
}
