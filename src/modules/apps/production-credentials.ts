import type { z } from 'zod';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type ClientSecretView, productionAccessOf, secretViewOf } from './app-views.ts';
import type { ClientCredentials } from './client-credentials.ts';
import type { productionCredentialsView } from './production-contracts.ts';
import type { AppsServiceDeps } from './service-deps.ts';

export type ProductionCredentialsView = z.infer<typeof productionCredentialsView>;

/**
 * An app's production credentials: its production client id (issued with its first production
 * grant) and that id's own secrets, kept exactly as the sandbox's (keyed hashes, shown once, at
 * most two active for an overlapping rotation) but never interchangeable with them.
 */
export class ProductionCredentials {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;
  readonly #credentials: ClientCredentials;

  constructor(deps: AppsServiceDeps, registry: AppRegistry, credentials: ClientCredentials) {
    this.#d = deps;
    this.#registry = registry;
    this.#credentials = credentials;
  }

  /** Metadata only: the ids, both base URLs, the secrets' hints and states, access per product. */
  async listProductionCredentials(orgId: string, appId: string): Promise<ProductionCredentialsView> {
    const row = await this.#registry.requireApp(orgId, appId);
    const [secrets, requests] = await Promise.all([
      row.production_client_id ? this.#d.store.recentSecrets(appId, 'production') : [],
      this.#d.store.productionRequestsOfApp(appId),
    ]);
    const nowMs = this.#d.clock.nowMs();
    const base = (c: 'sandbox' | 'production') =>
      `${this.#d.catalog.publicUrl}${this.#d.catalog.basePath(c)}`;
    return {
      clientId: row.production_client_id ?? null,
      gatewayBaseUrl: base('production'),
      sandboxClientId: row.client_id,
      sandboxBaseUrl: base('sandbox'),
      secrets: secrets.map((s) => secretViewOf(s, nowMs)),
      products: productionAccessOf(requests),
    };
  }

  /** A new production secret (409 production_not_granted before the first grant), shown once. */
  async createProductionSecret(
    orgId: string,
    appId: string,
    opts: { expiresAt?: string | null },
    ctx: RequestContext,
  ): Promise<{ clientId: string; secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#registry.requireApp(orgId, appId);
    const r = await this.#credentials.issueSecret(
      row,
      'production',
      opts.expiresAt ?? null,
      ctx,
      async (store, expiresAt) => {
        await this.#credentials.checkRoom(store, appId, 'production');
        return { action: 'app.production_secret.create', details: { appId, expiresAt } };
      },
    );
    return { clientId: row.production_client_id as string, ...r };
  }

  async revokeProductionSecret(
    orgId: string,
    appId: string,
    secretId: string,
    ctx: RequestContext,
  ): Promise<void> {
    await this.#credentials.revokeSecret(orgId, appId, 'production', secretId, ctx);
  }
}
