/**
 * Every action the regulator module records in the audit trail (`domain.verb`): the module's audit
 * helper (`auditTrail(audit, regulatorAuditActions)`) accepts only these.
 */
export const regulatorAuditActions = [
  'regulator_request.create',
  'regulator_request.approve',
  'regulator_request.export_built',
  'regulator_request.download',
  'information_request.create',
  'information_request.answer',
] as const;
