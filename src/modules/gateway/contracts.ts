import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { OUTCOMES } from './outcome.ts';

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

export const gatewayContracts = defineContracts({
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
