import { defineModule } from '../../platform/module.ts';
import type { CallRecordHandler } from '../gateway/index.ts';
import { DETECTORS } from './catalogue.ts';
import { detectorsContracts } from './contracts.ts';
import { type DetectorsOptions, DetectorsService } from './detectors-service.ts';
import { DetectorEngine } from './engine.ts';
import { detectorsErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { detectorsRoutes } from './routes.ts';

export type { DetectorsService } from './detectors-service.ts';
/**
 * Misuse detectors (docs/detectors.md): rules over every gateway call (the call-record feed), the
 * portal's and the token endpoint's failed credential checks, and the edge's counters; each with
 * operator thresholds, each finding an incident in the enforcement module (one live per detector
 * and subject), where detector-triggered policies act on it. They run off the serving path, in
 * slices after the calls, with a bounded queue that sheds and counts when they fall behind.
 */
export { detectorsErrors } from './errors.ts';
export { type DetectorsTables, detectorsTables } from './tables.ts';

/** The gateway's call-record feed (null in roles without a gateway). */
type CallRecordSource = { subscribe(handler: CallRecordHandler): { unsubscribe(): void } };

export type DetectorsDeps = DetectorsOptions & {
  callRecords: CallRecordSource | null;
  /** How often settings changed by other processes are read (ms; default 10 000). */
  refreshMs?: number;
};
export type DetectorsPorts = { detectors: DetectorsService };

export const detectorsModule = defineModule<DetectorsDeps, DetectorsPorts>({
  name: 'detectors',
  migrations,
  errors: detectorsErrors,
  contracts: detectorsContracts,
  subscribes: ['identity.sign_in_failed'],
  async create({ callRecords, refreshMs, ...options }) {
    const detectors = new DetectorsService(options);
    await detectors.refresh();
    const subscription = callRecords?.subscribe(detectors.engine.offerCalls) ?? null;
    const timer = setInterval(() => {
      detectors.refresh().catch(() => {});
    }, refreshMs ?? 10_000);
    timer.unref();
    return {
      ports: { detectors },
      routes: detectorsRoutes({ detectors, running: () => subscription !== null }),
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
      },
      async close() {
        clearInterval(timer);
        subscription?.unsubscribe();
        await detectors.engine.idle();
      },
    };
  },
});

/**
 * The engine with every detector and findings counted, not reported (bench/detectors.ts measures
 * the detectors' own work per record with it).
 */
export function detectorsBenchEngine(nowMs: () => number) {
  let n = 0;
  const engine = new DetectorEngine({
    detectors: DETECTORS,
    nowMs,
    maxQueued: Number.MAX_SAFE_INTEGER,
    report: async () => {
      n++;
    },
  });
  return { engine, findings: () => n };
}
