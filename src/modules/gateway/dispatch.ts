import { Agent, request } from 'undici';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../platform/http/json-depth.ts';
import { LeanClientError, LeanHttpClient } from '../../platform/http/lean-client.ts';
import { GatewayError } from './gateway-errors.ts';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from './ports.ts';

/**
 * Dispatch step. Sandbox operations run in-process (an HTTP hop would cost more than the whole
 * pipeline); production operations go to their product's upstream (production-upstreams.ts) through
 * a keep-alive pool per upstream — the lean HTTP/1.1 client for plain-HTTP upstreams (ADR 0019;
 * undici for a call it cannot send as is), undici for HTTPS — with a connect time-out, a response (headers and body)
 * time-out and a cap on the response size. An upstream answer is held to the same nesting bound
 * as a request (MAX_JSON_DEPTH): a deeper one is refused as a bad answer (502) rather than parsed,
 * since the response and its request-log copy are walked recursively afterwards.
 *
 * What the upstream receives: the body as the caller sent it (serialised from the parsed body only
 * when the caller gave no text; `{}` when a POST had none), the caller's headers named in the allow-list (never its
 * credentials: the upstream trusts the gateway, not the app), `x-request-id`, and who is calling as
 * the gateway established it (`x-darwaza-org-id`, `x-darwaza-app-id`, and `x-darwaza-app-key`, the
 * app's registered public key as base64 of its PEM, for operations that verify a HASH).
 *
 * Refusals: no connection could be made → 503 `gateway_upstream_unreachable` with Retry-After
 * (nothing was sent); a connection dropped once the call was on it → 502
 * `gateway_upstream_unavailable` (the outcome is unknown); no complete answer
 * within the response time-out → 504 `gateway_upstream_timeout`; an answer over the size cap or
 * nested too deep → 502 `gateway_upstream_bad_answer`.
 * A JSON answer goes back to the caller as the upstream wrote it (`NetworkResult.bodyText`): parsed
 * once, for its network code and the call record, and never serialised again.
 */
export type Dispatcher = (op: NetworkOperation, ctx: NetworkCallContext) => Promise<NetworkResult>;

export const inProcessDispatcher: Dispatcher = (op, ctx) => op.handle(ctx);

export type UpstreamOptions = {
  baseUrl: string;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  maxResponseBytes?: number;
  /** The caller's headers passed on (lower case); default DEFAULT_FORWARDED. Credentials never are. */
  headerAllowList?: readonly string[];
  /** A client certificate for mutual TLS (PEM), and the CA that signs the upstream's, if private. */
  tls?: { certPem: string; keyPem: string; caPem: string | null } | null;
};

/** The caller's headers passed on when an upstream names none. */
const DEFAULT_FORWARDED = ['content-type', 'accept', 'idempotency-key'] as const;
/** Never passed on, whatever an allow-list says (the service refuses them there too). */
export const NEVER_FORWARDED = new Set([
  'authorization',
  'x-ibm-client-id',
  'x-ibm-client-secret',
  'cookie',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'x-request-id',
  'x-darwaza-org-id',
  'x-darwaza-app-id',
  'x-darwaza-app-key',
]);

function networkCodeOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const v = b.ResponseCode ?? b.responseCode ?? b.response_code;
  return typeof v === 'string' ? v : undefined;
}

const keyHeaders = new Map<string, string>();
/** The app's public key as one header value (memoised: the same few keys repeat). */
function keyHeader(pem: string): string {
  let v = keyHeaders.get(pem);
  if (v === undefined) {
    if (keyHeaders.size >= 1000) keyHeaders.clear();
    v = Buffer.from(pem, 'utf8').toString('base64');
    keyHeaders.set(pem, v);
  }
  return v;
}

