import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import {
  joinTransaction,
  type SharedTransaction,
  shareTransaction,
} from '../../platform/db/shared-transaction.ts';
import type { EnforcementTables } from './tables.ts';

/**
 * The enforcement module's SQL, and the only file of the module with any: incidents with their
 * evidence and replies, enforcement actions and enforcement policies. `transaction` runs a unit of
 * work on a store bound to one transaction and hands it on as a `SharedTransaction`, so the audit
 * event, the notices and the e-mails commit with the change.
 */
export type IncidentRow = Selectable<EnforcementTables['incidents']>;
export type EvidenceRow = Selectable<EnforcementTables['incident_evidence']>;
export type ReplyRow = Selectable<EnforcementTables['incident_replies']>;
export type ActionRow = Selectable<EnforcementTables['enforcement_actions']>;
export type PolicyRow = Selectable<EnforcementTables['enforcement_policies']>;

export type IncidentFilter = {
  status?: string;
  severity?: string;
  detector?: string;
  orgId?: string;
  subjectKind?: string;
  sort?: 'newest' | 'oldest' | 'severity' | 'count';
  limit: number;
  offset: number;
};

export class EnforcementStore {
  readonly #db: Kysely<EnforcementTables>;

  constructor(db: Kysely<EnforcementTables>) {
    this.#db = db;
  }

