import type { z } from 'zod';
import { DAY } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { adminsOf, noticeOfAction } from './action-notices.ts';
import type { actionInput } from './contracts.ts';
import type { ActionRow } from './enforcement-store.ts';
import { type ReasonCategory, reasonText } from './reasons.ts';
import type { EnforcementDeps } from './service-deps.ts';
import { type ActionView, actionViewOf } from './views.ts';

export type ActionInput = z.output<typeof actionInput>;

/** Who takes an action: an operator, the organisation's own admin (kill switch) or a policy. */
export type TakenBy =
  | { by: 'operator'; ctx: RequestContext }
  | { by: 'organization'; ctx: RequestContext }
  | { by: 'policy'; policyId: string; ctx: RequestContext };

/** How long a warning shows on the organisation's pages when no end is given. */
const WARNING_SHOWN_MS = 30 * DAY;

/**
 * Enforcement actions: warn, throttle, suspend an app or an organisation, reinstate, terminate.
 * Each one is carried out in the module that owns the state (apps: an app's status;
 * organisations: the organisation's; terms: termination, records kept), then recorded here with
 * the audit event and the notices to the organisation's admins in one transaction; gateways are
 * told to drop what they cached. A throttle is only recorded here: the apps module's effective
 * limits read it (throttles.ts) as the lower of the plan and the throttle.
 */
export class EnforcementActions {
  readonly #d: EnforcementDeps;
  constructor(deps: EnforcementDeps) {
    this.#d = deps;
  }

