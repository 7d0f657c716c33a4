import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { type SharedTransaction, shareTransaction } from '../../platform/db/shared-transaction.ts';
import type { IdentityTables } from './tables.ts';

export type UserRow = Selectable<IdentityTables['users']>;
type UserInsert = Insertable<IdentityTables['users']>;
type UserUpdate = Updateable<IdentityTables['users']>;
type UserTokenRow = Selectable<IdentityTables['user_tokens']>;
type SessionRow = Selectable<IdentityTables['user_sessions']>;
type ScreeningRow = Selectable<IdentityTables['screening_entries']>;
type AutoApproveRuleRow = Selectable<IdentityTables['auto_approve_rules']>;

/** What a session token resolves to: the session and the user it belongs to. */
export type SessionWithUser = {
  session_id: string;
  mfa: number;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  user_id: string;
  email: string;
  name: string;
  status: string;
  is_operator: number;
  update_required: number;
};

/**
 * Every query identity makes, and nothing else: no rules, no ports (ADR 0008). A store runs on the
 * database or, inside `transaction`, on that transaction: the work it is given receives a store
 * bound to the transaction and the same transaction as a `SharedTransaction` for the audit trail
 * and the mail outbox, so what they write commits or rolls back with identity's change.
 */
export class IdentityStore {
  readonly #db: Kysely<IdentityTables>;

