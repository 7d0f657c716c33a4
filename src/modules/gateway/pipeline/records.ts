import type { UsageRecord } from '../usage-writer.ts';
import { type CallState, type Catalog, header1, pathOf } from './call.ts';

/**
 * The two records a call leaves, each built by one function from the call's state:
 * - the usage record (`usageRecordOf`): built on the call, buffered before the answer is sent, then
 *   written off the serving thread (usage-recorder.ts) — the row, and the request log's bodies
 *   when they are kept (sampled for successful calls);
 * - the call record (`callRecordOf`): what off-path subscribers (detectors, conformance, rollups)
 *   see of every call, not a sample — built when the call ends, from plain field reads (no scan,
 *   no classing), so that the feed holds the small record and not the call's state (its body,
 *   headers and answer) until it delivers (call-records.ts). The two classes that need a scan —
 *   the probe signature and the User-Agent class — are computed by the detectors' worker thread
 *   from the record's `inputs` (detectors/call-classes.ts), off the serving thread.
 */
export function usageRecordOf(s: CallState): UsageRecord {
  const { input, out } = s;
  const known = s.app !== null;
  return {
    atMs: s.nowMs,
    orgId: s.app?.orgId ?? null,
    appId: s.app?.appId ?? null,
    productSlug: s.op.productSlug,
    operationId: s.op.operationId,
    catalog: s.catalog,
    method: input.method,
    path: input.path ?? pathOf(input.url),
    status: out.status,
    errorCode: s.errorCode,
    networkCode: s.networkCode,
    latencyUs: s.latencyUs,
    clientIp: input.ip,
    endUserHash: s.endUserHash,
    requestId: input.requestId,
    bytesIn: input.bytesIn,
    bytesOut: out.bytes ?? Buffer.byteLength(out.payload),
    replayed: s.replayed,
    liveDataSuspected: s.result?.liveDataSuspected === true,
    requestHeaders: known ? input.headers : null,
    requestBody: known ? s.body : undefined,
    responseBody: known ? out.payload : null,
  };
}

/**
 * The network's reference numbers of a call, as the request or the answer carries them: STAN and
 * RRN (every 1LINK message), the authorisation id (IBFT's AuthorizationIdentificationResponse,
 * 1Bill's AuthID), the bill (company code and consumer number) and the transfer or request-to-pay
 * reference. Absent ones are omitted.
 */
type CallRefs = {
  stan?: string;
  rrn?: string;
  authId?: string;
  companyCode?: string;
  consumerNo?: string;
  /** The beneficiary's account (title fetch, transfer): detectors count distinct targets. */
  accountTo?: string;
  referenceNo?: string;
  rtpId?: string;
  /** An IBFT status inquiry's or reversal's transfer (issue 34): its RRN, STAN and authorisation id. */
  originalRrn?: string;
  originalStan?: string;
  originalAuthId?: string;
  /** 1QR: the payload's point of initiation, `11` static or `12` dynamic (the request's, else the parsed answer's). */
  qrInitiation?: string;
};

/** Where each reference is read from: the answer first, then the request. */
const REF_FIELDS: ReadonlyArray<readonly [keyof CallRefs, readonly string[]]> = [
  ['stan', ['STAN']],
  ['rrn', ['RRN']],
  ['authId', ['AuthorizationIdentificationResponse', 'AuthID']],
  ['companyCode', ['CompanyCode']],
  ['consumerNo', ['ConsumerNo']],
  ['accountTo', ['AccountNumberTo']],
  ['referenceNo', ['ReferenceNo']],
  ['rtpId', ['RTPID']],
  ['originalRrn', ['OriginalRRN']],
  ['originalStan', ['OriginalSTAN']],
  ['originalAuthId', ['OriginalAuthorizationIdentificationResponse']],
];

/** How a caller identified itself: a coarse class of its User-Agent (never the string itself). */
export type UserAgentClass = 'none' | 'curl' | 'browser' | 'sdk' | 'scanner' | 'load_tool' | 'other';

