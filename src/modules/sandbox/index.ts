/**
 * The simulated payments network (issue 7): per-organisation worlds, IBFT and 1Bill operations in
 * 1LINK's formats, scenario values, HASH signing, the live-data guard and the products' OpenAPI
 * documents. main.ts calls createSandbox; the gateway dispatches to `operations` in-process.
 */
import type { AnyRoute } from '../../platform/http/route.ts';
import type { NetworkOperation, OrgAccess } from '../../platform/ports.ts';
import { type AppCredentialVerifier, sandboxRoutes } from './routes.ts';
import { type SandboxDeps, SandboxService } from './sandbox-service.ts';

export { migrations as sandboxMigrations } from './migrations.ts';
export { sandboxProducts } from './openapi.ts';
export type { SandboxTestData } from './sandbox-service.ts';
export type { AppCredentialVerifier };
export { SandboxService };

export type Sandbox = {
  service: SandboxService;
  operations: NetworkOperation[];
  /** Portal routes; needs OrgAccess (and, optionally, app-credential verification). */
  routes(deps: { orgAccess?: OrgAccess; verifyAppCredentials?: AppCredentialVerifier }): AnyRoute[];
};

export function createSandbox(deps: SandboxDeps): Sandbox {
  const service = new SandboxService(deps);
  return {
    service,
    operations: service.operations,
    routes: (r) => sandboxRoutes({ service, ...r }),
  };
}

/** Adapts the gateway directory (apps module) to the test-data route's credential check. */
export function appCredentialsFromDirectory(dir: {
  findAppByClientId(clientId: string): Promise<{ appId: string; orgId: string; status: string } | null>;
  verifyClientSecret(appId: string, secret: string): Promise<boolean>;
}): AppCredentialVerifier {
  return async (clientId, secret) => {
    const app = await dir.findAppByClientId(clientId);
    if (!app) return null;
    if (app.status !== 'active') return null;
    return (await dir.verifyClientSecret(app.appId, secret)) ? { appId: app.appId, orgId: app.orgId } : null;
  };
}
