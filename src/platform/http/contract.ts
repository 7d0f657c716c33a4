import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';

/** Who is calling (route.ts resolves it from the session). */
export type Principal = {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  isOperator: boolean;
  /** Account status; routes for 'active' users only are the default. */
  status: string;
};

/**
 * public: anyone; user: a signed-in, active account; user-any-status: signed in, pending or
 * rejected accounts too (status pages); operator: an operator's session.
 */
type RouteAuth = 'public' | 'user' | 'user-any-status' | 'operator';

export type HandlerContext<B, Q, P> = {
  body: B;
  query: Q;
  params: P;
  principal: Principal | null;
  req: FastifyRequest;
  reply: FastifyReply;
  ip: string;
  userAgent: string;
  requestId: string;
};

/**
 * A route's contract: everything about it except the code that answers it. Contracts are plain
 * data in each module's `contracts.ts`, importable without building any service, so the OpenAPI
 * document (and anything generated from it) exists without starting the program. A module's
 * `routes.ts` pairs every contract with a handler (`implement`); the request and the response are
 * both checked against the contract's schemas (route.ts).
 */
export type RouteContract = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  response: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** Error codes this route can answer with (documented per operation). */
  errors?: ErrorCode[];
  /** Content type of the request body when not JSON (e.g. form). */
  consumes?: string;
  /** Produces something other than JSON (e.g. text/csv); such a response is sent as the handler returns it. */
  produces?: string;
};

/** A contract as written in `defineContracts`: the operation id is its key. */
type ContractSpec = Omit<RouteContract, 'operationId'>;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What the handler of contract C receives (parsed body, query and params) and must return. */
export type ContractHandler<C extends ContractSpec> = (
  ctx: HandlerContext<Parsed<C['body']>, Parsed<C['query']>, Parsed<C['params']>>,
) => Promise<z.input<C['response']>>;

/**
 * Declares a module's contracts, keyed by operation id (the key becomes `operationId`, so the two
 * cannot disagree, and a misspelt id in `implement` or a test fails `tsc`).
 */
export function defineContracts<const T extends Record<string, ContractSpec>>(
  specs: T,
): { [K in keyof T & string]: T[K] & { operationId: K } } {
  const out: Record<string, RouteContract> = {};
  for (const [operationId, spec] of Object.entries(specs)) out[operationId] = { ...spec, operationId };
  return out as { [K in keyof T & string]: T[K] & { operationId: K } };
}

/**
 * Pairs every contract with its handler. The handler map must name exactly the contracts given:
 * one missing or one extra fails `tsc`.
 */
export function implement<T extends Record<string, RouteContract>>(
  contracts: T,
  handlers: { [K in keyof T]: ContractHandler<T[K]> },
): Array<RouteContract & { handler(ctx: HandlerContext<unknown, unknown, unknown>): Promise<unknown> }> {
  return Object.keys(contracts).map((k) => ({
    ...contracts[k]!,
    handler: handlers[k] as (ctx: HandlerContext<unknown, unknown, unknown>) => Promise<unknown>,
  }));
}

/** Every contract of the given modules' contract maps, in order (for the OpenAPI document). */
export function contractList(...maps: Array<Record<string, RouteContract>>): RouteContract[] {
  return maps.flatMap((m) => Object.values(m));
}
