import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { Logger } from '../../platform/logger.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { type AcceptanceHistory, AcceptanceHistoryService, type HistoryScope } from './acceptance-history.ts';
import type { AcceptanceView } from './acceptance-records.ts';
import { termsAuditActions } from './audit-actions.ts';
import { processDeclineEffects } from './decline-effects.ts';
import type { TermsGate } from './ports.ts';
import {
  type ApplicableTerms,
  type DocumentView,
  PublishedTerms,
  type Snapshot,
  type VersionView,
} from './published-terms.ts';
import type { TermsTables } from './tables.ts';
import { type AnswerFor, TermsAnswers } from './terms-acceptance.ts';
import { TermsDrafts } from './terms-drafts.ts';
import { contextFor, type TermsParts } from './terms-parts.ts';
import { TermsPublication } from './terms-publication.ts';
import { type TermsSettings, TermsSettingsService } from './terms-settings.ts';
import { type ChangeClass, type TermsDocument, type TermsKind, TermsStore } from './terms-store.ts';

/**
 * The terms engine's one face (the `terms` port; tests use it as `sys.services.terms`): documents
 * and their versions (terms-drafts.ts), publication under the notice rules (terms-publication.ts),
 * the published terms and what applies to a product (published-terms.ts), explicit acceptance and
 * declining (terms-acceptance.ts), the proof (acceptance-history.ts), the operator's settings
 * (terms-settings.ts) and the effect of declines (decline-effects.ts). It composes those parts over
 * one typed store and one audit helper, and delegates; it holds no rule of its own.
 *
 * A method called without a request context (tests, the seed) acts as its principal from no
 * address (`contextFor`), which is what it recorded before contexts existed.
 */
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
  readonly #parts: TermsParts;
  readonly #published: PublishedTerms;
  readonly #settings: TermsSettingsService;
  readonly #drafts: TermsDrafts;
  readonly #publication: TermsPublication;
  readonly #answers: TermsAnswers;
  readonly #history: AcceptanceHistoryService;
  /** Called whenever something changes what an organisation may do (acceptance, publication…). */
  readonly #changeListeners: ((orgId: string | null) => void)[] = [];

  constructor(deps: TermsServiceDeps) {
    const store = new TermsStore(deps.db);
    const audit = auditTrail(deps.audit, termsAuditActions);
    this.store = store;
    this.#clock = deps.clock;
    this.#published = new PublishedTerms(store, deps.clock);
    this.#settings = new TermsSettingsService({ store, clock: deps.clock, audit });
    this.#parts = {
      store,
      clock: deps.clock,
      audit,
      notifications: deps.notifications,
      mailer: deps.mailer,
      orgAccess: deps.orgAccess,
      users: deps.users ?? null,
      log: deps.log,
      publicUrl: deps.publicUrl ?? '',
      published: this.#published,
      settings: this.#settings,
      changed: (orgId) => this.#changed(orgId),
    };
    this.#drafts = new TermsDrafts(this.#parts);
    this.#publication = new TermsPublication(this.#parts);
    this.#answers = new TermsAnswers(this.#parts);
    this.#history = new AcceptanceHistoryService(this.#parts);
  }

  /** Termination and the enforcer ask organisations through the same port. */
  get orgAccess(): OrgAccess {
    return this.#parts.orgAccess;
  }

  /** `orgId` null means "everyone" (a publication). */
  onChange(listener: (orgId: string | null) => void): void {
    this.#changeListeners.push(listener);
  }
  #changed(orgId: string | null): void {
    if (orgId === null) this.#published.invalidate();
    for (const l of this.#changeListeners) l(orgId);
  }

  // ------------------------------------------------------------------ settings
  getSettings(): Promise<TermsSettings> {
    return this.#settings.getSettings();
  }
  updateSettings(
    principal: Principal,
    patch: Partial<TermsSettings>,
    ctx: RequestContext = contextFor(principal),
  ): Promise<TermsSettings> {
    return this.#settings.updateSettings(principal, patch, ctx);
  }

  // ------------------------------------------------------------------ published terms
  /** Published documents and versions, cached briefly (publication in this process clears it). */
  snapshot(nowMs: number = this.#clock.nowMs()): Promise<Snapshot> {
    return this.#published.snapshot(nowMs);
  }
  listDocuments(nowMs: number = this.#clock.nowMs()): Promise<DocumentView[]> {
    return this.#published.listDocuments(nowMs);
  }
  getApplicableTerms(
    productSlug: string | null,
    nowMs: number = this.#clock.nowMs(),
  ): Promise<ApplicableTerms> {
    return this.#published.getApplicableTerms(productSlug, nowMs);
  }

  // ------------------------------------------------------------------ documents, drafts, publication
  createDocument(
    principal: Principal | null,
    input: { kind: TermsKind; slug: string; title: string; productSlug?: string | null },
    ctx: RequestContext = contextFor(principal),
  ): Promise<TermsDocument> {
    return this.#drafts.createDocument(principal, input, ctx);
  }
  createDraft(
    principal: Principal | null,
    documentId: string,
    input: { bodyMd: string; summary: string; changeClass: ChangeClass },
    ctx: RequestContext = contextFor(principal),
  ): Promise<VersionView> {
    return this.#drafts.createDraft(principal, documentId, input, ctx);
  }
  updateDraft(
    principal: Principal,
    versionId: string,
    patch: { bodyMd?: string; summary?: string; changeClass?: ChangeClass },
    ctx: RequestContext = contextFor(principal),
  ): Promise<VersionView> {
    return this.#drafts.updateDraft(principal, versionId, patch, ctx);
  }
  listDrafts(principal: Principal, documentId?: string): Promise<VersionView[]> {
    return this.#drafts.listDrafts(principal, documentId);
  }
  getVersion(
    versionId: string,
    principal: Principal | null,
  ): Promise<VersionView & { document: TermsDocument }> {
    return this.#drafts.getVersion(versionId, principal);
  }
  publish(
    principal: Principal | null,
    versionId: string,
    opts: { effectiveAt?: string | Date } = {},
    ctx: RequestContext = contextFor(principal),
  ): Promise<VersionView> {
    return this.#publication.publish(principal, versionId, opts, ctx);
  }

  // ------------------------------------------------------------------ accepting and declining
  accept(
    principal: Principal,
    versionId: string,
    input: AnswerFor,
    ctx: RequestContext = contextFor(principal),
  ): Promise<AcceptanceView> {
    return this.#answers.accept(principal, versionId, input, ctx);
  }
  decline(
    principal: Principal,
    versionId: string,
    input: AnswerFor,
    ctx: RequestContext = contextFor(principal),
  ): Promise<AcceptanceView> {
    return this.#answers.decline(principal, versionId, input, ctx);
  }
  acceptInForce(
    principal: Principal,
    input: AnswerFor & { productSlug?: string | null },
    ctx: RequestContext = contextFor(principal),
  ): Promise<AcceptanceView[]> {
    return this.#answers.acceptInForce(principal, input, ctx);
  }
  recordSignUpAcceptance(userId: string, ctx: RequestContext): Promise<AcceptanceView | null> {
    return this.#answers.recordSignUpAcceptance(userId, ctx);
  }
  /** The subscription gate (`TermsGate`). */
  hasAcceptedProductTerms(orgId: string, productSlug: string): Promise<boolean> {
    return this.#answers.hasAcceptedProductTerms(orgId, productSlug);
  }

  // ------------------------------------------------------------------ history and proof
  listAcceptances(principal: Principal, scope: HistoryScope): Promise<AcceptanceHistory> {
    return this.#history.listAcceptances(principal, scope);
  }
  exportAcceptancesCsv(
    principal: Principal,
    scope: HistoryScope,
    ctx: RequestContext = contextFor(principal),
  ): Promise<string> {
    return this.#history.exportAcceptancesCsv(principal, scope, ctx);
  }

  // ------------------------------------------------------------------ effect of declines
  /** Run by the worker tick (decline-effects.ts). */
  processDeclineEffects(now: Date = this.#clock.now()): Promise<number> {
    return processDeclineEffects(this.#parts, now);
  }
}
