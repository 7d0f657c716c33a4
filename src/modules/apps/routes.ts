import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import { type AnyRoute, defineRoute, idParam, type Principal } from '../../platform/http/route.ts';
import type { OrgAccess, OrgRole } from '../../platform/ports.ts';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { AppUsageService } from './app-usage.ts';
import {
  type AppsService,
  appInputSchema,
  appPatchSchema,
  type Ctx,
  limitDecisionSchema,
  limitRequestInputSchema,
} from './apps-service.ts';
import type { PortalIdempotency } from './portal-idempotency.ts';

const secretView = z.object({
  id: z.string(),
  hint: z.string(),
  status: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const appView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  description: z.string(),
  callbackUrls: z.array(z.string()),
  publicKeyPem: z.string().nullable(),
  clientId: z.string(),
  environment: z.string(),
  status: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  secrets: z.array(secretView),
  productionAccess: z
    .object({ id: z.string(), status: z.string(), reason: z.string().nullable(), createdAt: z.string() })
    .nullable(),
});
const createdApp = z.object({
  app: appView,
  clientId: z.string(),
  clientSecret: z.string().describe('Shown once: store it now.'),
  gatewayBaseUrl: z.string(),
});
const newSecret = z.object({ secret: secretView, clientSecret: z.string().describe('Shown once.') });
const subscriptionView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  productSlug: z.string(),
  planId: z.string(),
  planName: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
const prodView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  status: z.string(),
  note: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
