/**
 * Every action the organizations module records in the audit trail (`domain.verb`), exactly as it
 * has always recorded them: the module's audit helper (`auditTrail(audit, organizationsAuditActions)`
 * in service-deps.ts) accepts only these, so a misspelt action fails `tsc`.
 */
export const organizationsAuditActions = [
  'participant.created',
  'participant.reviewer_added',
  'participant.reviewer_removed',
  'org.created',
  'org.updated',
  'org.details_confirmed',
  'org.update_required',
  'org.member_role_changed',
  'org.member_left',
  'org.member_removed',
  'org.ownership_transferred',
  'org.member_invited',
  'org.invitation_revoked',
  'org.member_joined',
  'org.representative_confirmed',
  'org.representative_rejected',
  'org.terminated',
  'org.suspend',
  'org.reinstate',
] as const;
