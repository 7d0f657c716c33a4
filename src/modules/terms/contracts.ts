import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';

/**
 * The terms module's routes as data (handlers: routes.ts) and the views they answer with; the
 * services' view types are these schemas' types.
 */
const iso = z.string().max(40);
/** The kinds of terms document (a product's additional terms govern it over the general terms). */
export const kind = z.enum(['general', 'additional', 'policy', 'guideline']);
/** How a change may take effect: `standard` needs the notice period; the others may apply at once. */
export const changeClass = z.enum(['standard', 'new_function', 'legal']);
const slug = z
  .string()
  .min(2)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

/** Drafts change; published versions never do. */
export const versionStatus = z.enum(['draft', 'published']);
/** Who an acceptance record is about. */
export const subjectType = z.enum(['user', 'org']);
/** For whom a user answered: themselves, or (owners and admins) their organisation. */
const onBehalfOf = z.enum(['self', 'organization']);
/** `effective`: terms became effective for an organisation at its first access. */
export const acceptanceDecision = z.enum(['accepted', 'declined', 'effective']);
export const acceptanceMethod = z.enum(['explicit', 'continued_use', 'first_access']);
/** notice: the owner's written notice; operator: at once by an operator; automatic: on a breach. */
export const terminationKind = z.enum(['notice', 'operator', 'automatic']);
const terminationStatus = z.enum(['pending', 'withdrawn', 'completed', 'superseded']);

/** A terms document (`TermsDocument` is its type). */
export const documentSchema = z.object({
  id: z.string().max(40),
  kind,
  slug: z.string().max(80),
  title: z.string().max(200),
  productSlug: z.string().max(80).nullable(),
  createdAt: iso,
});

/** One version of a document as shown (`VersionView`). */
export const versionSchema = z.object({
  id: z.string().max(40),
  documentId: z.string().max(40),
  version: z.number().int().nullable(),
  status: versionStatus,
  bodyMd: z.string().max(200_000),
  summary: z.string().max(2000),
  changeClass,
  createdAt: iso,
  updatedAt: iso,
  publishedAt: iso.nullable(),
  effectiveAt: iso.nullable(),
});

/** A document with its version in force and the published versions still to come (`DocumentView`). */
export const documentView = documentSchema.extend({
  inForce: versionSchema.nullable(),
  pending: z.array(versionSchema).max(100),
});

/** One acceptance record with the version it names (`AcceptanceView`). */
export const acceptanceSchema = z.object({
  id: z.string().max(40),
  at: iso,
  subjectType,
  subjectId: z.string().max(40),
  orgId: z.string().max(40).nullable(),
  userId: z.string().max(40).nullable(),
  onBehalfOf,
  decision: acceptanceDecision,
  method: acceptanceMethod,
  ip: z.string().max(100).nullable(),
  userAgent: z.string().max(512).nullable(),
  documentId: z.string().max(40),
  documentSlug: z.string().max(80),
  documentTitle: z.string().max(200),
  versionId: z.string().max(40),
  version: z.number().int(),
  versionEffectiveAt: iso,
});

/** Which versions were in force when, and the subject's standing on each (`AcceptanceHistory`). */
export const historySchema = z.object({
  subject: z.object({ type: subjectType, id: z.string().max(40) }),
  firstAccessAt: iso.nullable(),
  versions: z
    .array(
      z.object({
        documentId: z.string().max(40),
        documentSlug: z.string().max(80),
        documentTitle: z.string().max(200),
        kind,
        productSlug: z.string().max(80).nullable(),
        versionId: z.string().max(40),
        version: z.number().int(),
        publishedAt: iso,
        effectiveAt: iso,
        inForceUntil: iso.nullable(),
        standing: z.enum(['accepted', 'declined', 'no_response']),
        acceptedAt: iso.nullable(),
        method: z.enum(['explicit', 'continued_use']).nullable(),
      }),
    )
    .max(10_000),
  records: z.array(acceptanceSchema).max(10_000),
});

/** Notice periods and retention, in days (`TermsSettings`). */
export const settingsSchema = z.object({
  standardNoticeDays: z.number().int(),
  terminationNoticeDays: z.number().int(),
  retentionDays: z.number().int(),
});

