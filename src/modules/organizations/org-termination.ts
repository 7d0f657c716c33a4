import type { OrgAccessChecks } from './org-access.ts';
import type { OrgServiceDeps } from './service-deps.ts';

/**
 * Run by the terms module when the organisation's termination takes effect: the organisation is
 * marked terminated (its data stays, read-only; org-access.ts refuses changes) and its members'
 * sessions end. Idempotent: the event may be delivered again, and only the first marks.
 */
export class OrgTermination {
  readonly #d: OrgServiceDeps;
  readonly #access: OrgAccessChecks;
  constructor(deps: OrgServiceDeps, access: OrgAccessChecks) {
    this.#d = deps;
    this.#access = access;
  }

  async onOrganizationTerminated(orgId: string, _reason: string): Promise<void> {
    const { store, identity } = this.#d;
    const members = await this.#access.memberUserIds(orgId);
    // Not audited here: the terms module records the termination's completion (org.terminated,
    // with the termination's id, kind and retention) once; a second event for the same fact would
    // count it twice (issue 32, item 3).
    await store.markTerminated(orgId);
    await identity.endSessionsOf(members, `organisation ${orgId} terminated`);
  }
}
