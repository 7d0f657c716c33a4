import type { Logger } from '../../../platform/logger.ts';
import type { TermsEnforcer } from '../../terms/index.ts';
import { type Authenticated, authenticate as authenticateApp } from '../authenticate.ts';
import type { CongestionController } from '../congestion.ts';
import type { DirectoryCache } from '../directory-cache.ts';
import type { Dispatcher } from '../dispatch.ts';
import { entitle as entitleApp } from '../entitle.ts';
import { GatewayError } from '../gateway-errors.ts';
import { Idempotency } from '../idempotency.ts';
import type { GatewayEntitlement, NetworkCallContext, NetworkResult } from '../ports.ts';
import { checkLimits, type LimitCheck, type Limiter, limitTemplate } from '../rate-limit.ts';
import { parseRequestBody } from '../request-body.ts';
import { internalError, renderGatewayError } from '../respond/bodies.ts';
import type { UsageRecorder } from '../usage-recorder.ts';
import { type CallOutput, type CallState, type Catalog, header1, rawQueryOf } from './call.ts';
import type { CallRecordFeed } from './call-records.ts';
import { usageRecordOf } from './records.ts';

/**
 * The gateway pipeline: one call's body goes, in the order of `gatewaySteps`,
 *   authenticate (then parse) → entitle → limit → congestion → idempotency → dispatch → record usage
 * each a named function over the call's state (call.ts). A step refuses by throwing a GatewayError;
 * `runCall` turns it into the answer and still runs the last step, so a refused call is recorded
 * too. The steps' own logic lives in the files they are named after (authenticate.ts, entitle.ts,
 * rate-limit.ts, congestion.ts, idempotency.ts, dispatch.ts, usage-recorder.ts), each with its
 * tests; this file only says in which order they run and what each takes from and adds to the
 * state. Nothing is logged per call: the usage record is the log.
 */
export type PipelineDeps = {
  cache: DirectoryCache;
  terms: TermsEnforcer;
  /** Scope an access token must carry (1LINK: '1LinkApi'); null = any scope. */
  requiredScope: string | null;
  limiter: Limiter;
  /** Fail-closed bookkeeping of the limiter (gateway.ts logs the outage once and its end). */
  limiterHealth: { down(): boolean; onError(err: unknown): void; onOk(): void };
  congestion: CongestionController;
  idempotency: Idempotency;
  dispatchers: Record<Catalog, Dispatcher>;
  /** The end user's HMAC (end-user ids never reach shared state or the usage table in clear). */
  hashEndUser(id: string): string;
  recorder: UsageRecorder;
  callRecords: CallRecordFeed;
  publicUrl: string;
  log: Logger;
};

/**
 * A step: a named function over the call's state. It either finishes at once (returns undefined)
 * or starts its asynchronous part and returns that promise; when the promise settles with a value,
 * the runner calls the step again with the value (`got`), and the step stores it in the state. So a
 * step waits without an async function of its own: one promise, one suspended frame and one
 * microtask per awaited step fewer than an async step (docs/performance.md, item 32). A promise
 * that settles with undefined (the rarer async paths, which are async functions) ends the step.
 */
type Step = (s: CallState, d: PipelineDeps, got?: never) => Promise<unknown> | undefined;

/**
 * Who is calling (client id, token, secret), then the body parsed: authentication reads the
 * headers alone, so a body the parse step refuses is a call of a known organisation and app.
 */
function authenticate(
  s: CallState,
  d: PipelineDeps,
  got?: Authenticated,
): Promise<Authenticated> | undefined {
  if (got === undefined) {
    return authenticateApp(d.cache, {
      headers: s.input.headers,
      rawQuery: rawQueryOf(s.input.url),
      catalog: s.catalog,
      requiresClientSecret: s.op.requiresClientSecret,
      nowMs: s.nowMs,
      requiredScope: d.requiredScope,
    });
  }
  s.app = got.app;
  s.tokenNetwork = got.token.issuedNetwork ?? null;
  const text = s.input.bodyText;
  if (text !== undefined) {
    // A refused body stays in the state as the text received, for the request log.
    s.body = text ?? undefined;
    s.body = parseRequestBody(s.input.method, text);
  }
  return undefined;
}

/** The app's subscription to the operation's product, and the terms it accepted. */
function entitle(
  s: CallState,
  d: PipelineDeps,
  got?: GatewayEntitlement,
): Promise<GatewayEntitlement> | undefined {
  if (got === undefined) return entitleApp(d.cache, d.terms, s.app!, s.op.productSlug, s.catalog, s.nowMs);
  s.entitlement = got;
  return undefined;
}

/** One consume call for every window, burst, quota and end-user cap of the plan. */
function limit(s: CallState, d: PipelineDeps, got?: LimitCheck): Promise<LimitCheck> | undefined {
  const ent = s.entitlement!;
  if (got === undefined) {
    const endUser = header1(s.input.headers, 'x-end-user-id') ?? s.op.endUserId?.(s.body);
    if (endUser) s.endUserHash = d.hashEndUser(endUser);
    const tpl = limitTemplate(ent.plan, s.op.operationId);
    return checkLimits(
      d.limiter,
      tpl,
      ent.subscriptionId,
      s.nowMs,
      s.endUserHash ?? undefined,
      d.limiterHealth.onError,
    );
  }
  // A call the limiter answered ends an outage (a plan without rules did not ask it).
  if (d.limiterHealth.down() && limitTemplate(ent.plan, s.op.operationId).rules.length > 0)
    d.limiterHealth.onOk();
  s.out.headers = got.headers;
  return undefined;
}

/** Congestion control: an organisation over its share of a saturated process waits its turn (503). */
function congestion(s: CallState, d: PipelineDeps): undefined {
  d.congestion.admit(s.app!.orgId);
  s.admitted = true;
  return undefined;
}

