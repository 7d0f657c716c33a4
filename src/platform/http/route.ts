import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { HandlerContext, Principal, RouteContract } from './contract.ts';
import { MAX_JSON_DEPTH } from './json-depth.ts';
import { checkResponse, type ResponseCheckMode } from './response-check.ts';

/**
 * One way to declare a portal route: zod schemas validate the request and describe it in the
 * OpenAPI document (openapi.ts reads the same definitions), so docs cannot drift from behaviour.
 * Routes never touch SQL: handlers call services.
 */
export type { Principal } from './contract.ts';

/** Resolves the caller from the request (session cookie + CSRF, or bearer); null if none. */
export type Authenticator = (req: FastifyRequest) => Promise<Principal | null>;

/** A contract (contract.ts) with the code that answers it. Built by `implement`. */
type RouteDef = RouteContract & {
  handler(ctx: HandlerContext<unknown, unknown, unknown>): Promise<unknown>;
};

export type AnyRoute = RouteDef;

/**
 * Every portal request is held to these bounds (the OpenAPI document states them as the default
 * maxLength / maxItems): no string longer than 65,536 characters, no array longer than 10,000 items.
 * Nesting is bounded by the JSON body parser (MAX_JSON_DEPTH, refused as `json_too_deep` before
 * parsing); the same bound here keeps this walk's own recursion bounded for any other input.
 */
function checkDefaultBounds(value: unknown, where: string, path: string, depth = 0): void {
  if (depth > MAX_JSON_DEPTH)
    throw new AppError('validation_failed', {
      details: [{ in: where, field: path, code: 'too_deep', message: 'nested too deeply' }],
    });
  if (typeof value === 'string') {
    if (value.length > 65_536) {
      throw new AppError('validation_failed', {
        details: [
          { in: where, field: path || where, code: 'too_big', message: 'must be at most 65536 characters' },
        ],
      });
    }
  } else if (Array.isArray(value)) {
    if (value.length > 10_000) {
      throw new AppError('validation_failed', {
        details: [
          { in: where, field: path || where, code: 'too_big', message: 'must have at most 10000 items' },
        ],
      });
    }
    for (let i = 0; i < value.length; i++) {
      checkDefaultBounds(value[i], where, path ? `${path}.${i}` : String(i), depth + 1);
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      checkDefaultBounds(v, where, path ? `${path}.${k}` : k, depth + 1);
  }
}

function parseOrThrow<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  checkDefaultBounds(value, where, '');
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) {
    throw new AppError('validation_failed', {
      details: r.error.issues.map((i) => ({
        in: where,
        field: i.path.join('.') || where,
        code: i.code,
        message: i.message,
      })),
    });
  }
  return r.data;
}

/** Registers definitions on Fastify; `authenticate` decides who the caller is. */
export function registerRoutes(
  app: FastifyInstance,
  routes: AnyRoute[],
  authenticate: Authenticator,
  responses: { mode: ResponseCheckMode; warn: (msg: string, details: Record<string, unknown>) => void },
): void {
  for (const def of routes) {
    app.route({
      method: def.method,
      url: def.url,
      config: { operationId: def.operationId },
      handler: async (req, reply) => {
        let principal: Principal | null = null;
        if (def.auth !== 'public') {
          principal = await authenticate(req);
          if (!principal) throw new AppError('unauthenticated');
          if (def.auth === 'operator' && !principal.isOperator) throw new AppError('forbidden');
          if (def.auth !== 'user-any-status' && principal.status !== 'active') {
            throw new AppError('account_not_active');
          }
        } else {
          principal = await authenticate(req).catch(() => null);
        }
        const params = parseOrThrow(def.params, req.params, 'path');
        const query = parseOrThrow(def.query, req.query, 'query');
        const body = parseOrThrow(def.body, req.body, 'body');
        const result = await def.handler({
          body,
          query,
          params,
          principal,
          req,
          reply,
          ip: req.ip,
          userAgent: String(req.headers['user-agent'] ?? '').slice(0, 512),
          requestId: String(req.id),
        });
        if (reply.sent) return reply;
        reply.code(def.status ?? 200);
        if (def.produces && def.produces !== 'application/json') {
          reply.type(def.produces);
          return result;
        }
        return checkResponse(def.response, result ?? null, def.operationId, responses.mode, responses.warn);
      },
    });
  }
}

export const idParam = (prefix: string) =>
  z
    .string()
    .max(40)
    .regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be an id starting with ${prefix}_`);
