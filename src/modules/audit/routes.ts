import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../platform/http/route.ts';
import type { AuditService } from './audit-service.ts';

const auditEvent = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  orgId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export function auditRoutes(audit: AuditService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/audit-events',
      operationId: 'listAuditEvents',
      summary: 'List audit events (operators)',
      tags: ['audit'],
      auth: 'operator',
      query: z.object({
        orgId: z.string().max(40).optional(),
        actorId: z.string().max(40).optional(),
        action: z.string().max(80).optional(),
        targetId: z.string().max(40).optional(),
        before: z.string().max(40).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      }),
      response: z.object({ items: z.array(auditEvent).max(1000) }),
      handler: async ({ query }) => ({ items: await audit.list(query) }),
    }),
  ];
}