const limitView = z.object({
  id: z.string(),
  appId: z.string(),
  orgId: z.string(),
  subscriptionId: z.string(),
  planId: z.string(),
  productSlug: z.string(),
  limit: z.string(),
  operationId: z.string().nullable(),
  currentValue: z.number(),
  requestedValue: z.number(),
  reason: z.string(),
  requestedUntil: z.string().nullable(),
  status: z.string(),
  grantedValue: z.number().nullable(),
  grantedUntil: z.string().nullable(),
  conditionsTerms: z.string().nullable(),
  termsAcceptedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
  inForce: z.boolean(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
const usageView = z.object({
  appId: z.string(),
  from: z.string(),
  to: z.string(),
  calls: z.number(),
  errors: z.number(),
  distinctEndUsers: z.number(),
  operations: z.array(
    z.object({
      operationId: z.string(),
      calls: z.number(),
      errors: z.number(),
      avgLatencyMs: z.number(),
      maxLatencyMs: z.number(),
    }),
  ),
  subscriptions: z.array(
    z.object({
      subscriptionId: z.string(),
      productSlug: z.string(),
      planName: z.string(),
      status: z.string(),
      quotas: z.array(
        z.object({
          period: z.string(),
          limit: z.number(),
          used: z.number(),
          remaining: z.number(),
          resetsAt: z.string(),
        }),
      ),
      endUsers: z
        .object({ period: z.string(), limit: z.number(), served: z.number(), remaining: z.number() })
        .nullable(),
      rateLimits: z.array(z.object({ periodMs: z.number(), limit: z.number() })),
    }),
  ),
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

function ctxOf(c: { principal: Principal | null; ip: string; userAgent: string }): Ctx {
  const p = c.principal!;
  return {
    actor: { type: p.isOperator ? 'operator' : 'user', id: p.userId },
    ip: c.ip,
    userAgent: c.userAgent,
  };
}

export function appsRoutes(deps: {
  apps: AppsService;
  catalog: CatalogService;
  orgAccess: OrgAccess;
  usage: AppUsageService;
  idempotency?: PortalIdempotency;
}): AnyRoute[] {
  const { apps, catalog, orgAccess, usage } = deps;
  const member = async (principal: Principal | null, orgId: string, role: OrgRole, read = false) => {
    if (!principal) throw new AppError('unauthenticated');
    await orgAccess.requireMember(principal, orgId, role, { allowOperator: read });
  };
  const errors: ErrorCode[] = ['not_found', 'forbidden', 'validation_failed'];
  /** Idempotency-Key (optional) on the credential-creating POSTs, scoped to the signed-in user. */
  const once = <R>(
    c: { principal: Principal | null; req: FastifyRequest; reply: FastifyReply; body: unknown },
    fn: () => Promise<R>,
  ): Promise<R> =>
    deps.idempotency
      ? deps.idempotency.run(
          {
            scope: c.principal!.userId,
            key: c.req.headers['idempotency-key'],
            method: c.req.method,
            path: c.req.url.split('?')[0],
            body: c.body,
          },
          fn,
          () => c.reply.header('idempotent-replayed', 'true'),
        )
      : fn();
  /** Profile and organisation details must be current before new credentials or entitlements. */
  const current = async (principal: Principal | null, orgId: string) => {
    if (principal && !principal.isOperator) await orgAccess.requireCurrentDetails?.(principal, orgId);
  };

  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps',
      operationId: 'createApp',
      summary: 'Register an app; the client secret is shown once',
      tags: ['apps'],
      auth: 'user',
      params: orgParams,
      body: appInputSchema,
      response: createdApp,
      status: 201,
      errors: [...errors, 'invalid_public_key', 'details_confirmation_required'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        c.reply.header('cache-control', 'no-store');
        return once(c, async () => {
          const r = await apps.createApp(c.params.orgId, c.body, ctxOf(c));
          return {
            app: r.app,
            clientId: r.app.clientId,
            clientSecret: r.clientSecret,
            gatewayBaseUrl: `${catalog.publicUrl}${catalog.basePath(r.app.environment)}`,
          };
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps',
      operationId: 'listApps',
      summary: "List the organisation's apps",
      tags: ['apps'],
      auth: 'user',
      params: orgParams,
      response: z.object({ items: z.array(appView) }),
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listApps(c.params.orgId) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      operationId: 'getApp',
      summary: 'Read an app (client id, secrets without their values, production access)',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      response: appView,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getApp(c.params.orgId, c.params.appId);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      operationId: 'updateApp',
      summary: "Change an app's name, description, callback URLs or public key",
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      body: appPatchSchema,
      response: appView,
      errors: [...errors, 'invalid_public_key'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        return apps.updateApp(c.params.orgId, c.params.appId, c.body, ctxOf(c));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      operationId: 'deleteApp',
      summary: 'Delete an app: credentials and tokens stop working at once',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      response: z.null(),
      status: 204,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        await apps.deleteApp(c.params.orgId, c.params.appId, ctxOf(c));
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/secrets',
      operationId: 'createClientSecret',
      summary: 'Add a client secret (at most 2 active) for an overlapping rotation; shown once',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      body: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }).nullable().optional() }),
      response: newSecret,
      status: 201,
      errors: [...errors, 'secret_limit_reached'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        c.reply.header('cache-control', 'no-store');
        return once(c, () =>
          apps.createClientSecret(c.params.orgId, c.params.appId, { expiresAt: c.body?.expiresAt }, ctxOf(c)),
        );
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/apps/:appId/secrets/:credentialId',
      operationId: 'revokeClientSecret',
      summary: 'Revoke a client secret (every gateway refuses it within a second)',
      tags: ['apps'],
      auth: 'user',
      params: secretParams,
      response: z.null(),
      status: 204,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await apps.revokeClientSecret(c.params.orgId, c.params.appId, c.params.credentialId, ctxOf(c));
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/reset-secret',
      operationId: 'resetClientSecret',
      summary: 'Revoke every secret and issue a new one; the client id stays',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      response: newSecret,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        c.reply.header('cache-control', 'no-store');
        return once(c, () => apps.resetClientSecret(c.params.orgId, c.params.appId, ctxOf(c)));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/production-access',
      operationId: 'requestProductionAccess',
      summary: 'Ask operators to move the app to the production catalog',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      body: z.strictObject({ note: z.string().trim().max(2000).optional() }),
      response: prodView,
      status: 201,
      errors: [...errors, 'representative_not_confirmed', 'app_not_active', 'conflict'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        await current(c.principal, c.params.orgId);
        return apps.requestProductionAccess(c.params.orgId, c.params.appId, c.body?.note ?? null, ctxOf(c));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions',
      operationId: 'listSubscriptions',
      summary: "List the app's subscriptions",
      tags: ['subscriptions'],
      auth: 'user',
      params: appParams,
      response: z.object({ items: z.array(subscriptionView) }),
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listSubscriptions(c.params.orgId, c.params.appId) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions',
      operationId: 'subscribe',
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
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        return once(c, () => apps.subscribe(c.params.orgId, c.params.appId, c.body.planId, ctxOf(c)));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions/:subscriptionId',
      operationId: 'getSubscription',
      summary: 'Read one subscription',
      tags: ['subscriptions'],
      auth: 'user',
      params: subParams,
      response: subscriptionView,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getSubscription(c.params.orgId, c.params.appId, c.params.subscriptionId);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/apps/:appId/subscriptions/:subscriptionId',
      operationId: 'unsubscribe',
      summary: 'End a subscription',
      tags: ['subscriptions'],
      auth: 'user',
      params: subParams,
      response: z.null(),
      status: 204,
      errors: [...errors, 'conflict'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await apps.unsubscribe(c.params.orgId, c.params.appId, c.params.subscriptionId, ctxOf(c));
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps/:appId/usage',
      operationId: 'getAppUsage',
      summary: 'Calls per operation, errors, quota left and distinct end users served',
      tags: ['apps'],
      auth: 'user',
      params: appParams,
      query: z.strictObject({
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      }),
      response: usageView,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return usage.getAppUsage(c.params.orgId, c.params.appId, {
          fromMs: c.query.from ? Date.parse(c.query.from) : undefined,
          toMs: c.query.to ? Date.parse(c.query.to) : undefined,
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/limit-requests',
      operationId: 'requestLimitIncrease',
      summary: 'Ask for a higher limit on a subscription (which limit, how much, why, until when)',
      tags: ['limits'],
      auth: 'user',
      params: appParams,
      body: limitRequestInputSchema,
      response: limitView,
      status: 201,
      errors: [...errors, 'limit_not_in_plan', 'conflict'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        return apps.requestLimitIncrease(c.params.orgId, c.params.appId, c.body, ctxOf(c));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/limit-requests',
      operationId: 'listLimitRequests',
      summary: "List the organisation's limit-increase requests",
      tags: ['limits'],
      auth: 'user',
      params: orgParams,
      response: z.object({ items: z.array(limitView) }),
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listLimitRequests({ orgId: c.params.orgId }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/limit-requests/:requestId',
      operationId: 'getLimitRequest',
      summary: 'Read a limit-increase request and its decision',
      tags: ['limits'],
      auth: 'user',
      params: limitParams,
      response: limitView,
      errors,
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getLimitRequest(c.params.orgId, c.params.requestId);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/limit-requests/:requestId/accept-conditions',
      operationId: 'acceptLimitConditions',
      summary: 'Accept the terms an operator attached to an approval, so the raise applies',
      tags: ['limits'],
      auth: 'user',
      params: limitParams,
      response: limitView,
      errors: [...errors, 'conflict'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        return apps.acceptLimitConditions(c.params.orgId, c.params.requestId, ctxOf(c));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/limit-requests/:requestId/cancel',
      operationId: 'cancelLimitRequest',
      summary: 'Withdraw a request, or give up an approved raise',
      tags: ['limits'],
      auth: 'user',
      params: limitParams,
      response: limitView,
      errors: [...errors, 'conflict'],
      handler: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        return apps.cancelLimitRequest(c.params.orgId, c.params.requestId, ctxOf(c));
      },
    }),
    // ------------------------------------------------------------ operators
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/subscriptions',
      operationId: 'listSubscriptionsForReview',
      summary: 'Subscriptions by status (pending by default) (operators)',
      tags: ['subscriptions', 'admin'],
      auth: 'operator',
      query: z.strictObject({
        status: z.enum(['pending', 'active', 'declined', 'cancelled']).default('pending'),
      }),
      response: z.object({ items: z.array(subscriptionView) }),
      handler: async (c) => ({ items: await apps.listSubscriptionsByStatus(c.query.status) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/subscriptions/:subscriptionId/approve',
      operationId: 'approveSubscription',
      summary: 'Approve a pending subscription; the organisation is notified (operators)',
      tags: ['subscriptions', 'admin'],
      auth: 'operator',
      params: z.strictObject({ subscriptionId: idParam('sub') }),
      body: z.strictObject({ reason: z.string().trim().max(2000).optional() }),
      response: subscriptionView,
      errors: ['not_found', 'conflict'],
      handler: async (c) =>
        apps.decideSubscription(c.params.subscriptionId, true, c.body?.reason ?? null, ctxOf(c)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/subscriptions/:subscriptionId/decline',
      operationId: 'declineSubscription',
      summary: 'Decline a pending subscription with a reason; the organisation is notified (operators)',
      tags: ['subscriptions', 'admin'],
      auth: 'operator',
      params: z.strictObject({ subscriptionId: idParam('sub') }),
      body: z.strictObject({ reason: z.string().trim().min(3).max(2000) }),
      response: subscriptionView,
      errors: ['not_found', 'conflict', 'validation_failed'],
      handler: async (c) => apps.decideSubscription(c.params.subscriptionId, false, c.body.reason, ctxOf(c)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/production-requests',
      operationId: 'listProductionRequests',
      summary: 'Production-access requests (operators)',
      tags: ['apps', 'admin'],
      auth: 'operator',
      query: z.strictObject({ status: z.enum(['pending', 'approved', 'declined']).optional() }),
      response: z.object({ items: z.array(prodView) }),
      handler: async (c) => ({ items: await apps.listProductionRequests(c.query.status) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/production-requests/:requestId/decide',
      operationId: 'decideProductionAccess',
      summary: "Approve (only when the organisation's representative is confirmed) or decline (operators)",
      tags: ['apps', 'admin'],
      auth: 'operator',
      params: z.strictObject({ requestId: idParam('prq') }),
      body: z.strictObject({ approve: z.boolean(), reason: z.string().trim().max(2000).optional() }),
      response: prodView,
      errors: ['not_found', 'conflict', 'representative_not_confirmed'],
      handler: async (c) =>
        apps.decideProductionAccess(c.params.requestId, c.body.approve, c.body.reason ?? null, ctxOf(c)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/limit-requests',
      operationId: 'listLimitRequestsForReview',
      summary: 'Limit-increase requests (operators)',
      tags: ['limits', 'admin'],
      auth: 'operator',
      query: z.strictObject({ status: z.enum(['pending', 'approved', 'declined', 'cancelled']).optional() }),
      response: z.object({ items: z.array(limitView) }),
      handler: async (c) => ({ items: await apps.listLimitRequests({ status: c.query.status }) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/limit-requests/:requestId/decide',
      operationId: 'decideLimitRequest',
      summary: 'Approve, decline, or approve with conditions (lower value, end date, terms) (operators)',
      tags: ['limits', 'admin'],
      auth: 'operator',
      params: z.strictObject({ requestId: idParam('lim') }),
      body: limitDecisionSchema,
      response: limitView,
      errors: ['not_found', 'conflict', 'validation_failed'],
      handler: async (c) => apps.decideLimitRequest(c.params.requestId, c.body, ctxOf(c)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/apps',
      operationId: 'listAllApps',
      summary: 'Every app, newest first (operators)',
      tags: ['apps', 'admin'],
      auth: 'operator',
      query: z.strictObject({
        orgId: idParam('org').optional(),
        status: z.enum(['active', 'suspended', 'revoked']).optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
      response: z.object({ items: z.array(appView) }),
      handler: async (c) => ({ items: await apps.listAllApps(c.query) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/apps/:appId',
      operationId: 'getAppAsOperator',
      summary: 'Read any app (operators)',
      tags: ['apps', 'admin'],
      auth: 'operator',
      params: z.strictObject({ appId: idParam('app') }),
      response: appView,
      errors: ['not_found'],
      handler: async (c) => {
        const app = await apps.getAppById(c.params.appId);
        if (!app) throw new AppError('not_found');
        return app;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/apps/:appId/status',
      operationId: 'setAppStatus',
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
      handler: async (c) =>
        apps.setAppStatusByOperator(c.params.appId, c.body.status, c.body.reason, ctxOf(c)),
    }),
  ];
}