  constructor(db: Kysely<IdentityTables>) {
    this.#db = db;
  }

  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<R>(work: (store: IdentityStore, tx: SharedTransaction) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => work(new IdentityStore(trx), shareTransaction(trx)));
  }

  // ------------------------------------------------------------------------------------ users

  async insertUser(values: UserInsert): Promise<void> {
    await this.#db.insertInto('users').values(values).execute();
  }

  /** Rows changed (0 or 1). */
  async updateUser(userId: string, set: UserUpdate): Promise<number> {
    const r = await this.#db.updateTable('users').set(set).where('id', '=', userId).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Records TOTP step `step` as used unless that step or a later one already was (compare-and-set:
   * two concurrent requests with the same code cannot both pass). Rows changed (0 or 1).
   */
  async claimTotpStep(userId: string, step: number): Promise<number> {
    const r = await this.#db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  userById(userId: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  }

  userByIdOrThrow(userId: string): Promise<UserRow> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  }

  /** `email` is already normalised. */
  userByEmail(email: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  userBy(column: 'id' | 'email', value: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where(column, '=', value).executeTakeFirst();
  }

  /** `email` is already normalised. */
  userRefByEmail(
    email: string,
  ): Promise<{ id: string; email: string; name: string; status: string } | undefined> {
    return this.#db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'status'])
      .where('email', '=', email)
      .executeTakeFirst();
  }

  userRefById(
    userId: string,
  ): Promise<{ id: string; email: string; name: string; status: string } | undefined> {
    return this.#db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'status'])
      .where('id', '=', userId)
      .executeTakeFirst();
  }

  /** `email` is already normalised. */
  async userIdByEmail(email: string): Promise<string | null> {
    const r = await this.#db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    return r?.id ?? null;
  }

  async activeUserIds(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('users')
      .select('id')
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async operatorIds(): Promise<string[]> {
    const rows = await this.#db.selectFrom('users').select('id').where('is_operator', '=', 1).execute();
    return rows.map((r) => r.id);
  }

  /** Newest first; `before` is an exclusive id cursor. */
  listUsers(q: { status?: string; before?: string; limit: number }): Promise<UserRow[]> {
    let query = this.#db.selectFrom('users').selectAll().orderBy('id', 'desc');
    if (q.status) query = query.where('status', '=', q.status);
    if (q.before) query = query.where('id', '<', q.before);
    return query.limit(q.limit).execute();
  }

  // ------------------------------------------------------------------------------------ link tokens

  async insertToken(values: Insertable<IdentityTables['user_tokens']>): Promise<void> {
    await this.#db.insertInto('user_tokens').values(values).execute();
  }

  tokenByHash(tokenHash: string, purpose: string): Promise<UserTokenRow | undefined> {
    return this.#db
      .selectFrom('user_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
  }

  /** Marks an unused token used. Rows changed (0 when it was already used). */
  async consumeToken(tokenHash: string, at: string): Promise<number> {
    const r = await this.#db
      .updateTable('user_tokens')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  // ------------------------------------------------------------------------------------ sessions

  async insertSession(values: Insertable<IdentityTables['user_sessions']>): Promise<void> {
    await this.#db.insertInto('user_sessions').values(values).execute();
  }

  sessionByTokenHash(tokenHash: string): Promise<SessionWithUser | undefined> {
    return this.#db
      .selectFrom('user_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id as session_id',
        's.mfa',
        's.last_seen_at',
        's.expires_at',
        's.revoked_at',
        'u.id as user_id',
        'u.email',
        'u.name',
        'u.status',
        'u.is_operator',
        'u.update_required',
      ])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async touchSession(sessionId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('user_sessions')
      .set({ last_seen_at: at })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Unrevoked sessions of a user expiring after `nowIso`, newest first (at most 200). */
  liveSessionsOf(userId: string, nowIso: string): Promise<SessionRow[]> {
    return this.#db
      .selectFrom('user_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
  }

  /** Revokes one unrevoked session of this user. Rows changed (0 or 1). */
  async revokeSession(sessionId: string, userId: string, at: string): Promise<number> {
    const r = await this.#db
      .updateTable('user_sessions')
      .set({ revoked_at: at })
      .where('id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Revokes every unrevoked session of a user but `exceptSessionId`; how many it revoked. */
  async revokeSessionsOf(userId: string, at: string, exceptSessionId?: string): Promise<number> {
    let q = this.#db
      .updateTable('user_sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async markSessionMfa(sessionId: string): Promise<void> {
    await this.#db.updateTable('user_sessions').set({ mfa: 1 }).where('id', '=', sessionId).execute();
  }

  // ------------------------------------------------------------------------------------ recovery codes

  /** Consumes an unused code of this user. Rows changed (0 or 1). */
  async consumeRecoveryCode(codeHash: string, userId: string, at: string): Promise<number> {
    const r = await this.#db
      .updateTable('recovery_codes')
      .set({ used_at: at })
      .where('code_hash', '=', codeHash)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async deleteRecoveryCodes(userId: string): Promise<void> {
    await this.#db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  }

  async insertRecoveryCodes(values: Array<Insertable<IdentityTables['recovery_codes']>>): Promise<void> {
    await this.#db.insertInto('recovery_codes').values(values).execute();
  }

  // ------------------------------------------------------------------------------------ eligibility

  /** Which of these codes are barred (in no particular order). */
  async barredAmong(codes: string[]): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('barred_countries')
      .select('code')
      .where('code', 'in', codes)
      .execute();
    return rows.map((r) => r.code);
  }

  listBarredCountries(): Promise<Array<{ code: string; note: string | null }>> {
    return this.#db.selectFrom('barred_countries').select(['code', 'note']).orderBy('code').execute();
  }

  /** Replaces the whole list. */
  async replaceBarredCountries(values: Array<Insertable<IdentityTables['barred_countries']>>): Promise<void> {
    await this.#db.deleteFrom('barred_countries').execute();
    if (values.length) await this.#db.insertInto('barred_countries').values(values).execute();
  }

  /** The listed name of the screening entry with this normalised name, or null. */
  async screeningMatch(normalizedName: string): Promise<string | null> {
    const hit = await this.#db
      .selectFrom('screening_entries')
      .select('name')
      .where('normalized_name', '=', normalizedName)
      .executeTakeFirst();
    return hit?.name ?? null;
  }

  async deleteAllScreeningEntries(): Promise<void> {
    await this.#db.deleteFrom('screening_entries').execute();
  }

  /** In chunks of 500 names (bound-parameter limits). */
  async deleteScreeningEntries(normalizedNames: string[]): Promise<void> {
    for (let i = 0; i < normalizedNames.length; i += 500) {
      await this.#db
        .deleteFrom('screening_entries')
        .where('normalized_name', 'in', normalizedNames.slice(i, i + 500))
        .execute();
    }
  }

  /** In chunks of 200 rows (bound-parameter limits). */
  async insertScreeningEntries(
    values: Array<Insertable<IdentityTables['screening_entries']>>,
  ): Promise<void> {
    for (let i = 0; i < values.length; i += 200) {
      await this.#db
        .insertInto('screening_entries')
        .values(values.slice(i, i + 200))
        .execute();
    }
  }

  async countScreeningEntries(): Promise<number> {
    const total = await this.#db
      .selectFrom('screening_entries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(total.n);
  }

  listScreeningEntries(limit: number): Promise<ScreeningRow[]> {
    return this.#db.selectFrom('screening_entries').selectAll().orderBy('name').limit(limit).execute();
  }

  /** The rule for this e-mail domain, if any. */
  async autoApproveRule(emailDomain: string): Promise<string | null> {
    const hit = await this.#db
      .selectFrom('auto_approve_rules')
      .select('email_domain')
      .where('email_domain', '=', emailDomain)
      .executeTakeFirst();
    return hit?.email_domain ?? null;
  }

  listAutoApproveRules(): Promise<AutoApproveRuleRow[]> {
    return this.#db.selectFrom('auto_approve_rules').selectAll().orderBy('email_domain').execute();
  }

  async insertAutoApproveRule(values: Insertable<IdentityTables['auto_approve_rules']>): Promise<void> {
    await this.#db.insertInto('auto_approve_rules').values(values).execute();
  }

  /** Rows deleted (0 or 1). */
  async deleteAutoApproveRule(emailDomain: string): Promise<number> {
    const r = await this.#db
      .deleteFrom('auto_approve_rules')
      .where('email_domain', '=', emailDomain)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ------------------------------------------------------------------------------------ settings

  async setting(key: string): Promise<string | null> {
    const r = await this.#db
      .selectFrom('identity_settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return r ? r.value : null;
  }

  /** Delete then insert (the same on both engines, no upsert dialect). */
  async replaceSetting(key: string, value: string): Promise<void> {
    await this.#db.deleteFrom('identity_settings').where('key', '=', key).execute();
    await this.#db.insertInto('identity_settings').values({ key, value }).execute();
  }
}
