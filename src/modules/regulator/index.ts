import type { Kysely } from 'kysely';
import type { Logger } from '../../platform/logger.ts';
import { defineModule } from '../../platform/module.ts';
import { regulatorContracts } from './contracts.ts';
import { regulatorErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { RegulatorService } from './regulator-service.ts';
import type { ExportSourceTables } from './regulator-store.ts';
import { regulatorRoutes } from './routes.ts';
import type { OrgMembership, RegulatorOptions } from './service-deps.ts';
import type { RegulatorTables } from './tables.ts';
import { regulatorWorker } from './worker.ts';

/**
 * Regulator information requests with signed, independently verifiable export bundles, and the
 * operator's information requests to API users (docs/regulator-requests.md, ADR 0016). Reads the
 * other modules' tables read-only for a bundle (regulator-store.ts `ExportReader`).
 */
export { verifyBundle } from './bundle-verify.ts';
export { regulatorErrors } from './errors.ts';
export { exportSigner, exportSignerFromSeed } from './export-key.ts';
export type { RegulatorService } from './regulator-service.ts';
export { type RegulatorTables, regulatorTables } from './tables.ts';

export type RegulatorModuleDeps = Omit<RegulatorOptions, 'db'> & {
  db: Kysely<RegulatorTables & ExportSourceTables>;
  orgs: OrgMembership;
  log?: Logger;
};
export type RegulatorPorts = { regulator: RegulatorService };

export const regulatorModule = defineModule<RegulatorModuleDeps, RegulatorPorts>({
  name: 'regulator',
  migrations,
  errors: regulatorErrors,
  contracts: regulatorContracts,
  subscribes: [],
  create(deps) {
    const regulator = new RegulatorService(deps);
    return {
      ports: { regulator },
      routes: regulatorRoutes({ regulator, orgs: deps.orgs }),
      worker: regulatorWorker({ ...regulator.deps, log: deps.log }, regulator.requests),
    };
  },
});
