import { defineModule } from '../../platform/module.ts';
import { periodic } from '../../platform/periodic.ts';
import type { CallRecordHandler } from '../gateway/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { type ConformanceOptions, ConformanceService } from './conformance-service.ts';
import { conformanceContracts } from './contracts.ts';
import { conformanceErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { conformanceRoutes } from './routes.ts';

/**
 * The conformance gate (docs/conformance.md): certification suites per product, stored as
 * validated data and edited by operators; each app's progress, recognised from its own sandbox
 * calls on the gateway's call-record feed (every call, off the serving path — never from the
 * sampled request log, never self-reported), with the request that proved each case; and the
 * `ProductionGate` the apps module asks before it records a production request.
 */
export type { ConformanceService } from './conformance-service.ts';
export { conformanceErrors } from './errors.ts';
export { type ConformanceTables, conformanceTables } from './tables.ts';

/** The gateway's call-record feed (null in roles without a gateway). */
type CallRecordSource = { subscribe(handler: CallRecordHandler): { unsubscribe(): void } };

export type ConformanceDeps = ConformanceOptions & {
  orgAccess: OrgAccess;
  callRecords: CallRecordSource | null;
  /** How long observed calls are kept as evidence for relations and new cases (days; default 400). */
  evidenceDays?: number;
  /** How often suites edited by other processes are read (ms; default 10 000). */
  refreshMs?: number;
};
export type ConformancePorts = { conformance: ConformanceService };

export const conformanceModule = defineModule<ConformanceDeps, ConformancePorts>({
  name: 'conformance',
  migrations,
  errors: conformanceErrors,
  contracts: conformanceContracts,
  subscribes: [],
  async create({ callRecords, orgAccess, evidenceDays, refreshMs, ...options }) {
    const conformance = new ConformanceService(options);
    await conformance.start();
    const { recognizer } = conformance;
    const subscription = callRecords?.subscribe(recognizer.offer) ?? null;
    const refresh = setInterval(() => {
      conformance.refresh().catch(() => {});
    }, refreshMs ?? 10_000);
    refresh.unref();
    const keepMs = (evidenceDays ?? 400) * 86_400_000;
    const pruner = periodic(
      () => conformance.store.pruneCalls(options.clock.nowMs() - keepMs),
      3_600_000,
      () => {},
    );
    return {
      ports: { conformance },
      routes: conformanceRoutes({ conformance, orgAccess }),
      worker: { start: async () => pruner.start(), stop: async () => pruner.stop() },
      async close() {
        clearInterval(refresh);
        subscription?.unsubscribe();
        await recognizer.idle();
      },
    };
  },
});
