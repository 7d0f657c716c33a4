import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';
import { RATE_PERIODS } from '../catalog/index.ts';
import { REASON_CATEGORIES } from './reasons.ts';

const incidentStatus = z.enum(['open', 'acknowledged', 'resolved', 'actioned']);
const incidentSeverity = z.enum(['low', 'medium', 'high', 'critical']);
const subjectKind = z.enum(['organization', 'app', 'account', 'source_address']);
const actionKind = z.enum(['warn', 'throttle', 'suspend_app', 'suspend_org', 'reinstate', 'terminate_org']);
const reasonCategory = z.enum(REASON_CATEGORIES);
/** What a policy does when it fires (a subset of the action kinds). */
const policyAction = z.enum(['warn', 'suspend_app', 'suspend_org', 'terminate_org']);

const subject = z.object({ kind: subjectKind, id: z.string().trim().min(1).max(200) });

export const incidentView = z.object({
  id: z.string(),
  detector: z.string(),
  severity: incidentSeverity,
  subject,
  orgId: z.string().nullable(),
  status: incidentStatus,
  title: z.string(),
  summary: z.string(),
  termsClause: z.string().nullable(),
  breachType: z.string().nullable(),
  windowStart: z.string(),
  windowEnd: z.string(),
  count: z.number().int(),
  resolutionReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});

export const evidenceView = z.object({
  id: z.string(),
  at: z.string(),
  requestId: z.string().nullable(),
  sample: z.unknown().nullable(),
  note: z.string().nullable(),
});

export const replyView = z.object({
  id: z.string(),
  authorRole: z.enum(['operator', 'organization']),
  authorId: z.string(),
  body: z.string(),
  createdAt: z.string(),
});

const throttleSpec = z.object({ period: z.enum(RATE_PERIODS), limit: z.number().int().min(1) });

export const actionView = z.object({
  id: z.string(),
  kind: actionKind,
  orgId: z.string(),
  appId: z.string().nullable(),
  incidentId: z.string().nullable(),
  policyId: z.string().nullable(),
  takenBy: z.enum(['operator', 'organization', 'policy']),
  reasonCategory,
  /** The category as the organisation reads it, and what it should do next. */
  reasonLabel: z.string(),
  nextSteps: z.string(),
  /** The operator's note to the organisation. */
  reason: z.string(),
  throttle: throttleSpec.nullable(),
  effectiveAt: z.string(),
  endsAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Still in force now (a suspension until reinstated, a throttle or warning until it ends). */
  active: z.boolean(),
  createdAt: z.string(),
});

export const incidentDetailView = z.object({
  incident: incidentView,
  evidence: z.array(evidenceView),
  replies: z.array(replyView),
  actions: z.array(actionView),
});

/**
 * A policy's trigger: an incident confirmed as a breach type (issue 29); an incident a detector
 * reported, of at least a severity (optionally only once it has stayed live `afterHours`: "warn,
 * then suspend after 24 h" is two policies); or an organisation's `count` incidents of at least a
 * severity within `days` (issue 30).
 */
const policyTrigger = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('breach_confirmed'),
    breachType: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, 'lower-case letters, digits, - and _'),
  }),
  z.strictObject({
    kind: z.literal('detector'),
    detector: z.string().regex(/^[a-z_]{2,40}$/, 'a detector id (listDetectors)'),
    minSeverity: incidentSeverity.default('low'),
    afterHours: z.number().int().min(0).max(720).default(0),
  }),
  z.strictObject({
    kind: z.literal('incident_count'),
    minSeverity: incidentSeverity.default('high'),
    count: z.number().int().min(2).max(1000),
    days: z.number().int().min(1).max(90),
  }),
]);

export const policyView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  trigger: policyTrigger,
  action: policyAction,
  reasonCategory,
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const incidentInput = z.strictObject({
  severity: incidentSeverity,
  subject,
  orgId: idParam('org').optional(),
  title: z.string().trim().min(3).max(200),
  summary: z.string().trim().max(4000).default(''),
  termsClause: z.string().trim().max(200).optional(),
  windowStart: z.iso.datetime().optional(),
  windowEnd: z.iso.datetime().optional(),
  count: z.number().int().min(1).max(1_000_000).default(1),
  requestIds: z.array(z.string().max(60)).max(50).default([]),
  samples: z.array(z.unknown()).max(20).default([]),
});

