import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCatalogue, errorAnswer } from '../../platform/errors.ts';
import {
  SHARED_STATE_RETRY_AFTER_S,
  SharedStateUnavailableError,
} from '../../platform/shared-state/shared-state.ts';
import { CATALOGS, type CatalogName } from '../catalog/index.ts';
import { OAuthError, oauthErrorBody } from './oauth-errors.ts';
import type { ClientCredentials, OAuthService } from './oauth-service.ts';

/**
 * The token, revocation and introspection endpoints under each catalog's gateway base:
 * `/{provider}/{catalog}/oauth2/{token|revoke|introspect}`. Not portal routes: they speak
 * RFC 6749 (form bodies, `{ error, error_description }` plus `darwaza_code` and `error_uri`, see
 * oauth-errors.ts), not the portal's JSON error body. Every answer, errors included, is no-store.
 */
const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1: both halves of HTTP Basic are form-urlencoded before base64. */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

const authFailed = (description: string) =>
  new OAuthError('invalid_client', 'oauth_client_auth_failed', description);
const invalidRequest = (description: string) =>
  new OAuthError('invalid_request', 'oauth_invalid_request', description);

function parseBasic(header: string): ClientCredentials {
  const m = /^Basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!m) throw authFailed('malformed Basic credentials');
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw authFailed('malformed Basic credentials');
  try {
    return { clientId: formDecode(decoded.slice(0, i)), clientSecret: formDecode(decoded.slice(i + 1)) };
  } catch {
    throw authFailed('malformed Basic credentials');
  }
}

