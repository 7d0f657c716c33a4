/**
 * Every action the detectors module records in the audit trail (`domain.verb`): the module's audit
 * helper (`auditTrail(audit, detectorsAuditActions)`) accepts only these.
 */
export const detectorsAuditActions = ['detector.update'] as const;
