import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/** The tables the detectors' migrations build (migrations.ts), as the store reads them (ADR 0008). */
export const detectorsTables = [
  defineTable('detector_settings', {
    /** The detector's id (catalogue.ts); a detector without a row runs with its defaults. */
    detector_id: col.text(),
    enabled: col.flag(),
    /** The operator's thresholds, JSON: validated by the detector's schema before they are stored. */
    thresholds: col.json(),
    updated_by: col.text().nullable(),
    updated_at: col.time(),
  }),
] as const;

export type DetectorsTables = TablesOf<typeof detectorsTables>;
