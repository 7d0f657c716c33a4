import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Audit trail';

/**
 * Error codes of the audit module. A code, once published, keeps its meaning and status forever;
 * add codes, never repurpose one.
 */
export const auditErrors = {
  audit_export_too_large: {
    status: 422,
    message: 'The filters select more audit events than one CSV export carries (100,000).',
    action: 'Narrow the export: a shorter time range, one organisation, actor or action.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof auditErrors> {}
}
