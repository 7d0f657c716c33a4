import type { auditTrail } from '../audit/index.ts';

/**
 * Every action the terms module records in the audit trail (terms and terminations): the
 * module's audit helper accepts only these, so a misspelt action fails `tsc`.
 */
export const termsAuditActions = [
  'terms.settings_update',
  'terms.document_create',
  'terms.draft_create',
  'terms.draft_update',
  'terms.publish',
  'terms.accept',
  'terms.decline',
  'terms.acceptances_export',
  'terms.decline_effective',
  'terms.first_access',
  'terms.accept_by_use',
  'org.termination_request',
  'org.termination_withdraw',
  'org.terminate',
  'org.terminate_for_breach',
  'org.terminated',
] as const;

/** The module's audit helper: `audit(ctx, action, target, { orgId, details, tx })`. */
export type TermsAudit = ReturnType<typeof auditTrail<typeof termsAuditActions>>;
