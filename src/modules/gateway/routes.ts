import { AppError } from '../../platform/errors.ts';
import { implement } from '../../platform/http/contract.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { gatewayContracts } from './contracts.ts';
import type { UsageService } from './usage-service.ts';

/**
 * Portal routes over the gateway's usage records, for members of the organisation (any role) and
 * operators. Non-members get 404 (orgAccess.requireMember), so existence does not leak. The
 * operator's analytics (the whole gateway, drill-down by organisation and app) are operator-only.
 */
export function gatewayRoutes(deps: { usage: UsageService; orgAccess: OrgAccess; nowMs: () => number }) {
  return implement(gatewayContracts, {
    getOperatorAnalytics: async ({ query }) => deps.usage.getAnalytics({ ...query, nowMs: deps.nowMs() }),
    exportOperatorAnalytics: async (ctx) => {
      const csv = await deps.usage.analyticsCsv({ ...ctx.query, nowMs: deps.nowMs() });
      ctx.reply.header('content-disposition', `attachment; filename="analytics-${ctx.query.window}.csv"`);
      return csv;
    },
    getOrganizationAnalytics: async ({ params, query, principal }) => {
      await deps.orgAccess.requireMember(principal!, params.orgId, 'viewer', { allowOperator: true });
      return deps.usage.getAnalytics({ ...query, orgId: params.orgId, nowMs: deps.nowMs() });
    },
    listRequestLogs: async ({ params, query, principal }) => {
      await deps.orgAccess.requireMember(principal!, params.orgId, 'viewer', { allowOperator: true });
      return deps.usage.listRequestLogs(params.orgId, {
        ...query,
        fromMs: query.from ? Date.parse(query.from) : undefined,
        toMs: query.to ? Date.parse(query.to) : undefined,
      });
    },
    getUsageTimeseries: async ({ params, query, principal }) => {
      await deps.orgAccess.requireMember(principal!, params.orgId, 'viewer', { allowOperator: true });
      const toMs = query.to ? Date.parse(query.to) : deps.nowMs() + 1;
      const fromMs = query.from
        ? Date.parse(query.from)
        : toMs - (query.bucket === 'day' ? 30 : 1) * 86_400_000;
      const maxMs = (query.bucket === 'hour' ? 93 : 1100) * 86_400_000;
      if (!(toMs > fromMs) || toMs - fromMs > maxMs) {
        throw new AppError('validation_failed', {
          details: [
            {
              in: 'query',
              field: 'from',
              code: 'range',
              message: `from must be before to, at most ${query.bucket === 'hour' ? 93 : 1100} days apart for ${query.bucket} buckets`,
            },
          ],
        });
      }
      const points = await deps.usage.getUsageTimeseries(params.orgId, {
        appId: query.appId,
        fromMs,
        toMs,
        bucket: query.bucket,
      });
      return {
        bucket: query.bucket,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        points,
      };
    },
  });
}
