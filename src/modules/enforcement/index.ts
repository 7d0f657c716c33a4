import type { Kysely } from 'kysely';
import { defineModule } from '../../platform/module.ts';
import { enforcementContracts } from './contracts.ts';
import { EnforcementService } from './enforcement-service.ts';
import { enforcementErrors } from './errors.ts';
import './events.ts';
import { migrations } from './migrations.ts';
import { enforcementRoutes } from './routes.ts';
import type { EnforcementOptions } from './service-deps.ts';
import type { EnforcementTables } from './tables.ts';

export type { EnforcementService } from './enforcement-service.ts';
/**
 * Incidents, enforcement actions and enforcement policies (docs/enforcement.md). Incidents are
 * reported by hand now and by detectors later (`IncidentReporter`); actions are carried out by the
 * modules that own the state (apps, organisations, terms' termination, oauth's tokens) and
 * recorded here with their audit event and the notices to the organisation's admins; throttles
 * reach the gateway through the apps module's effective limits (`throttles`, its late port).
 * Emits `enforcement.action_taken`.
 */
export { enforcementErrors } from './errors.ts';
export { type EnforcementTables, enforcementTables } from './tables.ts';

/**
 * What detectors (issue 30) call: one live incident per (detector, subject) keeps counting, and
 * the detector-triggered policies act on it.
 */
type IncidentReporter = { report: EnforcementService['reportIncident'] };

export type EnforcementDeps = Omit<EnforcementOptions, 'db'> & { db: Kysely<EnforcementTables> };
export type EnforcementPorts = {
  enforcement: EnforcementService;
  /** The apps module's `ThrottleSource` (main.ts provides it to apps' late port). */
  throttles: EnforcementService['throttles'];
  incidentReporter: IncidentReporter;
};

export const enforcementModule = defineModule<EnforcementDeps, EnforcementPorts>({
  name: 'enforcement',
  migrations,
  errors: enforcementErrors,
  contracts: enforcementContracts,
  subscribes: [],
  create(deps) {
    const enforcement = new EnforcementService(deps);
    return {
      ports: {
        enforcement,
        throttles: enforcement.throttles,
        incidentReporter: { report: (r, ctx) => enforcement.reportIncident(r, ctx) },
      },
      routes: enforcementRoutes({ enforcement, orgs: deps.orgs }),
    };
  },
});
