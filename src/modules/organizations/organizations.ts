import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { OrgAccessChecks } from './org-access.ts';
import { type OrgView, orgViewOf } from './org-views.ts';
import type { Participants } from './participants.ts';
import type { OrgRole, OrgStatus, OrgSummary } from './ports.ts';
import type { OrgServiceDeps } from './service-deps.ts';

/**
 * Organisations: registering one (its creator attests the authority to bind it, becomes its owner
 * and its representative awaiting the participant's confirmation) and reading them as members,
 * operators and by name.
 */
export class Organizations {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  readonly #participants: Participants;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks, participants: Participants) {
    this.#d = deps;
    this.#access = access;
    this.#participants = participants;
  }

  async createOrganization(
    principal: Principal,
    input: {
      name: string;
      registrationNumber: string;
      participantId: string;
      attestAuthority: boolean;
      authorityStatement?: string;
      address?: string | null;
      website?: string | null;
    },
    ctx: RequestContext,
  ): Promise<OrgView> {
    const { store, clock, identity, audit, mailer, publicUrl, events } = this.#d;
    if (!input.attestAuthority) throw new AppError('authority_not_attested');
    if (!(await identity.profileIsCurrent(principal.userId)))
      throw new AppError('details_confirmation_required');
    const participant = await this.#participants.getParticipant(input.participantId);
    if (!participant) throw new AppError('unknown_participant');
    const nowMs = clock.nowMs();
    const now = new Date(nowMs).toISOString();
    const id = newId('org', nowMs);
    const statement =
      input.authorityStatement ??
      `I, ${principal.name} <${principal.email}>, am authorised to act for ${input.name} and to bind it to the operator's terms.`;
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const reviewers = await this.#participants.listParticipantReviewers(participant.id);
    await store.transaction(async (tx) => {
      await store.insertOrganization(
        {
          id,
          name: input.name.trim(),
          registration_number: input.registrationNumber.trim(),
          participant_id: participant.id,
          status: 'active' satisfies OrgStatus,
          address: input.address ?? null,
          website: input.website ?? null,
          authority_attested_by: principal.userId,
          authority_attested_at: now,
          authority_statement: statement,
          created_by: principal.userId,
          created_at: now,
          details_confirmed_at: now,
        },
        tx,
      );
      await store.insertMember(
        {
          id: newId('mem', nowMs),
          org_id: id,
          user_id: principal.userId,
          role: 'owner' satisfies OrgRole,
          created_at: now,
        },
        tx,
      );
      await store.insertRepresentative(
        { org_id: id, user_id: principal.userId, status: 'pending', created_at: now },
        tx,
      );
      await audit(
        ctx,
        'org.created',
        { type: 'organization', id },
        {
          orgId: id,
          details: {
            registrationNumber: input.registrationNumber,
            participantId: participant.id,
            authorityAttested: true,
            authorityStatement: statement,
          },
          tx,
        },
      );
      for (const reviewer of reviewers) {
        await mailer.send(
          {
            to: reviewer.email,
            kind: 'representative_review',
            subject: `Confirm a representative of ${input.name}`,
            text: `${principal.name} <${principal.email}> registered ${input.name} (registration ${input.registrationNumber}) on Darwaza and named ${participant.name} as its corporate participant.\n\nPlease confirm or reject them as an authorised representative here:\n${publicUrl}/reviews\n`,
          },
          tx,
        );
      }
    });
    // After the commit: the terms module records the creator's acceptance of the terms in force
    // on the entity's behalf (the creator attested authority to bind it). A subscriber's failure
    // reaches the caller (the organisation exists; the request answers with the error).
    await events?.emit('organizations.created', { creator: principal, orgId: id, ctx });
    return (await this.getOrganizationFor(principal, id))!;
  }

  async getOrganizationFor(principal: Principal, orgId: string): Promise<OrgView> {
    const role = await this.#access.requireMember(principal, orgId, 'viewer', { allowOperator: true });
    const r = await this.#d.store.getOrganization(orgId);
    return orgViewOf(this.#d, r, role);
  }

  async listMyOrganizations(principal: Principal): Promise<OrgView[]> {
    const rows = await this.#d.store.organizationsOfMember(principal.userId);
    const out: OrgView[] = [];
    for (const r of rows) out.push(await orgViewOf(this.#d, r, r.my_role as OrgRole));
    return out;
  }

  async listAllOrganizations(q: { participantId?: string; limit?: number }): Promise<OrgView[]> {
    const rows = await this.#d.store.listOrganizations({
      participantId: q.participantId,
      limit: Math.min(q.limit ?? 100, 500),
    });
    const out: OrgView[] = [];
    for (const r of rows) out.push(await orgViewOf(this.#d, r, 'operator'));
    return out;
  }

  async findOrganizationByName(name: string): Promise<OrgSummary | null> {
    const id = await this.#d.store.organizationIdByName(name);
    return id ? this.#access.getOrganization(id) : null;
  }

  /**
   * Suspends or reinstates the organisation (the enforcement module's actions): a suspended
   * organisation's apps are refused as suspended (the apps module folds the organisation's status
   * into each app's). A terminated organisation stays terminated (404 here). The caller tells
   * gateways to drop what they cached, once this committed.
   */
  async setOrganizationStatus(
    orgId: string,
    status: 'active' | 'suspended',
    reason: string,
    ctx: RequestContext,
  ): Promise<void> {
    const { store, audit } = this.#d;
    const org = await this.#access.getOrganization(orgId);
    if (!org || org.status === 'terminated') throw new AppError('not_found');
    if (org.status === status) return;
    await store.transaction(async (tx) => {
      await store.updateOrganization(orgId, { status }, tx);
      await audit(
        ctx,
        status === 'suspended' ? 'org.suspend' : 'org.reinstate',
        { type: 'organization', id: orgId },
        { orgId, details: { reason }, tx },
      );
    });
  }
}
