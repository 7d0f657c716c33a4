import { newId } from '../../platform/ids.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppsStore, SecretCatalog } from './apps-store.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * How a client secret is kept: a ≥ 256-bit CSPRNG string shown once, stored only as
 * keyring.hmac(secret, 'client-secret') with its last four characters as a hint.
 */
export const MAX_ACTIVE_SECRETS = 2;
const SECRET_PURPOSE = 'client-secret';

export function secretHash(keyring: Keyring, secret: string): string {
  return keyring.hmac(secret, SECRET_PURPOSE);
}

/**
 * Stores a new active secret of the app's `catalog` client id (in the caller's transaction,
 * `store`); returns its id.
 */
export async function insertSecret(
  deps: Pick<AppsServiceDeps, 'clock' | 'keyring' | 'nowIso'>,
  store: AppsStore,
  appId: string,
  catalog: SecretCatalog,
  secret: string,
  expiresAt: string | null,
  ctx: RequestContext,
): Promise<string> {
  const id = newId('sec', deps.clock.nowMs());
  await store.insertSecret({
    id,
    app_id: appId,
    secret_hash: secretHash(deps.keyring, secret),
    hint: secret.slice(-4),
    catalog,
    status: 'active',
    expires_at: expiresAt,
    created_by: ctx.actor.id,
    created_at: deps.nowIso(),
  });
  return id;
}
