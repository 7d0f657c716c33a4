import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { OUTCOMES } from './outcome.ts';
import { WINDOWS } from './rollups/analytics.ts';

/**
 * The gateway's portal routes over its usage records, as data: the request log of an organisation
 * and its traffic per hour or day. The views here are the usage service's types (one definition).
 */
const orgParams = z.object({ orgId: z.string().min(1).max(40) });
const isoTime = z.iso.datetime({ offset: true });
const outcome = z
  .enum(OUTCOMES)
  .describe(
    'approved: the network approved (or, for 1Bill, is processing) it; declined: HTTP 2xx with a network code that is not an approval (e.g. 55, 10); failed: HTTP ≥ 400 from the gateway or upstream, or a network time-out.',
  );

/** One gateway call as the request log shows it (bodies masked). */
export const requestLogItemView = z.object({
  id: z.string(),
  at: z.string(),
  appId: z.string().nullable(),
  operationId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  networkCode: z.string().nullable(),
  outcome,
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

const usageBucket = z.enum(['hour', 'day']);

/** Calls by outcome and mean latency in one bucket starting at `t` (`errors` = `failed`). */
export const timeseriesPointView = z.object({
  t: z.string(),
  calls: z.number(),
  approved: z.number(),
  declined: z.number(),
  failed: z.number(),
  errors: z.number().describe('The failed calls (HTTP ≥ 400 or a time-out); kept for older clients.'),
  avgLatencyMs: z.number(),
});

const analyticsWindow = z.enum(WINDOWS).default('24h');
const counts = {
  calls: z.number().int(),
  approved: z.number().int(),
  declined: z.number().int(),
  failed: z.number().int(),
  http429: z.number().int().describe('Calls refused with 429 (rate limits and quotas).'),
  shed: z.number().int().describe('Calls shed under congestion (503 gateway_overloaded).'),
};
const ms = z.number().nullable();

/** Traffic analytics of a window (rollups/analytics.ts). */
const analyticsView = z.object({
  window: z.enum(WINDOWS),
  from: z
    .string()
    .describe(
      'Start of the window: the whole minute (1h, 24h) or hour (7d, 30d) at or before `to` minus the window. Counts are exact over [from, to).',
    ),
  to: z.string().describe('End of the window (now), exclusive.'),
  orgId: z.string().nullable(),
  appId: z.string().nullable(),
  totals: z.object({
    ...counts,
    p50Ms: ms.describe('From a fixed-bucket histogram: within a factor 1.16 of the exact value.'),
    p99Ms: ms,
    avgMs: ms,
    distinctEndUsers: z
      .number()
      .int()
      .describe('HyperLogLog estimate (~1.6 % standard error) over the hours or days the window touches.'),
  }),
  series: z.array(z.object({ t: z.string(), ...counts })).max(1000),
  byStatus: z.array(z.object({ status: z.number().int(), calls: z.number().int() })).max(1000),
  byNetworkCode: z.array(z.object({ networkCode: z.string(), ...counts })).max(10_000),
  byOperation: z.array(z.object({ operationId: z.string(), ...counts, p50Ms: ms, p99Ms: ms })).max(10_000),
  topOrganizations: z.array(z.object({ orgId: z.string(), ...counts })).max(10),
  topApps: z.array(z.object({ orgId: z.string(), appId: z.string(), ...counts })).max(10),
});
const operatorAnalyticsQuery = z.object({
  window: analyticsWindow,
  orgId: z.string().max(40).optional().describe('Drill down to one organisation.'),
  appId: z.string().max(40).optional().describe('And to one of its apps (with orgId).'),
});

export const gatewayContracts = defineContracts({
  getOperatorAnalytics: {
    method: 'GET',
    url: '/api/v1/admin/analytics',
    summary:
      'Gateway traffic analytics for the last 1 h / 24 h / 7 d / 30 d (operators), whole or drilled down',
    description:
      'Counts are exact over the window (rollups); latency percentiles come from a fixed-bucket histogram (within a factor 1.16); distinct end users are a HyperLogLog estimate.',
    tags: ['usage'],
    auth: 'operator',
    query: operatorAnalyticsQuery,
    response: analyticsView,
  },
  exportOperatorAnalytics: {
    method: 'GET',
    url: '/api/v1/admin/analytics.csv',
    summary: 'The operator analytics of a window as CSV (operators)',
    description:
      "UTF-8 with a BOM; one section per table (total, series, operation, network_code, status, organization, app); cells a spreadsheet would run as a formula are prefixed with `'`.",
    tags: ['usage'],
    auth: 'operator',
    query: operatorAnalyticsQuery,
    produces: 'text/csv',
    response: z.string().max(10_000_000),
  },
  getOrganizationAnalytics: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/analytics',
    summary: 'Traffic analytics of an organisation (or one of its apps) for the last 1 h / 24 h / 7 d / 30 d',
    tags: ['usage'],
    auth: 'user',
    params: orgParams,
    query: z.object({ window: analyticsWindow, appId: z.string().max(40).optional() }),
    response: analyticsView,
    errors: ['not_found', 'forbidden'],
  },
  listRequestLogs: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/request-logs',
    summary: 'Search the gateway request log of an organisation (masked bodies)',
    tags: ['usage'],
    auth: 'user',
    params: orgParams,
    query: z.object({
      appId: z.string().max(40).optional(),
      operationId: z.string().max(100).optional(),
      status: z.union([z.enum(['success', 'error']), z.coerce.number().int().min(100).max(599)]).optional(),
      outcome: outcome.optional(),
      networkCode: z.string().max(20).optional().describe("The network's response code, e.g. 55."),
      requestId: z.string().max(64).optional(),
      q: z.string().max(100).optional(),
      from: isoTime.optional(),
      to: isoTime.optional(),
      before: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
    }),
    response: z.object({ items: z.array(requestLogItemView).max(200), next: z.string().nullable() }),
    errors: ['not_found', 'forbidden'],
  },
  getUsageTimeseries: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/usage/timeseries',
    summary:
      'Calls (approved, declined, failed) and latency of an organisation’s gateway traffic per hour or day',
    tags: ['usage'],
    auth: 'user',
    params: orgParams,
    query: z.object({
      appId: z.string().max(40).optional(),
      from: isoTime.optional(),
      to: isoTime.optional(),
      bucket: usageBucket.default('hour'),
    }),
    response: z.object({
      bucket: usageBucket,
      from: z.string(),
      to: z.string(),
      points: z.array(timeseriesPointView).max(10_000),
    }),
    errors: ['not_found', 'forbidden', 'validation_failed'],
  },
});
