import { Agent, request } from 'undici';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../platform/http/json-depth.ts';
import { GatewayError } from './gateway-errors.ts';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from './ports.ts';

/**
 * Dispatch step. Sandbox operations run in-process (an HTTP hop would cost more than the whole
 * pipeline); production operations go to an upstream base URL through undici with a connect
 * time-out, a response (headers and body) time-out and a cap on the response size. An upstream
 * answer is held to the same nesting bound as a request (MAX_JSON_DEPTH): a deeper one is refused
 * as a bad answer (502) rather than parsed, since the response and its request-log copy are walked
 * recursively afterwards.
 */
export type Dispatcher = (op: NetworkOperation, ctx: NetworkCallContext) => Promise<NetworkResult>;

export const inProcessDispatcher: Dispatcher = (op, ctx) => op.handle(ctx);

export type UpstreamOptions = {
  baseUrl: string;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  maxResponseBytes?: number;
};

const FORWARDED = ['content-type', 'accept', 'x-request-id', 'idempotency-key'];

function networkCodeOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const v = b.ResponseCode ?? b.responseCode ?? b.response_code;
  return typeof v === 'string' ? v : undefined;
}

export function upstreamDispatcher(opts: UpstreamOptions): Dispatcher & { close(): Promise<void> } {
  const base = opts.baseUrl.replace(/\/$/, '');
  const maxBytes = opts.maxResponseBytes ?? 1024 * 1024;
  const timeout = opts.responseTimeoutMs ?? 10_000;
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs ?? 2000 },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    keepAliveTimeout: 10_000,
  });
  const dispatch = async (op: NetworkOperation, ctx: NetworkCallContext): Promise<NetworkResult> => {
    const headers: Record<string, string> = { 'x-request-id': ctx.requestId };
    for (const h of FORWARDED) {
      const v = ctx.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const query = new URLSearchParams(ctx.query).toString();
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${base}${op.path}${query ? `?${query}` : ''}`, {
        method: op.method,
        headers,
        body: op.method === 'POST' ? JSON.stringify(ctx.body ?? {}) : undefined,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new GatewayError(
        'gateway_upstream_unavailable',
        502,
        `The upstream did not answer: ${(err as Error).message}`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw new GatewayError(
            'gateway_upstream_unavailable',
            502,
            `The upstream response exceeds ${maxBytes} bytes.`,
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError(
        'gateway_upstream_unavailable',
        502,
        `The upstream response failed: ${(err as Error).message}`,
      );
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (exceedsJsonDepth(text)) {
      throw new GatewayError(
        'gateway_upstream_unavailable',
        502,
        `The upstream response nests more than ${MAX_JSON_DEPTH} levels deep.`,
      );
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.statusCode, body, networkCode: networkCodeOf(body) };
  };
  return Object.assign(dispatch, { close: () => agent.close() });
}