function isTimeout(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

function failed(err: unknown, what: string, timeoutMs: number): GatewayError {
  if (err instanceof GatewayError) return err;
  if (isTimeout(err))
    return new GatewayError(
      'gateway_upstream_timeout',
      504,
      `The upstream did not answer within ${timeoutMs} ms.`,
    );
  if (isRefused(err)) return unreachable((err as Error).message);
  return new GatewayError('gateway_upstream_unavailable', 502, `${what}: ${(err as Error).message}`);
}

/** No connection could be made: the call never left, so the caller may simply retry later. */
function isRefused(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

/** Seconds a caller waits before trying an upstream it could not reach (the breaker's open time). */
const UNREACHABLE_RETRY_AFTER = '5';

function unreachable(detail: string): GatewayError {
  return new GatewayError(
    'gateway_upstream_unreachable',
    503,
    `The upstream could not be reached (${detail}); nothing was sent to it.`,
    { headers: { 'retry-after': UNREACHABLE_RETRY_AFTER } },
  );
}

/** The lean client's refusals as the dispatch step's (the same codes undici's failures map to). */
function leanFailed(err: LeanClientError, timeoutMs: number): GatewayError {
  if (!(err instanceof LeanClientError)) return failed(err, 'The upstream did not answer', timeoutMs);
  if (err.code === 'timeout' || err.code === 'connect_timeout')
    return new GatewayError('gateway_upstream_timeout', 504, `The upstream did not answer: ${err.message}.`);
  if (err.code === 'refused') return unreachable(err.message);
  if (err.code === 'too_large' || err.code === 'bad_answer')
    return new GatewayError(
      'gateway_upstream_bad_answer',
      502,
      `The upstream answer was refused: ${err.message}.`,
    );
  return new GatewayError(
    'gateway_upstream_unavailable',
    502,
    `The upstream did not answer: ${err.message}.`,
  );
}

export function upstreamDispatcher(opts: UpstreamOptions): Dispatcher & { close(): Promise<void> } {
  const base = opts.baseUrl.replace(/\/$/, '');
  const maxBytes = opts.maxResponseBytes ?? 1024 * 1024;
  const timeout = opts.responseTimeoutMs ?? 10_000;
  const forwarded = (opts.headerAllowList ?? DEFAULT_FORWARDED).filter((h) => !NEVER_FORWARDED.has(h));
  const tls = opts.tls ?? null;
  const agent = new Agent({
    connect: {
      timeout: opts.connectTimeoutMs ?? 2000,
      ...(tls ? { cert: tls.certPem, key: tls.keyPem, ...(tls.caPem ? { ca: tls.caPem } : {}) } : {}),
    },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    keepAliveTimeout: 10_000,
  });
  // Plain-HTTP upstreams go through the lean client (ADR 0019); HTTPS ones, and any call it
  // refuses as unsupported, through undici.
  const url = new URL(base);
  const lean =
    url.protocol === 'http:' && !tls
      ? new LeanHttpClient({
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: Number(url.port || 80),
          connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
          responseTimeoutMs: timeout,
          maxResponseBytes: maxBytes,
        })
      : null;
  const basePath = url.pathname.replace(/\/$/, '');
  const dispatch = async (op: NetworkOperation, ctx: NetworkCallContext): Promise<NetworkResult> => {
    const headers: Record<string, string> = {
      'x-request-id': ctx.requestId,
      'x-darwaza-org-id': ctx.orgId,
      'x-darwaza-app-id': ctx.appId,
    };
    if (ctx.appPublicKeyPem) headers['x-darwaza-app-key'] = keyHeader(ctx.appPublicKeyPem);
    for (const h of forwarded) {
      const v = ctx.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (op.method === 'POST') headers['content-type'] = 'application/json';
    const query = new URLSearchParams(ctx.query).toString();
    const body = op.method === 'POST' ? ctx.bodyText || JSON.stringify(ctx.body ?? {}) : null;
    if (lean) {
      const answer = await lean
        .request(op.method, `${basePath}${op.path}${query ? `?${query}` : ''}`, headers, body)
        .catch((err: LeanClientError) => {
          if (err.code === 'unsupported') return null;
          throw leanFailed(err, timeout);
        });
      if (answer) return resultOf(answer.status, answer.body.toString('utf8'));
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${base}${op.path}${query ? `?${query}` : ''}`, {
        method: op.method,
        headers,
        body: body ?? undefined,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw failed(err, 'The upstream did not answer', timeout);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw new GatewayError(
            'gateway_upstream_bad_answer',
            502,
            `The upstream response exceeds ${maxBytes} bytes.`,
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw failed(err, 'The upstream response failed', timeout);
    }
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    return resultOf(res.statusCode, text);
  };
  const resultOf = (status: number, text: string): NetworkResult => {
    if (exceedsJsonDepth(text)) {
      throw new GatewayError(
        'gateway_upstream_bad_answer',
        502,
        `The upstream response nests more than ${MAX_JSON_DEPTH} levels deep.`,
      );
    }
    if (!text) return { status, body: null, networkCode: undefined };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the caller gets it as a JSON string, as before.
      return { status, body: text, networkCode: undefined };
    }
    return { status, body, networkCode: networkCodeOf(body), bodyText: text };
  };
  return Object.assign(dispatch, {
    close: async () => {
      await lean?.close();
      await agent.close();
    },
  });
}
