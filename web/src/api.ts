import createClient from 'openapi-fetch';
import type { paths } from './api/schema.d.ts';

/**
 * The portal's API client: openapi-fetch over the types generated from the portal's OpenAPI
 * document (web/src/api/schema.d.ts, `npm run generate:client`), so every call names a path the
 * server declares, with its parameters and body checked by tsc, and gets the declared response type.
 * Requests are JSON, same-origin with credentials, and unsafe methods carry the CSRF token the
 * session endpoints hand out. `ok()` turns a failed answer into ApiError with field-level messages
 * taken from `error.details`; a portal that cannot be reached is ApiError `network_error`.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;
  readonly fields: Record<string, string>;
  constructor(status: number, code: string, message: string, requestId?: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
    this.fields = fieldMessages(details);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `details` is usually `[{ field, message }]` (validation) or `{ field: message }`; both are accepted. */
function fieldMessages(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const d of details) {
      if (isRecord(d) && typeof d.field === 'string') {
        const f = d.field.replace(/^body\./, '');
        if (!out[f]) out[f] = String(d.message ?? 'is not valid');
      }
    }
  } else if (isRecord(details)) {
    if (typeof details.field === 'string') {
      out[details.field] = String(details.message ?? details.reason ?? 'is not valid');
    }
    for (const [k, v] of Object.entries(details))
      if (typeof v === 'string' && k !== 'field' && k !== 'message') out[k] ??= v;
  }
  return out;
}

let csrfToken: string | null = null;
try {
  csrfToken = sessionStorage.getItem('dz_csrf');
} catch {}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  try {
    if (token) sessionStorage.setItem('dz_csrf', token);
    else sessionStorage.removeItem('dz_csrf');
  } catch {}
}

/** Picks a CSRF token out of any response that carries one (sign-in, session, TOTP step). */
function rememberCsrf(body: unknown): void {
  if (!isRecord(body)) return;
  const t = body.csrfToken ?? (isRecord(body.session) ? body.session.csrfToken : undefined);
  if (typeof t === 'string' && t) setCsrfToken(t);
}

/** Adds the CSRF token to unsafe methods; a fetch that fails outright becomes `network_error`. */
async function portalFetch(request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) {
    request.headers.set('x-csrf-token', csrfToken);
  }
  try {
    return await fetch(request);
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The portal could not be reached. Check your connection.');
  }
}

/** Query values that are undefined, null or empty are left out (an empty filter means "any"). */
function querySerializer(query: Record<string, unknown>): string {
  return new URLSearchParams(
    Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();
}

/** The typed client: `api.GET('/api/v1/apps/{appId}', { params: { path: { appId } } })`. */
export const api = createClient<paths>({
  credentials: 'same-origin',
  headers: { accept: 'application/json' },
  fetch: portalFetch,
  querySerializer,
});

/** What openapi-fetch answers: the declared data, or the error body, with the response. */
type Answer = { data?: unknown; error?: unknown; response: Response };

/** The answer's success branch (the one whose `data` is the declared body). */
function succeeded<A extends Answer>(answer: A): answer is Extract<A, { data: unknown }> {
  return answer.error === undefined && answer.response.ok;
}

/** The error a failed answer stands for, from the portal's `{ error: { code, message, ... } }`. */
function apiError(response: Response, body: unknown): ApiError {
  const e = isRecord(body) && isRecord(body.error) ? body.error : {};
  return new ApiError(
    response.status,
    typeof e.code === 'string' ? e.code : `http_${response.status}`,
    typeof e.message === 'string' ? e.message : `The request failed (${response.status}).`,
    typeof e.requestId === 'string' ? e.requestId : (response.headers.get('x-request-id') ?? undefined),
    e.details,
  );
}

/** Waits for a call and gives its data, or throws ApiError when the portal refused it. */
export async function ok<A extends Answer>(
  pending: Promise<A>,
): Promise<Extract<A, { data: unknown }>['data']> {
  const answer = await pending;
  if (!succeeded(answer)) throw apiError(answer.response, answer.error);
  rememberCsrf(answer.data);
  return answer.data;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
