import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { idAtOrAfter } from '../../platform/ids.ts';
import type { AppsTables } from '../apps/index.ts';
import type { AuditTables } from '../audit/index.ts';
import type { EnforcementTables } from '../enforcement/index.ts';
import type { GatewayTables } from '../gateway/index.ts';
import type { IdentityTables } from '../identity/index.ts';
import type { OrganizationsTables } from '../organizations/index.ts';
import type { TermsTables } from '../terms/index.ts';
import type { RegulatorTables } from './tables.ts';

/**
 * The regulator module's SQL, and the only file of the module with any. `RegulatorStore` owns the
 * module's tables. `ExportReader` reads other modules' tables READ-ONLY for an export bundle, one
 * keyset page at a time (ADR 0016 says why it reads them here rather than through each owner's
 * face, and what replaces it): it selects named columns only, so a secret column (password and
 * client-secret hashes, TOTP seeds, hints) can never reach a bundle.
 */
export type RequestRow = Selectable<RegulatorTables['regulator_requests']>;
export type FileRow = Selectable<RegulatorTables['regulator_export_files']>;
export type InformationRow = Selectable<RegulatorTables['information_requests']>;

export class RegulatorStore {
  readonly #db: Kysely<RegulatorTables>;

  constructor(db: Kysely<RegulatorTables>) {
    this.#db = db;
  }

  async insertRequest(row: Insertable<RegulatorTables['regulator_requests']>): Promise<void> {
    await this.#db.insertInto('regulator_requests').values(row).execute();
  }