function single(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${name} must appear once`);
  return v;
}

export function oauthPlugin(opts: {
  oauth: OAuthService;
  provider: string;
  publicUrl: string;
  /** The composed error catalogue: the status and message of a refusal raised below the endpoint. */
  errors: ErrorCatalogue;
}) {
  const send = (reply: FastifyReply, err: OAuthError) => sendError(reply, err, opts.publicUrl);
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      // Anything that is not a form becomes an empty body the handler refuses as invalid_request.
      scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, _body, done) =>
        done(null, { __unsupported: true }),
      );
      scope.setErrorHandler((err, req, reply) => {
        if (err instanceof OAuthError) return send(reply, err);
        if (err instanceof SharedStateUnavailableError) {
          // The throttles cannot be consulted: fail closed, as the gateway does, and say when to retry.
          req.log.warn({ err: err.message }, 'oauth endpoint: shared state unavailable');
          return send(
            reply,
            new OAuthError(
              'temporarily_unavailable',
              'service_unavailable',
              'client authentication cannot be checked right now; retry shortly',
              SHARED_STATE_RETRY_AFTER_S,
            ),
          );
        }
        const answer = err instanceof AppError ? errorAnswer(opts.errors, err) : undefined;
        if (err instanceof AppError && answer && answer.status < 500) {
          // A refusal raised below the endpoint (a body nested too deep…) keeps its own stable code.
          noStore(reply);
          return reply
            .code(answer.status)
            .send(oauthErrorBody('invalid_request', err.code, answer.message, opts.publicUrl));
        }
        const status = (err as { statusCode?: number }).statusCode;
        if (status && status >= 400 && status < 500) {
          return send(reply, invalidRequest('the request body could not be read'));
        }
        req.log.error({ err }, 'oauth endpoint error');
        return send(reply, new OAuthError('server_error', 'internal_error', 'internal error'));
      });

      const base = `/${opts.provider}/:catalog/oauth2`;
      const handle =
        (
          fn: (
            req: FastifyRequest,
            reply: FastifyReply,
            catalog: CatalogName,
            body: Record<string, unknown>,
          ) => Promise<unknown>,
        ) =>
        async (req: FastifyRequest, reply: FastifyReply) => {
          const catalog = (req.params as { catalog: string }).catalog;
          if (!(CATALOGS as readonly string[]).includes(catalog)) {
            throw new OAuthError('invalid_request', 'oauth_unknown_catalog', 'no such catalog');
          }
          const ct = String(req.headers['content-type'] ?? '')
            .split(';')[0]
            .trim()
            .toLowerCase();
          const body = (req.body ?? {}) as Record<string, unknown>;
          if (ct !== FORM || (body as { __unsupported?: boolean }).__unsupported) {
            throw invalidRequest(`send the parameters as ${FORM}`);
          }
          noStore(reply);
          return fn(req, reply, catalog as CatalogName, body);
        };

      const authenticate = async (
        req: FastifyRequest,
        catalog: CatalogName,
        body: Record<string, unknown>,
      ) => {
        const header = req.headers.authorization;
        const formId = single(body, 'client_id');
        const formSecret = single(body, 'client_secret');
        let creds: ClientCredentials;
        let viaBasic = false;
        if (header) {
          if (formSecret !== undefined) {
            throw invalidRequest('use one client authentication method, not two');
          }
          creds = parseBasic(header);
          viaBasic = true;
          if (formId !== undefined && formId !== creds.clientId) {
            throw invalidRequest('client_id does not match the Authorization header');
          }
        } else {
          if (!formId || formSecret === undefined) {
            throw authFailed('client authentication is missing');
          }
          creds = { clientId: formId, clientSecret: formSecret };
        }
        const ibm = req.headers['x-ibm-client-id'] ?? req.headers['x-client-id'];
        if (typeof ibm === 'string' && ibm !== creds.clientId) {
          throw authFailed('X-IBM-Client-Id does not match the client');
        }
        try {
          return await opts.oauth.authenticateClient(creds, catalog, {
            ip: req.ip,
            userAgent: String(req.headers['user-agent'] ?? '').slice(0, 512),
            requestId: String(req.id),
          });
        } catch (err) {
          if (err instanceof OAuthError) (err as { viaBasic?: boolean }).viaBasic = viaBasic;
          throw err;
        }
      };

      scope.post(
        `${base}/token`,
        handle(async (req, _reply, catalog, body) => {
          const grant = single(body, 'grant_type');
          if (!grant) throw invalidRequest('grant_type is required');
          if (grant !== 'client_credentials') {
            throw new OAuthError(
              'unsupported_grant_type',
              'oauth_unsupported_grant_type',
              'only client_credentials is supported',
            );
          }
          const scopeParam = single(body, 'scope');
          const client = await authenticate(req, catalog, body);
          return opts.oauth.issueToken(client, scopeParam, {
            ip: req.ip,
            userAgent: String(req.headers['user-agent'] ?? '').slice(0, 512),
          });
        }),
      );

      scope.post(
        `${base}/revoke`,
        handle(async (req, reply, catalog, body) => {
          const token = single(body, 'token');
          if (!token) throw invalidRequest('token is required');
          const client = await authenticate(req, catalog, body);
          await opts.oauth.revoke(client, token, {
            ip: req.ip,
            userAgent: String(req.headers['user-agent'] ?? '').slice(0, 512),
          });
          return reply.code(200).send();
        }),
      );

      scope.post(
        `${base}/introspect`,
        handle(async (req, _reply, catalog, body) => {
          const token = single(body, 'token');
          if (!token) throw invalidRequest('token is required');
          const client = await authenticate(req, catalog, body);
          return opts.oauth.introspect(client, token);
        }),
      );
    });
  };
}

function noStore(reply: FastifyReply) {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
}

function sendError(reply: FastifyReply, err: OAuthError, publicUrl: string) {
  noStore(reply);
  if (err.status === 401) {
    reply.header('www-authenticate', 'Basic realm="oauth2", charset="UTF-8"');
  }
  if (err.retryAfterS !== undefined) reply.header('retry-after', String(err.retryAfterS));
  return reply.code(err.status).send(oauthErrorBody(err.error, err.code, err.message, publicUrl));
}
