import type { AppDirectory } from '../apps/index.ts';
import type { GatewayApp, GatewayDirectory, GatewayEntitlement, VerifiedToken } from '../gateway/index.ts';
import type { OAuthService } from './oauth-service.ts';

/**
 * The gateway's view of credentials and entitlements (GatewayDirectory, owned by the gateway):
 * apps, client secrets and entitlements from the apps module, access tokens from this one. Every
 * call reads the database; the gateway caches per process and listens on `cache-invalidate`.
 */
export class AppsGatewayDirectory implements GatewayDirectory {
  readonly #apps: AppDirectory;
  readonly #oauth: OAuthService;
  constructor(apps: AppDirectory, oauth: OAuthService) {
    this.#apps = apps;
    this.#oauth = oauth;
  }

  findAppByClientId(clientId: string): Promise<GatewayApp | null> {
    return this.#apps.findAppByClientId(clientId);
  }

  async verifyClientSecret(
    appId: string,
    secret: string,
    catalog: GatewayApp['environment'],
  ): Promise<boolean> {
    return (await this.#apps.matchClientSecret(appId, secret, catalog)) !== null;
  }

  verifyAccessToken(token: string): Promise<VerifiedToken | null> {
    return this.#oauth.verifyAccessToken(token);
  }

  entitlement(appId: string, productSlug: string): Promise<GatewayEntitlement | null> {
    return this.#apps.entitlement(appId, productSlug);
  }
}
