import type { EdgeEvent } from '../../platform/http/edge-counters.ts';
import { defineModule } from '../../platform/module.ts';
import type { CallRecord, CallRecordHandler } from '../gateway/index.ts';
import { classify } from './call-classes.ts';
import { DETECTORS } from './catalogue.ts';
import { detectorsContracts } from './contracts.ts';
import { type DetectorsOptions, DetectorsService } from './detectors-service.ts';
import { EngineCore } from './engine-core.ts';
import { detectorsErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { detectorsRoutes } from './routes.ts';

export type { DetectorsService } from './detectors-service.ts';
/**
 * Misuse detectors (docs/detectors.md): rules over every gateway call (the call-record feed), the
 * portal's and the token endpoint's failed credential checks, and the edge's counters; each with
 * operator thresholds, each finding an incident in the enforcement module (one live per detector
 * and subject), where detector-triggered policies act on it. They run off the serving thread, in a
 * worker thread of their own (engine.ts), with bounded queues that shed and count when they fall
 * behind; findings come back to this thread to be reported.
 */
export { detectorsErrors } from './errors.ts';
export { type DetectorsTables, detectorsTables } from './tables.ts';

/** The gateway's call-record feed (null in roles without a gateway). */
type CallRecordSource = { subscribe(handler: CallRecordHandler): { unsubscribe(): void } };
/** The HTTP edge's counters (platform/http/edge-counters.ts): a batch a second, off every request. */
type EdgeSource = { subscribe(handler: (batch: readonly EdgeEvent[]) => void): { unsubscribe(): void } };

export type DetectorsDeps = DetectorsOptions & {
  callRecords: CallRecordSource | null;
  /** What the entrances refused before any pipeline (null or absent: not counted). */
  edge?: EdgeSource | null;
  /** How often settings changed by other processes are read (ms; default 10 000). */
  refreshMs?: number;
};
export type DetectorsPorts = { detectors: DetectorsService };

export const detectorsModule = defineModule<DetectorsDeps, DetectorsPorts>({
  name: 'detectors',
  migrations,
  errors: detectorsErrors,
  contracts: detectorsContracts,
  subscribes: ['identity.sign_in_failed', 'oauth.client_auth_failed'],
  async create({ callRecords, edge, refreshMs, ...options }) {
    const detectors = new DetectorsService(options);
    await detectors.refresh();
    if (callRecords) detectors.engine.subscribe(callRecords);
    const edgeSubscription =
      edge?.subscribe((batch) => {
        for (const e of batch) detectors.engine.offer({ kind: 'edge', ...e });
      }) ?? null;
    const timer = setInterval(() => {
      detectors.refresh().catch(() => {});
    }, refreshMs ?? 10_000);
    timer.unref();
    return {
      ports: { detectors },
      routes: detectorsRoutes({ detectors, running: () => detectors.engine.subscribed }),
      on: {
        // Runs inside the sign-in request: it only queues the signal.
        'identity.sign_in_failed': async (e) => {
          detectors.engine.offer({
            kind: 'auth_failure',
            atMs: e.atMs,
            channel: e.factor === 'totp' ? 'totp' : 'signin',
            subject: e.account,
            ip: e.ip ?? '-',
            orgId: null,
            appId: null,
            requestId: e.requestId,
          });
        },
        // The OAuth endpoints' failed client authentications (wrong secret, unknown client id,
        // throttled guessing): brute force per client id and per address. Only queues.
        'oauth.client_auth_failed': async (e) => {
          detectors.engine.offer({
            kind: 'auth_failure',
            atMs: e.atMs,
            channel: 'token',
            subject: e.clientId,
            ip: e.ip ?? '-',
            orgId: e.orgId,
            appId: e.appId,
            requestId: e.requestId,
          });
        },
      },
      async close() {
        clearInterval(timer);
        edgeSubscription?.unsubscribe();
        // Unsubscribes, waits for the worker's drain and the findings' reports, ends the thread.
        await detectors.engine.close();
      },
    };
  },
});

/**
 * The detectors' evaluation loop on the calling thread, with every detector and findings counted,
 * not reported (bench/detectors.ts measures the detectors' own work per record with it; the module
 * itself runs the same loop in its worker thread).
 */
export function detectorsBenchEngine() {
  let n = 0;
  const core = new EngineCore({
    detectors: DETECTORS,
    maxQueued: Number.MAX_SAFE_INTEGER,
    found: () => {
      n++;
    },
  });
  return {
    offerCalls(batch: readonly CallRecord[]): void {
      for (const r of batch) core.take({ kind: 'call', r: classify(r) });
      core.schedule();
    },
    idle: () => new Promise<void>((resolve) => core.whenEmpty(resolve)),
    stats: () => ({ processed: core.processed, shed: core.shed }),
    findings: () => n,
  };
}
