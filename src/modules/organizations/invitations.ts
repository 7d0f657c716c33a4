import { DAY } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { OrgAccessChecks } from './org-access.ts';
import type { InvitationView, OrgView } from './org-views.ts';
import type { Organizations } from './organizations.ts';
import type { InvitationRow } from './organizations-store.ts';
import type { OrgRole } from './ports.ts';
import { nowIso, type OrgServiceDeps, ROLE_RANK, withoutUserAgent } from './service-deps.ts';

const INVITATION_TTL_MS = 7 * DAY;

/**
 * Invitations: an admin invites an e-mail address with a role no higher than their own (never
 * owner), one open invitation per address; the invitee, signed in with that address, accepts with
 * the token mailed to them (only its HMAC is stored) within seven days.
 */
export class Invitations {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  readonly #orgs: Organizations;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks, orgs: Organizations) {
    this.#d = deps;
    this.#access = access;
    this.#orgs = orgs;
  }

  async inviteMember(
    principal: Principal,
    orgId: string,
    input: { email: string; role: OrgRole },
    ctx: RequestContext,
  ): Promise<InvitationView> {
    const { store, clock, keyring, audit, mailer, identity, publicUrl } = this.#d;
    const mine = (await this.#access.requireMember(principal, orgId, 'admin')) as OrgRole;
    if (input.role === 'owner' || ROLE_RANK[input.role] > ROLE_RANK[mine]) throw new AppError('forbidden');
    const email = input.email.trim().toLowerCase();
    const existingUser = await identity.findUserIdByEmail(email);
    if (existingUser && (await this.#access.memberRole(orgId, existingUser)))
      throw new AppError('already_member');
    const org = { name: await store.organizationName(orgId) };
    const token = randomToken();
    const nowMs = clock.nowMs();
    const id = newId('inv', nowMs);
    await store.transaction(async (tx) => {
      // One open invitation per address: a new one replaces the old.
      await store.revokeOpenInvitations(orgId, email, new Date(nowMs).toISOString(), tx);
      await store.insertInvitation(
        {
          id,
          org_id: orgId,
          email,
          role: input.role,
          token_hash: keyring.hmac(token, 'invitation'),
          invited_by: principal.userId,
          created_at: new Date(nowMs).toISOString(),
          expires_at: new Date(nowMs + INVITATION_TTL_MS).toISOString(),
        },
        tx,
      );
      await audit(
        ctx,
        'org.member_invited',
        { type: 'invitation', id },
        { orgId, details: { email, role: input.role }, tx },
      );
      await mailer.send(
        {
          to: email,
          kind: 'org_invitation',
          subject: `You are invited to ${org.name} on Darwaza`,
          text: `${principal.name} invited you to join ${org.name} as ${input.role}.\n\nSign in (or open an account with this e-mail address), then open this link within 7 days:\n${publicUrl}/invitations/accept?token=${token}\n`,
        },
        tx,
      );
    });
    return (await this.listInvitations(principal, orgId)).find((i) => i.id === id)!;
  }

  async listInvitations(principal: Principal, orgId: string): Promise<InvitationView[]> {
    await this.#access.requireMember(principal, orgId, 'admin', { allowOperator: true });
    const rows = await this.#d.store.listInvitations(orgId);
    const nowIsoString = nowIso(this.#d.clock);
    return rows.map((r: InvitationRow) => ({
      id: r.id,
      email: r.email,
      role: r.role as OrgRole,
      invitedBy: r.invited_by,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      status: r.accepted_at
        ? 'accepted'
        : r.revoked_at
          ? 'revoked'
          : r.expires_at <= nowIsoString
            ? 'expired'
            : 'pending',
    }));
  }

  async revokeInvitation(
    principal: Principal,
    orgId: string,
    invitationId: string,
    ctx: RequestContext,
  ): Promise<void> {
    const { store, audit } = this.#d;
    await this.#access.requireMember(principal, orgId, 'admin');
    await store.transaction(async (tx) => {
      if ((await store.revokeInvitation(invitationId, orgId, nowIso(this.#d.clock), tx)) !== 1)
        throw new AppError('not_found');
      await audit(
        withoutUserAgent(ctx),
        'org.invitation_revoked',
        { type: 'invitation', id: invitationId },
        { orgId, tx },
      );
    });
  }

  /** The signed-in user accepts an invitation addressed to their own e-mail. */
  async acceptInvitation(principal: Principal, token: string, ctx: RequestContext): Promise<OrgView> {
    const { store, clock, keyring, audit } = this.#d;
    const hash = keyring.hmac(token, 'invitation');
    const now = nowIso(clock);
    const orgId = await store.transaction(async (tx) => {
      const inv = await store.invitationByTokenHash(hash, tx);
      if (!inv || inv.accepted_at || inv.revoked_at || inv.expires_at <= now)
        throw new AppError('invalid_token');
      if (inv.email !== principal.email.toLowerCase()) throw new AppError('invitation_email_mismatch');
      if ((await store.acceptInvitation(inv.id, principal.userId, now, tx)) !== 1)
        throw new AppError('invalid_token');
      if (await this.#access.memberRole(inv.org_id, principal.userId, tx))
        throw new AppError('already_member');
      await store.insertMember(
        {
          id: newId('mem', clock.nowMs()),
          org_id: inv.org_id,
          user_id: principal.userId,
          role: inv.role,
          created_at: now,
        },
        tx,
      );
      await audit(
        ctx,
        'org.member_joined',
        { type: 'user', id: principal.userId },
        { orgId: inv.org_id, details: { invitationId: inv.id, role: inv.role }, tx },
      );
      return inv.org_id;
    });
    return this.#orgs.getOrganizationFor(principal, orgId);
  }
}
