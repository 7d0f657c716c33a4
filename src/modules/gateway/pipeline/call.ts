import type { GatewayApp, GatewayEntitlement, NetworkOperation, NetworkResult } from '../ports.ts';

/**
 * The pipeline's own types: what an entrance hands in (CallInput), what it gets back (CallOutput)
 * and the per-call state the steps (steps.ts) read and fill in, in the order of `gatewaySteps`.
 * Nothing here knows HTTP: the entrances (../entrances/) turn sockets into a CallInput and the
 * writer (../respond/) turns a CallOutput into bytes.
 */
/** The operation type, for the entrances (which import only the pipeline and the writer). */
export type { NetworkOperation };

export type Catalog = 'sandbox' | 'production';
export const catalogs: readonly Catalog[] = ['sandbox', 'production'];

export type RequestHeaders = Record<string, string | string[] | undefined>;

export type CallInput = {
  method: string;
  url: string;
  /** The path without the query, when the caller has it already (the fast path: its route's). */
  path?: string;
  headers: RequestHeaders;
  /** The body, already parsed (callers without HTTP: benchmarks, tests); ignored when `bodyText` is given. */
  body: unknown;
  /**
   * The body as received (UTF-8 text; null when none was sent): the pipeline parses it after
   * authentication (request-body.ts), so a body it refuses is still a call of a known app.
   */
  bodyText?: string | null;
  /**
   * The same body's bytes, when the entrance read them (the raw entrances): the call record's body
   * head is cut from them without a copy or a re-encoding (records.ts). Absent: taken from the text.
   */
  bodyBytes?: Buffer | null;
  query: Record<string, string>;
  ip: string;
  requestId: string;
  bytesIn: number;
};

export type CallOutput = {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  payload: string;
  /** Byte length of the payload when the pipeline already measured it (else measured by the writer). */
  bytes?: number;
};

/** An operation as an entrance routes to it: the operation, its catalog and its URL template. */
export type Route = { op: NetworkOperation; catalog: Catalog; template: string };

/**
 * One call's state, owned by the pipeline: created by `newCallState`, filled in by the steps, read
 * by the two record builders (records.ts) once the answer is known. Fields a step has not reached
 * stay at their initial values (a call refused by authentication has no app).
 */
export type CallState = {
  readonly op: NetworkOperation;
  readonly catalog: Catalog;
  readonly input: CallInput;
  /** The clock's time when the call began (ms): every step's "now". */
  readonly nowMs: number;
  /** performance.now() when the call began, for its latency (a duration, not a time of day). */
  readonly t0: number;
  /** The parsed body (the text received while it is not parsed, for the request log). */
  body: unknown;
  app: GatewayApp | null;
  /** The network the call's token was issued to (authenticate; null: unknown or not reached). */
  tokenNetwork: string | null;
  entitlement: GatewayEntitlement | null;
  endUserHash: string | null;
  /** Congestion control admitted the call (so it must be released). */
  admitted: boolean;
  /** The idempotency record begun for this call (payment-creating calls with a key). */
  idem: { key: string; fingerprint: string } | undefined;
  replayed: boolean;
  /** The operation's answer (null: not dispatched — refused or replayed). */
  result: NetworkResult | null;
  networkCode: string | null;
  /** The refusal's code (GatewayError or internal_error); null when the call was answered. */
  errorCode: string | null;
  /** Latency (µs) as recorded; set by the record-usage step. */
  latencyUs: number;
  out: CallOutput;
};

export const JSON_TYPE = 'application/json; charset=utf-8';

export function newCallState(
  op: NetworkOperation,
  catalog: Catalog,
  input: CallInput,
  nowMs: number,
  t0: number,
): CallState {
  return {
    op,
    catalog,
    input,
    nowMs,
    t0,
    body: input.body,
    app: null,
    tokenNetwork: null,
    entitlement: null,
    endUserHash: null,
    admitted: false,
    idem: undefined,
    replayed: false,
    result: null,
    networkCode: null,
    errorCode: null,
    latencyUs: 0,
    out: { status: 200, headers: {}, contentType: JSON_TYPE, payload: '' },
  };
}

/** The first value of a header (Node gives repeated ones as an array). */
export function header1(h: RequestHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** A request target's path (without the query). */
export function pathOf(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

/** A request target's raw query (without '?'; '' when none). */
export function rawQueryOf(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

/** The query of a request target as a record (the first value of a repeated name wins). */
export function parseQuery(url: string): Record<string, string> {
  const i = url.indexOf('?');
  if (i < 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(url.slice(i + 1))) if (!(k in out)) out[k] = v;
  return out;
}
