import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { ErrorCatalogue } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { AppDirectory } from '../apps/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { GatewayDirectory } from '../gateway/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { oauthErrors } from './errors.ts';
import './events.ts';
import { AppsGatewayDirectory } from './gateway-directory.ts';
import { migrations } from './migrations.ts';
import { oauthPlugin } from './oauth-plugin.ts';
import { OAuthService } from './oauth-service.ts';
import type { OAuthTables } from './tables.ts';

/**
 * OAuth 2.0 client-credentials tokens for the gateway: the token, revocation and introspection
 * endpoints under each catalog's gateway base (a Fastify plugin, not portal routes: they speak
 * RFC 6749), served only by the roles that serve the gateway. Implements the gateway's
 * `GatewayDirectory` (apps, client secrets and entitlements from the apps module; access tokens
 * from here).
 */
export {
  ADDRESS_BLOCK_MS,
  ADDRESS_FAILURE_LIMIT,
  CLIENT_FAILURE_CAP,
  CLIENT_FAILURE_WINDOW_MS,
} from './client-auth-throttle.ts';
export { oauthErrors } from './errors.ts';
export type { OAuthService } from './oauth-service.ts';
/** The oauth module's tables (the root's typed database includes them). */
export { type OAuthTables, oauthTables } from './tables.ts';

export type OAuthDeps = {
  db: Kysely<OAuthTables>;
  clock: Clock;
  keyring: Keyring;
  sharedState: SharedState;
  apps: AppDirectory;
  orgAccess: OrgAccess;
  audit: AuditLog;
  /** Emits oauth.client_auth_failed (events.ts) for the detectors' brute-force rule. */
  events?: EventEmitter;
  /**
   * The token, revocation and introspection endpoints, in the roles that serve the gateway
   * (config.ts roleSurfaces); null elsewhere (then no endpoint is served).
   */
  endpoints: {
    /** The provider name in the endpoints' paths (/{provider}/{catalog}/oauth2/…). */
    provider: string;
    /** The portal's public URL (error_uri links to its error-code reference). */
    publicUrl: string;
    /** The composed error catalogue: the status and message of a refusal raised below an endpoint. */
    errors: ErrorCatalogue;
  } | null;
};

export type OAuthPorts = {
  /** The service itself (tests use more than the directory). */
  oauth: OAuthService;
  /** What the gateway asks about credentials and entitlements. */
  gatewayDirectory: GatewayDirectory;
};

export const oauthModule = defineModule<OAuthDeps, OAuthPorts>({
  name: 'oauth',
  migrations,
  errors: oauthErrors,
  // The OAuth endpoints are not portal routes (oauth-plugin.ts): no portal contracts.
  contracts: {},
  subscribes: [],
  create(deps) {
    const oauth = new OAuthService(deps);
    const gatewayDirectory = new AppsGatewayDirectory(deps.apps, oauth);
    return {
      ports: { oauth, gatewayDirectory },
      routes: [],
      plugins: deps.endpoints ? [oauthPlugin({ oauth, ...deps.endpoints })] : [],
    };
  },
});
