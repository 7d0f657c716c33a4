import type {
  GatewayApp,
  GatewayDirectory,
  GatewayEntitlement,
  VerifiedToken,
} from '../../platform/ports.ts';
import type { OAuthService } from '../oauth/oauth-service.ts';
import type { AppsService } from './apps-service.ts';

/**
 * The gateway's view of credentials and entitlements (see GatewayDirectory in ports.ts). Every call
 * reads the database; the gateway caches per process and listens on `cache-invalidate`.
 */
export class AppsGatewayDirectory implements GatewayDirectory {
  readonly #apps: AppsService;
  readonly #oauth: OAuthService;
  constructor(apps: AppsService, oauth: OAuthService) {
    this.#apps = apps;
    this.#oauth = oauth;
  }

  findAppByClientId(clientId: string): Promise<GatewayApp | null> {
    return this.#apps.findAppByClientId(clientId);
  }

  async verifyClientSecret(appId: string, secret: string): Promise<boolean> {
    return (await this.#apps.matchClientSecret(appId, secret)) !== null;
  }

  verifyAccessToken(token: string): Promise<VerifiedToken | null> {
    return this.#oauth.verifyAccessToken(token);
  }

  entitlement(appId: string, productSlug: string): Promise<GatewayEntitlement | null> {
    return this.#apps.entitlement(appId, productSlug);
  }
}
