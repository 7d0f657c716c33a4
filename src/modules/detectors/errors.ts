import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Detectors';

/**
 * Error codes of the misuse detectors' settings.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 */
export const detectorsErrors = {
  detector_threshold_invalid: {
    status: 422,
    message: 'A threshold is missing, unknown or out of its bounds.',
    action:
      'The message and details name the field and its bounds; GET /api/v1/admin/detectors lists each detector’s thresholds.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof detectorsErrors> {}
}
