import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { DAY } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Actor, AuditLog } from '../audit/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type {
  acceptanceSchema,
  applicableTermsSchema,
  documentView,
  historySchema,
  settingsSchema,
  versionSchema,
} from './contracts.ts';
import type { TermsGate } from './ports.ts';
import type { TermsTables } from './tables.ts';
import {
  type ChangeClass,
  type PublishedVersion,
  type TermsAcceptance,
  type TermsDocument,
  type TermsKind,
  TermsStore,
  type TermsVersion,
} from './terms-store.ts';

/**
 * The terms engine: documents (general terms, per-product additional terms, policies, guidelines)
 * and their versions; publication under the notice rules the published terms promise; the set of
 * terms that applies to a product; explicit acceptance and declining; the history that proves who
 * accepted which version, when and how.
 *
 * Rules held here (not in the UI):
 * - published versions never change; a change is a new version;
 * - a `standard` change to a document that already has a published version takes effect no
 *   sooner than `standardNoticeDays` (operator setting, never below 15) after publication;
 *   `new_function` and `legal` changes may take effect at publication; nothing takes effect
 *   before it is published;
 * - the version in force at a moment is the published version with the latest effective time
 *   not after that moment; every acceptance names one exact version.
 */

/** What the published terms promise: standard changes take effect no sooner than this. */
const MIN_STANDARD_NOTICE_DAYS = 15;

/**
 * standardNoticeDays: notice for standard changes (≥ 15); terminationNoticeDays: written notice an
 * organisation gives before its termination date (≥ 1); retentionDays: how long a terminated
 * organisation's data is kept read-only.
 */
export type TermsSettings = z.infer<typeof settingsSchema>;

const defaultTermsSettings: TermsSettings = {
  standardNoticeDays: 15,
  terminationNoticeDays: 30,
  retentionDays: 365,
};

const settingBounds: Record<keyof TermsSettings, { min: number; max: number }> = {
  standardNoticeDays: { min: MIN_STANDARD_NOTICE_DAYS, max: 365 },
  terminationNoticeDays: { min: 1, max: 365 },
  retentionDays: { min: 30, max: 3650 },
};

export type RequestContext = { ip?: string | null; userAgent?: string | null };

export type VersionView = z.infer<typeof versionSchema>;

/** A document with its version in force and its published versions not yet in force, earliest first. */
export type DocumentView = z.infer<typeof documentView>;

/** Documents that apply, general terms first; `governs` tells which wins on a conflict. */
export type ApplicableTerms = z.infer<typeof applicableTermsSchema>;

export type AcceptanceView = z.infer<typeof acceptanceSchema>;

/**
 * `firstAccessAt`: when terms first became effective for the organisation (its first API call);
 * per version, `inForceUntil` is when the next version took over (null while still in force) and
 * `standing` the subject's standing from its latest record.
 */
export type AcceptanceHistory = z.infer<typeof historySchema>;

type Snapshot = {
  loadedAtMs: number;
  documents: Map<string, TermsDocument>;
  /** Published versions per document, by version number ascending. */
  versions: Map<string, PublishedVersion[]>;
};

/** Published documents change rarely; every process re-reads them at least this often. */
const SNAPSHOT_TTL_MS = 15_000;

function view(v: TermsVersion): VersionView {
  return {
    id: v.id,
    documentId: v.documentId,
    version: v.version,
    status: v.status,
    bodyMd: v.bodyMd,
    summary: v.summary,
    changeClass: v.changeClass,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    publishedAt: v.publishedAt,
    effectiveAt: v.effectiveAt,
  };
}

/** The version in force at `atIso`: latest effective time not after it (ties: higher number). */
export function versionInForce(versions: PublishedVersion[], atIso: string): PublishedVersion | null {
  let best: PublishedVersion | null = null;
  for (const v of versions) {
    if (v.effectiveAt > atIso) continue;
    if (
      !best ||
      v.effectiveAt > best.effectiveAt ||
      (v.effectiveAt === best.effectiveAt && v.version > best.version)
    )
      best = v;
  }
  return best;
}

export function pendingVersions(versions: PublishedVersion[], atIso: string): PublishedVersion[] {
  return versions
    .filter((v) => v.effectiveAt > atIso)
    .sort((a, b) =>
      a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : a.version - b.version,
    );
}

function actorOf(principal: Principal | null): Actor {
  if (!principal) return { type: 'system', id: null };
  return { type: principal.isOperator ? 'operator' : 'user', id: principal.userId };
}

