import { z } from 'zod';
import type { ErrorCatalogue } from '../errors.ts';
import type { RouteContract } from './contract.ts';

/**
 * Builds the portal's OpenAPI 3.1 document from the same route definitions that validate requests.
 */
/** Bounds every portal request is held to (route.ts enforces them), so the document can state them. */
const DEFAULT_MAX_STRING = 65_536;
const DEFAULT_MAX_ITEMS = 10_000;

function hasType(node: Record<string, unknown>, t: string): boolean {
  return node.type === t || (Array.isArray(node.type) && node.type.includes(t));
}

/**
 * Gives every string, integer and array an explicit bound (the defaults the server enforces) where
 * the zod schema did not set a tighter one, so clients and linters see the real limits.
 */
function applyDefaultLimits(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) applyDefaultLimits(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (hasType(o, 'string') && o.maxLength === undefined && o.enum === undefined && o.const === undefined) {
    o.maxLength = DEFAULT_MAX_STRING;
  }
  if (hasType(o, 'integer')) {
    o.format ??= 'int64';
    o.minimum ??= Number.MIN_SAFE_INTEGER;
    o.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  if (hasType(o, 'array') && o.maxItems === undefined) o.maxItems = DEFAULT_MAX_ITEMS;
  for (const v of Object.values(o)) applyDefaultLimits(v);
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  applyDefaultLimits(json);
  return json;
}

/** Headers on every portal API response (app.ts sets them): rate-limit fields and CORS origin. */
const commonHeaders = {
  'x-request-id': { $ref: '#/components/headers/RequestId' },
  'Access-Control-Allow-Origin': { $ref: '#/components/headers/Access-Control-Allow-Origin' },
};
const rateLimitHeaders = {
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
};

const errorSchemaRef = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string, server = false) {
  return {
    description,
    headers: server ? commonHeaders : { ...commonHeaders, ...rateLimitHeaders },
    content: { 'application/json': { schema: errorSchemaRef } },
  };
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(
  routes: RouteContract[],
  errors: ErrorCatalogue,
  opts: { title: string; version: string; serverUrl: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    const parameters: unknown[] = [];
    if (r.params) {
      const s = toSchema(r.params, 'input') as { properties?: Record<string, unknown> };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: 'path', required: true, schema });
      }
    }
    if (r.query) {
      const s = toSchema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(s.properties ?? {})) {
        parameters.push({ name, in: 'query', required: s.required?.includes(name) ?? false, schema });
      }
    }
    const status = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: {
        description: 'Success',
        headers: { ...commonHeaders, ...rateLimitHeaders },
        content:
          status === '204'
            ? undefined
            : { [r.produces ?? 'application/json']: { schema: toSchema(r.response, 'output') } },
      },
      '400': errorResponse('The request is not valid (error code validation_failed or another 4xx code).'),
      '429': {
        description: 'Too many requests.',
        headers: {
          'Retry-After': {
            description: 'Seconds to wait.',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
          },
          ...commonHeaders,
          ...rateLimitHeaders,
        },
        content: { 'application/json': { schema: errorSchemaRef } },
      },
      '500': errorResponse('Unexpected error; quote the request id.', true),
    };
    if (status === '204') delete (responses[status] as Record<string, unknown>).content;
    if (r.auth !== 'public') {
      responses['401'] = errorResponse('Not signed in (unauthenticated).');
      responses['403'] = errorResponse('Signed in but not allowed (forbidden).');
    }
    if (r.params) responses['404'] = errorResponse('Not found, or not visible to you.');
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      description: r.description ?? r.summary,
      tags: r.tags,
      parameters: parameters.length ? parameters : undefined,
      responses,
      security:
        r.auth === 'public' ? [] : r.auth === 'operator' ? [{ operatorSession: [] }] : [{ session: [] }],
    };
    if (r.body) {
      op.requestBody = {
        required: true,
        content: { [r.consumes ?? 'application/json']: { schema: toSchema(r.body, 'input') } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = op;
  }
  const codes = errors;
  return {
    openapi: '3.1.0',
    info: {
      title: opts.title,
      version: opts.version,
      description:
        'Portal API of Darwaza. Every error body is { error: { code, message, requestId, docs } }; codes: ' +
        Object.keys(codes).sort().join(', '),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      contact: { name: 'Darwaza operators' },
    },
    servers: [
      {
        url: opts.serverUrl,
        description: opts.serverUrl.startsWith('https:') ? 'production portal' : 'local development portal',
        'x-internal': false,
      },
    ],
    security: [{ session: [] }],
    tags: [...new Set(routes.flatMap((r) => r.tags))].sort().map((name) => ({ name, description: name })),
    paths,
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-dz_session',
          description:
            'Session cookie from createSession; unsafe methods also need the x-csrf-token header from the session.',
        },
        operatorSession: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-dz_session',
          description:
            'Session cookie of an operator account (signed in with TOTP); operator routes refuse others.',
        },
      },
      headers: {
        'Access-Control-Allow-Origin': {
          description: 'The portal origin; the API is meant for the portal itself and same-origin tools.',
          schema: { type: 'string', maxLength: 300 },
        },
        RateLimit: {
          description:
            'IETF RateLimit field: remaining requests (r) and seconds to reset (t) for the caller.',
          schema: { type: 'string', maxLength: 200 },
        },
        RateLimitPolicy: {
          description: 'IETF RateLimit-Policy field: the quota (q) per window in seconds (w).',
          schema: { type: 'string', maxLength: 200 },
        },
        RequestId: {
          description: 'Identifies the request in logs and support.',
          schema: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message', 'requestId', 'docs'],
              properties: {
                code: { type: 'string', maxLength: 64, enum: Object.keys(codes).sort() },
                message: { type: 'string', maxLength: 1000 },
                requestId: { type: 'string', maxLength: 64 },
                docs: { type: 'string', format: 'uri', maxLength: 300 },
                details: {},
              },
            },
          },
        },
      },
    },
  };
}
