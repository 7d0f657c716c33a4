import type { Kysely, Selectable, Updateable } from 'kysely';
import type { z } from 'zod';
import {
  joinTransaction,
  type SharedTransaction,
  shareTransaction,
} from '../../platform/db/shared-transaction.ts';
import type {
  acceptanceDecision,
  acceptanceMethod,
  changeClass,
  documentSchema,
  kind,
  subjectType,
  terminationKind,
  terminationSchema,
  versionStatus,
} from './contracts.ts';
import type { TermsTables } from './tables.ts';

/**
 * SQL for the terms engine (documents, versions, acceptances, terminations, settings): the only
 * file of the module that talks to the database. `transaction` runs a unit of work and hands it a
 * `SharedTransaction`; every method that writes takes it (optionally) so a change, its audit
 * event, its notices and its mail commit together.
 */
export type TermsKind = z.infer<typeof kind>;
export type ChangeClass = z.infer<typeof changeClass>;

export type TermsDocument = z.infer<typeof documentSchema>;

export type TermsVersion = {
  id: string;
  documentId: string;
  status: z.infer<typeof versionStatus>;
  version: number | null;
  bodyMd: string;
  summary: string;
  changeClass: ChangeClass;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  publishedAt: string | null;
  publishedBy: string | null;
  effectiveAt: string | null;
};

/** A published version (version number, publication and effective times are set). */
export type PublishedVersion = TermsVersion & {
  status: 'published';
  version: number;
  publishedAt: string;
  effectiveAt: string;
};

export type TermsAcceptance = {
  id: string;
  versionId: string;
  documentId: string;
  subjectType: z.infer<typeof subjectType>;
  subjectId: string;
  orgId: string | null;
  /** Who acted; null when the system recorded it (first access, continued use). */
  userId: string | null;
  decision: z.infer<typeof acceptanceDecision>;
  method: z.infer<typeof acceptanceMethod>;
  at: string;
  ip: string | null;
  userAgent: string | null;
  effectNotifiedAt: string | null;
};

type Status = TermsVersion['status'];
export type TerminationKind = z.infer<typeof terminationKind>;

export type Termination = z.infer<typeof terminationSchema>;

function toDocument(r: Selectable<TermsTables['terms_documents']>): TermsDocument {
  return {
    id: r.id,
    kind: r.kind as TermsKind,
    slug: r.slug,
    title: r.title,
    productSlug: r.product_slug,
    createdAt: r.created_at,
  };
}

function toVersion(r: Selectable<TermsTables['terms_versions']>): TermsVersion {
  return {
    id: r.id,
    documentId: r.document_id,
    status: r.status as Status,
    version: r.version_number === null ? null : Number(r.version_number),
    bodyMd: r.body_md,
    summary: r.summary,
    changeClass: r.change_class as ChangeClass,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    publishedAt: r.published_at,
    publishedBy: r.published_by,
    effectiveAt: r.effective_at,
  };
}

function toAcceptance(r: Selectable<TermsTables['terms_acceptances']>): TermsAcceptance {
  return {
    id: r.id,
    versionId: r.version_id,
    documentId: r.document_id,
    subjectType: r.subject_type as TermsAcceptance['subjectType'],
    subjectId: r.subject_id,
    orgId: r.org_id,
    userId: r.user_id,
    decision: r.decision as TermsAcceptance['decision'],
    method: r.method as TermsAcceptance['method'],
    at: r.at,
    ip: r.ip,
    userAgent: r.user_agent,
    effectNotifiedAt: r.effect_notified_at,
  };
}

function toTermination(r: Selectable<TermsTables['org_terminations']>): Termination {
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind as TerminationKind,
    status: r.status as Termination['status'],
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    effectiveAt: r.effective_at,
    withdrawnAt: r.withdrawn_at,
    withdrawnBy: r.withdrawn_by,
    completedAt: r.completed_at,
    retentionUntil: r.retention_until,
    lastError: r.last_error,
  };
}

export class TermsStore {
  readonly #db: Kysely<TermsTables>;
  constructor(db: Kysely<TermsTables>) {
    this.#db = db;
  }

  /**
   * Runs `work` in one transaction; it passes `tx` to this store's methods and to other modules'
   * ports (audit, notices, mail) so everything commits or rolls back together.
   */
  inTransaction<T>(work: (tx: SharedTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => work(shareTransaction(trx)));
  }

