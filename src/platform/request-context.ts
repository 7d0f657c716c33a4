import type { Principal } from './http/contract.ts';

/**
 * Who did something and from where: the one request context every service method that acts for
 * someone takes (route handlers build it with `contextOf`; the CLI and workers use
 * `systemContext`). The audit trail records it; nothing else is needed to say who acted.
 */
export const actorTypes = ['user', 'operator', 'system', 'app', 'anonymous'] as const;
export type Actor = { type: (typeof actorTypes)[number]; id: string | null };

export type RequestContext = {
  actor: Actor;
  ip: string | null;
  userAgent: string | null;
  /** The HTTP request's id (null outside a request). */
  requestId: string | null;
};

/** The actor a principal acts as: an operator's session acts as the operator; no principal is the system. */
export function actorOf(principal: Principal | null): Actor {
  if (!principal) return { type: 'system', id: null };
  return { type: principal.isOperator ? 'operator' : 'user', id: principal.userId };
}

/** The context of a route handler's request. */
export function contextOf(h: {
  principal: Principal | null;
  ip: string;
  userAgent: string;
  requestId: string;
}): RequestContext {
  return { actor: actorOf(h.principal), ip: h.ip, userAgent: h.userAgent, requestId: h.requestId };
}

/** Work the program does on its own (workers, the CLI): `id` names what (e.g. 'cli', 'terms-worker'). */
export function systemContext(id: string | null = null, userAgent: string | null = null): RequestContext {
  return { actor: { type: 'system', id }, ip: null, userAgent, requestId: null };
}