  findRequest(id: string): Promise<RequestRow | undefined> {
    return this.#db.selectFrom('regulator_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listRequests(limit: number): Promise<RequestRow[]> {
    return this.#db.selectFrom('regulator_requests').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }

  /** Updates the request only while it is in `fromStatus`: false when another call moved it first. */
  async updateRequestIf(
    id: string,
    fromStatus: string,
    patch: Updateable<RegulatorTables['regulator_requests']>,
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('regulator_requests')
      .set(patch)
      .where('id', '=', id)
      .where('status', '=', fromStatus)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async updateRequest(id: string, patch: Updateable<RegulatorTables['regulator_requests']>): Promise<void> {
    await this.#db.updateTable('regulator_requests').set(patch).where('id', '=', id).execute();
  }

  /** Claims the oldest request whose bundle waits to be built (pending → building); null if none. */
  async claimPendingExport(): Promise<RequestRow | null> {
    const next = await this.#db
      .selectFrom('regulator_requests')
      .select('id')
      .where('export_state', '=', 'pending')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!next) return null;
    const r = await this.#db
      .updateTable('regulator_requests')
      .set({ export_state: 'building', export_rows: 0, export_error: null })
      .where('id', '=', next.id)
      .where('export_state', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return null;
    return (await this.findRequest(next.id)) ?? null;
  }

  /** Open requests due before `beforeIso` whose operators have not been told yet. */
  dueUnnoticed(beforeIso: string): Promise<RequestRow[]> {
    return this.#db
      .selectFrom('regulator_requests')
      .selectAll()
      .where('status', '!=', 'delivered')
      .where('due_at', '<=', beforeIso)
      .where('due_noticed_at', 'is', null)
      .limit(100)
      .execute();
  }

  /** Drops a bundle's files and chunks (a rebuild after a failure starts clean). */
  async clearExport(requestId: string): Promise<void> {
    await this.#db.deleteFrom('regulator_export_chunks').where('request_id', '=', requestId).execute();
    await this.#db.deleteFrom('regulator_export_files').where('request_id', '=', requestId).execute();
  }

  async insertChunk(row: Insertable<RegulatorTables['regulator_export_chunks']>): Promise<void> {
    await this.#db.insertInto('regulator_export_chunks').values(row).execute();
  }

  async insertFile(row: Insertable<RegulatorTables['regulator_export_files']>): Promise<void> {
    await this.#db.insertInto('regulator_export_files').values(row).execute();
  }

  files(requestId: string): Promise<FileRow[]> {
    return this.#db
      .selectFrom('regulator_export_files')
      .selectAll()
      .where('request_id', '=', requestId)
      .orderBy('path')
      .execute();
  }

  /** One file's chunks after `afterSeq`, a few at a time (the download streams them in order). */
  chunks(requestId: string, path: string, afterSeq: number, limit: number) {
    return this.#db
      .selectFrom('regulator_export_chunks')
      .select(['seq', 'data_enc'])
      .where('request_id', '=', requestId)
      .where('path', '=', path)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  // ---------------------------------------------------------------- information requests
  async insertInformation(row: Insertable<RegulatorTables['information_requests']>): Promise<void> {
    await this.#db.insertInto('information_requests').values(row).execute();
  }

  findInformation(id: string): Promise<InformationRow | undefined> {
    return this.#db.selectFrom('information_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listInformation(orgId: string | null, limit: number): Promise<InformationRow[]> {
    let q = this.#db.selectFrom('information_requests').selectAll();
    if (orgId) q = q.where('org_id', '=', orgId);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }

  async answerInformation(
    id: string,
    patch: { answer: string; answered_by: string; answered_at: string },
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('information_requests')
      .set({ ...patch, status: 'answered' })
      .where('id', '=', id)
      .where('status', '=', 'received')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

/** The tables an export reads (their owners' faces export the types). */
export type ExportSourceTables = OrganizationsTables &
  IdentityTables &
  AppsTables &
  TermsTables &
  GatewayTables &
  EnforcementTables &
  AuditTables;

/** Where an export looks: the scope as resolved (ids that exist) and the UTC range [from, to). */
export type ResolvedScope = {
  orgIds: string[];
  userIds: string[];
  appIds: string[];
  from: string;
  to: string;
};

/** A keyset position: the last row's time (or '' for untimed sources) and id. */
export type Cursor = { at: string; id: string };
export type Page = { rows: Record<string, unknown>[]; next: Cursor | null };

/**
 * After a keyset position: `(time, id) > (at, id)` as a row-value comparison (SQLite and
 * PostgreSQL both compare rows), which the (…, time) indexes serve.
 */
const rowAfter = (timeColumn: 'at' | 'created_at', after: Cursor | null) =>
  after ? sql<boolean>`(${sql.ref(timeColumn)}, id) > (${after.at}, ${after.id})` : sql<boolean>`1 = 1`;

/** Inside the request's range [from, to) and after the keyset position. */
const timeWindow = (timeColumn: 'at' | 'created_at', s: ResolvedScope, after: Cursor | null) =>
  sql<boolean>`(${sql.ref(timeColumn)} >= ${s.from} and ${sql.ref(timeColumn)} < ${s.to} and ${rowAfter(timeColumn, after)})`;

/**
 * Calls (usage and request-log rows) inside the range and after the keyset position, by id: a
 * call's id carries its time (ids.ts `idAtOrAfter`), so the range is an id range and (at, id)
 * order is id order — served by the (org_id, id) and (app_id, id) indexes and the primary keys.
 * The cursor's `at` is still given out (it is the row's time), and only its id is read back.
 */
const callWindow = (s: ResolvedScope, after: Cursor | null) =>
  sql<boolean>`(id >= ${idAtOrAfter('use', Date.parse(s.from))} and id < ${idAtOrAfter('use', Date.parse(s.to))} and ${idAfter(after)})`;

/** After a keyset position of an untimed source (its id); the first page when null. */
const idAfter = (after: Cursor | null) => (after ? sql<boolean>`id > ${after.id}` : sql<boolean>`1 = 1`);

/** A row's organisation or user is in scope (memberships, terms acceptances). */
const orgOrUser = (s: ResolvedScope) =>
  sql<boolean>`(org_id in (${sql.join(orNone(s.orgIds))}) or user_id in (${sql.join(orNone(s.userIds))}))`;

/** A call's organisation or app is in scope (usage and request logs). */
const orgOrApp = (s: ResolvedScope) =>
  sql<boolean>`(org_id in (${sql.join(orNone(s.orgIds))}) or app_id in (${sql.join(orNone(s.appIds))}))`;

/** An `in` list that matches no id (an empty list is not valid SQL). */
const NONE = [''];
const orNone = (ids: string[]) => (ids.length ? ids : NONE);

export class ExportReader {
  readonly #db: Kysely<ExportSourceTables>;

  constructor(db: Kysely<ExportSourceTables>) {
    this.#db = db;
  }

  // ---------------------------------------------------------------- resolving a scope
  async existingOrgs(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const r = await this.#db.selectFrom('organizations').select('id').where('id', 'in', ids).execute();
    return r.map((x) => x.id);
  }

  async existingUsers(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const r = await this.#db.selectFrom('users').select('id').where('id', 'in', ids).execute();
    return r.map((x) => x.id);
  }

  /** The apps that exist among `ids`, with their organisations. */
  async existingApps(ids: string[]): Promise<Array<{ id: string; org_id: string }>> {
    if (!ids.length) return [];
    return this.#db.selectFrom('apps').select(['id', 'org_id']).where('id', 'in', ids).execute();
  }

  async orgsOfUsers(userIds: string[]): Promise<string[]> {
    if (!userIds.length) return [];
    const r = await this.#db
      .selectFrom('org_members')
      .select('org_id')
      .distinct()
      .where('user_id', 'in', userIds)
      .execute();
    return r.map((x) => x.org_id);
  }

  async operatorIds(): Promise<string[]> {
    const r = await this.#db.selectFrom('users').select('id').where('is_operator', '=', 1).execute();
    return r.map((x) => x.id);
  }

  async orgAdminIds(orgId: string): Promise<Array<{ id: string; email: string }>> {
    return this.#db
      .selectFrom('org_members')
      .innerJoin('users', 'users.id', 'org_members.user_id')
      .select(['users.id as id', 'users.email as email'])
      .where('org_members.org_id', '=', orgId)
      .where('org_members.role', 'in', ['owner', 'admin'])
      .execute();
  }

  // ---------------------------------------------------------------- pages, one per data class part
  /** Organisations in scope (the account record). */
  async organizations(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('organizations')
      .select([
        'id',
        'name',
        'registration_number',
        'participant_id',
        'status',
        'address',
        'website',
        'authority_attested_by',
        'authority_attested_at',
        'created_by',
        'created_at',
        'details_confirmed_at',
      ])
      .where('id', 'in', orNone(s.orgIds))
      .where(idAfter(after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return untimed(rows, limit);
  }

  /** People in scope: the users named, and every member of an organisation in scope (no secrets). */
  async users(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('users')
      .select([
        'id',
        'email',
        'name',
        'date_of_birth',
        'country_of_residence',
        'country_of_use',
        'phone',
        'job_title',
        'status',
        'is_operator',
        'screening_match',
        'terms_version',
        'terms_accepted_at',
        'created_at',
        'activated_at',
      ])
      .where((eb) =>
        eb.or([
          eb('id', 'in', orNone(s.userIds)),
          eb(
            'id',
            'in',
            eb.selectFrom('org_members').select('user_id').where('org_id', 'in', orNone(s.orgIds)),
          ),
        ]),
      )
      .where(idAfter(after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return untimed(rows, limit);
  }

  async memberships(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('org_members')
      .select(['id', 'org_id', 'user_id', 'role', 'created_at'])
      .where(orgOrUser(s))
      .where(idAfter(after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return untimed(rows, limit);
  }

  async apps(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('apps')
      .select([
        'id',
        'org_id',
        'name',
        'description',
        'callback_urls',
        'client_id',
        'environment',
        'status',
        'status_reason',
        'created_by',
        'created_at',
        'updated_at',
      ])
      .where((eb) => eb.or([eb('org_id', 'in', orNone(s.orgIds)), eb('id', 'in', orNone(s.appIds))]))
      .where(idAfter(after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return untimed(rows, limit);
  }

  /** Client-secret METADATA: never the hash, nor the hint. */
  async credentials(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'app_id', 'status', 'expires_at', 'created_by', 'created_at', 'revoked_at'])
      .where((eb) =>
        eb.or([
          eb('app_id', 'in', orNone(s.appIds)),
          eb('app_id', 'in', eb.selectFrom('apps').select('id').where('org_id', 'in', orNone(s.orgIds))),
        ]),
      )
      .where(idAfter(after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return untimed(rows, limit);
  }

  async termsAcceptances(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('terms_acceptances')
      .select([
        'id',
        'at',
        'version_id',
        'document_id',
        'subject_type',
        'subject_id',
        'org_id',
        'user_id',
        'decision',
        'method',
        'ip',
        'user_agent',
      ])
      .where(orgOrUser(s))
      .where(timeWindow('at', s, after))
      .orderBy(['at', 'id'])
      .limit(limit)
      .execute();
    return timed(rows, limit);
  }

  async usage(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('gateway_usage')
      .select([
        'id',
        'at',
        'org_id',
        'app_id',
        'product_slug',
        'operation_id',
        'catalog',
        'method',
        'path',
        'status',
        'outcome',
        'error_code',
        'network_code',
        'latency_us',
        'client_ip',
        'end_user_hash',
        'request_id',
        'bytes_in',
        'bytes_out',
        'replayed',
        'live_data_suspected',
      ])
      .where(orgOrApp(s))
      .where(callWindow(s, after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return timed(rows, limit);
  }

  /** The request log as stored (headers and bodies were masked when they were logged). */
  async requestLogs(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('gateway_request_logs')
      .select([
        'id',
        'at',
        'org_id',
        'app_id',
        'request_headers',
        'request_body',
        'response_body',
        'dropped_reason',
      ])
      .where(orgOrApp(s))
      .where(callWindow(s, after))
      .orderBy('id')
      .limit(limit)
      .execute();
    return timed(rows, limit);
  }

  async incidents(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('incidents')
      .select([
        'id',
        'created_at as at',
        'detector',
        'severity',
        'subject_kind',
        'subject_id',
        'org_id',
        'status',
        'title',
        'summary',
        'terms_clause',
        'breach_type',
        'window_start',
        'window_end',
        'count',
        'resolution_reason',
        'updated_at',
        'closed_at',
      ])
      .where((eb) =>
        eb.or([
          eb('org_id', 'in', orNone(s.orgIds)),
          eb('subject_id', 'in', orNone([...s.appIds, ...s.userIds])),
        ]),
      )
      .where(timeWindow('created_at', s, after))
      .orderBy(['created_at', 'id'])
      .limit(limit)
      .execute();
    return timed(rows, limit);
  }

  async auditEvents(s: ResolvedScope, after: Cursor | null, limit: number): Promise<Page> {
    const rows = await this.#db
      .selectFrom('audit_events')
      .select([
        'id',
        'at',
        'seq',
        'actor_type',
        'actor_id',
        'action',
        'target_type',
        'target_id',
        'org_id',
        'ip',
        'user_agent',
        'details',
        'hash',
      ])
      .where((eb) =>
        eb.or([
          eb('org_id', 'in', orNone(s.orgIds)),
          eb('actor_id', 'in', orNone(s.userIds)),
          eb('target_id', 'in', orNone([...s.appIds, ...s.userIds])),
        ]),
      )
      .where(timeWindow('at', s, after))
      .orderBy(['at', 'id'])
      .limit(limit)
      .execute();
    return timed(rows, limit);
  }
}

function untimed(rows: Array<Record<string, unknown> & { id: string }>, limit: number): Page {
  const last = rows.at(-1);
  return { rows, next: rows.length === limit && last ? { at: '', id: last.id } : null };
}

function timed(rows: Array<Record<string, unknown> & { id: string; at: string }>, limit: number): Page {
  const last = rows.at(-1);
  return { rows, next: rows.length === limit && last ? { at: last.at, id: last.id } : null };
}