export const incidentPatch = z.strictObject({
  status: z.enum(['acknowledged', 'resolved']).optional(),
  reason: z.string().trim().max(2000).optional(),
  /** Confirms the incident as a breach of this type: enabled policies with that trigger act. */
  breachType: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{1,62}$/)
    .optional(),
});

export const actionInput = z.strictObject({
  kind: actionKind,
  orgId: idParam('org').optional(),
  appId: idParam('app').optional(),
  incidentId: idParam('inc').optional(),
  reasonCategory,
  reason: z.string().trim().min(3).max(2000),
  throttle: throttleSpec.optional(),
  /** When a throttle or a warning stops applying. */
  endsAt: z.iso.datetime().optional(),
});

export const policyInput = z.strictObject({
  name: z.string().trim().min(3).max(120),
  description: z.string().trim().max(2000).default(''),
  trigger: policyTrigger,
  action: policyAction,
  reasonCategory,
  enabled: z.boolean().default(false),
});

/** What a policy would have done over the recorded incidents of the last 30 days. */
export const dryRunView = z.object({
  policyId: z.string(),
  from: z.string(),
  to: z.string(),
  /** Incidents looked at. */
  evaluated: z.number().int(),
  outcomes: z.array(
    z.object({
      incidentId: z.string(),
      detector: z.string(),
      severity: incidentSeverity,
      subject,
      orgId: z.string().nullable(),
      at: z.string(),
      action: policyAction,
      /** Why the action would not apply (no organisation, not an app, already taken), or null. */
      skipped: z.string().nullable(),
    }),
  ),
});

