import { z } from 'zod';
import { type AnyRoute, defineRoute, idParam } from '../../platform/http/route.ts';
import type { TerminationService } from './termination-service.ts';
import type { TermsService } from './terms-service.ts';

const iso = z.string().max(40);
const kind = z.enum(['general', 'additional', 'policy', 'guideline']);
const changeClass = z.enum(['standard', 'new_function', 'legal']);
const slug = z
  .string()
  .min(2)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

const documentSchema = z.object({
  id: z.string().max(40),
  kind,
  slug: z.string().max(80),
  title: z.string().max(200),
  productSlug: z.string().max(80).nullable(),
  createdAt: iso,
});

const versionSchema = z.object({
  id: z.string().max(40),
  documentId: z.string().max(40),
  version: z.number().int().nullable(),
  status: z.enum(['draft', 'published']),
  bodyMd: z.string().max(200_000),
  summary: z.string().max(2000),
  changeClass,
  createdAt: iso,
  updatedAt: iso,
  publishedAt: iso.nullable(),
  effectiveAt: iso.nullable(),
});

const documentView = documentSchema.extend({
  inForce: versionSchema.nullable(),
  pending: z.array(versionSchema).max(100),
});

const acceptanceSchema = z.object({
  id: z.string().max(40),
  at: iso,
  subjectType: z.enum(['user', 'org']),
  subjectId: z.string().max(40),
  orgId: z.string().max(40).nullable(),
  userId: z.string().max(40).nullable(),
  onBehalfOf: z.enum(['self', 'organization']),
  decision: z.enum(['accepted', 'declined', 'effective']),
  method: z.enum(['explicit', 'continued_use', 'first_access']),
  ip: z.string().max(100).nullable(),
  userAgent: z.string().max(512).nullable(),
  documentId: z.string().max(40),
  documentSlug: z.string().max(80),
  documentTitle: z.string().max(200),
  versionId: z.string().max(40),
  version: z.number().int(),
  versionEffectiveAt: iso,
});

