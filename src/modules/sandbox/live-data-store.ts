import type { Kysely } from 'kysely';
import { newId } from '../../platform/ids.ts';
import type { SandboxTables } from './tables.ts';

/**
 * SQL storage of live-data events: calls that carried what looks like real customer data
 * (identifiers.ts), kept masked as monitoring evidence (a world's reset or drop leaves them).
 */
/** One suspected live-data hit, as the service reports it (the value already masked). */
export type LiveDataEvent = {
  orgId: string;
  appId: string | null;
  requestId: string | null;
  operation: string;
  field: string;
  kind: string;
  maskedValue: string;
  nowMs: number;
};

export class LiveDataStore {
  readonly #db: Kysely<SandboxTables>;

  constructor(db: Kysely<SandboxTables>) {
    this.#db = db;
  }

  async recordLiveData(e: LiveDataEvent): Promise<void> {
    await this.#db
      .insertInto('sandbox_live_data_events')
      .values({
        id: newId('sbx', e.nowMs),
        at: new Date(e.nowMs).toISOString(),
        org_id: e.orgId,
        app_id: e.appId,
        request_id: e.requestId,
        operation: e.operation,
        field: e.field,
        kind: e.kind,
        masked_value: e.maskedValue,
      })
      .execute();
  }

  async listLiveDataEvents(orgId: string, limit = 100): Promise<Array<Record<string, unknown>>> {
    return this.#db
      .selectFrom('sandbox_live_data_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
