import { z } from 'zod';
import type { ErrorCode } from '../../platform/errors.ts';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';

/**
 * The apps module's route contracts and the schemas they share with its services: each view (an
 * app, a client secret, a subscription, a production-access request, a limit-increase request,
 * an app's usage) is declared once here and the services' types are their `z.infer`; the input
 * schemas are the ones the service parses with.
 */

// ------------------------------------------------------------------ statuses and kinds
export const appStatus = z.enum(['active', 'suspended', 'revoked']);
const appEnvironment = z.enum(['sandbox', 'production']);
/** A client secret as shown: `expired` is computed from its end date, never stored. */
const secretStatus = z.enum(['active', 'revoked', 'expired']);
const subscriptionStatus = z.enum(['pending', 'active', 'declined', 'cancelled']);
const productionRequestStatus = z.enum(['pending', 'approved', 'declined']);
const limitRequestStatus = z.enum(['pending', 'approved', 'declined', 'cancelled']);
/** Which limit a limit-increase request raises. */
export const LIMIT_KINDS = [
  'rate:second',
  'rate:minute',
  'rate:hour',
  'rate:day',
  'rate:week',
  'quota:day',
  'quota:month',
  'end-users',
  'burst',
] as const;
const calendarPeriod = z.enum(['day', 'month']);

// ------------------------------------------------------------------ views
export const secretView = z.object({
  id: z.string(),
  hint: z.string(),
  status: secretStatus,
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const productionRequestView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  productId: z.string().nullable().describe('Null only on requests from before access was per product.'),
  productSlug: z.string().nullable(),
  status: productionRequestStatus,
  note: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export const appView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  description: z.string(),
  callbackUrls: z.array(z.string()),
  publicKeyPem: z.string().nullable(),
  clientId: z.string().describe('The sandbox client id (for good; production has its own).'),
  environment: appEnvironment.describe('The catalog of clientId: always sandbox.'),
  productionClientId: z
    .string()
    .nullable()
    .describe('The production client id, issued with the first production grant; null until then.'),
  status: appStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  secrets: z.array(secretView).describe("The sandbox client id's secrets (values never shown again)."),
  productionAccess: z
    .array(productionRequestView)
    .describe("Production access per product: each product's newest request (approved = granted)."),
});
const createdApp = z.object({
  app: appView,
  clientId: z.string(),
  clientSecret: z.string().describe('Shown once: store it now.'),
  gatewayBaseUrl: z.string(),
});
const newSecret = z.object({ secret: secretView, clientSecret: z.string().describe('Shown once.') });
export const subscriptionView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  productId: z.string(),
  productSlug: z.string(),
  planId: z.string(),
  planName: z.string(),
  status: subscriptionStatus,
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export const limitRequestView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  subscriptionId: z.string(),
  planId: z.string(),
  productSlug: z.string(),
  limit: z.enum(LIMIT_KINDS),
  operationId: z.string().nullable(),
  currentValue: z.number(),
  requestedValue: z.number(),
  reason: z.string(),
  requestedUntil: z.string().nullable(),
  status: limitRequestStatus,
  grantedValue: z.number().nullable(),
  grantedUntil: z.string().nullable(),
  conditionsTerms: z.string().nullable(),
  termsAcceptedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  /** Approved, terms (if any) accepted, and not expired at the time of reading. */
  inForce: z.boolean(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export const appUsageView = z.object({
  appId: z.string(),
  from: z.string(),
  to: z.string(),
  calls: z.number(),
  /** Calls by outcome (the gateway's usage records): approved, declined by the network, failed. */
  approved: z.number(),
  declined: z.number(),
  failed: z.number(),
  errors: z.number().describe('The failed calls (HTTP ≥ 400 or a time-out); kept for older clients.'),
  distinctEndUsers: z.number(),
  operations: z.array(
    z.object({
      operationId: z.string(),
      calls: z.number(),
      approved: z.number(),
      declined: z.number(),
      failed: z.number(),
      errors: z.number(),
      avgLatencyMs: z.number(),
      maxLatencyMs: z.number(),
    }),
  ),
  /** Declined calls per operation and network code (e.g. 55 host link down), most first. */
  declines: z
    .array(z.object({ operationId: z.string(), networkCode: z.string().nullable(), calls: z.number() }))
    .max(1000),
  subscriptions: z.array(
    z.object({
      subscriptionId: z.string(),
      productSlug: z.string(),
      planName: z.string(),
      status: subscriptionStatus,
      quotas: z.array(
        z.object({
          period: calendarPeriod,
          limit: z.number(),
          used: z.number(),
          remaining: z.number(),
          resetsAt: z.string(),
        }),
      ),
      endUsers: z
        .object({ period: calendarPeriod, limit: z.number(), served: z.number(), remaining: z.number() })
        .nullable(),
      rateLimits: z.array(z.object({ periodMs: z.number(), limit: z.number() })),
    }),
  ),
});

// ------------------------------------------------------------------ input schemas (service and routes)
const callbackUrl = z
  .string()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (
        u.protocol === 'https:' ||
        (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname))
      );
    } catch {
      return false;
    }
  }, 'must be an https URL (http only for localhost)');