/** Payment-creating operations with an Idempotency-Key: a repeat gets the first answer again. */
function idempotency(s: CallState, d: PipelineDeps): Promise<void> | undefined {
  const key = s.op.paymentCreating ? header1(s.input.headers, 'idempotency-key') : undefined;
  return key === undefined ? undefined : beginIdempotent(s, d, key);
}

async function beginIdempotent(s: CallState, d: PipelineDeps, key: string): Promise<void> {
  const fp = Idempotency.fingerprint(s.op.method, s.op.path, s.body);
  const begun = await d.idempotency.begin(s.app!.appId, key, fp);
  if (begun.kind !== 'replay') {
    s.idem = begun;
    return;
  }
  s.replayed = true;
  s.out.status = begun.response.status;
  s.out.payload = begun.response.body;
  s.networkCode = begun.response.networkCode ?? null;
  s.out.headers['idempotent-replayed'] = 'true';
}

/**
 * The operation itself: in-process for the sandbox, an upstream for production. A call with an
 * idempotency record takes the async path (it also completes or abandons the record).
 */
function dispatch(
  s: CallState,
  d: PipelineDeps,
  got?: NetworkResult,
): Promise<NetworkResult | undefined> | undefined {
  if (got !== undefined) {
    answer(s, got);
    return undefined;
  }
  if (s.replayed) return undefined;
  return s.idem === undefined
    ? d.dispatchers[s.catalog](s.op, contextOf(s))
    : dispatchIdempotent(s, d, s.idem);
}

function contextOf(s: CallState): NetworkCallContext {
  const app = s.app!;
  return {
    orgId: app.orgId,
    appId: app.appId,
    appPublicKeyPem: app.publicKeyPem,
    body: s.body,
    bodyText: s.input.bodyText,
    query: s.input.query,
    headers: s.input.headers,
    requestId: s.input.requestId,
    nowMs: s.nowMs,
  };
}

function answer(s: CallState, result: NetworkResult): void {
  s.result = result;
  s.out.status = result.status;
  s.out.payload = result.bodyText ?? JSON.stringify(result.body ?? null);
  s.networkCode = result.networkCode ?? null;
}

async function dispatchIdempotent(
  s: CallState,
  d: PipelineDeps,
  idem: { key: string; fingerprint: string },
): Promise<undefined> {
  let result: NetworkResult;
  try {
    result = await d.dispatchers[s.catalog](s.op, contextOf(s));
  } catch (err) {
    await d.idempotency.abandon(idem.key);
    throw err;
  }
  answer(s, result);
  await d.idempotency.complete(idem.key, idem.fingerprint, {
    status: s.out.status,
    body: s.out.payload,
    networkCode: result.networkCode,
  });
  return undefined;
}

/**
 * Every call, refused or answered, leaves a usage record (buffered before the answer is sent, so
 * every answer a client received has its row) and reaches the call-record subscribers.
 */
function recordUsage(s: CallState, d: PipelineDeps): undefined {
  s.latencyUs = (performance.now() - s.t0) * 1000;
  d.recorder.record(usageRecordOf(s));
  d.callRecords.push(s);
  return undefined;
}

/** The steps of a call, in order (a test holds the order). */
export const gatewaySteps = [
  authenticate,
  entitle,
  limit,
  congestion,
  idempotency,
  dispatch,
  recordUsage,
] as const satisfies readonly Step[];

/**
 * The runner calls the steps from one call site each, taken from `gatewaySteps` by position (so the
 * array stays the one statement of the order): a loop over the array would be one call site that
 * sees seven functions, which V8 does not inline. A step that returns undefined is done without an
 * await; a returned promise is awaited and its value handed back to the step (see `Step`).
 */
const [step1, step2, step3, step4, step5, step6, lastStep] = gatewaySteps;

/**
 * Runs one call through the steps and returns its answer (`s.out`); never rejects (a failure is a
 * 500 answer, recorded). `recordUsage` runs after the others for every call, refused or answered.
 */
export async function runCall(s: CallState, d: PipelineDeps): Promise<CallOutput> {
  try {
    const p1 = step1(s, d);
    if (p1 !== undefined) step1(s, d, await p1);
    const p2 = step2(s, d);
    if (p2 !== undefined) step2(s, d, await p2);
    const p3 = step3(s, d);
    if (p3 !== undefined) step3(s, d, await p3);
    step4(s, d);
    const p5 = step5(s, d);
    if (p5 !== undefined) await p5;
    const p6 = step6(s, d);
    if (p6 !== undefined) {
      const got = await p6;
      if (got !== undefined) step6(s, d, got);
    }
  } catch (err) {
    refuse(s, d, err);
  } finally {
    if (s.admitted) d.congestion.release(s.app!.orgId);
  }
  s.out.bytes = Buffer.byteLength(s.out.payload);
  lastStep(s, d);
  return s.out;
}

/** A step's refusal (GatewayError) as the answer, or anything else as a 500 (logged). */
function refuse(s: CallState, d: PipelineDeps, err: unknown): void {
  const out = s.out;
  const requestId = s.input.requestId;
  if (err instanceof GatewayError) {
    out.status = err.status;
    s.errorCode = err.code;
    out.headers = { ...out.headers, ...err.headers };
    const r = renderGatewayError(err, requestId, d.publicUrl);
    out.payload = r.payload;
    out.contentType = r.contentType;
    return;
  }
  s.errorCode = 'internal_error';
  d.log.error({ err, requestId, operationId: s.op.operationId }, 'gateway dispatch failed');
  out.status = 500;
  out.payload = internalError(requestId, d.publicUrl).payload;
}
