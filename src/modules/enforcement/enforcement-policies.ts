import type { z } from 'zod';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { dryRunView, policyInput } from './contracts.ts';
import type { EnforcementActions } from './enforcement-actions.ts';
import type { IncidentRow, PolicyRow } from './enforcement-store.ts';
import { detectorTriggerFires, notApplicable } from './policy-triggers.ts';
import type { EnforcementDeps } from './service-deps.ts';
import { type ActionView, type PolicyView, policyViewOf } from './views.ts';

type PolicyInput = z.output<typeof policyInput>;

/**
 * Enforcement policies: one model, trigger → action, defined and switched by operators, every
 * change audited. The first trigger kind is `breach_confirmed` (an operator confirms an incident as
 * a breach of an operator-named type): the terms' automatic end of registration on breach is a
 * policy `breach_confirmed(X) → terminate_org`, carried out by the terms module's
 * `terminateForBreach`. Issue 30 adds detector triggers and a dry run to this same model: a
 * trigger is a tagged union, and `matches` is the one place a trigger meets an incident.
 */
/** An incident no policy can act on: it has no organisation to act on or tell. */
const notApplicableToAll = (incident: IncidentRow) => !incident.org_id;

export class EnforcementPolicies {
  readonly #d: EnforcementDeps;
  readonly #actions: EnforcementActions;
  constructor(deps: EnforcementDeps, actions: EnforcementActions) {
    this.#d = deps;
    this.#actions = actions;
  }

  async list(): Promise<PolicyView[]> {
    return (await this.#d.store.listPolicies()).map(policyViewOf);
  }

  async create(input: PolicyInput, ctx: RequestContext): Promise<PolicyView> {
    const nowIso = this.#d.nowIso();
    const row: PolicyRow = {
      id: newId('pol', this.#d.clock.nowMs()),
      name: input.name,
      description: input.description,
      trig: JSON.stringify(input.trigger),
      action: input.action,
      reason_category: input.reasonCategory,
      enabled: input.enabled ? 1 : 0,
      created_by: ctx.actor.id,
      created_at: nowIso,
      updated_at: nowIso,
    };
    try {
      await this.#d.store.insertPolicy(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('enforcement_policy_conflict');
      throw err;
    }
    await this.#d.audit(
      ctx,
      'enforcement.policy_create',
      { type: 'enforcement_policy', id: row.id },
      {
        details: { name: row.name, trigger: input.trigger, action: row.action, enabled: input.enabled },
      },
    );
    return policyViewOf(row);
  }

  async update(id: string, patch: Partial<PolicyInput>, ctx: RequestContext): Promise<PolicyView> {
    const before = await this.#d.store.findPolicy(id);
    if (!before) throw new AppError('not_found', { message: 'No such policy.' });
    const set: Partial<PolicyRow> = { updated_at: this.#d.nowIso() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.trigger !== undefined) set.trig = JSON.stringify(patch.trigger);
    if (patch.action !== undefined) set.action = patch.action;
    if (patch.reasonCategory !== undefined) set.reason_category = patch.reasonCategory;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    try {
      await this.#d.store.updatePolicy(id, set);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('enforcement_policy_conflict');
      throw err;
    }
    await this.#d.audit(
      ctx,
      'enforcement.policy_update',
      { type: 'enforcement_policy', id },
      {
        details: { changes: Object.keys(patch), before: policyViewOf(before) },
      },
    );
    return policyViewOf((await this.#d.store.findPolicy(id))!);
  }

  /**
   * Runs every enabled detector-side policy (policy-triggers.ts) whose trigger fires for the
   * incident a detector just reported (new or counting), in creation order. Each policy acts at
   * most once per incident; one whose action no longer applies is skipped.
   */
  async onIncidentReported(incident: IncidentRow, ctx: RequestContext): Promise<ActionView[]> {
    const policies = (await this.list()).filter((p) => p.enabled && p.trigger.kind !== 'breach_confirmed');
    if (policies.length === 0 || notApplicableToAll(incident)) return [];
    const nowMs = this.#d.clock.nowMs();
    const taken = new Set(
      (await this.#d.store.listActions({ incidentId: incident.id, limit: 100 })).map((a) => a.policy_id),
    );
    let history: IncidentRow[] | null = null;
    const maxDays = Math.max(
      0,
      ...policies.map((p) => (p.trigger.kind === 'incident_count' ? p.trigger.days : 0)),
    );
    if (maxDays > 0 && incident.org_id)
      history = await this.#d.store.incidentsSince(
        new Date(nowMs - maxDays * 86_400_000).toISOString(),
        incident.org_id,
      );
    const fired: ActionView[] = [];
    for (const p of policies) {
      if (taken.has(p.id) || notApplicable(p, incident)) continue;
      if (!detectorTriggerFires(p.trigger, incident, nowMs, () => history ?? [])) continue;
      const action = await this.#fire(p, incident, `${incident.title} (${incident.detector}).`, ctx);
      if (action) fired.push(action);
    }
    return fired;
  }

  /**
   * What the policy would have done over the incidents recorded in the last 30 days, evaluated in
   * the order they were created, as if it had been switched on; nothing is acted on or recorded.
   * A policy acts once per incident, and the first suspension of an app or organisation makes later
   * suspensions of it moot (shown as skipped).
   */
  async dryRun(id: string): Promise<z.infer<typeof dryRunView>> {
    const row = await this.#d.store.findPolicy(id);
    if (!row) throw new AppError('not_found', { message: 'No such policy.' });
    const policy = policyViewOf(row);
    const toMs = this.#d.clock.nowMs();
    const from = new Date(toMs - 30 * 86_400_000).toISOString();
    const incidents = await this.#d.store.incidentsSince(from);
    const suspended = new Set<string>();
    const outcomes: z.infer<typeof dryRunView>['outcomes'] = [];
    for (const inc of incidents) {
      const atMs = Date.parse(inc.updated_at);
      const fires =
        policy.trigger.kind === 'breach_confirmed'
          ? inc.breach_type === policy.trigger.breachType
          : detectorTriggerFires(policy.trigger, inc, atMs, () => incidents);
      if (!fires) continue;
      const target = policy.action === 'suspend_app' ? `app:${inc.subject_id}` : `org:${inc.org_id}`;
      let skipped = notApplicable(policy, inc);
      if (!skipped && policy.action !== 'warn' && suspended.has(target))
        skipped = 'already suspended by an earlier incident';
      if (!skipped && policy.action !== 'warn') suspended.add(target);
      outcomes.push({
        incidentId: inc.id,
        detector: inc.detector,
        severity: inc.severity as 'low',
        subject: { kind: inc.subject_kind as 'app', id: inc.subject_id },
        orgId: inc.org_id,
        at: inc.updated_at,
        action: policy.action,
        skipped,
      });
    }
    return { policyId: id, from, to: new Date(toMs).toISOString(), evaluated: incidents.length, outcomes };
  }

  /** Records the firing and takes the policy's action; null when it no longer applies. */
  async #fire(
    p: PolicyView,
    incident: IncidentRow,
    why: string,
    ctx: RequestContext,
  ): Promise<ActionView | null> {
    await this.#d.audit(
      ctx,
      'enforcement.policy_fire',
      { type: 'enforcement_policy', id: p.id },
      {
        orgId: incident.org_id,
        details: { incidentId: incident.id, detector: incident.detector, action: p.action },
      },
    );
    try {
      return await this.#actions.take(
        {
          kind: p.action,
          incidentId: incident.id,
          orgId: incident.org_id!,
          ...(p.action === 'suspend_app' ? { appId: incident.subject_id } : {}),
          reasonCategory: p.reasonCategory,
          reason: `Policy “${p.name}”: ${why}`.slice(0, 2000),
        },
        { by: 'policy', policyId: p.id, ctx },
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'enforcement_not_applicable') return null;
      throw err;
    }
  }

