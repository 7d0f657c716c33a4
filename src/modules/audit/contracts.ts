import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { actorTypes } from '../../platform/request-context.ts';

/** Who acted: the kinds of actor the audit trail records. */
const actorType = z.enum(actorTypes);

/** One audit event as the API shows it; `AuditEvent` (the service's type) is this schema's type. */
export const auditEventView = z.object({
  id: z.string(),
  at: z.string(),
  actorType,
  actorId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  orgId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const auditQuery = z.object({
  orgId: z.string().max(40).optional(),
  actorId: z.string().max(40).optional(),
  action: z.string().max(80).optional(),
  targetId: z.string().max(40).optional(),
  before: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const auditContracts = defineContracts({
  listAuditEvents: {
    method: 'GET',
    url: '/api/v1/admin/audit-events',
    summary: 'List audit events (operators)',
    tags: ['audit'],
    auth: 'operator',
    query: auditQuery,
    response: z.object({ items: z.array(auditEventView).max(1000) }),
  },
});
