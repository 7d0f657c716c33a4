/**
 * Every action the conformance module records in the audit trail (`domain.verb`): the module's
 * audit helper (`auditTrail(audit, conformanceAuditActions)`) accepts only these.
 */
export const conformanceAuditActions = ['conformance_suite.update'] as const;
