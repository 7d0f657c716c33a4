import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import type { OrgAccessChecks } from './org-access.ts';
import type { MemberView, OrgView } from './org-views.ts';
import type { Organizations } from './organizations.ts';
import type { OrgRole } from './ports.ts';
import { nowIso, type OrgServiceDeps, ROLE_RANK } from './service-deps.ts';

/**
 * Memberships: who is in an organisation with which role, role changes, leaving and removal, and
 * the hand-over of ownership. Nobody acts on someone of equal or higher rank; only the owner hands
 * over ownership, and the owner can neither leave nor be removed.
 */
export class Members {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  readonly #orgs: Organizations;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks, orgs: Organizations) {
    this.#d = deps;
    this.#access = access;
    this.#orgs = orgs;
  }

  async listMembers(principal: Principal, orgId: string): Promise<MemberView[]> {
    await this.#access.requireMember(principal, orgId, 'viewer', { allowOperator: true });
    const rows = await this.#d.store.listMembers(orgId);
    const out: MemberView[] = [];
    for (const r of rows) {
      const u = await this.#d.identity.getUser(r.user_id);
      out.push({
        userId: r.user_id,
        name: u?.name ?? '',
        email: u?.email ?? '',
        role: r.role as OrgRole,
        joinedAt: r.created_at,
      });
    }
    return out;
  }

  /**
   * An admin or owner changes a member's role. Nobody changes someone of equal or higher rank, nor
   * grants a role above their own; ownership moves only by transfer.
   */
  async changeMemberRole(
    principal: Principal,
    orgId: string,
    userId: string,
    role: OrgRole,
    ctx: RequestContext,
  ) {
    const { store, audit } = this.#d;
    const mine = (await this.#access.requireMember(principal, orgId, 'admin')) as OrgRole;
    if (role === 'owner')
      throw new AppError('forbidden', { message: 'Use the ownership transfer to make someone the owner.' });
    await store.transaction(async (tx) => {
      const current = await this.#access.memberRole(orgId, userId, tx);
      if (!current) throw new AppError('not_found');
      if (current === 'owner') throw new AppError('owner_cannot_leave');
      if (userId !== principal.userId && ROLE_RANK[current] >= ROLE_RANK[mine])
        throw new AppError('forbidden');
      if (ROLE_RANK[role] > ROLE_RANK[mine]) throw new AppError('forbidden');
      await store.setMemberRole(orgId, userId, role, tx);
      await audit(
        ctx,
        'org.member_role_changed',
        { type: 'user', id: userId },
        { orgId, details: { from: current, to: role }, tx },
      );
    });
    return (await this.listMembers(principal, orgId)).find((m) => m.userId === userId)!;
  }

  /** Admins remove lower-ranked members; anyone but the owner may leave. */
  async removeMember(
    principal: Principal,
    orgId: string,
    userId: string,
    ctx: RequestContext,
  ): Promise<void> {
    const { store, audit } = this.#d;
    const self = userId === principal.userId;
    const mine = (await this.#access.requireMember(principal, orgId, self ? 'viewer' : 'admin')) as OrgRole;
    await store.transaction(async (tx) => {
      const current = await this.#access.memberRole(orgId, userId, tx);
      if (!current) throw new AppError('not_found');
      if (current === 'owner') throw new AppError('owner_cannot_leave');
      if (!self && ROLE_RANK[current] >= ROLE_RANK[mine]) throw new AppError('forbidden');
      await store.deleteMember(orgId, userId, tx);
      await audit(
        ctx,
        self ? 'org.member_left' : 'org.member_removed',
        { type: 'user', id: userId },
        { orgId, details: { role: current }, tx },
      );
    });
  }

  /**
   * The owner hands the organisation to another member, who becomes its representative and needs
   * the participant's confirmation; the former owner stays as an admin.
   */
  async transferOwnership(
    principal: Principal,
    orgId: string,
    userId: string,
    ctx: RequestContext,
  ): Promise<OrgView> {
    const { store, audit } = this.#d;
    await this.#access.requireMember(principal, orgId, 'owner');
    if (userId === principal.userId)
      throw new AppError('conflict', { message: 'You already own this organisation.' });
    const target = await this.#d.identity.getUser(userId);
    await store.transaction(async (tx) => {
      const current = await this.#access.memberRole(orgId, userId, tx);
      if (!current || !target) throw new AppError('not_found');
      if (target.status !== 'active')
        throw new AppError('conflict', { message: 'The new owner must have an active account.' });
      await store.setMemberRole(orgId, userId, 'owner', tx);
      await store.setMemberRole(orgId, principal.userId, 'admin', tx);
      const rep = await store.representativeStatus(orgId, userId, tx);
      if (rep === null) {
        await store.insertRepresentative(
          { org_id: orgId, user_id: userId, status: 'pending', created_at: nowIso(this.#d.clock) },
          tx,
        );
      } else if (rep !== 'confirmed') {
        await store.updateRepresentative(
          orgId,
          userId,
          { status: 'pending', reason: null, decided_at: null, decided_by: null, expires_at: null },
          tx,
        );
      }
      await audit(
        ctx,
        'org.ownership_transferred',
        { type: 'user', id: userId },
        { orgId, details: { from: principal.userId, to: userId }, tx },
      );
    });
    return this.#orgs.getOrganizationFor(principal, orgId);
  }

  /** For the CLI: adds an existing user with a role (not owner), audited as the system. */
  async addMemberAsSystem(orgId: string, userId: string, role: Exclude<OrgRole, 'owner'>): Promise<void> {
    const { store, clock, audit } = this.#d;
    const now = nowIso(clock);
    await store.transaction(async (tx) => {
      if (await this.#access.memberRole(orgId, userId, tx)) throw new AppError('already_member');
      await store.insertMember(
        { id: newId('mem', clock.nowMs()), org_id: orgId, user_id: userId, role, created_at: now },
        tx,
      );
      await audit(
        systemContext(),
        'org.member_joined',
        { type: 'user', id: userId },
        { orgId, details: { role, via: 'cli' }, tx },
      );
    });
  }
}