export const appInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(''),
  callbackUrls: z.array(callbackUrl).max(10).default([]),
  publicKeyPem: z.string().max(10_000).nullable().default(null),
});
export const appPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(2000).optional(),
  callbackUrls: z.array(callbackUrl).max(10).optional(),
  publicKeyPem: z.string().max(10_000).nullable().optional(),
});
export const limitRequestInputSchema = z.strictObject({
  subscriptionId: z.string().max(40),
  limit: z.enum(LIMIT_KINDS),
  operationId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/)
    .optional(),
  requestedValue: z.number().int().min(1).max(1_000_000_000),
  reason: z.string().trim().min(10).max(2000),
  until: z.iso.datetime({ offset: true }).optional(),
});
export const limitDecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'decline', 'approve_with_conditions']),
  /** For approve_with_conditions: a value ≤ the requested one. */
  value: z.number().int().min(1).max(1_000_000_000).optional(),
  /** For approve_with_conditions: when the raise ends (defaults to the requested end). */
  until: z.iso.datetime({ offset: true }).optional(),
  /** For approve_with_conditions: terms the organisation must accept before the raise applies. */
  terms: z.string().trim().min(1).max(10_000).optional(),
  note: z.string().trim().max(2000).optional(),
});

const orgParams = z.strictObject({ orgId: idParam('org') });
const appParams = z.strictObject({ orgId: idParam('org'), appId: idParam('app') });
const secretParams = z.strictObject({
  orgId: idParam('org'),
  appId: idParam('app'),
  credentialId: idParam('sec'),
});
const subParams = z.strictObject({
  orgId: idParam('org'),
  appId: idParam('app'),
  subscriptionId: idParam('sub'),
});
const limitParams = z.strictObject({ orgId: idParam('org'), requestId: idParam('lim') });
/** What every organisation-scoped route may answer besides its own codes. */
const errors: ErrorCode[] = ['not_found', 'forbidden', 'validation_failed'];

