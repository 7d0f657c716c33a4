import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import { type OrgView, orgViewOf, type RepresentativeView, representativeOf } from './org-views.ts';
import type { OrganizationRow } from './organizations-store.ts';
import { DEFAULT_CONFIRMATION_MS, type OrgServiceDeps } from './service-deps.ts';

/**
 * A corporate participant's reviewers decide whether an organisation's representative (its owner)
 * may act for it: they confirm (until a date) or reject, and the representative is told by mail.
 * A reviewer sees only the organisations that named their participant (operators see all), and
 * nobody decides on their own representation.
 */
export class RepresentativeReviews {
  readonly #d: OrgServiceDeps;
  constructor(deps: OrgServiceDeps) {
    this.#d = deps;
  }

  /** Organisations that named one of the caller's participants (operators see all). */
  async listReviewOrganizations(
    principal: Principal,
  ): Promise<Array<OrgView & { representatives: RepresentativeView[] }>> {
    const { store } = this.#d;
    let participantIds: string[] | undefined;
    if (!principal.isOperator) {
      participantIds = await store.reviewerParticipantIds(principal.userId);
      if (participantIds.length === 0) return [];
    }
    const rows = await store.listOrganizations({ participantIds, limit: 500 });
    const out = [];
    for (const r of rows) {
      const reps = await store.representativeUserIds(r.id);
      const representatives: RepresentativeView[] = [];
      for (const repUserId of reps) {
        const v = await representativeOf(this.#d, r.id, repUserId);
        if (v) representatives.push(v);
      }
      out.push({
        ...(await orgViewOf(this.#d, r, principal.isOperator ? 'operator' : 'reviewer')),
        representatives,
      });
    }
    return out;
  }

  /** The organisation if the caller reviews for its participant (or is an operator); else not_found. */
  async #requireReviewer(principal: Principal, orgId: string): Promise<OrganizationRow> {
    const org = await this.#d.store.findOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (principal.isOperator) return org;
    if (!(await this.#d.store.isReviewer(org.participant_id, principal.userId)))
      throw new AppError('not_found');
    return org;
  }

  async confirmRepresentative(
    principal: Principal,
    orgId: string,
    userId: string,
    input: { validUntil?: string; note?: string },
    ctx: RequestContext,
  ): Promise<RepresentativeView> {
    return this.#decide(principal, orgId, userId, 'confirmed', input.note ?? null, input.validUntil, ctx);
  }

  async rejectRepresentative(
    principal: Principal,
    orgId: string,
    userId: string,
    reason: string,
    ctx: RequestContext,
  ): Promise<RepresentativeView> {
    return this.#decide(principal, orgId, userId, 'rejected', reason, undefined, ctx);
  }

  async #decide(
    principal: Principal,
    orgId: string,
    userId: string,
    status: 'confirmed' | 'rejected',
    reason: string | null,
    validUntil: string | undefined,
    ctx: RequestContext,
  ): Promise<RepresentativeView> {
    const { store, clock, identity, audit, mailer } = this.#d;
    const org = await this.#requireReviewer(principal, orgId);
    // Nobody vouches for themselves, not even an operator.
    if (userId === principal.userId)
      throw new AppError('forbidden', { message: 'You cannot decide on your own representation.' });
    const nowMs = clock.nowMs();
    let expiresAt: string | null = null;
    if (status === 'confirmed') {
      const until = validUntil ? Date.parse(validUntil) : nowMs + DEFAULT_CONFIRMATION_MS;
      if (!Number.isFinite(until) || until <= nowMs) {
        throw new AppError('validation_failed', { message: 'validUntil must be a future date-time.' });
      }
      expiresAt = new Date(until).toISOString();
    }
    const u = await identity.getUser(userId);
    await store.transaction(async (tx) => {
      const changed = await store.updateRepresentative(
        orgId,
        userId,
        {
          status,
          reason,
          expires_at: expiresAt,
          decided_by: principal.userId,
          decided_at: new Date(nowMs).toISOString(),
        },
        tx,
      );
      if (changed !== 1) throw new AppError('not_found');
      await audit(
        ctx,
        status === 'confirmed' ? 'org.representative_confirmed' : 'org.representative_rejected',
        { type: 'user', id: userId },
        { orgId, details: { participantId: org.participant_id, reason, expiresAt }, tx },
      );
      if (u) {
        await mailer.send(
          {
            to: u.email,
            kind: status === 'confirmed' ? 'representative_confirmed' : 'representative_rejected',
            subject:
              status === 'confirmed'
                ? `You are confirmed as a representative of ${org.name}`
                : `Your confirmation as a representative of ${org.name} was declined`,
            text:
              status === 'confirmed'
                ? `Your corporate participant confirmed you as an authorised representative of ${org.name} until ${expiresAt}.`
                : `Your corporate participant did not confirm you as a representative of ${org.name}.\nReason: ${reason}`,
          },
          tx,
        );
      }
    });
    return (await representativeOf(this.#d, orgId, userId))!;
  }

  /** For the CLI and demo: a participant confirmation without a reviewer session. */
  async confirmRepresentativeAsSystem(orgId: string, userId: string, validForMs = DEFAULT_CONFIRMATION_MS) {
    const { store, clock, audit } = this.#d;
    const nowMs = clock.nowMs();
    await store.transaction(async (tx) => {
      await store.updateRepresentative(
        orgId,
        userId,
        {
          status: 'confirmed',
          expires_at: new Date(nowMs + validForMs).toISOString(),
          decided_by: 'system',
          decided_at: new Date(nowMs).toISOString(),
        },
        tx,
      );
      await audit(
        systemContext(),
        'org.representative_confirmed',
        { type: 'user', id: userId },
        { orgId, tx },
      );
    });
  }
}
