/**
 * Every action the enforcement module records in the audit trail (`domain.verb`): the module's
 * audit helper (`auditTrail(audit, enforcementAuditActions)`) accepts only these.
 */
export const enforcementAuditActions = [
  'incident.create',
  'incident.acknowledge',
  'incident.resolve',
  'incident.breach_confirm',
  'incident.reply',
  'enforcement.action',
  'enforcement.policy_create',
  'enforcement.policy_update',
  'enforcement.policy_fire',
  'enforcement.org_tokens_revoke',
] as const;
