import { implement } from '../../platform/http/contract.ts';
import type { AuditService } from './audit-service.ts';
import { auditContracts } from './contracts.ts';

export function auditRoutes(audit: AuditService) {
  return implement(auditContracts, {
    listAuditEvents: async ({ query }) => ({ items: await audit.list(query) }),
  });
}
