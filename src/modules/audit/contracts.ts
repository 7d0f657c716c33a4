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

/** An id in a filter: the house's prefixed ids (and system actors' names), nothing that needs escaping. */
const idFilter = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'must be an id');
const isoTime = z.iso.datetime({ offset: true });

/**
 * What the operator's audit search accepts. Every filter narrows (AND). `actionPrefix` matches
 * actions that start with it (`app.` → every app action); `action` matches one action exactly.
 * `from` is inclusive and `to` exclusive. Paging is by keyset: pass the previous page's
 * `nextCursor` as `cursor`, so events recorded between two pages never shift or repeat a row.
 */
export const auditQuery = z.object({
  orgId: idFilter.optional(),
  actorId: idFilter.optional(),
  action: z.string().trim().min(1).max(80).optional(),
  actionPrefix: z.string().trim().min(1).max(80).optional(),
  targetType: z.string().trim().min(1).max(40).optional(),
  targetId: idFilter.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  cursor: idFilter.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** The most rows one CSV export carries (a wider export is refused: narrow the filters). */
export const AUDIT_CSV_MAX_ROWS = 100_000;

/** The kinds of damage the verifier names (docs/audit.md, "Verification"). */
const auditDamageKinds = ['edited', 'deleted', 'inserted', 'reordered', 'truncated', 'recomputed'] as const;

/** A signed checkpoint as the API shows it (the signature itself stays in the database). */
const auditCheckpointView = z.object({
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
    url: '/api/v1/admin/audit/events',
    summary: 'Search the audit trail (operators), newest first, one page at a time',
    description:
      'Filters: actor, organisation, action (exact or prefix), target (type and id), time range. ' +
      '`nextCursor` is null on the last page; pass it as `cursor` for the next one.',
    tags: ['audit'],
    auth: 'operator',
    query: auditQuery,
    response: z.object({ items: z.array(auditEventView).max(1000), nextCursor: z.string().nullable() }),
  },
  exportAuditEvents: {
    method: 'GET',
    url: '/api/v1/admin/audit/events.csv',
    summary: 'Download the audit events the filters select as CSV (operators); the export is itself audited',
    description:
      "UTF-8 with a BOM, newest first, at most 100,000 rows (more answers audit_export_too_large); cells a spreadsheet would run as a formula are prefixed with `'`.",
    tags: ['audit'],
    auth: 'operator',
    query: auditQuery.omit({ cursor: true, limit: true }),
    produces: 'text/csv',
    errors: ['audit_export_too_large'],
    response: z.string().max(200_000_000),
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