function fmtDate(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export type TermsServiceDeps = {
  db: Kysely<TermsTables>;
  clock: Clock;
  audit: AuditLog;
  notifications: Notices;
  mailer: MailOutbox;
  orgAccess: OrgAccess;
  users?: UserDirectory | null;
  log?: Logger;
  publicUrl?: string;
};

export class TermsService implements TermsGate {
  readonly store: TermsStore;
  readonly #clock: Clock;
  readonly #audit: AuditLog;
  readonly #notifications: Notices;
  readonly #mailer: MailOutbox;
  readonly #orgAccess: OrgAccess;
  readonly #users: UserDirectory | null;
  readonly #log: Logger | undefined;
  readonly #publicUrl: string;
  #snapshot: Snapshot | null = null;
  #snapshotLoading: Promise<Snapshot> | null = null;
  #settings: TermsSettings | null = null;
  #settingsLoadedAtMs = 0;
  /** Called whenever something changes what an organisation may do (acceptance, publication…). */
  readonly #changeListeners: ((orgId: string | null) => void)[] = [];

  constructor(deps: TermsServiceDeps) {
    this.store = new TermsStore(deps.db);
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#notifications = deps.notifications;
    this.#mailer = deps.mailer;
    this.#orgAccess = deps.orgAccess;
    this.#users = deps.users ?? null;
    this.#log = deps.log;
    this.#publicUrl = deps.publicUrl ?? '';
  }

  get orgAccess(): OrgAccess {
    return this.#orgAccess;
  }

  /** `orgId` null means "everyone" (a publication). */
  onChange(listener: (orgId: string | null) => void): void {
    this.#changeListeners.push(listener);
  }
  #changed(orgId: string | null): void {
    if (orgId === null) this.#snapshot = null;
    for (const l of this.#changeListeners) l(orgId);
  }

  // ------------------------------------------------------------------ settings
  async getSettings(): Promise<TermsSettings> {
    // Other processes' changes are picked up within a minute.
    const nowMs = this.#clock.nowMs();
    if (this.#settings && nowMs >= this.#settingsLoadedAtMs && nowMs - this.#settingsLoadedAtMs < 60_000) {
      return this.#settings;
    }
    const raw = await this.store.getSettings();
    const s: TermsSettings = { ...defaultTermsSettings };
    for (const k of Object.keys(defaultTermsSettings) as (keyof TermsSettings)[]) {
      const n = Number(raw[k]);
      if (raw[k] !== undefined && Number.isInteger(n)) s[k] = Math.max(settingBounds[k].min, n);
    }
    this.#settings = s;
    this.#settingsLoadedAtMs = nowMs;
    return s;
  }

  async updateSettings(
    principal: Principal,
    patch: Partial<TermsSettings>,
    ctx: RequestContext = {},
  ): Promise<TermsSettings> {
    if (!principal.isOperator) throw new AppError('forbidden');
    const current = await this.getSettings();
    const next = { ...current };
    for (const [k, v] of Object.entries(patch) as [keyof TermsSettings, number | undefined][]) {
      if (v === undefined) continue;
      const b = settingBounds[k];
      if (!b) continue;
      if (!Number.isInteger(v) || v < b.min || v > b.max) {
        throw new AppError('terms_setting_invalid', {
          message:
            k === 'standardNoticeDays'
              ? `The notice for standard changes must be from ${b.min} to ${b.max} days: the published terms promise at least ${MIN_STANDARD_NOTICE_DAYS}.`
              : `${k} must be a whole number from ${b.min} to ${b.max}.`,
          details: { field: k, min: b.min, max: b.max },
        });
      }
      next[k] = v;
    }
    const at = this.#clock.now().toISOString();
    await this.store.inTransaction(async (tx) => {
      for (const k of Object.keys(next) as (keyof TermsSettings)[]) {
        if (next[k] !== current[k]) await this.store.putSetting(k, String(next[k]), at, principal.userId, tx);
      }
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'terms.settings_update',
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: { before: current, after: next },
        },
        tx,
      );
    });
    this.#settings = next;
    this.#settingsLoadedAtMs = this.#clock.nowMs();
    return next;
  }

  // ------------------------------------------------------------------ published snapshot (cached)
  /** Published documents and versions, cached briefly (publication in this process clears it). */
  async snapshot(nowMs: number = this.#clock.nowMs()): Promise<Snapshot> {
    const s = this.#snapshot;
    if (s && nowMs - s.loadedAtMs < SNAPSHOT_TTL_MS && nowMs >= s.loadedAtMs) return s;
    if (this.#snapshotLoading) return this.#snapshotLoading;
    this.#snapshotLoading = (async () => {
      const [docs, versions] = await Promise.all([this.store.listDocuments(), this.store.listPublished()]);
      const snap: Snapshot = { loadedAtMs: nowMs, documents: new Map(), versions: new Map() };
      for (const d of docs) {
        snap.documents.set(d.id, d);
        snap.versions.set(d.id, []);
      }
      for (const v of versions) snap.versions.get(v.documentId)?.push(v);
      this.#snapshot = snap;
      return snap;
    })().finally(() => {
      this.#snapshotLoading = null;
    });
    return this.#snapshotLoading;
  }

  // ------------------------------------------------------------------ documents and drafts
  async createDocument(
    principal: Principal | null,
    input: { kind: TermsKind; slug: string; title: string; productSlug?: string | null },
    ctx: RequestContext = {},
  ): Promise<TermsDocument> {
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    if (input.kind === 'additional' && !input.productSlug) {
      throw new AppError('validation_failed', {
        message: 'Additional terms belong to a product: give productSlug.',
        details: [
          { in: 'body', field: 'productSlug', code: 'required', message: 'required for additional terms' },
        ],
      });
    }
    if (input.kind === 'general' && input.productSlug) {
      throw new AppError('validation_failed', {
        message: 'General terms apply to every product: leave productSlug out.',
        details: [
          { in: 'body', field: 'productSlug', code: 'not_allowed', message: 'not allowed for general terms' },
        ],
      });
    }
    const now = this.#clock.nowMs();
    const doc: TermsDocument = {
      id: newId('tdoc', now),
      kind: input.kind,
      slug: input.slug,
      title: input.title,
      productSlug: input.productSlug ?? null,
      createdAt: new Date(now).toISOString(),
    };
    try {
      await this.store.inTransaction(async (tx) => {
        await this.store.insertDocument(doc, tx);
        await this.#audit.record(
          {
            actor: actorOf(principal),
            action: 'terms.document_create',
            target: { type: 'terms_document', id: doc.id },
            ip: ctx.ip,
            userAgent: ctx.userAgent,
            details: { kind: doc.kind, slug: doc.slug, productSlug: doc.productSlug },
          },
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: `A document with slug "${input.slug}" exists.` });
      throw err;
    }
    this.#changed(null);
    return doc;
  }

  async listDocuments(nowMs: number = this.#clock.nowMs()): Promise<DocumentView[]> {
    const snap = await this.snapshot(nowMs);
    const at = new Date(nowMs).toISOString();
    return [...snap.documents.values()].map((d) => this.#documentView(snap, d, at));
  }

  #documentView(snap: Snapshot, d: TermsDocument, atIso: string): DocumentView {
    const versions = snap.versions.get(d.id) ?? [];
    const inForce = versionInForce(versions, atIso);
    return {
      ...d,
      inForce: inForce ? view(inForce) : null,
      pending: pendingVersions(versions, atIso).map(view),
    };
  }

  async createDraft(
    principal: Principal | null,
    documentId: string,
    input: { bodyMd: string; summary: string; changeClass: ChangeClass },
    ctx: RequestContext = {},
  ): Promise<VersionView> {
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    const doc = await this.store.getDocument(documentId);
    if (!doc) throw new AppError('not_found', { message: 'No such terms document.' });
    const now = this.#clock.now().toISOString();
    const v: TermsVersion = {
      id: newId('trm', this.#clock.nowMs()),
      documentId,
      status: 'draft',
      version: null,
      bodyMd: input.bodyMd,
      summary: input.summary,
      changeClass: input.changeClass,
      createdAt: now,
      createdBy: principal?.userId ?? null,
      updatedAt: now,
      publishedAt: null,
      publishedBy: null,
      effectiveAt: null,
    };
    await this.store.inTransaction(async (tx) => {
      await this.store.insertVersion(v, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'terms.draft_create',
          target: { type: 'terms_version', id: v.id },
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: { documentId, changeClass: v.changeClass },
        },
        tx,
      );
    });
    return view(v);
  }

  async updateDraft(
    principal: Principal,
    versionId: string,
    patch: { bodyMd?: string; summary?: string; changeClass?: ChangeClass },
    ctx: RequestContext = {},
  ): Promise<VersionView> {
    if (!principal.isOperator) throw new AppError('forbidden');
    const existing = await this.store.getVersion(versionId);
    if (!existing) throw new AppError('not_found', { message: 'No such terms version.' });
    if (existing.status !== 'draft') throw new AppError('terms_version_published');
    await this.store.inTransaction(async (tx) => {
      const ok = await this.store.updateDraft(
        versionId,
        { ...patch, updatedAt: this.#clock.now().toISOString() },
        tx,
      );
      if (!ok) throw new AppError('terms_version_published');
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'terms.draft_update',
          target: { type: 'terms_version', id: versionId },
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: {
            fields: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined),
          },
        },
        tx,
      );
    });
    return view((await this.store.getVersion(versionId))!);
  }

  async listDrafts(principal: Principal, documentId?: string): Promise<VersionView[]> {
    if (!principal.isOperator) throw new AppError('forbidden');
    return (await this.store.listDrafts(documentId)).map(view);
  }

  /** A published version for anyone; drafts only for operators (others get not_found). */
  async getVersion(
    versionId: string,
    principal: Principal | null,
  ): Promise<VersionView & { document: TermsDocument }> {
    const v = await this.store.getVersion(versionId);
    if (!v || (v.status === 'draft' && !principal?.isOperator))
      throw new AppError('not_found', { message: 'No such terms version.' });
    const doc = (await this.store.getDocument(v.documentId))!;
    return { ...view(v), document: doc };
  }

  /**
   * Publishes a draft. `effectiveAt` defaults to the earliest the rules allow (publication time plus
   * the notice for standard changes, publication time otherwise). Everyone affected is told in the
   * portal and by e-mail, with the summary and the effective date.
   */
  async publish(
    principal: Principal | null,
    versionId: string,
    opts: { effectiveAt?: string | Date } = {},
    ctx: RequestContext = {},
  ): Promise<VersionView> {
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    const draft = await this.store.getVersion(versionId);
    if (!draft) throw new AppError('not_found', { message: 'No such terms version.' });
    if (draft.status !== 'draft') throw new AppError('terms_version_published');
    const doc = (await this.store.getDocument(draft.documentId))!;
    const nowMs = this.#clock.nowMs();
    const settings = await this.getSettings();
    const hasEarlier = (await this.store.maxVersionNumber(doc.id)) > 0;
    const noticeMs = draft.changeClass === 'standard' && hasEarlier ? settings.standardNoticeDays * DAY : 0;
    const earliestMs = nowMs + noticeMs;
    const effectiveMs =
      opts.effectiveAt === undefined ? earliestMs : new Date(opts.effectiveAt as string | Date).getTime();
    if (!Number.isFinite(effectiveMs)) {
      throw new AppError('validation_failed', {
        message: 'effectiveAt is not a valid time.',
        details: [
          { in: 'body', field: 'effectiveAt', code: 'invalid_date', message: 'not a valid ISO-8601 time' },
        ],
      });
    }
    if (effectiveMs < nowMs) {
      throw new AppError('terms_effective_in_past', {
        details: {
          earliestEffectiveAt: new Date(earliestMs).toISOString(),
        },
      });
    }
    if (effectiveMs < earliestMs) {
      throw new AppError('terms_notice_too_short', {
        message: `A standard change takes effect no sooner than ${settings.standardNoticeDays} days after publication: the earliest allowed is ${new Date(earliestMs).toISOString()}.`,
        details: {
          noticeDays: settings.standardNoticeDays,
          earliestEffectiveAt: new Date(earliestMs).toISOString(),
        },
      });
    }
    const publishedAt = new Date(nowMs).toISOString();
    const effectiveAt = new Date(effectiveMs).toISOString();

    // Who must be told (read before the transaction: other modules use their own connections).
    const recipients = await this.#affectedUsers(doc);
    const emails = await this.#emailsOf(recipients);

    let number = 0;
    try {
      await this.store.inTransaction(async (tx) => {
        number = (await this.store.maxVersionNumber(doc.id, tx)) + 1;
        const ok = await this.store.markPublished(
          versionId,
          { version: number, publishedAt, publishedBy: principal?.userId ?? null, effectiveAt },
          tx,
        );
        if (!ok) throw new AppError('terms_version_published');
        await this.#audit.record(
          {
            actor: actorOf(principal),
            action: 'terms.publish',
            target: { type: 'terms_version', id: versionId },
            ip: ctx.ip,
            userAgent: ctx.userAgent,
            details: {
              documentId: doc.id,
              documentSlug: doc.slug,
              version: number,
              changeClass: draft.changeClass,
              publishedAt,
              effectiveAt,
              noticeDays: noticeMs / DAY,
              notified: recipients.length,
            },
          },
          tx,
        );
        if (recipients.length > 0) {
          const title = `${doc.title}: version ${number} takes effect ${fmtDate(effectiveAt)}`;
          const body = `${draft.summary}\n\nIt takes effect on ${fmtDate(effectiveAt)}. If you disagree, you may decline it before then; after that date, continuing to use the APIs means you accept it.`;
          const link = `/terms/versions/${versionId}`;
          for (let i = 0; i < recipients.length; i += 500) {
            await this.#notifications.notify(
              recipients.slice(i, i + 500),
              { kind: 'terms.published', title, body, link },
              tx,
            );
          }
          for (const to of emails) {
            await this.#mailer.send(
              {
                to,
                subject: title,
                kind: 'terms.published',
                text: `${body}\n\nRead the new text:\n${this.#publicUrl}${link}\n`,
              },
              tx,
            );
          }
        }
      });
    } catch (err) {
      // Two drafts of one document published at the same moment would take the same number.
      if (isUniqueViolation(err))
        throw new AppError('conflict', {
          message: 'Another version of this document was published at the same moment; try again.',
        });
      throw err;
    }
    this.#changed(null);
    return view((await this.store.getVersion(versionId))!);
  }

  /** Users affected by a change to `doc`: everyone for general terms, policies and guidelines; for a
   * product's additional terms, members of organisations that responded to them (subscribers) and
   * users who accepted them for themselves. */
  async #affectedUsers(doc: TermsDocument): Promise<string[]> {
    const ids = new Set<string>();
    if (doc.kind === 'additional' || doc.productSlug) {
      const subjects = await this.store.subjectsOfDocument(doc.id);
      for (const u of subjects.userIds) ids.add(u);
      for (const orgId of subjects.orgIds) {
        for (const u of await this.#orgAccess.memberUserIds(orgId).catch(() => [] as string[])) ids.add(u);
      }
    } else if (this.#users) {
      for (const u of await this.#users.listActiveUserIds()) ids.add(u);
    }
    return [...ids];
  }

  async #emailsOf(userIds: string[]): Promise<string[]> {
    if (!this.#users) return [];
    const out: string[] = [];
    for (const id of userIds) {
      const u = await this.#users.getUser(id).catch(() => null);
      if (u?.email) out.push(u.email);
    }
    return out;
  }

  // ------------------------------------------------------------------ precedence
  /**
   * Everything that applies to a product (or, without one, to the platform): general terms, then
   * the product's additional terms, then policies and guidelines. Additional terms govern the
   * product where they conflict with the general terms.
   */
  async getApplicableTerms(
    productSlug: string | null,
    nowMs: number = this.#clock.nowMs(),
  ): Promise<ApplicableTerms> {
    const snap = await this.snapshot(nowMs);
    const at = new Date(nowMs).toISOString();
    const order: Record<TermsKind, number> = { general: 0, additional: 1, policy: 2, guideline: 3 };
    const docs = [...snap.documents.values()]
      .filter((d) => d.kind === 'general' || d.productSlug === null || d.productSlug === productSlug)
      .filter((d) => (snap.versions.get(d.id)?.length ?? 0) > 0)
      .sort((a, b) => order[a.kind] - order[b.kind] || (a.id < b.id ? -1 : 1));
    return {
      productSlug,
      documents: docs.map((d) => ({ ...this.#documentView(snap, d, at), governs: d.kind })),
      precedence:
        'Additional terms for a product govern that product wherever they conflict with the general terms; policies and guidelines apply alongside both.',
    };
  }

  // ------------------------------------------------------------------ accepting and declining
  async #resolveSubject(
    principal: Principal,
    onBehalfOf: 'self' | 'organization',
    orgId: string | undefined | null,
  ): Promise<{ subjectType: 'user' | 'org'; subjectId: string; orgId: string | null }> {
    if (onBehalfOf === 'organization') {
      if (!orgId) {
        throw new AppError('validation_failed', {
          message: 'Give orgId to act for an organisation.',
          details: [
            {
              in: 'body',
              field: 'orgId',
              code: 'required',
              message: 'required when onBehalfOf is organization',
            },
          ],
        });
      }
      // Only someone with authority to bind the entity (owner or admin) may answer for it.
      await this.#orgAccess.requireMember(principal, orgId, 'admin');
      return { subjectType: 'org', subjectId: orgId, orgId };
    }
    return { subjectType: 'user', subjectId: principal.userId, orgId: null };
  }

  /** Latest accept/decline decision of a subject for one version. */
  static latestDecision(records: TermsAcceptance[], versionId: string): TermsAcceptance | null {
    let last: TermsAcceptance | null = null;
    for (const r of records) {
      if (r.versionId === versionId && (r.decision === 'accepted' || r.decision === 'declined')) {
        if (!last || r.id > last.id) last = r;
      }
    }
    return last;
  }

  /**
   * Explicit acceptance of a published version that is in force or pending. For an organisation it
   * needs an owner or admin and binds the entity.
   */
  async accept(
    principal: Principal,
    versionId: string,
    input: { onBehalfOf: 'self' | 'organization'; orgId?: string | null },
    ctx: RequestContext = {},
  ): Promise<AcceptanceView> {
    const subject = await this.#resolveSubject(principal, input.onBehalfOf, input.orgId);
    const { version, doc } = await this.#publishedVersion(versionId);
    const nowMs = this.#clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    const snap = await this.snapshot(nowMs);
    const inForce = versionInForce(snap.versions.get(doc.id) ?? [], nowIso);
    if (version.effectiveAt <= nowIso && inForce && inForce.id !== version.id) {
      throw new AppError('terms_version_superseded', {
        message: `Version ${version.version} of "${doc.title}" was replaced by version ${inForce.version}; accept that one instead.`,
        details: { inForceVersionId: inForce.id },
      });
    }
    const existing = TermsService.latestDecision(
      await this.store.acceptancesOf(subject.subjectType, subject.subjectId),
      versionId,
    );
    if (existing?.decision === 'accepted' && existing.method === 'explicit') {
      return this.#acceptanceView(existing, doc, version);
    }
    const rec: TermsAcceptance = {
      id: newId('acc', nowMs),
      versionId,
      documentId: doc.id,
      subjectType: subject.subjectType,
      subjectId: subject.subjectId,
      orgId: subject.orgId,
      userId: principal.userId,
      decision: 'accepted',
      method: 'explicit',
      at: nowIso,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      effectNotifiedAt: null,
    };
    await this.store.inTransaction(async (tx) => {
      await this.store.insertAcceptance(rec, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'terms.accept',
          target: { type: 'terms_version', id: versionId },
          orgId: subject.orgId,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: {
            acceptanceId: rec.id,
            onBehalfOf: input.onBehalfOf,
            documentSlug: doc.slug,
            version: version.version,
            previousDecision: existing?.decision ?? null,
          },
        },
        tx,
      );
    });
    if (subject.orgId) this.#changed(subject.orgId);
    return this.#acceptanceView(rec, doc, version);
  }

  /**
   * Declines a published version that is not yet in force. For an organisation, from the effective
   * date its API access ends (the gateway refuses with `terms_declined`) unless it accepts first.
   */
  async decline(
    principal: Principal,
    versionId: string,
    input: { onBehalfOf: 'self' | 'organization'; orgId?: string | null },
    ctx: RequestContext = {},
  ): Promise<AcceptanceView> {
    const subject = await this.#resolveSubject(principal, input.onBehalfOf, input.orgId);
    const { version, doc } = await this.#publishedVersion(versionId);
    const nowMs = this.#clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    if (version.effectiveAt <= nowIso) {
      throw new AppError('terms_version_not_pending', {
        message: `Version ${version.version} of "${doc.title}" is already in force (since ${version.effectiveAt}); to stop, request termination instead.`,
      });
    }
    const rec: TermsAcceptance = {
      id: newId('acc', nowMs),
      versionId,
      documentId: doc.id,
      subjectType: subject.subjectType,
      subjectId: subject.subjectId,
      orgId: subject.orgId,
      userId: principal.userId,
      decision: 'declined',
      method: 'explicit',
      at: nowIso,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      effectNotifiedAt: null,
    };
    const recipients = subject.orgId
      ? await this.#orgAccess.memberUserIds(subject.orgId, 'admin').catch(() => [principal.userId])
      : [principal.userId];
    if (!recipients.includes(principal.userId)) recipients.push(principal.userId);
    const emails = await this.#emailsOf(recipients);
    const who = subject.orgId ? 'Your organisation' : 'You';
    const consequence = subject.orgId
      ? `From ${fmtDate(version.effectiveAt)} its apps will be refused (code terms_declined) unless it accepts this version before then.`
      : `From ${fmtDate(version.effectiveAt)} these terms apply to API use; you can still accept them before then.`;
    const title = `${who} declined "${doc.title}" version ${version.version}`;
    await this.store.inTransaction(async (tx) => {
      await this.store.insertAcceptance(rec, tx);
      await this.#audit.record(
        {
          actor: actorOf(principal),
          action: 'terms.decline',
          target: { type: 'terms_version', id: versionId },
          orgId: subject.orgId,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: {
            acceptanceId: rec.id,
            onBehalfOf: input.onBehalfOf,
            documentSlug: doc.slug,
            version: version.version,
          },
        },
        tx,
      );
      await this.#notifications.notify(
        recipients,
        {
          kind: 'terms.declined',
          title,
          body: consequence,
          link: `/terms/versions/${versionId}`,
          orgId: subject.orgId,
        },
        tx,
      );
      for (const to of emails) {
        await this.#mailer.send(
          {
            to,
            subject: title,
            text: `${consequence}\n\nRead the version:\n${this.#publicUrl}/terms/versions/${versionId}\n`,
            kind: 'terms.declined',
          },
          tx,
        );
      }
    });
    if (subject.orgId) this.#changed(subject.orgId);
    return this.#acceptanceView(rec, doc, version);
  }

  async #publishedVersion(versionId: string): Promise<{ version: PublishedVersion; doc: TermsDocument }> {
    const v = await this.store.getVersion(versionId);
    if (v?.status !== 'published')
      throw new AppError('not_found', { message: 'No such published terms version.' });
    const doc = (await this.store.getDocument(v.documentId))!;
    return { version: v as PublishedVersion, doc };
  }

  #acceptanceView(r: TermsAcceptance, doc: TermsDocument, v: PublishedVersion): AcceptanceView {
    return {
      id: r.id,
      at: r.at,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      orgId: r.orgId,
      userId: r.userId,
      onBehalfOf: r.subjectType === 'org' ? 'organization' : 'self',
      decision: r.decision,
      method: r.method,
      ip: r.ip,
      userAgent: r.userAgent,
      documentId: doc.id,
      documentSlug: doc.slug,
      documentTitle: doc.title,
      versionId: v.id,
      version: v.version,
      versionEffectiveAt: v.effectiveAt,
    };
  }

  /**
   * Accepts every document in force that applies (general terms, plus `productSlug`'s additional
   * terms when given) in one step — what a portal "I accept" button on a product page does.
   */
  async acceptInForce(
    principal: Principal,
    input: { onBehalfOf: 'self' | 'organization'; orgId?: string | null; productSlug?: string | null },
    ctx: RequestContext = {},
  ): Promise<AcceptanceView[]> {
    const applicable = await this.getApplicableTerms(input.productSlug ?? null);
    const out: AcceptanceView[] = [];
    for (const d of applicable.documents) {
      if (d.kind !== 'general' && d.kind !== 'additional') continue;
      if (d.inForce) out.push(await this.accept(principal, d.inForce.id, input, ctx));
    }
    return out;
  }

  /**
   * For the identity module: a new account ticked "I accept the terms" at sign-up (before it can
   * sign in), so the general terms in force are recorded as accepted by that user.
   */
  async recordSignUpAcceptance(userId: string, ctx: RequestContext = {}): Promise<AcceptanceView | null> {
    const applicable = await this.getApplicableTerms(null);
    const general = applicable.documents.find((d) => d.kind === 'general' && d.inForce);
    if (!general?.inForce) return null;
    const snap = await this.snapshot();
    const version = snap.versions.get(general.id)?.find((v) => v.id === general.inForce?.id);
    if (!version) return null;
    const nowMs = this.#clock.nowMs();
    const rec: TermsAcceptance = {
      id: newId('acc', nowMs),
      versionId: version.id,
      documentId: general.id,
      subjectType: 'user',
      subjectId: userId,
      orgId: null,
      userId,
      decision: 'accepted',
      method: 'explicit',
      at: new Date(nowMs).toISOString(),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      effectNotifiedAt: null,
    };
    await this.store.inTransaction(async (tx) => {
      await this.store.insertAcceptance(rec, tx);
      await this.#audit.record(
        {
          actor: { type: 'user', id: userId },
          action: 'terms.accept',
          target: { type: 'terms_version', id: version.id },
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          details: {
            acceptanceId: rec.id,
            onBehalfOf: 'self',
            documentSlug: general.slug,
            version: version.version,
            at: 'sign_up',
          },
        },
        tx,
      );
    });
    return this.#acceptanceView(rec, general, version);
  }

  // ------------------------------------------------------------------ the subscription gate
  /**
   * True when the organisation accepted the product's additional terms: the version in force (or,
   * before any is in force, the first pending one), or a later one. Products without additional
   * terms pass.
   */
  async hasAcceptedProductTerms(orgId: string, productSlug: string): Promise<boolean> {
    const nowMs = this.#clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    const snap = await this.snapshot(nowMs);
    const docs = [...snap.documents.values()].filter(
      (d) => d.kind === 'additional' && d.productSlug === productSlug,
    );
    if (docs.length === 0) return true;
    const records = await this.store.acceptancesOf('org', orgId);
    for (const d of docs) {
      const versions = snap.versions.get(d.id) ?? [];
      const required = versionInForce(versions, nowIso) ?? pendingVersions(versions, nowIso)[0];
      if (!required) continue;
      const ok = versions.some(
        (v) =>
          v.version >= required.version &&
          TermsService.latestDecision(records, v.id)?.decision === 'accepted',
      );
      if (!ok) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ history and proof
  async listAcceptances(
    principal: Principal,
    scope: { orgId?: string; userId?: string },
  ): Promise<AcceptanceHistory> {
    let subject: { type: 'user' | 'org'; id: string };
    let records: TermsAcceptance[];
    if (scope.orgId) {
      await this.#orgAccess.requireMember(principal, scope.orgId, 'viewer', { allowOperator: true });
      subject = { type: 'org', id: scope.orgId };
      records = await this.store.acceptancesOf('org', scope.orgId);
    } else {
      const userId = scope.userId ?? principal.userId;
      if (userId !== principal.userId && !principal.isOperator) throw new AppError('not_found');
      subject = { type: 'user', id: userId };
      records = await this.store.acceptancesByUser(userId);
    }
    const nowMs = this.#clock.nowMs();
    const snap = await this.snapshot(nowMs);
    const views: AcceptanceView[] = [];
    for (const r of records) {
      const doc = snap.documents.get(r.documentId);
      const v = snap.versions.get(r.documentId)?.find((x) => x.id === r.versionId);
      if (doc && v) views.push(this.#acceptanceView(r, doc, v));
    }
    // Versions of every document that binds this subject: general terms always, other documents
    // once the subject has answered any version of them.
    const own = subject.type === 'org' ? records : records.filter((r) => r.subjectType === 'user');
    const answered = new Set(own.map((r) => r.documentId));
    const versions: AcceptanceHistory['versions'] = [];
    for (const doc of snap.documents.values()) {
      if (doc.kind !== 'general' && !answered.has(doc.id)) continue;
      const list = [...(snap.versions.get(doc.id) ?? [])].sort((a, b) =>
        a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : a.version - b.version,
      );
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        const decision = TermsService.latestDecision(own, v.id);
        versions.push({
          documentId: doc.id,
          documentSlug: doc.slug,
          documentTitle: doc.title,
          kind: doc.kind,
          productSlug: doc.productSlug,
          versionId: v.id,
          version: v.version,
          publishedAt: v.publishedAt,
          effectiveAt: v.effectiveAt,
          inForceUntil: list[i + 1]?.effectiveAt ?? null,
          standing: decision ? (decision.decision as 'accepted' | 'declined') : 'no_response',
          acceptedAt: decision?.decision === 'accepted' ? decision.at : null,
          method:
            decision?.decision === 'accepted' ? (decision.method as 'explicit' | 'continued_use') : null,
        });
      }
    }
    const first = records.find((r) => r.method === 'first_access' && r.subjectType === 'org');
    return { subject, firstAccessAt: first?.at ?? null, versions, records: views };
  }

  /** The same records as CSV (one row per record), for proof outside the portal. */
  async exportAcceptancesCsv(
    principal: Principal,
    scope: { orgId?: string; userId?: string },
    ctx: RequestContext = {},
  ): Promise<string> {
    const h = await this.listAcceptances(principal, scope);
    await this.#audit.record({
      actor: actorOf(principal),
      action: 'terms.acceptances_export',
      target: { type: h.subject.type === 'org' ? 'organization' : 'user', id: h.subject.id },
      orgId: h.subject.type === 'org' ? h.subject.id : null,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      details: { format: 'csv', rows: h.records.length },
    });
    return acceptancesToCsv(h.records);
  }

  // ------------------------------------------------------------------ effect of declines
  /**
   * Tells organisations whose declined version has come into force that their API access has
   * ended (once per decline). Run by the worker tick; safe to run from several processes.
   */
  async processDeclineEffects(now: Date = this.#clock.now()): Promise<number> {
    const due = await this.store.declinesDueForNotice(now.toISOString());
    let n = 0;
    for (const d of due) {
      const records = await this.store.acceptancesOf('org', d.subjectId);
      const latest = TermsService.latestDecision(records, d.versionId);
      const snap = await this.snapshot(now.getTime());
      const doc = snap.documents.get(d.documentId);
      const v = snap.versions.get(d.documentId)?.find((x) => x.id === d.versionId);
      const stillDeclined = latest?.id === d.id;
      const members = stillDeclined ? await this.#orgAccess.memberUserIds(d.subjectId).catch(() => []) : [];
      const emails = stillDeclined
        ? await this.#emailsOf(await this.#orgAccess.memberUserIds(d.subjectId, 'admin').catch(() => []))
        : [];
      await this.store.inTransaction(async (tx) => {
        if (!(await this.store.markEffectNotified(d.id, now.toISOString(), tx))) return;
        if (!stillDeclined || !doc || !v) return;
        const title = `API access ended: "${doc.title}" version ${v.version} is now in force`;
        const body = `Your organisation declined version ${v.version} of "${doc.title}", which took effect on ${fmtDate(v.effectiveAt)}. Its apps are refused (code terms_declined) until it accepts that version.`;
        await this.#notifications.notify(
          members,
          {
            kind: 'terms.decline_effective',
            title,
            body,
            link: `/terms/versions/${v.id}`,
            orgId: d.subjectId,
          },
          tx,
        );
        for (const to of emails)
          await this.#mailer.send(
            {
              to,
              subject: title,
              text: `${body}\n\nRead the version:\n${this.#publicUrl}/terms/versions/${v.id}\n`,
              kind: 'terms.decline_effective',
            },
            tx,
          );
        await this.#audit.record(
          {
            actor: { type: 'system', id: null },
            action: 'terms.decline_effective',
            target: { type: 'terms_version', id: v.id },
            orgId: d.subjectId,
            details: { acceptanceId: d.id, version: v.version },
          },
          tx,
        );
        n++;
      });
    }
    if (n > 0) this.#log?.info({ count: n }, 'terms: declined versions came into force');
    return n;
  }
}

const CSV_COLUMNS: (keyof AcceptanceView)[] = [
  'id',
  'at',
  'subjectType',
  'subjectId',
  'orgId',
  'userId',
  'onBehalfOf',
  'decision',
  'method',
  'documentSlug',
  'documentTitle',
  'versionId',
  'version',
  'versionEffectiveAt',
  'ip',
  'userAgent',
];

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with a quote. */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function acceptancesToCsv(rows: AcceptanceView[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
