import type { z } from 'zod';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { policyInput } from './contracts.ts';
import type { EnforcementActions } from './enforcement-actions.ts';
import type { IncidentRow, PolicyRow } from './enforcement-store.ts';
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
