import type { Updateable } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { OrgAccessChecks } from './org-access.ts';
import type { OrgView } from './org-views.ts';
import type { Organizations } from './organizations.ts';
import { nowIso, type OrgServiceDeps, withoutUserAgent } from './service-deps.ts';
import type { OrganizationsTables } from './tables.ts';

/**
 * An organisation's details and their periodic re-confirmation: an admin edits them (which
 * confirms them) or confirms them as they are; an operator may ask for an update at any time,
 * which makes them due at once (org-views.ts says when they are due).
 */
export class DetailsReconfirmation {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  readonly #orgs: Organizations;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks, orgs: Organizations) {
    this.#d = deps;
    this.#access = access;
    this.#orgs = orgs;
  }

  async updateOrganization(
    principal: Principal,
    orgId: string,
    patch: { name?: string; registrationNumber?: string; address?: string | null; website?: string | null },
    ctx: RequestContext,
  ): Promise<OrgView> {
    const { store, audit } = this.#d;
    await this.#access.requireMember(principal, orgId, 'admin');
    const set: Updateable<OrganizationsTables['organizations']> = {
      details_confirmed_at: nowIso(this.#d.clock),
      update_required: 0,
    };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.registrationNumber !== undefined) set.registration_number = patch.registrationNumber.trim();
    if (patch.address !== undefined) set.address = patch.address;
    if (patch.website !== undefined) set.website = patch.website;
    await store.transaction(async (tx) => {
      await store.updateOrganization(orgId, set, tx);
      await audit(
        ctx,
        'org.updated',
        { type: 'organization', id: orgId },
        { orgId, details: { fields: Object.keys(patch) }, tx },
      );
    });
    return this.#orgs.getOrganizationFor(principal, orgId);
  }

  async confirmOrganizationDetails(
    principal: Principal,
    orgId: string,
    ctx: RequestContext,
  ): Promise<OrgView> {
    const { store, audit } = this.#d;
    await this.#access.requireMember(principal, orgId, 'admin');
    await store.transaction(async (tx) => {
      await store.updateOrganization(
        orgId,
        { details_confirmed_at: nowIso(this.#d.clock), update_required: 0 },
        tx,
      );
      await audit(ctx, 'org.details_confirmed', { type: 'organization', id: orgId }, { orgId, tx });
    });
    return this.#orgs.getOrganizationFor(principal, orgId);
  }

  /** An operator asks for the details to be reviewed (the route is for operators only). */
  async requireOrganizationUpdate(orgId: string, ctx: RequestContext): Promise<void> {
    const { store, audit } = this.#d;
    await store.transaction(async (tx) => {
      if ((await store.updateOrganization(orgId, { update_required: 1 }, tx)) !== 1)
        throw new AppError('not_found');
      await audit(
        withoutUserAgent(ctx),
        'org.update_required',
        { type: 'organization', id: orgId },
        { orgId, tx },
      );
    });
  }
}
