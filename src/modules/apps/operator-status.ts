import type { RequestContext } from '../../platform/request-context.ts';

/**
 * How an operator's suspension or reinstatement of an app is carried out when it comes through the
 * apps API (`setAppStatus`): the enforcement module (built after this one: a late port in main.ts)
 * records it as an enforcement action, so the organisation's admins are told why by e-mail and
 * notice, as with any other suspension. Absent (a system without enforcement), the app's status is
 * set directly.
 */
export type OperatorAppStatus = {
  setAppStatus(
    appId: string,
    status: 'active' | 'suspended',
    reason: string,
    ctx: RequestContext,
  ): Promise<void>;
};
