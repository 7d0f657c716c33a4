import type { Kysely, Updateable } from 'kysely';
import type { z } from 'zod';
import { type Clock, DAY } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { Actor, AuditLog } from '../audit/index.ts';
import type { RequestMeta, UserAccounts } from '../identity/index.ts';
import type { MailOutbox } from '../notifications/index.ts';
import type {
  invitationView,
  memberView,
  orgView,
  participantView,
  representativeView,
} from './contracts.ts';
import {
  type InvitationRow,
  type OrganizationRow,
  OrganizationsStore,
  type ParticipantRow,
} from './organizations-store.ts';
import type { OrgAccess, OrgRole, OrgStatus, OrgSummary } from './ports.ts';
import type { OrganizationsTables } from './tables.ts';

/**
 * Organisations, memberships, invitations, corporate participants and their decisions about
 * representatives. Promises: a caller who is not a member of an organisation learns nothing about
 * it (not_found, never forbidden); only the owner can hand over ownership; every membership and
 * confirmation change is audited in the same transaction.
 */
const ROLE_RANK: Record<OrgRole, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

const INVITATION_TTL_MS = 7 * DAY;
const DEFAULT_CONFIRMATION_MS = 365 * DAY;

export type ParticipantView = z.infer<typeof participantView>;
export type RepresentativeView = z.infer<typeof representativeView>;
export type OrgView = z.infer<typeof orgView>;
export type MemberView = z.infer<typeof memberView>;
export type InvitationView = z.infer<typeof invitationView>;

export type OrganizationOptions = {
  db: Kysely<OrganizationsTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  identity: UserAccounts;
  publicUrl: string;
  /** Where `organizations.created` goes after a creation commits (without one, nowhere). */
  events?: EventEmitter;
};

function participantViewOf(r: ParticipantRow): ParticipantView {
  return { id: r.id, name: r.name, code: r.code, emailDomain: r.email_domain, createdAt: r.created_at };
}

function actorOf(p: Principal | null): Actor {
  if (!p) return { type: 'system', id: null };
  return { type: p.isOperator ? 'operator' : 'user', id: p.userId };
}

export class OrganizationService implements OrgAccess {
  readonly #store: OrganizationsStore;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #mailer: MailOutbox;
  readonly #identity: UserAccounts;
  readonly #events: EventEmitter | undefined;
  readonly #publicUrl: string;

