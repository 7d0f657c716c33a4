import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { implement, type Principal } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import type { Catalog } from '../catalog/index.ts';
import type { OrgAccess, OrgRole } from '../organizations/index.ts';
import type { AppUsageService } from './app-usage.ts';
import type { AppsService } from './apps-service.ts';
import { appsContracts } from './contracts.ts';
import type { OperatorAppStatus } from './operator-status.ts';
import type { PortalIdempotency } from './portal-idempotency.ts';
import { productionContracts } from './production-contracts.ts';

export function appsRoutes(deps: {
  apps: AppsService;
  catalog: Catalog;
  orgAccess: OrgAccess;
  usage: AppUsageService;
  idempotency?: PortalIdempotency;
  operatorStatus?: OperatorAppStatus;
}) {
  const { apps, catalog, orgAccess, usage } = deps;
  const member = async (principal: Principal | null, orgId: string, role: OrgRole, read = false) => {
    if (!principal) throw new AppError('unauthenticated');
    await orgAccess.requireMember(principal, orgId, role, { allowOperator: read });
  };
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

  return implement(
    { ...appsContracts, ...productionContracts },
    {
      createApp: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        c.reply.header('cache-control', 'no-store');
        return once(c, async () => {
          const r = await apps.createApp(c.params.orgId, c.body, contextOf(c));
          return {
            app: r.app,
            clientId: r.app.clientId,
            clientSecret: r.clientSecret,
            gatewayBaseUrl: `${catalog.publicUrl}${catalog.basePath(r.app.environment)}`,
          };
        });
      },
      listApps: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listApps(c.params.orgId) };
      },
      getApp: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getApp(c.params.orgId, c.params.appId);
      },
      updateApp: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        return apps.updateApp(c.params.orgId, c.params.appId, c.body, contextOf(c));
      },
      deleteApp: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        await apps.deleteApp(c.params.orgId, c.params.appId, contextOf(c));
        return null;
      },
      createClientSecret: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        c.reply.header('cache-control', 'no-store');
        return once(c, () =>
          apps.createClientSecret(
            c.params.orgId,
            c.params.appId,
            { expiresAt: c.body?.expiresAt },
            contextOf(c),
          ),
        );
      },
      revokeClientSecret: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await apps.revokeClientSecret(c.params.orgId, c.params.appId, c.params.credentialId, contextOf(c));
        return null;
      },
      resetClientSecret: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        c.reply.header('cache-control', 'no-store');
        return once(c, () => apps.resetClientSecret(c.params.orgId, c.params.appId, contextOf(c)));
      },
      requestProductionAccess: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        await current(c.principal, c.params.orgId);
        return apps.requestProductionAccess(
          c.params.orgId,
          c.params.appId,
          c.body.productId,
          c.body.note ?? null,
          contextOf(c),
        );
      },
      listProductionCredentials: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.listProductionCredentials(c.params.orgId, c.params.appId);
      },
      createProductionSecret: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        c.reply.header('cache-control', 'no-store');
        return once(c, () =>
          apps.createProductionSecret(
            c.params.orgId,
            c.params.appId,
            { expiresAt: c.body?.expiresAt },
            contextOf(c),
          ),
        );
      },
      revokeProductionSecret: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await apps.revokeProductionSecret(
          c.params.orgId,
          c.params.appId,
          c.params.credentialId,
          contextOf(c),
        );
        return null;
      },
      listSubscriptions: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listSubscriptions(c.params.orgId, c.params.appId) };
      },
      subscribe: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        return once(c, () => apps.subscribe(c.params.orgId, c.params.appId, c.body.planId, contextOf(c)));
      },
      getSubscription: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getSubscription(c.params.orgId, c.params.appId, c.params.subscriptionId);
      },
      unsubscribe: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await apps.unsubscribe(c.params.orgId, c.params.appId, c.params.subscriptionId, contextOf(c));
        return null;
      },
      getAppUsage: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return usage.getAppUsage(c.params.orgId, c.params.appId, {
          fromMs: c.query.from ? Date.parse(c.query.from) : undefined,
          toMs: c.query.to ? Date.parse(c.query.to) : undefined,
        });
      },
      requestLimitIncrease: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        await current(c.principal, c.params.orgId);
        return apps.requestLimitIncrease(c.params.orgId, c.params.appId, c.body, contextOf(c));
      },
      listLimitRequests: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return { items: await apps.listLimitRequests({ orgId: c.params.orgId }) };
      },
      getLimitRequest: async (c) => {
        await member(c.principal, c.params.orgId, 'viewer', true);
        return apps.getLimitRequest(c.params.orgId, c.params.requestId);
      },
      acceptLimitConditions: async (c) => {
        await member(c.principal, c.params.orgId, 'admin');
        return apps.acceptLimitConditions(c.params.orgId, c.params.requestId, contextOf(c));
      },
      cancelLimitRequest: async (c) => {
        await member(c.principal, c.params.orgId, 'developer');
        return apps.cancelLimitRequest(c.params.orgId, c.params.requestId, contextOf(c));
      },
      listSubscriptionsForReview: async (c) => ({
        items: await apps.listSubscriptionsByStatus(c.query.status),
      }),
      approveSubscription: async (c) =>
        apps.decideSubscription(c.params.subscriptionId, true, c.body?.reason ?? null, contextOf(c)),
      declineSubscription: async (c) =>
        apps.decideSubscription(c.params.subscriptionId, false, c.body.reason, contextOf(c)),
      listProductionRequests: async (c) => ({ items: await apps.listProductionRequests(c.query.status) }),
      decideProductionAccess: async (c) =>
        apps.decideProductionAccess(c.params.requestId, c.body.approve, c.body.reason ?? null, contextOf(c)),
      listLimitRequestsForReview: async (c) => ({
        items: await apps.listLimitRequests({ status: c.query.status }),
      }),
      decideLimitRequest: async (c) => apps.decideLimitRequest(c.params.requestId, c.body, contextOf(c)),
      listAllApps: async (c) => ({ items: await apps.listAllApps(c.query) }),
      getAppAsOperator: async (c) => {
        const app = await apps.getAppById(c.params.appId);
        if (!app) throw new AppError('not_found');
        return app;
      },
      setAppStatus: async (c) => {
        const { operatorStatus } = deps;
        if (!operatorStatus)
          return apps.setAppStatusByOperator(c.params.appId, c.body.status, c.body.reason, contextOf(c));
        // The same action as the console's enforcement form: the organisation is told why.
        const app = await apps.getAppById(c.params.appId);
        if (!app || app.status === 'revoked') throw new AppError('not_found');
        await operatorStatus.setAppStatus(c.params.appId, c.body.status, c.body.reason, contextOf(c));
        return (await apps.getAppById(c.params.appId))!;
      },
    },
  );
}
