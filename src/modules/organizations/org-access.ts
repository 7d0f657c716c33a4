import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { orgDetailsDue, ownerRepresentative } from './org-views.ts';
import type { OrgAccess, OrgRole, OrgStatus, OrgSummary } from './ports.ts';
import { type OrgServiceDeps, ROLE_RANK } from './service-deps.ts';

/**
 * What other modules ask (the `OrgAccess` port): membership and role checks, summaries, members,
 * and whether the caller's and the organisation's details are current. Promise: a caller who is
 * not a member learns nothing about an organisation (not_found, never forbidden).
 */
export class OrgAccessChecks implements OrgAccess {
  readonly #d: OrgServiceDeps;
  constructor(deps: OrgServiceDeps) {
    this.#d = deps;
  }

  async requireMember(
    principal: Principal,
    orgId: string,
    minRole: OrgRole = 'viewer',
    opts: { allowOperator?: boolean } = {},
  ): Promise<OrgRole | 'operator'> {
    if (principal.isOperator && opts.allowOperator) {
      if (!(await this.#d.store.organizationExists(orgId))) throw new AppError('not_found');
      return 'operator';
    }
    const m = await this.#d.store.memberRoleAndStatus(orgId, principal.userId);
    if (!m) throw new AppError('not_found');
    const role = m.role as OrgRole;
    if (ROLE_RANK[role] < ROLE_RANK[minRole]) throw new AppError('forbidden');
    // A terminated organisation stays readable by its members and changes no more.
    if (m.status === 'terminated' && minRole !== 'viewer') {
      throw new AppError('forbidden', { message: 'This organisation is terminated; its data is read-only.' });
    }
    return role;
  }

  async getOrganization(orgId: string): Promise<OrgSummary | null> {
    const r = await this.#d.store.findOrganization(orgId);
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      status: r.status as OrgStatus,
      representativeConfirmed: (await ownerRepresentative(this.#d, r.id))?.status === 'confirmed',
    };
  }

  async memberUserIds(orgId: string, minRole: OrgRole = 'viewer'): Promise<string[]> {
    const rows = await this.#d.store.membersWithRoles(orgId);
    return rows.filter((r) => ROLE_RANK[r.role as OrgRole] >= ROLE_RANK[minRole]).map((r) => r.user_id);
  }

  orgIdsOfUser(userId: string): Promise<string[]> {
    return this.#d.store.orgIdsOfUser(userId);
  }

  /**
   * Throws details_confirmation_required when the user's profile or the organisation's details are
   * past their re-confirmation date or flagged by an operator (checked before creating apps).
   */
  async requireCurrentDetails(principal: Principal, orgId: string): Promise<void> {
    if (!(await this.#d.identity.profileIsCurrent(principal.userId))) {
      throw new AppError('details_confirmation_required', {
        message: 'Review and confirm your profile details first.',
      });
    }
    const org = await this.#d.store.findOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (await orgDetailsDue(this.#d, org)) {
      throw new AppError('details_confirmation_required', {
        message: "An organisation admin must review and confirm the organisation's details first.",
      });
    }
  }

  /** The user's role in the organisation, or null when they are not a member. */
  async memberRole(orgId: string, userId: string, tx?: SharedTransaction): Promise<OrgRole | null> {
    return (await this.#d.store.memberRole(orgId, userId, tx)) as OrgRole | null;
  }
}
