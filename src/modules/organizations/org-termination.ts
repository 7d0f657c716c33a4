import { systemContext } from '../../platform/request-context.ts';
import type { OrgAccessChecks } from './org-access.ts';
import type { OrgServiceDeps } from './service-deps.ts';

/**
 * Run by the terms module when the organisation's termination takes effect: the organisation is
 * marked terminated (its data stays, read-only; org-access.ts refuses changes) and its members'
 * sessions end. Idempotent: the event may be delivered again, and only the first marks and audits.
 */
export class OrgTermination {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks) {
    this.#d = deps;
    this.#access = access;
  }

  async onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    const { store, audit, identity } = this.#d;
    const members = await this.#access.memberUserIds(orgId);
    await store.transaction(async (tx) => {
      if ((await store.markTerminated(orgId, tx)) === 1) {
        await audit(
          systemContext(),
          'org.terminated',
          { type: 'organization', id: orgId },
          { orgId, details: { reason }, tx },
        );
      }
    });
    await identity.endSessionsOf(members, `organisation ${orgId} terminated`);
  }
}
