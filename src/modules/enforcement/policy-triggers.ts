import type { IncidentRow } from './enforcement-store.ts';
import type { PolicyView } from './views.ts';

const SEVERITY_RANK: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const atLeast = (severity: string, min: string) =>
  (SEVERITY_RANK[severity] ?? 0) >= (SEVERITY_RANK[min] ?? 0);

/**
 * Whether a policy's detector-side trigger fires for `incident` at `nowMs` (issue 30): one place
 * where a trigger meets an incident, used by the live evaluation and by the dry run alike.
 * - `detector`: the incident is that detector's, of at least the severity, and (with
 *   `afterHours`) has stayed live that long since it opened;
 * - `incident_count`: the incident's organisation has at least `count` incidents of at least the
 *   severity (this one among them) created within the `days` before `nowMs`; `history` holds the
 *   organisation's incidents of that span.
 * `breach_confirmed` fires on confirmation instead (enforcement-policies.ts).
 */
export function detectorTriggerFires(
  trigger: PolicyView['trigger'],
  incident: IncidentRow,
  nowMs: number,
  history: () => readonly IncidentRow[],
): boolean {
  if (trigger.kind === 'detector') {
    if (incident.detector !== trigger.detector || !atLeast(incident.severity, trigger.minSeverity))
      return false;
    return nowMs - Date.parse(incident.created_at) >= trigger.afterHours * 3_600_000;
  }
  if (trigger.kind === 'incident_count') {
    if (!incident.org_id || !atLeast(incident.severity, trigger.minSeverity)) return false;
    const since = nowMs - trigger.days * 86_400_000;
    const n = history().filter(
      (i) =>
        i.org_id === incident.org_id &&
        atLeast(i.severity, trigger.minSeverity) &&
        Date.parse(i.created_at) >= since &&
        Date.parse(i.created_at) <= nowMs,
    ).length;
    return n >= trigger.count;
  }
  return false;
}

/** Why a policy's action cannot apply to the incident (null when it can). */
export function notApplicable(policy: PolicyView, incident: IncidentRow): string | null {
  if (!incident.org_id) return 'the incident has no organisation (a source address)';
  if (policy.action === 'suspend_app' && incident.subject_kind !== 'app')
    return 'the incident is not about an app';
  return null;
}
