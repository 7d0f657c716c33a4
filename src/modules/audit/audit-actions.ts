/**
 * Every action the audit module itself records (`domain.verb`): reading the trail is not audited,
 * taking a copy of it away is. The module's audit helper accepts only these.
 */
const auditAuditActions = ['audit.events_exported'] as const;

export type AuditAuditAction = (typeof auditAuditActions)[number];