  constructor(opts: OrganizationOptions) {
    this.#store = new OrganizationsStore(opts.db);
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#audit = opts.audit;
    this.#mailer = opts.mailer;
    this.#identity = opts.identity;
    this.#events = opts.events;
    this.#publicUrl = opts.publicUrl;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  // ------------------------------------------------------------------------------ OrgAccess

  async requireMember(
    principal: Principal,
    orgId: string,
    minRole: OrgRole = 'viewer',
    opts: { allowOperator?: boolean } = {},
  ): Promise<OrgRole | 'operator'> {
    if (principal.isOperator && opts.allowOperator) {
      if (!(await this.#store.organizationExists(orgId))) throw new AppError('not_found');
      return 'operator';
    }
    const m = await this.#store.memberRoleAndStatus(orgId, principal.userId);
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
    const r = await this.#store.findOrganization(orgId);
    if (!r) return null;
    return {
      id: r.id,
      name: r.name,
      status: r.status as OrgStatus,
      representativeConfirmed: (await this.#ownerRepresentative(r.id))?.status === 'confirmed',
    };
  }

  async memberUserIds(orgId: string, minRole: OrgRole = 'viewer'): Promise<string[]> {
    const rows = await this.#store.membersWithRoles(orgId);
    return rows.filter((r) => ROLE_RANK[r.role as OrgRole] >= ROLE_RANK[minRole]).map((r) => r.user_id);
  }

  orgIdsOfUser(userId: string): Promise<string[]> {
    return this.#store.orgIdsOfUser(userId);
  }

  /**
   * Throws details_confirmation_required when the user's profile or the organisation's details are
   * past their re-confirmation date or flagged by an operator (checked before creating apps).
   */
  async requireCurrentDetails(principal: Principal, orgId: string): Promise<void> {
    if (!(await this.#identity.profileIsCurrent(principal.userId))) {
      throw new AppError('details_confirmation_required', {
        message: 'Review and confirm your profile details first.',
      });
    }
    const org = await this.#store.findOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (await this.#orgDetailsDue(org)) {
      throw new AppError('details_confirmation_required', {
        message: "An organisation admin must review and confirm the organisation's details first.",
      });
    }
  }

  async #orgDetailsDue(
    org: Pick<OrganizationRow, 'update_required' | 'details_confirmed_at'>,
  ): Promise<boolean> {
    if (Number(org.update_required) === 1) return true;
    const d = new Date(org.details_confirmed_at);
    d.setUTCMonth(d.getUTCMonth() + (await this.#identity.reconfirmMonths()));
    return d.getTime() <= this.#clock.nowMs();
  }

  // ------------------------------------------------------------------------------ participants

  async createParticipant(
    operator: Principal | null,
    input: { name: string; code?: string | null; emailDomain?: string | null },
    meta: RequestMeta,
  ): Promise<ParticipantView> {
    const id = newId('par', this.#clock.nowMs());
    const now = this.#now();
    try {
      await this.#store.transaction(async (tx) => {
        await this.#store.insertParticipant(
          {
            id,
            name: input.name.trim(),
            code: input.code ?? null,
            email_domain: input.emailDomain?.toLowerCase() ?? null,
            created_at: now,
          },
          tx,
        );
        await this.#audit.record(
          {
            actor: actorOf(operator),
            action: 'participant.created',
            target: { type: 'participant', id },
            ip: meta.ip,
            userAgent: meta.userAgent,
            details: { name: input.name },
          },
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'A participant with this name exists.' });
      throw err;
    }
    return (await this.getParticipant(id))!;
  }

  async getParticipant(id: string): Promise<ParticipantView | null> {
    const r = await this.#store.findParticipant(id);
    return r ? participantViewOf(r) : null;
  }

  async findParticipantByName(name: string): Promise<ParticipantView | null> {
    const id = await this.#store.participantIdByName(name);
    return id ? this.getParticipant(id) : null;
  }

  async listParticipants(): Promise<ParticipantView[]> {
    const rows = await this.#store.listParticipants();
    return rows.map(participantViewOf);
  }

  async addParticipantReviewer(
    operator: Principal | null,
    participantId: string,
    userIdOrEmail: string,
    meta: RequestMeta,
  ): Promise<{ participantId: string; userId: string }> {
    if (!(await this.getParticipant(participantId))) throw new AppError('not_found');
    const userId = userIdOrEmail.startsWith('usr_')
      ? userIdOrEmail
      : await this.#identity.findUserIdByEmail(userIdOrEmail);
    const user = userId ? await this.#identity.getUser(userId) : null;
    if (!user) throw new AppError('not_found', { message: 'No account with this e-mail or id.' });
    try {
      await this.#store.transaction(async (tx) => {
        await this.#store.insertReviewer(
          { participant_id: participantId, user_id: user.id, created_at: this.#now() },
          tx,
        );
        await this.#audit.record(
          {
            actor: actorOf(operator),
            action: 'participant.reviewer_added',
            target: { type: 'user', id: user.id },
            ip: meta.ip,
            userAgent: meta.userAgent,
            details: { participantId },
          },
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'This person is already a reviewer.' });
      throw err;
    }
    return { participantId, userId: user.id };
  }

  async removeParticipantReviewer(
    operator: Principal,
    participantId: string,
    userId: string,
    meta: RequestMeta,
  ) {
    await this.#store.transaction(async (tx) => {
      if ((await this.#store.deleteReviewer(participantId, userId, tx)) !== 1)
        throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: actorOf(operator),
          action: 'participant.reviewer_removed',
          target: { type: 'user', id: userId },
          ip: meta.ip,
          details: { participantId },
        },
        tx,
      );
    });
  }

  async listParticipantReviewers(
    participantId: string,
  ): Promise<Array<{ userId: string; name: string; email: string }>> {
    const userIds = await this.#store.reviewerUserIds(participantId);
    const out = [];
    for (const userId of userIds) {
      const u = await this.#identity.getUser(userId);
      if (u) out.push({ userId: u.id, name: u.name, email: u.email });
    }
    return out;
  }

  /** The participants the caller reviews for (empty for most users). */
  async myReviewerParticipants(principal: Principal): Promise<ParticipantView[]> {
    const ids = await this.#store.reviewerParticipantIds(principal.userId);
    const out: ParticipantView[] = [];
    for (const id of ids) {
      const p = await this.getParticipant(id);
      if (p) out.push(p);
    }
    return out;
  }

  // ------------------------------------------------------------------------------ organisations

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
    meta: RequestMeta,
  ): Promise<OrgView> {
    if (!input.attestAuthority) throw new AppError('authority_not_attested');
    if (!(await this.#identity.profileIsCurrent(principal.userId)))
      throw new AppError('details_confirmation_required');
    const participant = await this.getParticipant(input.participantId);
    if (!participant) throw new AppError('unknown_participant');
    const nowMs = this.#clock.nowMs();
    const now = new Date(nowMs).toISOString();
    const id = newId('org', nowMs);
    const statement =
      input.authorityStatement ??
      `I, ${principal.name} <${principal.email}>, am authorised to act for ${input.name} and to bind it to the operator's terms.`;
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const reviewers = await this.listParticipantReviewers(participant.id);
    await this.#store.transaction(async (tx) => {
      await this.#store.insertOrganization(
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
      await this.#store.insertMember(
        {
          id: newId('mem', nowMs),
          org_id: id,
          user_id: principal.userId,
          role: 'owner' satisfies OrgRole,
          created_at: now,
        },
        tx,
      );
      await this.#store.insertRepresentative(
        { org_id: id, user_id: principal.userId, status: 'pending', created_at: now },
        tx,
      );
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.created',
          target: { type: 'organization', id },
          orgId: id,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: {
            registrationNumber: input.registrationNumber,
            participantId: participant.id,
            authorityAttested: true,
            authorityStatement: statement,
          },
        },
        tx,
      );
      for (const reviewer of reviewers) {
        await this.#mailer.send(
          {
            to: reviewer.email,
            kind: 'representative_review',
            subject: `Confirm a representative of ${input.name}`,
            text: `${principal.name} <${principal.email}> registered ${input.name} (registration ${input.registrationNumber}) on Darwaza and named ${participant.name} as its corporate participant.\n\nPlease confirm or reject them as an authorised representative here:\n${this.#publicUrl}/reviews\n`,
          },
          tx,
        );
      }
    });
    // After the commit: the terms module records the creator's acceptance of the terms in force
    // on the entity's behalf (the creator attested authority to bind it). A subscriber's failure
    // reaches the caller (the organisation exists; the request answers with the error).
    await this.#events?.emit('organizations.created', { creator: principal, orgId: id, meta });
    return (await this.getOrganizationFor(principal, id))!;
  }

  async #ownerRepresentative(orgId: string): Promise<RepresentativeView | null> {
    const owner = await this.#store.ownerUserId(orgId);
    if (!owner) return null;
    return this.#representative(orgId, owner);
  }

  async #representative(orgId: string, userId: string): Promise<RepresentativeView | null> {
    const r = await this.#store.findRepresentative(orgId, userId);
    if (!r) return null;
    const u = await this.#identity.getUser(userId);
    let status = r.status as RepresentativeView['status'];
    if (status === 'confirmed' && r.expires_at && Date.parse(r.expires_at) <= this.#clock.nowMs())
      status = 'expired';
    return {
      userId,
      name: u?.name ?? null,
      email: u?.email ?? null,
      status,
      reason: r.reason,
      expiresAt: r.expires_at,
      decidedAt: r.decided_at,
    };
  }

  async #orgView(r: OrganizationRow, myRole: OrgView['myRole']): Promise<OrgView> {
    const participant = await this.getParticipant(r.participant_id);
    const rep = await this.#ownerRepresentative(r.id);
    return {
      id: r.id,
      name: r.name,
      registrationNumber: r.registration_number,
      participant: { id: r.participant_id, name: participant?.name ?? '' },
      status: r.status as OrgStatus,
      address: r.address,
      website: r.website,
      createdAt: r.created_at,
      authorityAttestedBy: r.authority_attested_by,
      authorityAttestedAt: r.authority_attested_at,
      authorityStatement: r.authority_statement,
      myRole,
      representativeConfirmed: rep?.status === 'confirmed',
      representative: rep,
      detailsConfirmedAt: r.details_confirmed_at,
      detailsConfirmationDue: await this.#orgDetailsDue(r),
    };
  }

  async getOrganizationFor(principal: Principal, orgId: string): Promise<OrgView> {
    const role = await this.requireMember(principal, orgId, 'viewer', { allowOperator: true });
    const r = await this.#store.getOrganization(orgId);
    return this.#orgView(r, role);
  }

  async listMyOrganizations(principal: Principal): Promise<OrgView[]> {
    const rows = await this.#store.organizationsOfMember(principal.userId);
    const out: OrgView[] = [];
    for (const r of rows) out.push(await this.#orgView(r, r.my_role as OrgRole));
    return out;
  }

  async listAllOrganizations(q: { participantId?: string; limit?: number }): Promise<OrgView[]> {
    const rows = await this.#store.listOrganizations({
      participantId: q.participantId,
      limit: Math.min(q.limit ?? 100, 500),
    });
    const out: OrgView[] = [];
    for (const r of rows) out.push(await this.#orgView(r, 'operator'));
    return out;
  }

  async findOrganizationByName(name: string): Promise<OrgSummary | null> {
    const id = await this.#store.organizationIdByName(name);
    return id ? this.getOrganization(id) : null;
  }

  async updateOrganization(
    principal: Principal,
    orgId: string,
    patch: { name?: string; registrationNumber?: string; address?: string | null; website?: string | null },
    meta: RequestMeta,
  ): Promise<OrgView> {
    await this.requireMember(principal, orgId, 'admin');
    const set: Updateable<OrganizationsTables['organizations']> = {
      details_confirmed_at: this.#now(),
      update_required: 0,
    };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.registrationNumber !== undefined) set.registration_number = patch.registrationNumber.trim();
    if (patch.address !== undefined) set.address = patch.address;
    if (patch.website !== undefined) set.website = patch.website;
    await this.#store.transaction(async (tx) => {
      await this.#store.updateOrganization(orgId, set, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.updated',
          target: { type: 'organization', id: orgId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { fields: Object.keys(patch) },
        },
        tx,
      );
    });
    return this.getOrganizationFor(principal, orgId);
  }

  async confirmOrganizationDetails(principal: Principal, orgId: string, meta: RequestMeta): Promise<OrgView> {
    await this.requireMember(principal, orgId, 'admin');
    await this.#store.transaction(async (tx) => {
      await this.#store.updateOrganization(
        orgId,
        { details_confirmed_at: this.#now(), update_required: 0 },
        tx,
      );
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.details_confirmed',
          target: { type: 'organization', id: orgId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
    });
    return this.getOrganizationFor(principal, orgId);
  }

  async requireOrganizationUpdate(operator: Principal, orgId: string, meta: RequestMeta): Promise<void> {
    await this.#store.transaction(async (tx) => {
      if ((await this.#store.updateOrganization(orgId, { update_required: 1 }, tx)) !== 1)
        throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: actorOf(operator),
          action: 'org.update_required',
          target: { type: 'organization', id: orgId },
          orgId,
          ip: meta.ip,
        },
        tx,
      );
    });
  }

  // ------------------------------------------------------------------------------ members

  async listMembers(principal: Principal, orgId: string): Promise<MemberView[]> {
    await this.requireMember(principal, orgId, 'viewer', { allowOperator: true });
    const rows = await this.#store.listMembers(orgId);
    const out: MemberView[] = [];
    for (const r of rows) {
      const u = await this.#identity.getUser(r.user_id);
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

  async #memberRole(orgId: string, userId: string, tx?: SharedTransaction): Promise<OrgRole | null> {
    return (await this.#store.memberRole(orgId, userId, tx)) as OrgRole | null;
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
    meta: RequestMeta,
  ) {
    const mine = (await this.requireMember(principal, orgId, 'admin')) as OrgRole;
    if (role === 'owner')
      throw new AppError('forbidden', { message: 'Use the ownership transfer to make someone the owner.' });
    await this.#store.transaction(async (tx) => {
      const current = await this.#memberRole(orgId, userId, tx);
      if (!current) throw new AppError('not_found');
      if (current === 'owner') throw new AppError('owner_cannot_leave');
      if (userId !== principal.userId && ROLE_RANK[current] >= ROLE_RANK[mine])
        throw new AppError('forbidden');
      if (ROLE_RANK[role] > ROLE_RANK[mine]) throw new AppError('forbidden');
      await this.#store.setMemberRole(orgId, userId, role, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.member_role_changed',
          target: { type: 'user', id: userId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { from: current, to: role },
        },
        tx,
      );
    });
    return (await this.listMembers(principal, orgId)).find((m) => m.userId === userId)!;
  }

  /** Admins remove lower-ranked members; anyone but the owner may leave. */
  async removeMember(principal: Principal, orgId: string, userId: string, meta: RequestMeta): Promise<void> {
    const self = userId === principal.userId;
    const mine = (await this.requireMember(principal, orgId, self ? 'viewer' : 'admin')) as OrgRole;
    await this.#store.transaction(async (tx) => {
      const current = await this.#memberRole(orgId, userId, tx);
      if (!current) throw new AppError('not_found');
      if (current === 'owner') throw new AppError('owner_cannot_leave');
      if (!self && ROLE_RANK[current] >= ROLE_RANK[mine]) throw new AppError('forbidden');
      await this.#store.deleteMember(orgId, userId, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: self ? 'org.member_left' : 'org.member_removed',
          target: { type: 'user', id: userId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { role: current },
        },
        tx,
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
    meta: RequestMeta,
  ): Promise<OrgView> {
    await this.requireMember(principal, orgId, 'owner');
    if (userId === principal.userId)
      throw new AppError('conflict', { message: 'You already own this organisation.' });
    const target = await this.#identity.getUser(userId);
    await this.#store.transaction(async (tx) => {
      const current = await this.#memberRole(orgId, userId, tx);
      if (!current || !target) throw new AppError('not_found');
      if (target.status !== 'active')
        throw new AppError('conflict', { message: 'The new owner must have an active account.' });
      await this.#store.setMemberRole(orgId, userId, 'owner', tx);
      await this.#store.setMemberRole(orgId, principal.userId, 'admin', tx);
      const rep = await this.#store.representativeStatus(orgId, userId, tx);
      if (rep === null) {
        await this.#store.insertRepresentative(
          { org_id: orgId, user_id: userId, status: 'pending', created_at: this.#now() },
          tx,
        );
      } else if (rep !== 'confirmed') {
        await this.#store.updateRepresentative(
          orgId,
          userId,
          { status: 'pending', reason: null, decided_at: null, decided_by: null, expires_at: null },
          tx,
        );
      }
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.ownership_transferred',
          target: { type: 'user', id: userId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { from: principal.userId, to: userId },
        },
        tx,
      );
    });
    return this.getOrganizationFor(principal, orgId);
  }

  // ------------------------------------------------------------------------------ invitations

  async inviteMember(
    principal: Principal,
    orgId: string,
    input: { email: string; role: OrgRole },
    meta: RequestMeta,
  ): Promise<InvitationView> {
    const mine = (await this.requireMember(principal, orgId, 'admin')) as OrgRole;
    if (input.role === 'owner' || ROLE_RANK[input.role] > ROLE_RANK[mine]) throw new AppError('forbidden');
    const email = input.email.trim().toLowerCase();
    const existingUser = await this.#identity.findUserIdByEmail(email);
    if (existingUser && (await this.#memberRole(orgId, existingUser))) throw new AppError('already_member');
    const org = { name: await this.#store.organizationName(orgId) };
    const token = randomToken();
    const nowMs = this.#clock.nowMs();
    const id = newId('inv', nowMs);
    await this.#store.transaction(async (tx) => {
      // One open invitation per address: a new one replaces the old.
      await this.#store.revokeOpenInvitations(orgId, email, new Date(nowMs).toISOString(), tx);
      await this.#store.insertInvitation(
        {
          id,
          org_id: orgId,
          email,
          role: input.role,
          token_hash: this.#keyring.hmac(token, 'invitation'),
          invited_by: principal.userId,
          created_at: new Date(nowMs).toISOString(),
          expires_at: new Date(nowMs + INVITATION_TTL_MS).toISOString(),
        },
        tx,
      );
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.member_invited',
          target: { type: 'invitation', id },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { email, role: input.role },
        },
        tx,
      );
      await this.#mailer.send(
        {
          to: email,
          kind: 'org_invitation',
          subject: `You are invited to ${org.name} on Darwaza`,
          text: `${principal.name} invited you to join ${org.name} as ${input.role}.\n\nSign in (or open an account with this e-mail address), then open this link within 7 days:\n${this.#publicUrl}/invitations/accept?token=${token}\n`,
        },
        tx,
      );
    });
    return (await this.listInvitations(principal, orgId)).find((i) => i.id === id)!;
  }

  async listInvitations(principal: Principal, orgId: string): Promise<InvitationView[]> {
    await this.requireMember(principal, orgId, 'admin', { allowOperator: true });
    const rows = await this.#store.listInvitations(orgId);
    const nowIso = this.#now();
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
          : r.expires_at <= nowIso
            ? 'expired'
            : 'pending',
    }));
  }

  async revokeInvitation(
    principal: Principal,
    orgId: string,
    invitationId: string,
    meta: RequestMeta,
  ): Promise<void> {
    await this.requireMember(principal, orgId, 'admin');
    await this.#store.transaction(async (tx) => {
      if ((await this.#store.revokeInvitation(invitationId, orgId, this.#now(), tx)) !== 1)
        throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.invitation_revoked',
          target: { type: 'invitation', id: invitationId },
          orgId,
          ip: meta.ip,
        },
        tx,
      );
    });
  }

  /** The signed-in user accepts an invitation addressed to their own e-mail. */
  async acceptInvitation(principal: Principal, token: string, meta: RequestMeta): Promise<OrgView> {
    const hash = this.#keyring.hmac(token, 'invitation');
    const now = this.#now();
    const orgId = await this.#store.transaction(async (tx) => {
      const inv = await this.#store.invitationByTokenHash(hash, tx);
      if (!inv || inv.accepted_at || inv.revoked_at || inv.expires_at <= now)
        throw new AppError('invalid_token');
      if (inv.email !== principal.email.toLowerCase()) throw new AppError('invitation_email_mismatch');
      if ((await this.#store.acceptInvitation(inv.id, principal.userId, now, tx)) !== 1)
        throw new AppError('invalid_token');
      if (await this.#memberRole(inv.org_id, principal.userId, tx)) throw new AppError('already_member');
      await this.#store.insertMember(
        {
          id: newId('mem', this.#clock.nowMs()),
          org_id: inv.org_id,
          user_id: principal.userId,
          role: inv.role,
          created_at: now,
        },
        tx,
      );
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'org.member_joined',
          target: { type: 'user', id: principal.userId },
          orgId: inv.org_id,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { invitationId: inv.id, role: inv.role },
        },
        tx,
      );
      return inv.org_id;
    });
    return this.getOrganizationFor(principal, orgId);
  }

  // ------------------------------------------------------------------------------ participant review

  /** Organisations that named one of the caller's participants (operators see all). */
  async listReviewOrganizations(
    principal: Principal,
  ): Promise<Array<OrgView & { representatives: RepresentativeView[] }>> {
    let participantIds: string[] | undefined;
    if (!principal.isOperator) {
      participantIds = await this.#store.reviewerParticipantIds(principal.userId);
      if (participantIds.length === 0) return [];
    }
    const rows = await this.#store.listOrganizations({ participantIds, limit: 500 });
    const out = [];
    for (const r of rows) {
      const reps = await this.#store.representativeUserIds(r.id);
      const representatives: RepresentativeView[] = [];
      for (const repUserId of reps) {
        const v = await this.#representative(r.id, repUserId);
        if (v) representatives.push(v);
      }
      out.push({
        ...(await this.#orgView(r, principal.isOperator ? 'operator' : 'reviewer')),
        representatives,
      });
    }
    return out;
  }

  /** The organisation if the caller reviews for its participant (or is an operator); else not_found. */
  async #requireReviewer(principal: Principal, orgId: string): Promise<OrganizationRow> {
    const org = await this.#store.findOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (principal.isOperator) return org;
    if (!(await this.#store.isReviewer(org.participant_id, principal.userId)))
      throw new AppError('not_found');
    return org;
  }

  async confirmRepresentative(
    principal: Principal,
    orgId: string,
    userId: string,
    input: { validUntil?: string; note?: string },
    meta: RequestMeta,
  ): Promise<RepresentativeView> {
    return this.#decideRepresentative(
      principal,
      orgId,
      userId,
      'confirmed',
      input.note ?? null,
      input.validUntil,
      meta,
    );
  }

  async rejectRepresentative(
    principal: Principal,
    orgId: string,
    userId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<RepresentativeView> {
    return this.#decideRepresentative(principal, orgId, userId, 'rejected', reason, undefined, meta);
  }

  async #decideRepresentative(
    principal: Principal,
    orgId: string,
    userId: string,
    status: 'confirmed' | 'rejected',
    reason: string | null,
    validUntil: string | undefined,
    meta: RequestMeta,
  ): Promise<RepresentativeView> {
    const org = await this.#requireReviewer(principal, orgId);
    // Nobody vouches for themselves, not even an operator.
    if (userId === principal.userId)
      throw new AppError('forbidden', { message: 'You cannot decide on your own representation.' });
    const nowMs = this.#clock.nowMs();
    let expiresAt: string | null = null;
    if (status === 'confirmed') {
      const until = validUntil ? Date.parse(validUntil) : nowMs + DEFAULT_CONFIRMATION_MS;
      if (!Number.isFinite(until) || until <= nowMs) {
        throw new AppError('validation_failed', { message: 'validUntil must be a future date-time.' });
      }
      expiresAt = new Date(until).toISOString();
    }
    const u = await this.#identity.getUser(userId);
    await this.#store.transaction(async (tx) => {
      const changed = await this.#store.updateRepresentative(
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
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: status === 'confirmed' ? 'org.representative_confirmed' : 'org.representative_rejected',
          target: { type: 'user', id: userId },
          orgId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { participantId: org.participant_id, reason, expiresAt },
        },
        tx,
      );
      if (u) {
        await this.#mailer.send(
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
    return (await this.#representative(orgId, userId))!;
  }

  /**
   * Run by the terms module when the organisation's termination takes effect: the organisation is
   * marked terminated (its data stays, read-only) and its members' sessions end. Idempotent.
   */
  async onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    const members = await this.memberUserIds(orgId);
    await this.#store.transaction(async (tx) => {
      if ((await this.#store.markTerminated(orgId, tx)) === 1) {
        await this.#audit.record(
          {
            actor: { type: 'system', id: null },
            action: 'org.terminated',
            target: { type: 'organization', id: orgId },
            orgId,
            details: { reason },
          },
          tx,
        );
      }
    });
    await this.#identity.endSessionsOf(members, `organisation ${orgId} terminated`);
  }

  /** For the CLI: adds an existing user with a role (not owner), audited as the system. */
  async addMemberAsSystem(orgId: string, userId: string, role: Exclude<OrgRole, 'owner'>): Promise<void> {
    const now = this.#now();
    await this.#store.transaction(async (tx) => {
      if (await this.#memberRole(orgId, userId, tx)) throw new AppError('already_member');
      await this.#store.insertMember(
        {
          id: newId('mem', this.#clock.nowMs()),
          org_id: orgId,
          user_id: userId,
          role,
          created_at: now,
        },
        tx,
      );
      await this.#audit.record(
        {
          actor: { type: 'system', id: null },
          action: 'org.member_joined',
          target: { type: 'user', id: userId },
          orgId,
          details: { role, via: 'cli' },
        },
        tx,
      );
    });
  }

  /** For the CLI and demo: a participant confirmation without a reviewer session. */
  async confirmRepresentativeAsSystem(orgId: string, userId: string, validForMs = DEFAULT_CONFIRMATION_MS) {
    const nowMs = this.#clock.nowMs();
    await this.#store.transaction(async (tx) => {
      await this.#store.updateRepresentative(
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
      await this.#audit.record(
        {
          actor: { type: 'system', id: null },
          action: 'org.representative_confirmed',
          target: { type: 'user', id: userId },
          orgId,
        },
        tx,
      );
    });
  }
}