/** An organisation's termination (`Termination`). */
export const terminationSchema = z.object({
  id: z.string().max(40),
  orgId: z.string().max(40),
  kind: terminationKind,
  status: terminationStatus,
  reason: z.string().max(2000).nullable(),
  requestedBy: z.string().max(40).nullable(),
  requestedAt: iso,
  effectiveAt: iso,
  withdrawnAt: iso.nullable(),
  withdrawnBy: z.string().max(40).nullable(),
  completedAt: iso.nullable(),
  retentionUntil: iso.nullable(),
  lastError: z.string().max(500).nullable(),
});

/** The set of terms that applies to a product (`ApplicableTerms`). */
export const applicableTermsSchema = z.object({
  productSlug: z.string().max(80).nullable(),
  documents: z.array(documentView.extend({ governs: kind })).max(1000),
  precedence: z.string().max(1000),
});

const decisionBody = z.object({
  onBehalfOf: onBehalfOf.default('self'),
  orgId: idParam('org').optional(),
});

const scopeQuery = z.object({
  orgId: idParam('org').optional(),
  userId: idParam('usr').optional(),
});

const versionParams = z.object({ versionId: idParam('trm') });
const orgParams = z.object({ orgId: idParam('org') });

export const termsContracts = defineContracts({
  // ---------------------------------------------------------------- reading the terms
  listTermsDocuments: {
    method: 'GET',
    url: '/api/v1/terms/documents',
    summary: 'Every terms document with the version in force and any published versions still to come',
    tags: ['terms'],
    auth: 'public',
    response: z.object({ items: z.array(documentView).max(1000) }),
  },
  getApplicableTerms: {
    method: 'GET',
    url: '/api/v1/terms/applicable',
    summary: 'The full set of terms that applies to a product (general terms plus its additional terms)',
    description:
      'Additional terms for a product govern that product wherever they conflict with the general terms. Without `product`, the platform-wide documents.',
    tags: ['terms'],
    auth: 'public',
    query: z.object({ product: z.string().max(80).optional() }),
    response: applicableTermsSchema,
  },
  getTermsVersion: {
    method: 'GET',
    url: '/api/v1/terms/versions/:versionId',
    summary: 'One terms version (drafts are visible to operators only)',
    tags: ['terms'],
    auth: 'public',
    params: versionParams,
    response: versionSchema.extend({ document: documentSchema }),
  },
  // ---------------------------------------------------------------- answering
  acceptTerms: {
    method: 'POST',
    url: '/api/v1/terms/versions/:versionId/accept',
    summary: 'Accept a terms version for yourself or, as an owner or admin, for your organisation',
    tags: ['terms'],
    auth: 'user',
    params: versionParams,
    body: decisionBody,
    response: acceptanceSchema,
    status: 201,
    errors: ['terms_version_superseded', 'not_found', 'forbidden'],
  },
  declineTerms: {
    method: 'POST',
    url: '/api/v1/terms/versions/:versionId/decline',
    summary: 'Decline a published version that is not yet in force',
    description:
      'For an organisation: from the effective date its apps are refused with terms_declined unless it accepts the version first.',
    tags: ['terms'],
    auth: 'user',
    params: versionParams,
    body: decisionBody,
    response: acceptanceSchema,
    status: 201,
    errors: ['terms_version_not_pending', 'not_found', 'forbidden'],
  },
  listTermsAcceptances: {
    method: 'GET',
    url: '/api/v1/terms/acceptances',
    summary:
      'Which terms versions were in force when, and how each was accepted (yours, or an organisation’s)',
    tags: ['terms'],
    auth: 'user',
    query: scopeQuery,
    response: historySchema,
  },
  exportTermsAcceptances: {
    method: 'GET',
    url: '/api/v1/terms/acceptances/export',
    summary: 'Download the acceptance records as CSV (default) or JSON',
    tags: ['terms'],
    auth: 'user',
    query: scopeQuery.extend({ format: z.enum(['csv', 'json']).default('csv') }),
    produces: 'text/csv',
    response: z.string().max(10_000_000),
  },
  // ---------------------------------------------------------------- operators: drafting and publishing
  createTermsDocument: {
    method: 'POST',
    url: '/api/v1/admin/terms/documents',
    summary: 'Create a terms document (general terms, a product’s additional terms, a policy or a guideline)',
    tags: ['terms', 'admin'],
    auth: 'operator',
    body: z.object({
      kind,
      slug,
      title: z.string().min(2).max(200),
      productSlug: z.string().max(80).nullable().optional(),
    }),
    response: documentSchema,
    status: 201,
  },
  listTermsDrafts: {
    method: 'GET',
    url: '/api/v1/admin/terms/drafts',
    summary: 'Unpublished drafts',
    tags: ['terms', 'admin'],
    auth: 'operator',
    query: z.object({ documentId: z.string().max(40).optional() }),
    response: z.object({ items: z.array(versionSchema).max(10_000) }),
  },
  createTermsDraft: {
    method: 'POST',
    url: '/api/v1/admin/terms/documents/:documentId/drafts',
    summary: 'Start a new version of a document as a draft',
    tags: ['terms', 'admin'],
    auth: 'operator',
    params: z.object({ documentId: idParam('tdoc') }),
    body: z.object({
      bodyMd: z.string().min(1).max(200_000),
      summary: z.string().min(1).max(2000),
      changeClass,
    }),
    response: versionSchema,
    status: 201,
  },
  updateTermsDraft: {
    method: 'PATCH',
    url: '/api/v1/admin/terms/drafts/:versionId',
    summary: 'Change a draft (published versions never change)',
    tags: ['terms', 'admin'],
    auth: 'operator',
    params: versionParams,
    body: z.object({
      bodyMd: z.string().min(1).max(200_000).optional(),
      summary: z.string().min(1).max(2000).optional(),
      changeClass: changeClass.optional(),
    }),
    response: versionSchema,
    errors: ['terms_version_published'],
  },
  publishTermsVersion: {
    method: 'POST',
    url: '/api/v1/admin/terms/drafts/:versionId/publish',
    summary: 'Publish a draft with an effective time the notice rules allow, and notify everyone affected',
    description:
      'A standard change takes effect no sooner than the notice period (at least 15 days) after publication; new_function and legal changes may take effect at once. Without effectiveAt the earliest allowed time is used.',
    tags: ['terms', 'admin'],
    auth: 'operator',
    params: versionParams,
    body: z.object({ effectiveAt: z.iso.datetime({ offset: true }).optional() }),
    response: versionSchema,
    errors: ['terms_notice_too_short', 'terms_effective_in_past', 'terms_version_published'],
  },
  getTermsSettings: {
    method: 'GET',
    url: '/api/v1/admin/terms/settings',
    summary: 'Notice periods and data retention',
    tags: ['terms', 'admin'],
    auth: 'operator',
    response: settingsSchema,
  },
  updateTermsSettings: {
    method: 'PATCH',
    url: '/api/v1/admin/terms/settings',
    summary: 'Change notice periods or data retention (standard notice never below 15 days)',
    tags: ['terms', 'admin'],
    auth: 'operator',
    body: z.object({
      standardNoticeDays: z.number().int().optional(),
      terminationNoticeDays: z.number().int().optional(),
      retentionDays: z.number().int().optional(),
    }),
    response: settingsSchema,
    errors: ['terms_setting_invalid'],
  },
  // ---------------------------------------------------------------- termination
  getOrgTermination: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/termination',
    summary: 'The organisation’s pending or completed termination, and earlier notices',
    tags: ['terms', 'organizations'],
    auth: 'user',
    params: orgParams,
    response: z.object({
      current: terminationSchema.nullable(),
      history: z.array(terminationSchema).max(1000),
    }),
  },
  requestTermination: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/termination',
    summary: 'Give written notice of termination (owners), with a date the notice period allows',
    tags: ['terms', 'organizations'],
    auth: 'user',
    params: orgParams,
    body: z.object({
      effectiveAt: z.iso.datetime({ offset: true }).optional(),
      reason: z.string().max(2000).optional(),
    }),
    response: terminationSchema,
    status: 201,
    errors: ['termination_too_soon', 'termination_already_requested'],
  },
  withdrawTermination: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/termination/withdraw',
    summary: 'Withdraw a notice of termination before its date (owners)',
    tags: ['terms', 'organizations'],
    auth: 'user',
    params: orgParams,
    response: terminationSchema,
    errors: ['termination_not_pending'],
  },
  terminateOrganization: {
    method: 'POST',
    url: '/api/v1/admin/orgs/:orgId/terminate',
    summary: 'Terminate an organisation at once, with a reason (operators)',
    tags: ['terms', 'admin'],
    auth: 'operator',
    params: orgParams,
    body: z.object({ reason: z.string().min(3).max(2000) }),
    response: terminationSchema,
    errors: ['organization_terminated'],
  },
});
