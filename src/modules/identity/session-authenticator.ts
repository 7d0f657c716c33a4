import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Authenticator } from '../../platform/http/route.ts';
import { type IdentityService, SESSION_COOKIE, SESSION_TOKEN_PREFIX } from './identity-service.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session token a request carries: `Authorization: Bearer dzs_…` or the session cookie. */
export function sessionTokenOf(req: FastifyRequest): { token: string; viaCookie: boolean } | null {
  const authz = req.headers.authorization;
  if (typeof authz === 'string' && authz.startsWith(`Bearer ${SESSION_TOKEN_PREFIX}`)) {
    return { token: authz.slice('Bearer '.length).trim(), viaCookie: false };
  }
  const cookie = (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
    SESSION_COOKIE
  ];
  if (cookie) return { token: cookie, viaCookie: true };
  return null;
}

/**
 * Resolves the caller from a session. A cookie is sent by the browser on its own, so a request that
 * changes state and is authenticated by the cookie must also carry the session's CSRF token in
 * `x-csrf-token` (a header another site cannot set). Bearer session tokens are not ambient and need
 * no CSRF token.
 */
export function sessionAuthenticator(identity: IdentityService): Authenticator {
  return async (req) => {
    const found = sessionTokenOf(req);
    if (!found) return null;
    const principal = await identity.authenticateToken(found.token);
    if (!principal) return null;
    if (found.viaCookie && !SAFE_METHODS.has(req.method)) {
      const given = req.headers['x-csrf-token'];
      if (!identity.checkCsrf(found.token, typeof given === 'string' ? given : undefined)) {
        throw new AppError('csrf_failed');
      }
    }
    return principal;
  };
}
