/**
 * Every action the apps module records in the audit trail (`domain.verb`), exactly as it has
 * always recorded them: the audit helper (`auditTrail(audit, appsAuditActions)`) accepts only
 * these, so a misspelt action fails `tsc`.
 */
export const appsAuditActions = [
  'app.create',
  'app.update',
  'app.delete',
  'app.suspend',
  'app.reinstate',
  'app.revoke_on_termination',
  'app.secret.create',
  'app.secret.revoke',
  'app.secret.reset',
  'app.production.request',
  'app.production.approve',
  'app.production.decline',
  'app.production_secret.create',
  'app.production_secret.revoke',
  'subscription.create',
  'subscription.cancel',
  'subscription.approve',
  'subscription.decline',
  'limit_request.create',
  'limit_request.cancel',
  'limit_request.approve',
  'limit_request.decline',
  'limit_request.approve_with_conditions',
  'limit_request.accept_conditions',
] as const;

export type AppsAuditAction = (typeof appsAuditActions)[number];