export const appsContracts = defineContracts({
  createApp: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps',
    summary: 'Register an app; the client secret is shown once',
    tags: ['apps'],
    auth: 'user',
    params: orgParams,
    body: appInputSchema,
    response: createdApp,
    status: 201,
    errors: [...errors, 'invalid_public_key', 'details_confirmation_required'],
  },
  listApps: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps',
    summary: "List the organisation's apps",
    tags: ['apps'],
    auth: 'user',
    params: orgParams,
    response: z.object({ items: z.array(appView) }),
    errors,
  },
  getApp: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId',
    summary: 'Read an app (client id, secrets without their values, production access)',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    response: appView,
    errors,
  },
  updateApp: {
    method: 'PATCH',
    url: '/api/v1/orgs/:orgId/apps/:appId',
    summary: "Change an app's name, description, callback URLs or public key",
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    body: appPatchSchema,
    response: appView,
    errors: [...errors, 'invalid_public_key'],
  },
  deleteApp: {
    method: 'DELETE',
    url: '/api/v1/orgs/:orgId/apps/:appId',
    summary: 'Delete an app: credentials and tokens stop working at once',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    response: z.null(),
    status: 204,
    errors,
  },
  createClientSecret: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/secrets',
    summary: 'Add a client secret (at most 2 active) for an overlapping rotation; shown once',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    body: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }).nullable().optional() }),
    response: newSecret,
    status: 201,
    errors: [...errors, 'secret_limit_reached'],
  },
  revokeClientSecret: {
    method: 'DELETE',
    url: '/api/v1/orgs/:orgId/apps/:appId/secrets/:credentialId',
    summary: 'Revoke a client secret (every gateway refuses it within a second)',
    tags: ['apps'],
    auth: 'user',
    params: secretParams,
    response: z.null(),
    status: 204,
    errors,
  },
  resetClientSecret: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/reset-secret',
    summary: 'Revoke every secret and issue a new one; the client id stays',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    response: newSecret,
    errors,
  },
  requestProductionAccess: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/production-access',
    summary:
      'Ask operators for production access to one product the app is subscribed to (asking again returns the pending request)',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    body: z.strictObject({
      productId: z.string().min(1).max(64).describe('The product (its id, as in the subscription).'),
      note: z.string().trim().max(2000).optional(),
    }),
    response: productionRequestView,
    status: 201,
    errors: [
      ...errors,
      'representative_not_confirmed',
      'app_not_active',
      'conflict',
      'production_requirements_missing',
    ],
  },
  listSubscriptions: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions',
    summary: "List the app's subscriptions",
    tags: ['subscriptions'],
    auth: 'user',
    params: appParams,
    response: z.object({ items: z.array(subscriptionView) }),
    errors,
  },
  subscribe: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions',
    summary: 'Subscribe the app to a plan (approval-only plans stay pending until an operator decides)',
    tags: ['subscriptions'],
    auth: 'user',
    params: appParams,
    body: z.strictObject({ planId: idParam('pln') }),
    response: subscriptionView,
    status: 201,
    errors: [
      ...errors,
      'already_subscribed',
      'product_terms_not_accepted',
      'product_not_available',
      'app_not_active',
    ],
  },
  getSubscription: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions/:subscriptionId',
    summary: 'Read one subscription',
    tags: ['subscriptions'],
    auth: 'user',
    params: subParams,
    response: subscriptionView,
    errors,
  },
  unsubscribe: {
    method: 'DELETE',
    url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions/:subscriptionId',
    summary: 'End a subscription',
    tags: ['subscriptions'],
    auth: 'user',
    params: subParams,
    response: z.null(),
    status: 204,
    errors: [...errors, 'conflict'],
  },
  getAppUsage: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId/usage',
    summary: 'Calls per operation, errors, quota left and distinct end users served',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    query: z.strictObject({
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    }),
    response: appUsageView,
    errors,
  },
  requestLimitIncrease: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/limit-requests',
    summary: 'Ask for a higher limit on a subscription (which limit, how much, why, until when)',
    tags: ['limits'],
    auth: 'user',
    params: appParams,
    body: limitRequestInputSchema,
    response: limitRequestView,
    status: 201,
    errors: [...errors, 'limit_not_in_plan', 'conflict'],
  },
  listLimitRequests: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/limit-requests',
    summary: "List the organisation's limit-increase requests",
    tags: ['limits'],
    auth: 'user',
    params: orgParams,
    response: z.object({ items: z.array(limitRequestView) }),
    errors,
  },
  getLimitRequest: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/limit-requests/:requestId',
    summary: 'Read a limit-increase request and its decision',
    tags: ['limits'],
    auth: 'user',
    params: limitParams,
    response: limitRequestView,
    errors,
  },
  acceptLimitConditions: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/limit-requests/:requestId/accept-conditions',
    summary: 'Accept the terms an operator attached to an approval, so the raise applies',
    tags: ['limits'],
    auth: 'user',
    params: limitParams,
    response: limitRequestView,
    errors: [...errors, 'conflict'],
  },
  cancelLimitRequest: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/limit-requests/:requestId/cancel',
    summary: 'Withdraw a request, or give up an approved raise',
    tags: ['limits'],
    auth: 'user',
    params: limitParams,
    response: limitRequestView,
    errors: [...errors, 'conflict'],
  },
  listSubscriptionsForReview: {
    method: 'GET',
    url: '/api/v1/admin/subscriptions',
    summary: 'Subscriptions by status (pending by default) (operators)',
    tags: ['subscriptions', 'admin'],
    auth: 'operator',
    query: z.strictObject({
      status: z.enum(['pending', 'active', 'declined', 'cancelled']).default('pending'),
    }),
    response: z.object({ items: z.array(subscriptionView) }),
  },
  approveSubscription: {
    method: 'POST',
    url: '/api/v1/admin/subscriptions/:subscriptionId/approve',
    summary: 'Approve a pending subscription; the organisation is notified (operators)',
    tags: ['subscriptions', 'admin'],
    auth: 'operator',
    params: z.strictObject({ subscriptionId: idParam('sub') }),
    body: z.strictObject({ reason: z.string().trim().max(2000).optional() }),
    response: subscriptionView,
    errors: ['not_found', 'conflict'],
  },
  declineSubscription: {
    method: 'POST',
    url: '/api/v1/admin/subscriptions/:subscriptionId/decline',
    summary: 'Decline a pending subscription with a reason; the organisation is notified (operators)',
    tags: ['subscriptions', 'admin'],
    auth: 'operator',
    params: z.strictObject({ subscriptionId: idParam('sub') }),
    body: z.strictObject({ reason: z.string().trim().min(3).max(2000) }),
    response: subscriptionView,
    errors: ['not_found', 'conflict', 'validation_failed'],
  },
  listProductionRequests: {
    method: 'GET',
    url: '/api/v1/admin/production-requests',
    summary: 'Production-access requests (operators)',
    tags: ['apps', 'admin'],
    auth: 'operator',
    query: z.strictObject({ status: z.enum(['pending', 'approved', 'declined']).optional() }),
    response: z.object({ items: z.array(productionRequestView) }),
  },
  decideProductionAccess: {
    method: 'POST',
    url: '/api/v1/admin/production-requests/:requestId/decide',
    summary:
      "Approve (only when the organisation's representative is confirmed) or decline access to the product (operators); the first approval issues the app's production client id",
    tags: ['apps', 'admin'],
    auth: 'operator',
    params: z.strictObject({ requestId: idParam('prq') }),
    body: z.strictObject({ approve: z.boolean(), reason: z.string().trim().max(2000).optional() }),
    response: productionRequestView,
    errors: ['not_found', 'conflict', 'representative_not_confirmed'],
  },
  listLimitRequestsForReview: {
    method: 'GET',
    url: '/api/v1/admin/limit-requests',
    summary: 'Limit-increase requests (operators)',
    tags: ['limits', 'admin'],
    auth: 'operator',
    query: z.strictObject({ status: z.enum(['pending', 'approved', 'declined', 'cancelled']).optional() }),
    response: z.object({ items: z.array(limitRequestView) }),
  },
  decideLimitRequest: {
    method: 'POST',
    url: '/api/v1/admin/limit-requests/:requestId/decide',
    summary: 'Approve, decline, or approve with conditions (lower value, end date, terms) (operators)',
    tags: ['limits', 'admin'],
    auth: 'operator',
    params: z.strictObject({ requestId: idParam('lim') }),
    body: limitDecisionSchema,
    response: limitRequestView,
    errors: ['not_found', 'conflict', 'validation_failed'],
  },
  listAllApps: {
    method: 'GET',
    url: '/api/v1/admin/apps',
    summary: 'Every app, newest first (operators)',
    tags: ['apps', 'admin'],
    auth: 'operator',
    query: z.strictObject({
      orgId: idParam('org').optional(),
      status: z.enum(['active', 'suspended', 'revoked']).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    response: z.object({ items: z.array(appView) }),
  },
  getAppAsOperator: {
    method: 'GET',
    url: '/api/v1/admin/apps/:appId',
    summary: 'Read any app (operators)',
    tags: ['apps', 'admin'],
    auth: 'operator',
    params: z.strictObject({ appId: idParam('app') }),
    response: appView,
    errors: ['not_found'],
  },
  setAppStatus: {
    method: 'POST',
    url: '/api/v1/admin/apps/:appId/status',
    summary: 'Suspend or reinstate an app (operators); tokens and calls are refused at once',
    tags: ['apps', 'admin'],
    auth: 'operator',
    params: z.strictObject({ appId: idParam('app') }),
    body: z.strictObject({
      status: z.enum(['active', 'suspended']),
      reason: z.string().trim().min(3).max(2000),
    }),
    response: appView,
    errors: ['not_found'],
  },
});
