/**
 * The portal's API client. Every call names an operation by its operationId; the method and URL
 * come from the live OpenAPI document (/api/v1/openapi.json), so the web app follows the server's
 * routes instead of repeating them. Requests are JSON, same-origin with credentials, and unsafe
 * methods carry the CSRF token the session endpoints hand out. Errors become ApiError with
 * field-level messages taken from `error.details`.
 */

type FieldIssue = { field: string; message: string; code?: string };

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

/** `details` is usually `[{ field, message }]` (validation) or `{ field: message }`; both are accepted. */
function fieldMessages(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const d of details) {
      if (d && typeof d === 'object' && typeof (d as FieldIssue).field === 'string') {
        const f = (d as FieldIssue).field.replace(/^body\./, '');
        if (!out[f]) out[f] = String((d as FieldIssue).message ?? 'is not valid');
      }
    }
  } else if (details && typeof details === 'object') {
    const d = details as Record<string, unknown>;
    if (typeof d.field === 'string') out[d.field] = String(d.message ?? d.reason ?? 'is not valid');
    for (const [k, v] of Object.entries(d))
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
  if (!body || typeof body !== 'object') return;
  const b = body as Record<string, unknown>;
  const t = b.csrfToken ?? (b.session as Record<string, unknown> | undefined)?.csrfToken;
  if (typeof t === 'string' && t) setCsrfToken(t);
}

type RequestOptions = {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

async function request<T>(url: string, opts: RequestOptions = {}): Promise<T> {
  const method = (opts.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const qs = opts.query
    ? new URLSearchParams(
        Object.entries(opts.query)
          .filter(([, v]) => v !== undefined && v !== null && v !== '')
          .map(([k, v]) => [k, String(v)]),
      ).toString()
    : '';
  let res: Response;
  try {
    res = await fetch(qs ? `${url}?${qs}` : url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The portal could not be reached. Check your connection.');
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; requestId?: string; details?: unknown } })
      ?.error;
    throw new ApiError(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message ?? `The request failed (${res.status}).`,
      e?.requestId ?? res.headers.get('x-request-id') ?? undefined,
      e?.details,
    );
  }
  rememberCsrf(data);
  return data as T;
}

// ------------------------------------------------------------------ operations by operationId

type OpInfo = { method: string; path: string };
type OpenApiDoc = { paths?: Record<string, Record<string, { operationId?: string }>> };

let opsPromise: Promise<Map<string, OpInfo>> | null = null;

function loadOperations(): Promise<Map<string, OpInfo>> {
  opsPromise ??= request<OpenApiDoc>('/api/v1/openapi.json')
    .then((doc) => {
      const map = new Map<string, OpInfo>();
      for (const [path, item] of Object.entries(doc.paths ?? {})) {
        for (const [method, op] of Object.entries(item)) {
          if (op && typeof op === 'object' && op.operationId) map.set(op.operationId, { method, path });
        }
      }
      return map;
    })
    .catch((err) => {
      opsPromise = null;
      throw err;
    });
  return opsPromise;
}

export type CallOptions = {
  params?: Record<string, string | undefined>;
  query?: RequestOptions['query'];
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

/** Calls a portal operation by its operationId. */
export async function call<T = any>(operationId: string, opts: CallOptions = {}): Promise<T> {
  const op = (await loadOperations()).get(operationId);
  if (!op) {
    throw new ApiError(
      501,
      'operation_unavailable',
      `This part of the portal is not available on this server yet (${operationId}).`,
    );
  }
  const url = op.path.replace(/\{(\w+)\}|:(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    const v = opts.params?.[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${operationId}`);
    return encodeURIComponent(v);
  });
  return request<T>(url, {
    method: op.method,
    body: opts.body,
    query: opts.query,
    headers: opts.headers,
    signal: opts.signal,
  });
}

/** Lists come as `{ items: [...] }` or as a bare array; the UI wants the array. */
export function items<T>(data: unknown, key = 'items'): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    const v = (data as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v as T[];
    for (const val of Object.values(data)) if (Array.isArray(val)) return val as T[];
  }
  return [];
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
