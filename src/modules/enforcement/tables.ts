import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/** The tables the enforcement migrations build (migrations.ts), as the store reads them (ADR 0008). */
export const enforcementTables = [
  defineTable('incidents', {
    id: col.text(),
    /** Who raised it: 'manual' (an operator) now; each detector's name later. */
    detector: col.text(),
    /** low | medium | high | critical */
    severity: col.text(),
    /** organization | app | account | source_address */
    subject_kind: col.text(),
    subject_id: col.text(),
    /** Not every incident has an organisation (a source address, an account without one). */
    org_id: col.text().nullable(),
    /** open | acknowledged | resolved | actioned */
    status: col.text(),
    /**
     * `detector|subject_kind|subject_id` while the incident is open or acknowledged, null after:
     * its unique index keeps one live incident per (detector, subject), which keeps counting.
     */
    open_key: col.text().nullable(),
    title: col.text(),
    summary: col.text(),
    /** The clause of the terms it concerns (kept with the incident). */
    terms_clause: col.text().nullable(),
    /** Set when an operator confirms the incident as a breach of that type (policies' trigger). */
    breach_type: col.text().nullable(),
    window_start: col.time(),
    window_end: col.time(),
    count: col.int(),
    resolution_reason: col.text().nullable(),
    created_by: col.text().nullable(),
    created_at: col.time(),
    updated_at: col.time(),
    closed_at: col.time().nullable(),
    closed_by: col.text().nullable(),
  }),
  defineTable('incident_evidence', {
    id: col.text(),
    incident_id: col.text(),
    at: col.time(),
    /** A request id of the request log (kept here beyond the log's retention). */
    request_id: col.text().nullable(),
    /** A masked sample (what the detector saw), JSON. */
    sample: col.json().nullable(),
    note: col.text().nullable(),
  }),
  defineTable('incident_replies', {
    id: col.text(),
    incident_id: col.text(),
    /** operator | organization */
    author_role: col.text(),
    author_id: col.text(),
    body: col.text(),
    created_at: col.time(),
  }),
  defineTable('enforcement_actions', {
    id: col.text(),
    /** warn | throttle | suspend_app | suspend_org | reinstate | terminate_org */
    kind: col.text(),
    org_id: col.text(),
    app_id: col.text().nullable(),
    incident_id: col.text().nullable(),
    policy_id: col.text().nullable(),
    /** operator | organization | policy */
    taken_by: col.text(),
    actor_id: col.text().nullable(),
    reason_category: col.text(),
    reason: col.text(),
    /** A throttle's lower limit: JSON { period, limit }. */
    throttle: col.json().nullable(),
    effective_at: col.time(),
    /** When a throttle or warning stops applying (null: until reinstated). */
    ends_at: col.time().nullable(),
    /** Set when a reinstatement (or a later action) ended it. */
    ended_at: col.time().nullable(),
    ended_by: col.text().nullable(),
    created_at: col.time(),
  }),
  defineTable('enforcement_policies', {
    id: col.text(),
    name: col.text(),
    description: col.text(),
    /** The trigger, JSON: { kind: 'breach_confirmed', breachType } (detector triggers come later). */
    trig: col.json(),
    /** suspend_app | suspend_org | terminate_org */
    action: col.text(),
    reason_category: col.text(),
    enabled: col.flag(),
    created_by: col.text().nullable(),
    created_at: col.time(),
    updated_at: col.time(),
  }),
] as const;

export type EnforcementTables = TablesOf<typeof enforcementTables>;