/** A penetration-test signature's class (detectors/call-classes.ts reads it off the call's inputs). */
export type ProbeClass = 'sql' | 'script' | 'template' | 'command' | 'traversal' | 'probe_path';

/**
 * How much of a body the signature scan sees: its first 8 KiB — bytes of a body the entrance read,
 * characters of one given as text (docs/detectors.md, "Signals").
 */
export const BODY_HEAD_SIZE = 8 * 1024;

/**
 * What the classes are computed from, carried raw to the detectors' worker and dropped there once
 * classed (never stored, never part of evidence): the query, the body's head, the User-Agent.
 */
type CallInputs = {
  /** The request target past `path`: '' or the query with its '?'. */
  query: string;
  /**
   * The body's head: its bytes as received (UTF-8; a cut may end inside a character), else its text
   * (callers that gave the body as text or parsed), at most BODY_HEAD_SIZE of either; '' without one.
   */
  bodyHead: string | Buffer;
  /** The User-Agent header as sent; null without one. */
  userAgent: string | null;
};

/**
 * What off-path subscribers see of one call (every call, not a sample): plain data, so a batch
 * can be handed to a worker thread in one postMessage. No credentials, no end-user id; of the
 * body only `inputs.bodyHead`, for the detectors' signature scan.
 *
 * The feed's records carry `inputs` and no classes (`probe`, `source.userAgent` absent): the
 * detectors' worker classes them (ClassedCallRecord). A record built with its classes set (tests,
 * benchmarks) needs no `inputs`.
 */
export type CallRecord = {
  /** When the call began, from the gateway's injected clock (ms since the epoch). */
  atMs: number;
  requestId: string;
  operationId: string;
  productSlug: string;
  catalog: Catalog;
  method: string;
  /** The request target's path (no query). */
  path: string;
  /**
   * A penetration-test signature in the path, query or body head, or null: computed from `inputs`
   * in the detectors' worker (detectors/call-classes.ts); absent on the feed's records.
   */
  probe?: ProbeClass | null;
  /** HTTP status answered. */
  status: number;
  /** The gateway's refusal code (e.g. gateway_invalid_token, rate_limited); null when answered. */
  errorCode: string | null;
  /** The network's own response code ('00', '03', …); null when the call was not dispatched. */
  networkCode: string | null;
  /** The network's reference numbers (from the request and the answer). */
  refs: CallRefs;
  /** The request's shape. */
  shape: {
    bytesIn: number;
    bytesOut: number;
    /** An Idempotency-Key was sent (payment-creating operations). */
    idempotencyKey: boolean;
    /** The call named an end user (X-End-User-Id or the operation's field). */
    endUser: boolean;
    /** The request target had a query string. */
    query: boolean;
    /** The body was refused before dispatch (not JSON, too deep). */
    bodyRefused: boolean;
    /**
     * The request carried a signature (a non-empty `HASH`, 1Bill). Whether it verified follows
     * from the network's code: 1Bill checks the HASH right after the format, so a signed request
     * answered anything but 80, 09 or 22 had a valid HASH, and 22 on a signed one means it did not.
     */
    signed?: boolean;
  };
  /**
   * Who called: null members when authentication refused the call before it knew them.
   * `tokenNetwork`: the network (/24, /64) the call's access token was issued to, when known.
   */
  client: {
    orgId: string | null;
    appId: string | null;
    clientId: string | null;
    tokenNetwork: string | null;
  };
  /** `userAgent`: the User-Agent's class, computed like `probe` (absent on the feed's records). */
  source: { ip: string; userAgent?: UserAgentClass };
  latencyUs: number;
  replayed: boolean;
  liveDataSuspected: boolean;
  /** The raw inputs of the classes (the feed's records; absent once classed). */
  inputs?: CallInputs;
};

