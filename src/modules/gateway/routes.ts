import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../../platform/http/route.ts';
import type { OrgAccess } from '../../platform/ports.ts';
import type { UsageService } from './usage-service.ts';

/**
 * Portal routes over the gateway's usage records, for members of the organisation (any role) and
 * operators. Non-members get 404 (orgAccess.requireMember), so existence does not leak.
 */
const orgParams = z.object({ orgId: z.string().min(1).max(40) });
const isoTime = z.iso.datetime({ offset: true });

const logItem = z.object({
  id: z.string(),
  at: z.string(),
  appId: z.string().nullable(),
  operationId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  networkCode: z.string().nullable(),
  latencyMs: z.number(),
  requestId: z.string(),
  clientIp: z.string().nullable(),
  requestHeaders: z.unknown(),
  requestBody: z.unknown(),
  responseBody: z.unknown(),
  droppedReason: z
    .string()
    .nullable()
    .describe('Why the bodies are missing when they could not be stored (the call itself is recorded).'),
});

export function gatewayRoutes(deps: {
  usage: UsageService;
  orgAccess: OrgAccess;
  nowMs: () => number;
}): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/request-logs',
      operationId: 'listRequestLogs',
      summary: 'Search the gateway request log of an organisation (masked bodies)',
      tags: ['usage'],
      auth: 'user',
      params: orgParams,
      query: z.object({
        appId: z.string().max(40).optional(),
        operationId: z.string().max(100).optional(),
        status: z.union([z.enum(['success', 'error']), z.coerce.number().int().min(100).max(599)]).optional(),
        requestId: z.string().max(64).optional(),
        q: z.string().max(100).optional(),
        from: isoTime.optional(),
        to: isoTime.optional(),
        before: z.string().max(40).optional(),
        limit: z.coerce.number().int().min(1).max(200).optional(),
      }),
      response: z.object({ items: z.array(logItem).max(200), next: z.string().nullable() }),
      errors: ['not_found', 'forbidden'],
      handler: async ({ params, query, principal }) => {
        await deps.orgAccess.requireMember(principal!, params.orgId, 'viewer', { allowOperator: true });
        return deps.usage.listRequestLogs(params.orgId, {
          ...query,
          fromMs: query.from ? Date.parse(query.from) : undefined,
          toMs: query.to ? Date.parse(query.to) : undefined,
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/usage/timeseries',
      operationId: 'getUsageTimeseries',
      summary: 'Calls, errors and latency of an organisation’s gateway traffic per hour or day',
      tags: ['usage'],
      auth: 'user',
      params: orgParams,
      query: z.object({
        appId: z.string().max(40).optional(),
        from: isoTime.optional(),
        to: isoTime.optional(),
        bucket: z.enum(['hour', 'day']).default('hour'),
      }),
      response: z.object({
        bucket: z.enum(['hour', 'day']),
        from: z.string(),
        to: z.string(),
        points: z
          .array(z.object({ t: z.string(), calls: z.number(), errors: z.number(), avgLatencyMs: z.number() }))
          .max(10_000),
      }),
      errors: ['not_found', 'forbidden', 'validation_failed'],
      handler: async ({ params, query, principal }) => {
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
    }),
  ];
}
