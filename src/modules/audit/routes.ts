import { implement } from '../../platform/http/contract.ts';
import type { AuditService } from './audit-service.ts';
import { auditContracts } from './contracts.ts';
import type { AuditVerificationPort } from './verifier.ts';

export function auditRoutes(audit: AuditService, verification: AuditVerificationPort) {
  return implement(auditContracts, {
    listAuditEvents: async ({ query }) => ({ items: await audit.list(query) }),
    getAuditVerification: () => verification.latest(),
  });
}
