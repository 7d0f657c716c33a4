import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import type { AuditService } from './audit-service.ts';
import { auditContracts } from './contracts.ts';
import type { AuditVerificationPort } from './verifier.ts';

export function auditRoutes(audit: AuditService, verification: AuditVerificationPort) {
  return implement(auditContracts, {
    listAuditEvents: async ({ query }) => audit.page(query),
    exportAuditEvents: async (ctx) => {
      const csv = await audit.exportCsv(contextOf(ctx), ctx.query);
      ctx.reply.header('content-disposition', 'attachment; filename="audit-events.csv"');
      return csv;
    },
    getAuditVerification: () => verification.latest(),
  });
}
