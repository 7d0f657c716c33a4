import { AppError } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { EnforcementActions } from './enforcement-actions.ts';
import type { EnforcementDeps } from './service-deps.ts';
import type { ActionView } from './views.ts';

/**
 * The organisation's own kill switch (the terms make it answer for floods by anyone associated with
 * it): its admins suspend one of its apps at once, reinstate an app they suspended themselves
 * (never one the operator suspended), and revoke every token of an app. The caller has checked
 * that the principal is an admin of `orgId`; an app of another organisation is not found.
 */
export class OrgKillSwitch {
  readonly #d: EnforcementDeps;
  readonly #actions: EnforcementActions;
  constructor(deps: EnforcementDeps, actions: EnforcementActions) {
    this.#d = deps;
    this.#actions = actions;
  }

  async suspend(orgId: string, appId: string, reason: string, ctx: RequestContext): Promise<ActionView> {
    const app = await this.#d.apps.getApp(orgId, appId);
    if (app.status !== 'active')
      throw new AppError('enforcement_not_applicable', { message: 'The app is not active.' });
    return this.#actions.take(
      { kind: 'suspend_app', orgId, appId, reasonCategory: 'organization_request', reason },
      { by: 'organization', ctx },
    );
  }

  async reinstate(orgId: string, appId: string, reason: string, ctx: RequestContext): Promise<ActionView> {
    const app = await this.#d.apps.getApp(orgId, appId);
    if (app.status !== 'suspended')
      throw new AppError('enforcement_not_applicable', { message: 'The app is not suspended.' });
    // Who suspended it: the newest live suspension on record. None on record means the operator
    // suspended it (the older operator route), so the organisation cannot lift it.
    const live = await this.#d.store.liveRestrictions(orgId, appId, this.#d.nowIso());
    const suspension = live.find((a) => a.kind === 'suspend_app');
    if (suspension?.taken_by !== 'organization' || live.some((a) => a.taken_by !== 'organization'))
      throw new AppError('enforcement_by_operator');
    return this.#actions.take(
      { kind: 'reinstate', orgId, appId, reasonCategory: 'organization_request', reason },
      { by: 'organization', ctx },
    );
  }

  async revokeTokens(orgId: string, appId: string, ctx: RequestContext): Promise<number> {
    await this.#d.apps.getApp(orgId, appId);
    const revoked = await this.#d.tokens.revokeTokensOfApp(appId);
    await this.#d.apps.invalidate({ kind: 'app', id: appId, appId });
    await this.#d.audit(
      ctx,
      'enforcement.org_tokens_revoke',
      { type: 'app', id: appId },
      {
        orgId,
        details: { revoked },
      },
    );
    return revoked;
  }
}
