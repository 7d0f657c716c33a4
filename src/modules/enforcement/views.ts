import type { z } from 'zod';
import type { actionView, evidenceView, incidentView, policyView, replyView } from './contracts.ts';
import type { ActionRow, EvidenceRow, IncidentRow, PolicyRow, ReplyRow } from './enforcement-store.ts';
import { type ReasonCategory, reasonText } from './reasons.ts';

/** Rows → the views the contracts answer with (one definition each: the schemas' types). */
export type IncidentView = z.infer<typeof incidentView>;
export type ActionView = z.infer<typeof actionView>;
export type PolicyView = z.infer<typeof policyView>;

export function incidentViewOf(r: IncidentRow): IncidentView {
  return {
    id: r.id,
    detector: r.detector,
    severity: r.severity as IncidentView['severity'],
    subject: { kind: r.subject_kind as IncidentView['subject']['kind'], id: r.subject_id },
    orgId: r.org_id,
    status: r.status as IncidentView['status'],
    title: r.title,
    summary: r.summary,
    termsClause: r.terms_clause,
    breachType: r.breach_type,
    windowStart: r.window_start,
    windowEnd: r.window_end,
    count: Number(r.count),
    resolutionReason: r.resolution_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
  };
}

export function evidenceViewOf(r: EvidenceRow): z.infer<typeof evidenceView> {
  return {
    id: r.id,
    at: r.at,
    requestId: r.request_id,
    sample: r.sample === null ? null : (JSON.parse(r.sample) as unknown),
    note: r.note,
  };
}

export function replyViewOf(r: ReplyRow): z.infer<typeof replyView> {
  return {
    id: r.id,
    authorRole: r.author_role as 'operator' | 'organization',
    authorId: r.author_id,
    body: r.body,
    createdAt: r.created_at,
  };
}

/** Whether an action still applies at `nowIso`: a reinstatement never does; the others until ended. */
function isActive(r: ActionRow, nowIso: string): boolean {
  if (r.kind === 'reinstate' || r.ended_at) return false;
  if (r.effective_at > nowIso) return false;
  return r.ends_at === null || r.ends_at > nowIso;
}

export function actionViewOf(r: ActionRow, nowIso: string): ActionView {
  const category = r.reason_category as ReasonCategory;
  const text = reasonText(category);
  return {
    id: r.id,
    kind: r.kind as ActionView['kind'],
    orgId: r.org_id,
    appId: r.app_id,
    incidentId: r.incident_id,
    policyId: r.policy_id,
    takenBy: r.taken_by as ActionView['takenBy'],
    reasonCategory: category,
    reasonLabel: text.label,
    nextSteps: text.nextSteps,
    reason: r.reason,
    throttle: r.throttle === null ? null : (JSON.parse(r.throttle) as ActionView['throttle']),
    effectiveAt: r.effective_at,
    endsAt: r.ends_at,
    endedAt: r.ended_at,
    active: isActive(r, nowIso),
    createdAt: r.created_at,
  };
}

export function policyViewOf(r: PolicyRow): PolicyView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    trigger: JSON.parse(r.trig) as PolicyView['trigger'],
    action: r.action as PolicyView['action'],
    reasonCategory: r.reason_category as ReasonCategory,
    enabled: Boolean(r.enabled),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
