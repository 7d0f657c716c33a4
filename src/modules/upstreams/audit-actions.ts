/**
 * Every action the upstreams module records in the audit trail (`domain.verb`): the module's audit
 * helper (`auditTrail(audit, upstreamsAuditActions)`) accepts only these.
 */
export const upstreamsAuditActions = ['upstream.update'] as const;
