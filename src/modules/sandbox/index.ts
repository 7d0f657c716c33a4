import { defineModule } from '../../platform/module.ts';
import type { GatewayDirectory, NetworkOperation } from '../gateway/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { sandboxContracts } from './contracts.ts';
import { sandboxErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { type AppCredentialVerifier, sandboxRoutes } from './routes.ts';
import { SandboxService, type SandboxDeps as SandboxServiceDeps } from './sandbox-service.ts';

export { sandboxErrors } from './errors.ts';
/**
 * The simulated payments network (issue 7): per-organisation worlds, IBFT and 1Bill operations in
 * 1LINK's formats, scenario values, HASH signing, the live-data guard and the products' OpenAPI
 * documents. The gateway dispatches to `operations` in-process (they implement the gateway's
 * NetworkOperation); the portal shows test data and resets worlds. When an organisation's
 * termination takes effect its world is removed ('terms.organization_terminated').
 */
export { sandboxProducts } from './openapi.ts';
/** How the network's codes read per operation (approved, declined, failed), for the usage records. */
export { sandboxOutcomeRules } from './outcomes.ts';
/** The base seed: the operator key that signs sandbox responses (src/seed.ts runs it). */
export { sandboxSeeder } from './sandbox-seed.ts';
/** The tables the module's migrations build (ADR 0008). */
export { type SandboxTables, sandboxTables } from './tables.ts';
/** The simulated production upstream (`darwaza upstream`): these handlers served over HTTP. */
export { startUpstreamSimulator } from './upstream-server.ts';

/** What others use: the service (test data, reset, the signing key) and the network operations. */
export type Sandbox = { service: SandboxService; operations: NetworkOperation[] };

/** The part of the gateway directory the test-data route needs to recognise an app. */
export type AppCredentialDirectory = Pick<GatewayDirectory, 'findAppByClientId' | 'verifyClientSecret'>;

export type SandboxDeps = SandboxServiceDeps & {
  orgAccess: OrgAccess;
  /** Lets an app read its organisation's test data with its client id and secret. */
  directory: AppCredentialDirectory;
};

export type SandboxPorts = { sandbox: Sandbox };

export const sandboxModule = defineModule<SandboxDeps, SandboxPorts>({
  name: 'sandbox',
  migrations,
  errors: sandboxErrors,
  contracts: sandboxContracts,
  subscribes: ['terms.organization_terminated'],
  create({ orgAccess, directory, ...deps }) {
    const service = new SandboxService(deps);
    return {
      ports: { sandbox: { service, operations: service.operations } },
      routes: sandboxRoutes({
        service,
        orgAccess,
        verifyAppCredentials: appCredentialsFromDirectory(directory),
      }),
      on: {
        // Idempotent: the terms module re-runs the whole event after a failure.
        'terms.organization_terminated': ({ orgId, reason }) =>
          service.onOrganizationTerminated(orgId, reason),
      },
    };
  },
});

/** Adapts the gateway directory to the test-data route's credential check (active apps, sandbox id). */
function appCredentialsFromDirectory(dir: AppCredentialDirectory): AppCredentialVerifier {
  return async (clientId, secret) => {
    const app = await dir.findAppByClientId(clientId);
    if (!app) return null;
    // The sandbox client id only: production credentials have no business here (issue 35).
    if (app.status !== 'active' || app.environment !== 'sandbox') return null;
    return (await dir.verifyClientSecret(app.appId, secret, 'sandbox'))
      ? { appId: app.appId, orgId: app.orgId }
      : null;
  };
}
