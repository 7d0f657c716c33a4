import { systemContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * On `terms.organization_terminated` (notice date reached, operator, or breach): every app of the
 * organisation is revoked, which revokes its secrets and ends its subscriptions; tokens die with
 * the app. The system acts (no one person). Idempotent, so the terms worker may retry it.
 */
export async function onOrganizationTerminated(
  d: AppsServiceDeps,
  registry: AppRegistry,
  orgId: string,
  reason: string,
): Promise<void> {
  const rows = await d.store.unrevokedAppsOfOrg(orgId);
  for (const row of rows) {
    await registry.setAppStatus(row, 'revoked', reason, systemContext(), 'app.revoke_on_termination');
  }
  await d.invalidate({ kind: 'org', id: orgId });
}
