import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import {
  joinTransaction,
  type SharedTransaction,
  shareTransaction,
} from '../../platform/db/shared-transaction.ts';
import type { OrganizationsTables } from './tables.ts';

/**
 * SQL for organisations, memberships, invitations, corporate participants, their reviewers and
 * their decisions about representatives: the only file of the module that talks to the database.
 * `transaction` runs a unit of work and hands it a `SharedTransaction`; the methods it calls take
 * it (optionally), and so do the audit trail and the outbox, so a change, its audit event and its
 * mail commit together.
 */
type T = OrganizationsTables;
export type ParticipantRow = Selectable<T['participants']>;
export type OrganizationRow = Selectable<T['organizations']>;
export type MemberRow = Selectable<T['org_members']>;
export type InvitationRow = Selectable<T['org_invitations']>;
export type RepresentativeRow = Selectable<T['org_representatives']>;

export class OrganizationsStore {
  readonly #db: Kysely<T>;
  constructor(db: Kysely<T>) {
    this.#db = db;
  }

  /**
   * Runs `work` in one transaction; it passes `tx` to this store's methods and to other modules'
   * ports (audit, mail), which join it.
   */
  transaction<R>(work: (tx: SharedTransaction) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => work(shareTransaction(trx)));
  }

  // ------------------------------------------------------------------------------ participants

  async insertParticipant(row: Insertable<T['participants']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('participants').values(row).execute();
  }

  findParticipant(id: string): Promise<ParticipantRow | undefined> {
    return this.#db.selectFrom('participants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async participantIdByName(name: string): Promise<string | null> {
    const r = await this.#db
      .selectFrom('participants')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    return r?.id ?? null;
  }

  /** By name. */
  listParticipants(): Promise<ParticipantRow[]> {
    return this.#db.selectFrom('participants').selectAll().orderBy('name').execute();
  }

  async insertReviewer(row: Insertable<T['participant_reviewers']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('participant_reviewers').values(row).execute();
  }

  /** Returns how many rows went (0 or 1). */
  async deleteReviewer(participantId: string, userId: string, tx?: SharedTransaction): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .deleteFrom('participant_reviewers')
      .where('participant_id', '=', participantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async reviewerUserIds(participantId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('participant_reviewers')
      .select('user_id')
      .where('participant_id', '=', participantId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async reviewerParticipantIds(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('participant_reviewers')
      .select('participant_id')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.participant_id);
  }

  async isReviewer(participantId: string, userId: string): Promise<boolean> {
    const ok = await this.#db
      .selectFrom('participant_reviewers')
      .select('user_id')
      .where('participant_id', '=', participantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return ok !== undefined;
  }

  // ------------------------------------------------------------------------------ organisations

  async organizationExists(orgId: string): Promise<boolean> {
    const org = await this.#db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', orgId)
      .executeTakeFirst();
    return org !== undefined;
  }

  findOrganization(orgId: string): Promise<OrganizationRow | undefined> {
    return this.#db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
  }

  /** Throws (Kysely's NoResultError) when there is none. */
  getOrganization(orgId: string): Promise<OrganizationRow> {
    return this.#db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
  }

  /** Throws (Kysely's NoResultError) when there is none. */
  async organizationName(orgId: string): Promise<string> {
    const org = await this.#db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
    return org.name;
  }

  async organizationIdByName(name: string): Promise<string | null> {
    const r = await this.#db
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    return r?.id ?? null;
  }

  /** The user's organisations by name, each with the user's role in it (`my_role`). */
  organizationsOfMember(userId: string): Promise<Array<OrganizationRow & { my_role: string }>> {
    return this.#db
      .selectFrom('org_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .selectAll('o')
      .select('m.role as my_role')
      .where('m.user_id', '=', userId)
      .orderBy('o.name')
      .execute();
  }

  /** Newest first; of one participant, or of any of several, or all. */
  listOrganizations(f: {
    participantId?: string;
    participantIds?: string[];
    limit: number;
  }): Promise<OrganizationRow[]> {
    let query = this.#db.selectFrom('organizations').selectAll().orderBy('id', 'desc');
    if (f.participantId) query = query.where('participant_id', '=', f.participantId);
    if (f.participantIds) query = query.where('participant_id', 'in', f.participantIds);
    return query.limit(f.limit).execute();
  }

  async insertOrganization(row: Insertable<T['organizations']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('organizations').values(row).execute();
  }

  /** Returns how many rows changed (0 or 1). */
  async updateOrganization(
    orgId: string,
    set: Updateable<T['organizations']>,
    tx?: SharedTransaction,
  ): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('organizations')
      .set(set)
      .where('id', '=', orgId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Marks the organisation terminated unless it already is; returns how many rows changed. */
  async markTerminated(orgId: string, tx?: SharedTransaction): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('organizations')
      .set({ status: 'terminated' })
      .where('id', '=', orgId)
      .where('status', '!=', 'terminated')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // ------------------------------------------------------------------------------ members

  /** The member's role and the organisation's status, when the user is a member. */
  memberRoleAndStatus(orgId: string, userId: string): Promise<{ role: string; status: string } | undefined> {
    return this.#db
      .selectFrom('org_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .select(['m.role', 'o.status'])
      .where('m.org_id', '=', orgId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst();
  }

  async memberRole(orgId: string, userId: string, tx?: SharedTransaction): Promise<string | null> {
    const m = await joinTransaction(this.#db, tx)
      .selectFrom('org_members')
      .select('role')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return m?.role ?? null;
  }

  membersWithRoles(orgId: string): Promise<Array<Pick<MemberRow, 'user_id' | 'role'>>> {
    return this.#db
      .selectFrom('org_members')
      .select(['user_id', 'role'])
      .where('org_id', '=', orgId)
      .execute();
  }

  /** Oldest first. */
  listMembers(orgId: string): Promise<MemberRow[]> {
    return this.#db
      .selectFrom('org_members')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute();
  }

  async orgIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('org_members')
      .select('org_id')
      .where('user_id', '=', userId)
      .orderBy('org_id')
      .execute();
    return rows.map((r) => r.org_id);
  }

  async ownerUserId(orgId: string): Promise<string | null> {
    const owner = await this.#db
      .selectFrom('org_members')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .executeTakeFirst();
    return owner?.user_id ?? null;
  }

  async insertMember(row: Insertable<T['org_members']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('org_members').values(row).execute();
  }

  async setMemberRole(orgId: string, userId: string, role: string, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx)
      .updateTable('org_members')
      .set({ role })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
  }

  async deleteMember(orgId: string, userId: string, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx)
      .deleteFrom('org_members')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
  }

  // ------------------------------------------------------------------------------ representatives

  findRepresentative(orgId: string, userId: string): Promise<RepresentativeRow | undefined> {
    return this.#db
      .selectFrom('org_representatives')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async representativeStatus(orgId: string, userId: string, tx?: SharedTransaction): Promise<string | null> {
    const rep = await joinTransaction(this.#db, tx)
      .selectFrom('org_representatives')
      .select('status')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return rep?.status ?? null;
  }

  async representativeUserIds(orgId: string): Promise<string[]> {
    const reps = await this.#db
      .selectFrom('org_representatives')
      .select('user_id')
      .where('org_id', '=', orgId)
      .execute();
    return reps.map((r) => r.user_id);
  }

  async insertRepresentative(
    row: Insertable<T['org_representatives']>,
    tx?: SharedTransaction,
  ): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('org_representatives').values(row).execute();
  }

  /** Returns how many rows changed (0 or 1). */
  async updateRepresentative(
    orgId: string,
    userId: string,
    set: Updateable<T['org_representatives']>,
    tx?: SharedTransaction,
  ): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('org_representatives')
      .set(set)
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // ------------------------------------------------------------------------------ invitations

  /** Revokes the open invitations of one address to one organisation. */
  async revokeOpenInvitations(
    orgId: string,
    email: string,
    at: string,
    tx?: SharedTransaction,
  ): Promise<void> {
    await joinTransaction(this.#db, tx)
      .updateTable('org_invitations')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async insertInvitation(row: Insertable<T['org_invitations']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('org_invitations').values(row).execute();
  }

  /** Newest first, at most 500. */
  listInvitations(orgId: string): Promise<InvitationRow[]> {
    return this.#db
      .selectFrom('org_invitations')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
  }

  /** Revokes one open invitation of the organisation; returns how many rows changed (0 or 1). */
  async revokeInvitation(
    invitationId: string,
    orgId: string,
    at: string,
    tx?: SharedTransaction,
  ): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('org_invitations')
      .set({ revoked_at: at })
      .where('id', '=', invitationId)
      .where('org_id', '=', orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  invitationByTokenHash(hash: string, tx?: SharedTransaction): Promise<InvitationRow | undefined> {
    return joinTransaction(this.#db, tx)
      .selectFrom('org_invitations')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
  }

  /** Marks an unaccepted invitation accepted; returns how many rows changed (0 or 1). */
  async acceptInvitation(id: string, userId: string, at: string, tx?: SharedTransaction): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('org_invitations')
      .set({ accepted_at: at, accepted_by: userId })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