/** A call record with its classes computed (what the detectors evaluate): no raw inputs. */
export type ClassedCallRecord = Omit<CallRecord, 'probe' | 'source' | 'inputs'> & {
  probe: ProbeClass | null;
  source: { ip: string; userAgent: UserAgentClass };
};

function refsOf(request: unknown, answer: unknown): CallRefs {
  const refs: CallRefs = {};
  const req = request !== null && typeof request === 'object' ? (request as Record<string, unknown>) : null;
  const ans = answer !== null && typeof answer === 'object' ? (answer as Record<string, unknown>) : null;
  if (req === null && ans === null) return refs;
  for (const [name, fields] of REF_FIELDS) {
    for (const f of fields) {
      const v = ans?.[f] ?? req?.[f];
      if (typeof v === 'string' && v !== '') {
        refs[name] = v;
        break;
      }
    }
  }
  // 1QR's initiation method: top-level in getQRCode's request, inside parseQRCode's QRData answer.
  const parsed = ans?.QRData;
  const qr =
    req?.InitiationMethod ??
    (parsed !== null && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>).InitiationMethod
      : null);
  if (typeof qr === 'string' && qr !== '') refs.qrInitiation = qr;
  return refs;
}

/**
 * The body's head for the signature scan: the bytes as received (a view, no copy: the feed copies
 * them once into the detectors' call ring), else the text, else (callers that parsed it)
 * re-encoded. A sandbox body is far below the bound; a longer one is cut, and the cut keeps its
 * parent only until the feed has posted the batch.
 */
function bodyHeadOf(input: CallState['input'], body: unknown): string | Buffer {
  const bytes = input.bodyBytes;
  if (bytes) return bytes.length > BODY_HEAD_SIZE ? bytes.subarray(0, BODY_HEAD_SIZE) : bytes;
  let t: string;
  if (typeof input.bodyText === 'string') t = input.bodyText;
  else if (body === undefined || body === null) return '';
  else t = typeof body === 'string' ? body : JSON.stringify(body);
  return t.length > BODY_HEAD_SIZE ? t.slice(0, BODY_HEAD_SIZE) : t;
}

/** A non-empty `HASH` in the request body (one property read; the signature itself is not checked here). */
function isSigned(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  const h = (body as Record<string, unknown>).HASH;
  return typeof h === 'string' && h !== '';
}

/** The call record of a finished call (the feed builds it when the call ends: call-records.ts). */
export function callRecordOf(s: CallState): CallRecord {
  const { input, out } = s;
  const h = input.headers;
  const path = input.path ?? pathOf(input.url);
  return {
    atMs: s.nowMs,
    requestId: input.requestId,
    operationId: s.op.operationId,
    productSlug: s.op.productSlug,
    catalog: s.catalog,
    method: input.method,
    path,
    status: out.status,
    errorCode: s.errorCode,
    networkCode: s.networkCode,
    refs: refsOf(s.body, s.result?.body),
    shape: {
      bytesIn: input.bytesIn,
      bytesOut: out.bytes ?? Buffer.byteLength(out.payload),
      idempotencyKey: h['idempotency-key'] !== undefined,
      endUser: s.endUserHash !== null,
      query: input.url.includes('?'),
      bodyRefused: s.errorCode === 'malformed_json' || s.errorCode === 'json_too_deep',
      signed: isSigned(s.body),
    },
    client: {
      orgId: s.app?.orgId ?? null,
      appId: s.app?.appId ?? null,
      clientId: s.app?.clientId ?? header1(h, 'x-ibm-client-id') ?? null,
      tokenNetwork: s.tokenNetwork,
    },
    source: { ip: input.ip },
    latencyUs: s.latencyUs,
    replayed: s.replayed,
    liveDataSuspected: s.result?.liveDataSuspected === true,
    inputs: {
      query: input.url.length > path.length ? input.url.slice(path.length) : '',
      bodyHead: bodyHeadOf(input, s.body),
      userAgent: header1(h, 'user-agent') ?? null,
    },
  };
}