  /** Whether a policy's trigger fires for this incident. */
  static matches(policy: PolicyView, incident: IncidentRow): boolean {
    return policy.trigger.kind === 'breach_confirmed' && policy.trigger.breachType === incident.breach_type;
  }

  /**
   * Runs every enabled policy whose trigger matches the confirmed incident, in creation order;
   * the first that acts marks the incident actioned (later ones still act on what remains, and
   * one that no longer applies, e.g. suspending a suspended app, is skipped).
   */
  async onBreachConfirmed(incident: IncidentRow, ctx: RequestContext): Promise<ActionView[]> {
    if (!incident.breach_type || !incident.org_id) return [];
    const fired: ActionView[] = [];
    for (const p of await this.list()) {
      if (!p.enabled || !EnforcementPolicies.matches(p, incident)) continue;
      if (p.action === 'suspend_app' && incident.subject_kind !== 'app') continue;
      await this.#d.audit(
        ctx,
        'enforcement.policy_fire',
        { type: 'enforcement_policy', id: p.id },
        {
          orgId: incident.org_id,
          details: { incidentId: incident.id, breachType: incident.breach_type, action: p.action },
        },
      );
      try {
        fired.push(
          await this.#actions.take(
            {
              kind: p.action,
              incidentId: incident.id,
              orgId: incident.org_id,
              ...(p.action === 'suspend_app' ? { appId: incident.subject_id } : {}),
              reasonCategory: p.reasonCategory,
              reason: `Policy “${p.name}”: incident ${incident.id} confirmed as ${incident.breach_type}.`,
            },
            { by: 'policy', policyId: p.id, ctx },
          ),
        );
      } catch (err) {
        if (err instanceof AppError && err.code === 'enforcement_not_applicable') continue;
        throw err;
      }
    }
    return fired;
  }
}
