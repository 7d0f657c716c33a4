import type { z } from 'zod';
import type { RequestContext } from '../../platform/request-context.ts';
import type { incidentPatch } from './contracts.ts';
import { EnforcementActions } from './enforcement-actions.ts';
import { EnforcementPolicies } from './enforcement-policies.ts';
import { type IncidentDetail, type IncidentReport, Incidents } from './incidents.ts';
import { OrgKillSwitch } from './org-kill-switch.ts';
import { type EnforcementOptions, enforcementDeps } from './service-deps.ts';
import { EnforcementThrottles } from './throttles.ts';

/**
 * The module's parts, built once over one set of deps: incidents, actions, policies, the
 * organisation's kill switch and the throttle source the apps module reads. The one piece of
 * logic here joins two parts: confirming an incident as a breach runs the policies.
 */
export class EnforcementService {
  readonly incidents: Incidents;
  readonly actions: EnforcementActions;
  readonly policies: EnforcementPolicies;
  readonly killSwitch: OrgKillSwitch;
  readonly throttles: EnforcementThrottles;

  constructor(opts: EnforcementOptions) {
    const deps = enforcementDeps(opts);
    this.incidents = new Incidents(deps);
    this.actions = new EnforcementActions(deps);
    this.policies = new EnforcementPolicies(deps, this.actions);
    this.killSwitch = new OrgKillSwitch(deps, this.actions);
    this.throttles = new EnforcementThrottles(deps.store, deps.clock);
  }

  /**
   * A detector's report (issue 30): the incident is recorded (or keeps counting), then the enabled
   * detector-triggered policies act on it — an auto-suspend policy suspends within the same turn
   * of the detectors' work, and the organisation's admins are told why (the action's notices).
   */
  async reportIncident(r: IncidentReport, ctx: RequestContext) {
    const view = await this.incidents.report(r, ctx);
    await this.policies.onIncidentReported(await this.incidents.require(view.id), ctx);
    return view;
  }

  /** Changes the incident; when it is confirmed as a breach type, the matching policies act. */
  async updateIncident(
    id: string,
    patch: z.output<typeof incidentPatch>,
    ctx: RequestContext,
  ): Promise<IncidentDetail> {
    const row = await this.incidents.update(id, patch, ctx);
    if (patch.breachType) await this.policies.onBreachConfirmed(row, ctx);
    return this.incidents.detail(id);
  }
}
