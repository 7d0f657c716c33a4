import type { z } from 'zod';
import type { Principal } from '../../platform/http/contract.ts';
import type { orgRole, orgStatus } from './contracts.ts';

/** A member's role in an organisation (owner > admin > developer > viewer). */
export type OrgRole = z.infer<typeof orgRole>;
export type OrgStatus = z.infer<typeof orgStatus>;

export type OrgSummary = {
  id: string;
  name: string;
  status: OrgStatus;
  /** The owner/representative was confirmed by the corporate participant (production needs it). */
  representativeConfirmed: boolean;
};

/** What other modules ask about organisations: membership and role checks, summaries, members. */
export type OrgAccess = {
  /**
   * Resolves the caller's role in the organisation. Throws AppError('not_found') when the caller is
   * not a member (existence is not revealed) and AppError('forbidden') when the role is below
   * `minRole`. Operators pass as 'operator' when `allowOperator` is true.
   */
  requireMember(
    principal: Principal,
    orgId: string,
    minRole?: OrgRole,
    opts?: { allowOperator?: boolean },
  ): Promise<OrgRole | 'operator'>;
  getOrganization(orgId: string): Promise<OrgSummary | null>;
  /** User ids of members with at least `minRole` (for notices). */
  memberUserIds(orgId: string, minRole?: OrgRole): Promise<string[]>;
  /** Organisations the user belongs to. */
  orgIdsOfUser(userId: string): Promise<string[]>;
  /**
   * Throws AppError('details_confirmation_required') when the user's profile or the organisation's
   * details are past their periodic re-confirmation or an operator asked for an update (call before
   * creating apps). Optional so that test fakes need not implement it.
   */
  requireCurrentDetails?(principal: Principal, orgId: string): Promise<void>;
};
