import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { RECORD_FIELDS } from './suite-schema.ts';

const recordField = z.enum(RECORD_FIELDS);
const matcherView = z.object({
  field: recordField,
  equals: z.union([z.string(), z.boolean(), z.number()]).optional(),
  oneOf: z.array(z.string()).optional(),
  present: z.boolean().optional(),
});
const stepView = {
  operations: z.array(z.string()),
  networkCodes: z.array(z.string()),
  match: z.array(matcherView),
};

/** One case as stored (suite-schema.ts `conformanceCase` is its validation). */
const caseView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  ...stepView,
  after: z
    .object({ ...stepView, link: z.array(z.object({ field: recordField, earlierField: recordField })) })
    .optional(),
  retired: z.boolean(),
});

export const suiteView = z.object({
  productSlug: z.string(),
  version: z.number().int(),
  updatedAt: z.string(),
  /** Cases in order, retired ones included (marked). */
  cases: z.array(caseView),
  /** Cases that block production (not retired). */
  activeCases: z.number().int(),
});

const caseProgress = z.object({
  caseId: z.string(),
  title: z.string(),
  passed: z.boolean(),
  /** The request (x-request-id) that proved the case, and the earlier one it relates to. */
  requestId: z.string().nullable(),
  earlierRequestId: z.string().nullable(),
  provedAt: z.string().nullable(),
});

export const progressView = z.object({
  orgId: z.string(),
  appId: z.string(),
  products: z.array(
    z.object({
      productSlug: z.string(),
      suiteVersion: z.number().int(),
      passed: z.number().int(),
      total: z.number().int(),
      /** Every active case passed, and the suite has at least one. */
      complete: z.boolean(),
      cases: z.array(caseProgress),
    }),
  ),
});

const productParams = z.strictObject({ productSlug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/) });

export const conformanceContracts = defineContracts({
  listConformanceSuites: {
    method: 'GET',
    url: '/api/v1/conformance/suites',
    summary: 'The certification suites, per product: what an app must show in the sandbox before production',
    tags: ['conformance'],
    auth: 'user',
    response: z.object({ items: z.array(suiteView) }),
  },
  getConformanceSuite: {
    method: 'GET',
    url: '/api/v1/conformance/suites/:productSlug',
    summary: "One product's certification suite",
    tags: ['conformance'],
    auth: 'user',
    params: productParams,
    response: suiteView,
    errors: ['not_found'],
  },
  updateConformanceSuite: {
    method: 'PUT',
    url: '/api/v1/admin/conformance/suites/:productSlug',
    summary:
      "Write a product's suite (operators): add, retire or reorder cases; applies to later production requests",
    description:
      'The body lists every case in order (the shape of `caseView`). A malformed case is refused with 422 `conformance_case_invalid` naming the field. Stored evidence is evaluated at once for cases that are new or changed. `version` (optional) refuses the edit with 409 if another edit came first.',
    tags: ['conformance', 'admin'],
    auth: 'operator',
    params: productParams,
    body: z.strictObject({
      cases: z.array(z.record(z.string(), z.unknown())).max(100),
      version: z.number().int().min(0).optional(),
    }),
    response: suiteView.extend({
      /** Passes found in stored evidence for new or changed cases. */
      reevaluated: z.object({ calls: z.number().int(), passes: z.number().int() }),
    }),
    errors: ['not_found', 'conformance_case_invalid', 'validation_failed', 'conflict'],
  },
  getConformanceProgress: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId/conformance',
    summary: "The app's progress through each suite, with the request that proved each case",
    tags: ['conformance', 'apps'],
    auth: 'user',
    params: z.strictObject({ orgId: z.string().min(1).max(64), appId: z.string().min(1).max(64) }),
    query: z.strictObject({ productSlug: productParams.shape.productSlug.optional() }),
    response: progressView,
    errors: ['not_found', 'forbidden'],
  },
});