  transaction<R>(fn: (store: EnforcementStore, tx: SharedTransaction) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => fn(new EnforcementStore(trx), shareTransaction(trx)));
  }

  // ---------------------------------------------------------------- incidents
  /**
   * Inserts the incident, or — when a live one holds the same `open_key` — adds its count to that
   * one and stretches its window: one statement, so concurrent reports of the same (detector,
   * subject) never make a second live incident nor lose a count. Returns the live incident's id.
   */
  async upsertIncident(row: Insertable<EnforcementTables['incidents']>): Promise<string> {
    const r = await this.#db
      .insertInto('incidents')
      .values(row)
      .onConflict((oc) =>
        oc.column('open_key').doUpdateSet({
          count: sql`incidents.count + excluded.count`,
          window_start: sql`CASE WHEN excluded.window_start < incidents.window_start THEN excluded.window_start ELSE incidents.window_start END`,
          window_end: sql`CASE WHEN excluded.window_end > incidents.window_end THEN excluded.window_end ELSE incidents.window_end END`,
          updated_at: sql`excluded.updated_at`,
        }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async insertEvidence(rows: Insertable<EnforcementTables['incident_evidence']>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.insertInto('incident_evidence').values(rows).execute();
  }

  async countEvidence(incidentId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('incident_evidence')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('incident_id', '=', incidentId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  findIncident(id: string): Promise<IncidentRow | undefined> {
    return this.#db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Incidents created at or after `fromIso`, oldest first (policies' dry run and counting triggers). */
  async incidentsSince(fromIso: string, orgId?: string, limit = 10_000): Promise<IncidentRow[]> {
    let q = this.#db.selectFrom('incidents').selectAll().where('created_at', '>=', fromIso);
    if (orgId) q = q.where('org_id', '=', orgId);
    return q.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).execute();
  }

  async listIncidents(f: IncidentFilter): Promise<{ rows: IncidentRow[]; total: number }> {
    let q = this.#db.selectFrom('incidents');
    if (f.status) q = q.where('status', '=', f.status);
    if (f.severity) q = q.where('severity', '=', f.severity);
    if (f.detector) q = q.where('detector', '=', f.detector);
    if (f.orgId) q = q.where('org_id', '=', f.orgId);
    if (f.subjectKind) q = q.where('subject_kind', '=', f.subjectKind);
    const total = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    let rows = q.selectAll();
    if (f.sort === 'oldest') rows = rows.orderBy('id', 'asc');
    else if (f.sort === 'count') rows = rows.orderBy('count', 'desc').orderBy('id', 'desc');
    else if (f.sort === 'severity')
      rows = rows
        .orderBy(
          sql`CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END`,
          'desc',
        )
        .orderBy('id', 'desc');
    else rows = rows.orderBy('id', 'desc');
    return { rows: await rows.limit(f.limit).offset(f.offset).execute(), total: Number(total.n) };
  }

  /**
   * Moves the incident from one of `from` to `status` (the condition makes concurrent changes
   * safe); closing clears its open key so the next report for the subject opens a new incident.
   */
  async setIncidentState(
    id: string,
    from: string[],
    set: {
      status: string;
      updated_at: string;
      resolution_reason?: string | null;
      breach_type?: string | null;
      closed_at?: string | null;
      closed_by?: string | null;
    },
    tx?: SharedTransaction,
  ): Promise<boolean> {
    const db = joinTransaction(this.#db, tx);
    const closing = set.status === 'resolved' || set.status === 'actioned';
    const r = await db
      .updateTable('incidents')
      .set({ ...set, ...(closing ? { open_key: null } : {}) })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  evidenceOf(incidentId: string): Promise<EvidenceRow[]> {
    return this.#db
      .selectFrom('incident_evidence')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('id', 'asc')
      .limit(200)
      .execute();
  }

  async insertReply(row: Insertable<EnforcementTables['incident_replies']>): Promise<void> {
    await this.#db.insertInto('incident_replies').values(row).execute();
  }

  repliesOf(incidentId: string): Promise<ReplyRow[]> {
    return this.#db
      .selectFrom('incident_replies')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('id', 'asc')
      .execute();
  }

  // ---------------------------------------------------------------- actions
  async insertAction(row: Insertable<EnforcementTables['enforcement_actions']>): Promise<void> {
    await this.#db.insertInto('enforcement_actions').values(row).execute();
  }

  findAction(id: string): Promise<ActionRow | undefined> {
    return this.#db.selectFrom('enforcement_actions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listActions(f: {
    orgId?: string;
    appId?: string;
    kind?: string;
    incidentId?: string;
    limit: number;
  }): Promise<ActionRow[]> {
    let q = this.#db.selectFrom('enforcement_actions').selectAll();
    if (f.orgId) q = q.where('org_id', '=', f.orgId);
    if (f.appId) q = q.where('app_id', '=', f.appId);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.incidentId) q = q.where('incident_id', '=', f.incidentId);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  }

  /**
   * Suspensions and throttles not yet ended on the target: an app's own, or (appId null) the
   * organisation's own. Used to find what a reinstatement ends and who suspended an app.
   */
  liveRestrictions(orgId: string, appId: string | null, nowIso: string): Promise<ActionRow[]> {
    let q = this.#db
      .selectFrom('enforcement_actions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('kind', 'in', ['suspend_app', 'suspend_org', 'throttle'])
      .where('ended_at', 'is', null)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', nowIso)]));
    q = appId ? q.where('app_id', '=', appId) : q.where('app_id', 'is', null);
    return q.orderBy('id', 'desc').execute();
  }

  /** Throttles in force now on the app or on its whole organisation. */
  throttlesInForce(orgId: string, appId: string, nowIso: string): Promise<ActionRow[]> {
    return this.#db
      .selectFrom('enforcement_actions')
      .selectAll()
      .where('kind', '=', 'throttle')
      .where('org_id', '=', orgId)
      .where((eb) => eb.or([eb('app_id', '=', appId), eb('app_id', 'is', null)]))
      .where('ended_at', 'is', null)
      .where('ends_at', '>', nowIso)
      .where('effective_at', '<=', nowIso)
      .execute();
  }

  async endActions(ids: string[], endedAt: string, endedBy: string, tx?: SharedTransaction): Promise<void> {
    if (ids.length === 0) return;
    const db = joinTransaction(this.#db, tx);
    await db
      .updateTable('enforcement_actions')
      .set({ ended_at: endedAt, ended_by: endedBy })
      .where('id', 'in', ids)
      .where('ended_at', 'is', null)
      .execute();
  }

  // ---------------------------------------------------------------- policies
  async insertPolicy(row: Insertable<EnforcementTables['enforcement_policies']>): Promise<void> {
    await this.#db.insertInto('enforcement_policies').values(row).execute();
  }

  async updatePolicy(
    id: string,
    set: Partial<Insertable<EnforcementTables['enforcement_policies']>>,
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('enforcement_policies')
      .set(set)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  findPolicy(id: string): Promise<PolicyRow | undefined> {
    return this.#db.selectFrom('enforcement_policies').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listPolicies(): Promise<PolicyRow[]> {
    return this.#db.selectFrom('enforcement_policies').selectAll().orderBy('id', 'asc').execute();
  }
}