const historySchema = z.object({
  subject: z.object({ type: z.enum(['user', 'org']), id: z.string().max(40) }),
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

const settingsSchema = z.object({
  standardNoticeDays: z.number().int(),
  terminationNoticeDays: z.number().int(),
  retentionDays: z.number().int(),
});

const terminationSchema = z.object({
  id: z.string().max(40),
  orgId: z.string().max(40),
  kind: z.enum(['notice', 'operator', 'automatic']),
  status: z.enum(['pending', 'withdrawn', 'completed', 'superseded']),
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

const decisionBody = z.object({
  onBehalfOf: z.enum(['self', 'organization']).default('self'),
  orgId: idParam('org').optional(),
});

const scopeQuery = z.object({
  orgId: idParam('org').optional(),
  userId: idParam('usr').optional(),
});

const versionParams = z.object({ versionId: idParam('trm') });
const orgParams = z.object({ orgId: idParam('org') });

export function termsRoutes(deps: { terms: TermsService; terminations: TerminationService }): AnyRoute[] {
  const { terms, terminations } = deps;
  return [
    // ---------------------------------------------------------------- reading the terms
    defineRoute({
      method: 'GET',
      url: '/api/v1/terms/documents',
      operationId: 'listTermsDocuments',
      summary: 'Every terms document with the version in force and any published versions still to come',
      tags: ['terms'],
      auth: 'public',
      response: z.object({ items: z.array(documentView).max(1000) }),
      handler: async () => ({ items: await terms.listDocuments() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/terms/applicable',
      operationId: 'getApplicableTerms',
      summary: 'The full set of terms that applies to a product (general terms plus its additional terms)',
      description:
        'Additional terms for a product govern that product wherever they conflict with the general terms. Without `product`, the platform-wide documents.',
      tags: ['terms'],
      auth: 'public',
      query: z.object({ product: z.string().max(80).optional() }),
      response: z.object({
        productSlug: z.string().max(80).nullable(),
        documents: z.array(documentView.extend({ governs: kind })).max(1000),
        precedence: z.string().max(1000),
      }),
      handler: async ({ query }) => terms.getApplicableTerms(query.product ?? null),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/terms/versions/:versionId',
      operationId: 'getTermsVersion',
      summary: 'One terms version (drafts are visible to operators only)',
      tags: ['terms'],
      auth: 'public',
      params: versionParams,
      response: versionSchema.extend({ document: documentSchema }),
      handler: async ({ params, principal }) => terms.getVersion(params.versionId, principal),
    }),

    // ---------------------------------------------------------------- answering
    defineRoute({
      method: 'POST',
      url: '/api/v1/terms/versions/:versionId/accept',
      operationId: 'acceptTerms',
      summary: 'Accept a terms version for yourself or, as an owner or admin, for your organisation',
      tags: ['terms'],
      auth: 'user',
      params: versionParams,
      body: decisionBody,
      response: acceptanceSchema,
      status: 201,
      errors: ['terms_version_superseded', 'not_found', 'forbidden'],
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terms.accept(principal!, params.versionId, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/terms/versions/:versionId/decline',
      operationId: 'declineTerms',
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
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terms.decline(principal!, params.versionId, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/terms/acceptances',
      operationId: 'listTermsAcceptances',
      summary:
        'Which terms versions were in force when, and how each was accepted (yours, or an organisation’s)',
      tags: ['terms'],
      auth: 'user',
      query: scopeQuery,
      response: historySchema,
      handler: async ({ query, principal }) => terms.listAcceptances(principal!, query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/terms/acceptances/export',
      operationId: 'exportTermsAcceptances',
      summary: 'Download the acceptance records as CSV (default) or JSON',
      tags: ['terms'],
      auth: 'user',
      query: scopeQuery.extend({ format: z.enum(['csv', 'json']).default('csv') }),
      produces: 'text/csv',
      response: z.string().max(10_000_000),
      handler: async ({ query, principal, reply, ip, userAgent }) => {
        const scope = { orgId: query.orgId, userId: query.userId };
        const name = `terms-acceptances-${query.orgId ?? query.userId ?? principal!.userId}`;
        if (query.format === 'json') {
          const history = await terms.listAcceptances(principal!, scope);
          reply.header('content-disposition', `attachment; filename="${name}.json"`);
          reply.code(200).type('application/json').send(JSON.stringify(history));
          return '';
        }
        const csv = await terms.exportAcceptancesCsv(principal!, scope, { ip, userAgent });
        reply.header('content-disposition', `attachment; filename="${name}.csv"`);
        return csv;
      },
    }),

    // ---------------------------------------------------------------- operators: drafting and publishing
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/terms/documents',
      operationId: 'createTermsDocument',
      summary:
        'Create a terms document (general terms, a product’s additional terms, a policy or a guideline)',
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
      handler: async ({ body, principal, ip, userAgent }) =>
        terms.createDocument(principal!, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/terms/drafts',
      operationId: 'listTermsDrafts',
      summary: 'Unpublished drafts',
      tags: ['terms', 'admin'],
      auth: 'operator',
      query: z.object({ documentId: z.string().max(40).optional() }),
      response: z.object({ items: z.array(versionSchema).max(10_000) }),
      handler: async ({ query, principal }) => ({
        items: await terms.listDrafts(principal!, query.documentId),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/terms/documents/:documentId/drafts',
      operationId: 'createTermsDraft',
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
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terms.createDraft(principal!, params.documentId, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/admin/terms/drafts/:versionId',
      operationId: 'updateTermsDraft',
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
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terms.updateDraft(principal!, params.versionId, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/terms/drafts/:versionId/publish',
      operationId: 'publishTermsVersion',
      summary: 'Publish a draft with an effective time the notice rules allow, and notify everyone affected',
      description:
        'A standard change takes effect no sooner than the notice period (at least 15 days) after publication; new_function and legal changes may take effect at once. Without effectiveAt the earliest allowed time is used.',
      tags: ['terms', 'admin'],
      auth: 'operator',
      params: versionParams,
      body: z.object({ effectiveAt: z.iso.datetime({ offset: true }).optional() }),
      response: versionSchema,
      errors: ['terms_notice_too_short', 'terms_effective_in_past', 'terms_version_published'],
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terms.publish(principal!, params.versionId, { effectiveAt: body.effectiveAt }, { ip, userAgent }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/terms/settings',
      operationId: 'getTermsSettings',
      summary: 'Notice periods and data retention',
      tags: ['terms', 'admin'],
      auth: 'operator',
      response: settingsSchema,
      handler: async () => terms.getSettings(),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/admin/terms/settings',
      operationId: 'updateTermsSettings',
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
      handler: async ({ body, principal, ip, userAgent }) =>
        terms.updateSettings(principal!, body, { ip, userAgent }),
    }),

    // ---------------------------------------------------------------- termination
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/termination',
      operationId: 'getOrgTermination',
      summary: 'The organisation’s pending or completed termination, and earlier notices',
      tags: ['terms', 'organizations'],
      auth: 'user',
      params: orgParams,
      response: z.object({
        current: terminationSchema.nullable(),
        history: z.array(terminationSchema).max(1000),
      }),
      handler: async ({ params, principal }) => terminations.get(principal!, params.orgId),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/termination',
      operationId: 'requestTermination',
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
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terminations.request(principal!, params.orgId, body, { ip, userAgent }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/termination/withdraw',
      operationId: 'withdrawTermination',
      summary: 'Withdraw a notice of termination before its date (owners)',
      tags: ['terms', 'organizations'],
      auth: 'user',
      params: orgParams,
      response: terminationSchema,
      errors: ['termination_not_pending'],
      handler: async ({ params, principal, ip, userAgent }) =>
        terminations.withdraw(principal!, params.orgId, { ip, userAgent }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/orgs/:orgId/terminate',
      operationId: 'terminateOrganization',
      summary: 'Terminate an organisation at once, with a reason (operators)',
      tags: ['terms', 'admin'],
      auth: 'operator',
      params: orgParams,
      body: z.object({ reason: z.string().min(3).max(2000) }),
      response: terminationSchema,
      errors: ['organization_terminated'],
      handler: async ({ params, body, principal, ip, userAgent }) =>
        terminations.terminateByOperator(principal!, params.orgId, body.reason, { ip, userAgent }),
    }),
  ];
}
