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

/** The kinds of damage the verifier names (docs/audit.md "What the verifier detects"). */
export const auditDamageKinds = [
  'edited',
  'deleted',
  'inserted',
  'reordered',
  'truncated',
  'recomputed',
] as const;

/** A signed checkpoint as the API shows it (the signature itself stays in the database). */
export const auditCheckpointView = z.object({
  seq: z.number().int(),
  hash: z.string(),
  at: z.string(),
  keyId: z.string(),
});

/**
 * The state of the chain as the last verification found it. Verifying is a full scan, so the
 * worker runs it periodically and on demand and stores the result; this is that stored result
 * (`verifiedAt` null: never verified yet).
 */
export const auditVerificationView = z.object({
  verifiedAt: z.string().nullable(),
  /** True when no damage was found (unsealed and unanchored events are not damage). */
  intact: z.boolean(),
  /** The first bad event and what is wrong with it; null when intact. */
  firstDamage: z
    .object({
      kind: z.enum(auditDamageKinds),
      /** The event's id, null when the event no longer exists (deleted, truncated). */
      eventId: z.string().nullable(),
      seq: z.number().int(),
      message: z.string(),
    })
    .nullable(),
  /** The first sequence number checked (the oldest kept checkpoint's, or 1). */
  fromSeq: z.number().int(),
  /** Sealed events checked. */
  sealed: z.number().int(),
  /** Events written but not sealed yet (the sealer runs within seconds of a commit). */
  unsealed: z.number().int(),
  /** Sealed events after the last signed checkpoint: chained, not yet anchored by a signature. */
  unanchored: z.number().int(),
  lastCheckpoint: auditCheckpointView.nullable(),
  durationMs: z.number(),
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
  getAuditVerification: {
    method: 'GET',
    url: '/api/v1/admin/audit/verification',
    summary: "The audit chain's verification state (operators)",
    description:
      'The result of the last verification of the hash chain (run periodically by the worker and by `darwaza audit verify`): intact or the first damage, counts of sealed, unsealed and unanchored events, and the last signed checkpoint.',
    tags: ['audit'],
    auth: 'operator',
    response: auditVerificationView,
  },
});