const incidentListQuery = z.strictObject({
  status: incidentStatus.optional(),
  severity: incidentSeverity.optional(),
  detector: z.string().max(60).optional(),
  orgId: idParam('org').optional(),
  subjectKind: subjectKind.optional(),
  sort: z.enum(['newest', 'oldest', 'severity', 'count']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
});

const incidentPage = z.object({ items: z.array(incidentView), total: z.number().int() });
const orgParams = z.strictObject({ orgId: idParam('org') });
const orgIncidentParams = z.strictObject({ orgId: idParam('org'), incidentId: idParam('inc') });
const orgAppParams = z.strictObject({ orgId: idParam('org'), appId: idParam('app') });
const killSwitchBody = z.strictObject({ reason: z.string().trim().min(3).max(2000) });

export const enforcementContracts = defineContracts({
  listIncidents: {
    method: 'GET',
    url: '/api/v1/admin/incidents',
    summary: 'The incident queue: filter, sort and page (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    query: incidentListQuery,
    response: incidentPage,
  },
  createIncident: {
    method: 'POST',
    url: '/api/v1/admin/incidents',
    summary: 'Record an incident by hand (operators); an open one for the same subject keeps counting',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    body: incidentInput,
    response: incidentView,
    status: 201,
    errors: ['validation_failed', 'not_found'],
  },
  getIncident: {
    method: 'GET',
    url: '/api/v1/admin/incidents/:incidentId',
    summary: 'One incident with its evidence, replies and actions (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    params: z.strictObject({ incidentId: idParam('inc') }),
    response: incidentDetailView,
    errors: ['not_found'],
  },
  updateIncident: {
    method: 'PATCH',
    url: '/api/v1/admin/incidents/:incidentId',
    summary: 'Acknowledge, resolve (with a reason) or confirm as a breach type (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    params: z.strictObject({ incidentId: idParam('inc') }),
    body: incidentPatch,
    response: incidentDetailView,
    errors: ['not_found', 'incident_state_invalid', 'incident_reason_required'],
  },
  listOrganizationIncidents: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/incidents',
    summary: "Incidents about the organisation, its apps and its people (the organisation's admins)",
    tags: ['enforcement'],
    auth: 'user',
    params: orgParams,
    query: z.strictObject({
      status: incidentStatus.optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
      offset: z.coerce.number().int().min(0).max(100_000).optional(),
    }),
    response: incidentPage,
    errors: ['not_found', 'forbidden'],
  },
  getOrganizationIncident: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/incidents/:incidentId',
    summary: "One incident about the organisation with its evidence and replies (the organisation's admins)",
    tags: ['enforcement'],
    auth: 'user',
    params: orgIncidentParams,
    response: incidentDetailView,
    errors: ['not_found', 'forbidden'],
  },
  replyToIncident: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/incidents/:incidentId/replies',
    summary: 'Reply to an incident about the organisation (its admins, or an operator)',
    tags: ['enforcement'],
    auth: 'user',
    params: orgIncidentParams,
    body: z.strictObject({ body: z.string().trim().min(1).max(4000) }),
    response: replyView,
    status: 201,
    errors: ['not_found', 'forbidden'],
  },
  createEnforcementAction: {
    method: 'POST',
    url: '/api/v1/admin/enforcement-actions',
    summary:
      'Warn, throttle, suspend, reinstate or terminate, from an incident or directly (operators); the organisation’s admins are told why',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    body: actionInput,
    response: actionView,
    status: 201,
    errors: ['not_found', 'enforcement_target_invalid', 'enforcement_not_applicable', 'validation_failed'],
  },
  listEnforcementActions: {
    method: 'GET',
    url: '/api/v1/admin/enforcement-actions',
    summary: 'Enforcement actions, newest first (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    query: z.strictObject({
      orgId: idParam('org').optional(),
      appId: idParam('app').optional(),
      kind: actionKind.optional(),
      active: z.enum(['true', 'false']).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    response: z.object({ items: z.array(actionView) }),
  },
  listOrganizationEnforcementActions: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/enforcement-actions',
    summary: 'Enforcement actions on the organisation and its apps (its members), newest first',
    tags: ['enforcement'],
    auth: 'user',
    params: orgParams,
    query: z.strictObject({
      appId: idParam('app').optional(),
      active: z.enum(['true', 'false']).optional(),
    }),
    response: z.object({ items: z.array(actionView) }),
    errors: ['not_found'],
  },
  listEnforcementReasons: {
    method: 'GET',
    url: '/api/v1/enforcement/reasons',
    summary: 'The reason categories of enforcement actions, with what to do next',
    tags: ['enforcement'],
    auth: 'user',
    response: z.object({
      items: z.array(z.object({ category: reasonCategory, label: z.string(), nextSteps: z.string() })),
    }),
  },
  suspendOwnApp: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/suspend',
    summary: "Suspend one of the organisation's own apps at once (its admins: the kill switch)",
    tags: ['enforcement', 'apps'],
    auth: 'user',
    params: orgAppParams,
    body: killSwitchBody,
    response: actionView,
    status: 201,
    errors: ['not_found', 'forbidden', 'enforcement_not_applicable'],
  },
  reinstateOwnApp: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/reinstate',
    summary: 'Reinstate an app the organisation suspended itself (its admins)',
    tags: ['enforcement', 'apps'],
    auth: 'user',
    params: orgAppParams,
    body: killSwitchBody,
    response: actionView,
    status: 201,
    errors: ['not_found', 'forbidden', 'enforcement_not_applicable', 'enforcement_by_operator'],
  },
  revokeAppTokens: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/revoke-tokens',
    summary: "Revoke every access token of one of the organisation's apps at once (its admins)",
    tags: ['enforcement', 'apps'],
    auth: 'user',
    params: orgAppParams,
    response: z.object({ revoked: z.number().int() }),
    errors: ['not_found', 'forbidden'],
  },
  listEnforcementPolicies: {
    method: 'GET',
    url: '/api/v1/admin/enforcement-policies',
    summary: 'Enforcement policies: trigger → action (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    response: z.object({ items: z.array(policyView) }),
  },
  createEnforcementPolicy: {
    method: 'POST',
    url: '/api/v1/admin/enforcement-policies',
    summary: 'Define an enforcement policy (operators); it ships switched off unless enabled',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    body: policyInput,
    response: policyView,
    status: 201,
    errors: ['enforcement_policy_conflict', 'validation_failed'],
  },
  updateEnforcementPolicy: {
    method: 'PATCH',
    url: '/api/v1/admin/enforcement-policies/:policyId',
    summary: 'Change or switch an enforcement policy on or off (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    params: z.strictObject({ policyId: idParam('pol') }),
    body: policyInput.partial().strict(),
    response: policyView,
    errors: ['not_found', 'enforcement_policy_conflict', 'validation_failed'],
  },
  dryRunEnforcementPolicy: {
    method: 'POST',
    url: '/api/v1/admin/enforcement-policies/:policyId/dry-run',
    summary:
      'What the policy would have done over the recorded incidents of the last 30 days, acting on nothing (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    params: z.strictObject({ policyId: idParam('pol') }),
    response: dryRunView,
    errors: ['not_found'],
  },
});
