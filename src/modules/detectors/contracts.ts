import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';

const thresholds = z.record(z.string(), z.number());

export const detectorView = z.object({
  id: z.string(),
  title: z.string(),
  rule: z.string(),
  termsClause: z.string(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  enabled: z.boolean(),
  thresholds,
  defaults: thresholds,
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});

/** How the detectors keep up: signals evaluated, shed and waiting, findings reported, worker restarts (this process). */
const engineView = z.object({
  running: z.boolean(),
  processed: z.number().int(),
  shed: z.number().int(),
  queued: z.number().int(),
  lagMs: z.number(),
  reported: z.number().int(),
  reportsShed: z.number().int(),
  reportFailures: z.number().int(),
  /** Times the detectors' worker thread crashed and was started again. */
  restarts: z.number().int(),
});

export const detectorPatch = z.strictObject({
  enabled: z.boolean().optional(),
  /** Some or all of the detector's thresholds; the others keep their values. */
  thresholds: thresholds.optional(),
});

export const detectorsContracts = defineContracts({
  listDetectors: {
    method: 'GET',
    url: '/api/v1/admin/detectors',
    summary: 'The misuse detectors with their rules and thresholds, and how they keep up (operators)',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    response: z.object({ items: z.array(detectorView), engine: engineView }),
  },
  updateDetector: {
    method: 'PATCH',
    url: '/api/v1/admin/detectors/:detectorId',
    summary:
      'Switch a detector on or off, or change its thresholds (operators); the next evaluation uses them',
    tags: ['enforcement', 'admin'],
    auth: 'operator',
    params: z.strictObject({ detectorId: z.string().regex(/^[a-z_]{2,40}$/) }),
    body: detectorPatch,
    response: detectorView,
    errors: ['not_found', 'detector_threshold_invalid', 'validation_failed'],
  },
});