  // ------------------------------------------------------------------ documents
  async insertDocument(d: TermsDocument, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx)
      .insertInto('terms_documents')
      .values({
        id: d.id,
        kind: d.kind,
        slug: d.slug,
        title: d.title,
        product_slug: d.productSlug,
        created_at: d.createdAt,
      })
      .execute();
  }

  async getDocument(id: string, tx?: SharedTransaction): Promise<TermsDocument | null> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('terms_documents')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toDocument(r) : null;
  }

  async getDocumentBySlug(slug: string, tx?: SharedTransaction): Promise<TermsDocument | null> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('terms_documents')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return r ? toDocument(r) : null;
  }

  async listDocuments(): Promise<TermsDocument[]> {
    const rows = await this.#db.selectFrom('terms_documents').selectAll().orderBy('id').execute();
    return rows.map(toDocument);
  }

  // ------------------------------------------------------------------ versions
  async insertVersion(v: TermsVersion, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx)
      .insertInto('terms_versions')
      .values({
        id: v.id,
        document_id: v.documentId,
        status: v.status,
        version_number: v.version,
        body_md: v.bodyMd,
        summary: v.summary,
        change_class: v.changeClass,
        created_at: v.createdAt,
        created_by: v.createdBy,
        updated_at: v.updatedAt,
        published_at: v.publishedAt,
        published_by: v.publishedBy,
        effective_at: v.effectiveAt,
      })
      .execute();
  }

  async getVersion(id: string, tx?: SharedTransaction): Promise<TermsVersion | null> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('terms_versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toVersion(r) : null;
  }

  /** Changes a draft; false when the version is no longer a draft (published versions never change). */
  async updateDraft(
    id: string,
    patch: { bodyMd?: string; summary?: string; changeClass?: ChangeClass; updatedAt: string },
    tx?: SharedTransaction,
  ): Promise<boolean> {
    const set: Updateable<TermsTables['terms_versions']> = { updated_at: patch.updatedAt };
    if (patch.bodyMd !== undefined) set.body_md = patch.bodyMd;
    if (patch.summary !== undefined) set.summary = patch.summary;
    if (patch.changeClass !== undefined) set.change_class = patch.changeClass;
    const r = await joinTransaction(this.#db, tx)
      .updateTable('terms_versions')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Turns a draft into a published version; false when it was not a draft any more. */
  async markPublished(
    id: string,
    p: { version: number; publishedAt: string; publishedBy: string | null; effectiveAt: string },
    tx: SharedTransaction,
  ): Promise<boolean> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('terms_versions')
      .set({
        status: 'published',
        version_number: p.version,
        published_at: p.publishedAt,
        published_by: p.publishedBy,
        effective_at: p.effectiveAt,
        updated_at: p.publishedAt,
      })
      .where('id', '=', id)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async maxVersionNumber(documentId: string, tx?: SharedTransaction): Promise<number> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('terms_versions')
      .select((eb) => eb.fn.max('version_number').as('n'))
      .where('document_id', '=', documentId)
      .executeTakeFirst();
    return r?.n === null || r?.n === undefined ? 0 : Number(r.n);
  }

  async listDrafts(documentId?: string): Promise<TermsVersion[]> {
    let q = this.#db.selectFrom('terms_versions').selectAll().where('status', '=', 'draft');
    if (documentId) q = q.where('document_id', '=', documentId);
    const rows = await q.orderBy('id').execute();
    return rows.map(toVersion);
  }

  async listPublished(documentId?: string): Promise<PublishedVersion[]> {
    let q = this.#db.selectFrom('terms_versions').selectAll().where('status', '=', 'published');
    if (documentId) q = q.where('document_id', '=', documentId);
    const rows = await q.orderBy('document_id').orderBy('version_number').execute();
    return rows.map(toVersion) as PublishedVersion[];
  }

  // ------------------------------------------------------------------ acceptances
  /** Inserts the record; with a unique key, false when a record with that key already exists. */
  async insertAcceptance(
    a: TermsAcceptance & { uniqueKey?: string },
    tx?: SharedTransaction,
  ): Promise<boolean> {
    const r = await joinTransaction(this.#db, tx)
      .insertInto('terms_acceptances')
      .values({
        id: a.id,
        version_id: a.versionId,
        document_id: a.documentId,
        subject_type: a.subjectType,
        subject_id: a.subjectId,
        org_id: a.orgId,
        user_id: a.userId,
        decision: a.decision,
        method: a.method,
        at: a.at,
        ip: a.ip,
        user_agent: a.userAgent,
        unique_key: a.uniqueKey ?? null,
        effect_notified_at: a.effectNotifiedAt,
      })
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Every record about one subject (a user for themselves, or an organisation), oldest first. */
  async acceptancesOf(
    subjectType: 'user' | 'org',
    subjectId: string,
    tx?: SharedTransaction,
  ): Promise<TermsAcceptance[]> {
    const rows = await joinTransaction(this.#db, tx)
      .selectFrom('terms_acceptances')
      .selectAll()
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .orderBy('id')
      .execute();
    return rows.map(toAcceptance);
  }

  /** Records a user made, for themselves or on behalf of an organisation, oldest first. */
  async acceptancesByUser(userId: string): Promise<TermsAcceptance[]> {
    const rows = await this.#db
      .selectFrom('terms_acceptances')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('subject_type', '=', 'user'), eb('subject_id', '=', userId)]),
          eb('user_id', '=', userId),
        ]),
      )
      .orderBy('id')
      .execute();
    return rows.map(toAcceptance);
  }

  /** Organisations (and self-accepting users) that responded to any version of a document. */
  async subjectsOfDocument(documentId: string): Promise<{ orgIds: string[]; userIds: string[] }> {
    const rows = await this.#db
      .selectFrom('terms_acceptances')
      .select(['subject_type', 'subject_id'])
      .distinct()
      .where('document_id', '=', documentId)
      .execute();
    return {
      orgIds: rows.filter((r) => r.subject_type === 'org').map((r) => r.subject_id),
      userIds: rows.filter((r) => r.subject_type === 'user').map((r) => r.subject_id),
    };
  }

  /** Organisation declines whose version is in force by `nowIso` and whose effect nobody was told of. */
  async declinesDueForNotice(nowIso: string): Promise<(TermsAcceptance & { effectiveAt: string })[]> {
    const rows = await this.#db
      .selectFrom('terms_acceptances as a')
      .innerJoin('terms_versions as v', 'v.id', 'a.version_id')
      .selectAll('a')
      .select('v.effective_at as v_effective_at')
      .where('a.decision', '=', 'declined')
      .where('a.subject_type', '=', 'org')
      .where('a.effect_notified_at', 'is', null)
      .where('v.effective_at', '<=', nowIso)
      .orderBy('a.id')
      .limit(500)
      // The version's effective time is compared above, so it is set.
      .$narrowType<{ v_effective_at: string }>()
      .execute();
    return rows.map((r) => ({ ...toAcceptance(r), effectiveAt: r.v_effective_at }));
  }

  async markEffectNotified(id: string, at: string, tx?: SharedTransaction): Promise<boolean> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('terms_acceptances')
      .set({ effect_notified_at: at })
      .where('id', '=', id)
      .where('effect_notified_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // ------------------------------------------------------------------ terminations
  async insertTermination(t: Termination, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx)
      .insertInto('org_terminations')
      .values({
        id: t.id,
        org_id: t.orgId,
        kind: t.kind,
        status: t.status,
        reason: t.reason,
        requested_by: t.requestedBy,
        requested_at: t.requestedAt,
        effective_at: t.effectiveAt,
        withdrawn_at: t.withdrawnAt,
        withdrawn_by: t.withdrawnBy,
        completed_at: t.completedAt,
        retention_until: t.retentionUntil,
        last_error: t.lastError,
        live_key: t.status === 'pending' || t.status === 'completed' ? t.orgId : null,
      })
      .execute();
  }

  /** The organisation's pending or completed termination, if any. */
  async liveTermination(orgId: string, tx?: SharedTransaction): Promise<Termination | null> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('org_terminations')
      .selectAll()
      .where('live_key', '=', orgId)
      .executeTakeFirst();
    return r ? toTermination(r) : null;
  }

  async terminationsOf(orgId: string): Promise<Termination[]> {
    const rows = await this.#db
      .selectFrom('org_terminations')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute();
    return rows.map(toTermination);
  }

  async getTermination(id: string, tx?: SharedTransaction): Promise<Termination | null> {
    const r = await joinTransaction(this.#db, tx)
      .selectFrom('org_terminations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toTermination(r) : null;
  }

  async dueTerminations(nowIso: string, limit = 100): Promise<Termination[]> {
    const rows = await this.#db
      .selectFrom('org_terminations')
      .selectAll()
      .where('status', '=', 'pending')
      .where('effective_at', '<=', nowIso)
      .orderBy('effective_at')
      .limit(limit)
      .execute();
    return rows.map(toTermination);
  }

  /** Moves a pending termination to another state; false when it was not pending any more. */
  async finishPending(
    id: string,
    to: 'withdrawn' | 'completed' | 'superseded',
    set: { withdrawnAt?: string; withdrawnBy?: string; completedAt?: string; retentionUntil?: string },
    tx?: SharedTransaction,
  ): Promise<boolean> {
    const r = await joinTransaction(this.#db, tx)
      .updateTable('org_terminations')
      .set({
        status: to,
        live_key: to === 'completed' ? undefined : null,
        withdrawn_at: set.withdrawnAt,
        withdrawn_by: set.withdrawnBy,
        completed_at: set.completedAt,
        retention_until: set.retentionUntil,
        last_error: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setTerminationError(id: string, error: string): Promise<void> {
    await this.#db
      .updateTable('org_terminations')
      .set({ last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }

  // ------------------------------------------------------------------ settings
  async getSettings(): Promise<Record<string, string>> {
    const rows = await this.#db.selectFrom('terms_settings').selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async putSetting(
    key: string,
    value: string,
    at: string,
    by: string | null,
    tx?: SharedTransaction,
  ): Promise<void> {
    await joinTransaction(this.#db, tx)
      .insertInto('terms_settings')
      .values({ key, value, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: by }))
      .execute();
  }
}