  async take(input: ActionInput, taker: TakenBy): Promise<ActionView> {
    const d = this.#d;
    const nowIso = d.nowIso();
    const nowMs = d.clock.nowMs();
    // ---- the target
    const incident = input.incidentId ? await d.store.findIncident(input.incidentId) : undefined;
    if (input.incidentId && !incident) throw new AppError('not_found', { message: 'No such incident.' });
    let appId = input.appId ?? null;
    if (
      !appId &&
      incident?.subject_kind === 'app' &&
      (input.kind === 'suspend_app' || input.kind === 'throttle')
    )
      appId = incident.subject_id;
    let orgId = input.orgId ?? incident?.org_id ?? null;
    let appName: string | null = null;
    let appStatus: string | null = null;
    if (appId) {
      const app = await d.apps.getAppById(appId);
      if (!app) throw new AppError('not_found', { message: 'No such app.' });
      if (orgId && app.orgId !== orgId)
        throw new AppError('enforcement_target_invalid', {
          message: 'The app belongs to another organisation.',
        });
      orgId = app.orgId;
      appName = app.name;
      appStatus = app.status;
    }
    if (!orgId)
      throw new AppError('enforcement_target_invalid', { message: 'Name the organisation or the app.' });
    const org = await d.orgs.getOrganization(orgId);
    if (!org) throw new AppError('not_found', { message: 'No such organisation.' });
    if (org.status === 'terminated')
      throw new AppError('enforcement_not_applicable', { message: 'The organisation is terminated.' });
    const needsApp = input.kind === 'suspend_app';
    const needsOrgOnly = input.kind === 'suspend_org' || input.kind === 'terminate_org';
    if (needsApp && !appId)
      throw new AppError('enforcement_target_invalid', { message: 'Name the app to suspend.' });
    if (needsOrgOnly && input.appId)
      throw new AppError('enforcement_target_invalid', {
        message: 'This action applies to the whole organisation.',
      });
    if (needsOrgOnly) appId = null;

    let endsAt: string | null = null;
    if (input.kind === 'throttle') {
      if (!input.throttle || !input.endsAt)
        throw new AppError('validation_failed', { message: 'A throttle needs its limit and its end time.' });
      if (Date.parse(input.endsAt) <= nowMs)
        throw new AppError('validation_failed', { message: 'The throttle must end in the future.' });
      endsAt = new Date(input.endsAt).toISOString();
    } else if (input.kind === 'warn') {
      endsAt = new Date(input.endsAt ? Date.parse(input.endsAt) : nowMs + WARNING_SHOWN_MS).toISOString();
    }

    // ---- read before the effect: a termination ends memberships.
    const admins = await adminsOf(d, orgId);
    const live = input.kind === 'reinstate' ? await d.store.liveRestrictions(orgId, appId, nowIso) : [];
    const note = `${reasonText(input.reasonCategory as ReasonCategory).label}: ${input.reason}`;
    const ctx = taker.ctx;

    // ---- the effect, in the module that owns the state
    switch (input.kind) {
      case 'suspend_app':
        if (appStatus !== 'active')
          throw new AppError('enforcement_not_applicable', { message: 'The app is not active.' });
        await d.apps.setAppStatusByOperator(appId!, 'suspended', note, ctx);
        break;
      case 'suspend_org':
        if (org.status !== 'active')
          throw new AppError('enforcement_not_applicable', { message: 'The organisation is not active.' });
        await d.orgs.setOrganizationStatus(orgId, 'suspended', note, ctx);
        await d.apps.invalidate({ kind: 'org', id: orgId });
        break;
      case 'reinstate': {
        const suspended = appId ? appStatus === 'suspended' : org.status === 'suspended';
        if (!suspended && live.length === 0)
          throw new AppError('enforcement_not_applicable', { message: 'Nothing to reinstate.' });
        if (appId && suspended) await d.apps.setAppStatusByOperator(appId, 'active', note, ctx);
        if (!appId && suspended) {
          await d.orgs.setOrganizationStatus(orgId, 'active', note, ctx);
          await d.apps.invalidate({ kind: 'org', id: orgId });
        }
        break;
      }
      case 'terminate_org':
        await d.terminations.terminateForBreach(
          orgId,
          {
            rule: taker.by === 'policy' ? taker.policyId : `${taker.by}:${input.reasonCategory}`,
            reason: note,
            evidence: incident ? { incidentId: incident.id } : undefined,
          },
          ctx,
        );
        break;
      default:
        break;
    }

    // ---- the record, its audit event and the notices, together
    const row: ActionRow = {
      id: newId('enf', nowMs),
      kind: input.kind,
      org_id: orgId,
      app_id: appId,
      incident_id: incident?.id ?? null,
      policy_id: taker.by === 'policy' ? taker.policyId : null,
      taken_by: taker.by,
      actor_id: ctx.actor.id,
      reason_category: input.reasonCategory,
      reason: input.reason,
      throttle: input.kind === 'throttle' ? JSON.stringify(input.throttle) : null,
      effective_at: nowIso,
      ends_at: endsAt,
      ended_at: null,
      ended_by: null,
      created_at: nowIso,
    };
    await d.store.transaction(async (store, tx) => {
      await store.insertAction(row);
      if (input.kind === 'reinstate')
        await store.endActions(
          live.map((a) => a.id),
          nowIso,
          row.id,
          tx,
        );
      if (incident && (incident.status === 'open' || incident.status === 'acknowledged'))
        await store.setIncidentState(
          incident.id,
          ['open', 'acknowledged'],
          { status: 'actioned', updated_at: nowIso, closed_at: nowIso, closed_by: ctx.actor.id },
          tx,
        );
      await d.audit(
        ctx,
        'enforcement.action',
        { type: appId ? 'app' : 'organization', id: appId ?? orgId },
        {
          orgId,
          details: {
            actionId: row.id,
            kind: row.kind,
            takenBy: taker.by,
            reasonCategory: row.reason_category,
            reason: row.reason,
            incidentId: row.incident_id,
            policyId: row.policy_id,
            throttle: input.throttle ?? null,
            endsAt,
          },
          tx,
        },
      );
      await noticeOfAction(d, row, { org: org.name, app: appName }, admins, tx);
    });
    // A throttle (or its end) changes the effective limits gateways cached.
    if (input.kind === 'throttle' || (input.kind === 'reinstate' && live.some((a) => a.kind === 'throttle')))
      await d.apps.invalidate(appId ? { kind: 'app', id: appId, appId } : { kind: 'org', id: orgId });
    await d.events.emit('enforcement.action_taken', { actionId: row.id, kind: row.kind, orgId, appId });
    return actionViewOf(row, nowIso);
  }

  async list(f: {
    orgId?: string;
    appId?: string;
    kind?: string;
    incidentId?: string;
    active?: 'true' | 'false';
    limit?: number;
  }): Promise<ActionView[]> {
    const nowIso = this.#d.nowIso();
    const rows = await this.#d.store.listActions({ ...f, limit: Math.min(f.limit ?? 200, 500) });
    const views = rows.map((r) => actionViewOf(r, nowIso));
    return f.active === undefined ? views : views.filter((v) => v.active === (f.active === 'true'));
  }
}
