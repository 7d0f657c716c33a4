import { z } from 'zod';
import { allErrorCodes } from '../errors.ts';
import type { AnyRoute } from './route.ts';

/**
 * Builds the portal's OpenAPI 3.1 document from the same route definitions that validate requests.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return json;
}

const errorSchemaRef = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string) {
  return {
    description,
    headers: {
      'x-request-id': { $ref: '#/components/headers/RequestId' },
    },
    content: { 'application/json': { schema: errorSchemaRef } },
  };
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(
  routes: AnyRoute[],
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
        headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
        content:
          status === '204'
            ? undefined
            : { [r.produces ?? 'application/json']: { schema: toSchema(r.response, 'output') } },
      },
      '400': errorResponse('The request is not valid (error code validation_failed or another 4xx code).'),
      '429': {
        description: 'Too many requests.',
        headers: {
          'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 0 } },
          'x-request-id': { $ref: '#/components/headers/RequestId' },
        },
        content: { 'application/json': { schema: errorSchemaRef } },
      },
      '500': errorResponse('Unexpected error; quote the request id.'),
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
      security: r.auth === 'public' ? [] : [{ session: [] }],
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
  const codes = allErrorCodes();
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
    servers: [{ url: opts.serverUrl }],
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
      },
      headers: {
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
