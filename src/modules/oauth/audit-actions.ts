/**
 * Every action the oauth module records in the audit trail, exactly as it has always recorded
 * them: the audit helper (`auditTrail(audit, oauthAuditActions)`) accepts only these, so a
 * misspelt action fails `tsc`.
 */
export const oauthAuditActions = [
  'oauth.client_auth_failed',
  'oauth.token_issued',
  'oauth.token_revoked',
] as const;
