import type { Kysely, Selectable } from 'kysely';
import type { DetectorsTables } from './tables.ts';

export type DetectorSettingsRow = Selectable<DetectorsTables['detector_settings']>;

/** The detectors module's SQL (the only file of the module with any): the operator's settings. */
export class DetectorsStore {
  readonly #db: Kysely<DetectorsTables>;
  constructor(db: Kysely<DetectorsTables>) {
    this.#db = db;
  }

  async listSettings(): Promise<DetectorSettingsRow[]> {
    return this.#db.selectFrom('detector_settings').selectAll().execute();
  }

  /** Inserts or replaces one detector's settings. */
  async saveSettings(row: DetectorSettingsRow): Promise<void> {
    await this.#db
      .insertInto('detector_settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('detector_id').doUpdateSet({
          enabled: row.enabled,
          thresholds: row.thresholds,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }
}
