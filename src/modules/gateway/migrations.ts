import { type Kysely, sql } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';
import { LATENCY_COLUMNS } from './rollups/histogram.ts';

/**
 * gateway_usage: one row per gateway call (the monitoring record; kept long).
 * gateway_request_logs: the masked request/response bodies for the developer's request log, one
 * row per call with the same id; pruned after the configured retention.
 */
/** The time indexes migration 202612080300 drops (and its `down` builds again). */
const TIME_INDEXES = [
  ['gateway_usage_org_at', 'gateway_usage', ['org_id', 'at']],
  ['gateway_usage_app_at', 'gateway_usage', ['app_id', 'at']],
  ['gateway_usage_at', 'gateway_usage', ['at']],
  ['gateway_request_logs_at', 'gateway_request_logs', ['at']],
] as const;

export const migrations: MigrationSet = {
  '202611232000_gateway_usage': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gateway_usage')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('app_id', 'text')
        .addColumn('product_slug', 'text')
        .addColumn('operation_id', 'text')
        .addColumn('catalog', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('network_code', 'text')
        .addColumn('latency_us', 'integer', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('end_user_hash', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('bytes_in', 'integer', (c) => c.notNull())
        .addColumn('bytes_out', 'integer', (c) => c.notNull())
        .addColumn('replayed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('live_data_suspected', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('gateway_usage_org_at')
        .on('gateway_usage')
        .columns(['org_id', 'at'])
        .execute();
      await db.schema
        .createIndex('gateway_usage_app_at')
        .on('gateway_usage')
        .columns(['app_id', 'at'])
        .execute();
      await db.schema.createIndex('gateway_usage_request').on('gateway_usage').column('request_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gateway_usage').execute();
    },
  },
  '202611232001_gateway_request_logs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gateway_request_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('app_id', 'text')
        .addColumn('request_headers', 'text')
        .addColumn('request_body', 'text')
        .addColumn('response_body', 'text')
        .execute();
      await db.schema
        .createIndex('gateway_request_logs_at')
        .on('gateway_request_logs')
        .column('at')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gateway_request_logs').execute();
    },
  },
  /**
   * Why a call's bodies are not in its request-log row when they could not be stored (a body too
   * deep to serialise, a row the database refused): the usage writer writes such a row reduced.
   */
  '202612062140_gateway_request_logs_dropped_reason': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('gateway_request_logs').addColumn('dropped_reason', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('gateway_request_logs').dropColumn('dropped_reason').execute();
    },
  },
  /**
   * Each call's outcome (approved | declined | failed, outcome.ts), written by the usage writer.
   * Nullable and without a default, so adding it is instant on both engines (no table rewrite).
   * Existing rows are NOT back-filled here: PostgreSQL runs the migrations in one transaction, which
   * would hold the table's lock until every row was updated. The gateway module back-fills them after
   * start-up instead, in short batches of their own (usage-service.ts `backfillOutcomes`).
   * The index serves the request log's outcome filter within an organisation.
   */
  '202612070220_gateway_usage_outcome': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('gateway_usage').addColumn('outcome', 'text').execute();
      await db.schema
        .createIndex('gateway_usage_org_outcome_at')
        .on('gateway_usage')
        .columns(['org_id', 'outcome', 'at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('gateway_usage_org_outcome_at').execute();
      await db.schema.alterTable('gateway_usage').dropColumn('outcome').execute();
    },
  },
  /**
   * Rollups (issue 31): gateway_usage_rollups and gateway_usage_sketches, written by the usage
   * writer in the raw rows' transaction (rollups/). The primary key leads with what every read
   * fixes (grain, scope, app, organisation) and ends in the bucket range; the (grain, scope,
   * bucket) index serves the top-N lists over all apps or organisations.
   * Rows that exist now are rolled up by a one-off back-fill after start-up (rollups/backfill.ts),
   * not here (PostgreSQL runs migrations in one transaction): gateway_rollup_backfill remembers the
   * newest row id at this moment (rows after it are counted by the writer) and its cursor.
   * The request log pages by id (keyset): its indexes end in id, one per structured filter.
   */
  '202612070330_gateway_usage_rollups': {
    async up(db: Kysely<any>) {
      let t = db.schema
        .createTable('gateway_usage_rollups')
        .addColumn('grain', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('network_code', 'text', (c) => c.notNull());
      for (const c of ['calls', 'approved', 'declined', 'failed', 'c429', 'shed']) {
        t = t.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
      }
      t = t
        .addColumn('lat_sum', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('lat_max', 'integer', (c) => c.notNull().defaultTo(0));
      for (const c of LATENCY_COLUMNS) t = t.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0));
      await t
        .addPrimaryKeyConstraint('gateway_usage_rollups_pk', [
          'grain',
          'scope',
          'app_id',
          'org_id',
          'bucket',
          'operation_id',
          'status',
          'network_code',
        ])
        .execute();
      await db.schema
        .createIndex('gateway_usage_rollups_scope_bucket')
        .on('gateway_usage_rollups')
        .columns(['grain', 'scope', 'bucket'])
        .execute();
      await db.schema
        .createTable('gateway_usage_sketches')
        .addColumn('grain', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('users', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_usage_sketches_pk', ['grain', 'app_id', 'org_id', 'bucket'])
        .execute();
      await db.schema
        .createTable('gateway_rollup_backfill')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('upto_id', 'text', (c) => c.notNull())
        .addColumn('after_id', 'text', (c) => c.notNull())
        .execute();
      const newest = await db
        .selectFrom('gateway_usage')
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (newest) {
        await db
          .insertInto('gateway_rollup_backfill')
          .values({ id: 1, upto_id: newest.id, after_id: '' })
          .execute();
      }
      // Keyset paging of the request log: newest first by id, within an organisation, an app or
      // one structured filter (the outcome index replaces the (org, outcome, at) one).
      await db.schema.dropIndex('gateway_usage_org_outcome_at').execute();
      for (const [name, cols] of [
        ['gateway_usage_org_id', ['org_id', 'id']],
        ['gateway_usage_app_id', ['app_id', 'id']],
        ['gateway_usage_org_outcome_id', ['org_id', 'outcome', 'id']],
        ['gateway_usage_org_operation_id', ['org_id', 'operation_id', 'id']],
        ['gateway_usage_org_network_id', ['org_id', 'network_code', 'id']],
      ] as const) {
        await db.schema
          .createIndex(name)
          .on('gateway_usage')
          .columns([...cols])
          .execute();
      }
    },
    async down(db: Kysely<any>) {
      for (const name of [
        'gateway_usage_org_id',
        'gateway_usage_app_id',
        'gateway_usage_org_outcome_id',
        'gateway_usage_org_operation_id',
        'gateway_usage_org_network_id',
      ]) {
        await db.schema.dropIndex(name).execute();
      }
      await db.schema
        .createIndex('gateway_usage_org_outcome_at')
        .on('gateway_usage')
        .columns(['org_id', 'outcome', 'at'])
        .execute();
      await db.schema.dropTable('gateway_rollup_backfill').execute();
      await db.schema.dropTable('gateway_usage_sketches').execute();
      await db.schema.dropTable('gateway_usage_rollups').execute();
    },
  },
  /**
   * Retention of raw usage rows (usage-service.ts pruneUsage) deletes by time, and the rollup
   * reader reads the sub-minute edges of a range of the whole gateway by time: both use this index.
   */
  '202612070400_gateway_usage_at': {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('gateway_usage_at').on('gateway_usage').column('at').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('gateway_usage_at').execute();
    },
  },
  /**
   * Rollups with the latency histogram only on per-operation rows (ADR 0021): the writer now adds
   * scopes app_o / org_o / all_o (per operation, with the histogram) and all_t (the gateway's
   * totals), and leaves the histogram off the detail rows. Additive: the rows written before are
   * kept as they are, and their per-operation and gateway-totals rows are derived here by
   * aggregate SQL (the rollups are days old at most when this runs, so this is short; the raw
   * usage rows are not read). Rows of the same key cannot exist yet (the scopes are new).
   */
  '202612070600_gateway_usage_rollups_per_operation': {
    async up(db: Kysely<any>) {
      const hist = LATENCY_COLUMNS.map((c) => `sum(${c})`).join(', ');
      const cols = `grain, scope, app_id, org_id, bucket, operation_id, status, network_code, calls, approved, declined, failed, c429, shed, lat_sum, lat_max, ${LATENCY_COLUMNS.join(', ')}`;
      const sums = `sum(calls), sum(approved), sum(declined), sum(failed), sum(c429), sum(shed), sum(lat_sum), max(lat_max), ${hist}`;
      for (const [from, to] of [
        ['app', 'app_o'],
        ['org', 'org_o'],
        ['all', 'all_o'],
      ]) {
        await sql
          .raw(
            `insert into gateway_usage_rollups (${cols}) select grain, '${to}', app_id, org_id, bucket, operation_id, 0, '*', ${sums} from gateway_usage_rollups where scope = '${from}' group by grain, app_id, org_id, bucket, operation_id`,
          )
          .execute(db);
      }
      await sql
        .raw(
          `insert into gateway_usage_rollups (${cols}) select grain, 'all_t', '*', '*', bucket, '*', 0, '*', ${sums} from gateway_usage_rollups where scope = 'all' group by grain, bucket`,
        )
        .execute(db);
      // The top-N lists read every app's (organisation's) totals rows of a range: these partial
      // indexes hold all they read, so the wide rows themselves are never visited.
      for (const scope of ['app_t', 'org_t']) {
        await sql
          .raw(
            `create index gateway_usage_rollups_${scope} on gateway_usage_rollups (grain, bucket, org_id, app_id, calls, approved, declined, failed, c429, shed, lat_sum, lat_max) where scope = '${scope}'`,
          )
          .execute(db);
      }
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('gateway_usage_rollups_app_t').execute();
      await db.schema.dropIndex('gateway_usage_rollups_org_t').execute();
      await db
        .deleteFrom('gateway_usage_rollups')
        .where('scope', 'in', ['app_o', 'org_o', 'all_o', 'all_t'])
        .execute();
    },
  },
  /**
   * The apps' totals rows by organisation (rollups/rollup-reader.ts topWithin): the operator's top
   * apps are read organisation by organisation, most calls first, and an organisation's top apps
   * the same way; the app_t index above leads with the bucket, so a read of some organisations'
   * apps over 30 days walked every app's entries of those days. Covering, as that one is.
   */
  '202612071700_gateway_usage_rollups_app_t_by_org': {
    async up(db: Kysely<any>) {
      await sql
        .raw(
          `create index gateway_usage_rollups_app_t_org on gateway_usage_rollups (grain, org_id, bucket, app_id, calls, approved, declined, failed, c429, shed, lat_sum, lat_max) where scope = 'app_t'`,
        )
        .execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('gateway_usage_rollups_app_t_org').execute();
    },
  },
  /**
   * Time ranges of calls by id (issue 31, docs/performance.md item 48): a usage id carries its
   * call's millisecond (`newId`/`seriesId` with the call's time since the first usage row, and the
   * `at` column is that same millisecond), so `idAtOrAfter` bounds turn any `at` range into an id
   * range, and the indexes that end in the id — (org_id, id), (app_id, id) and the primary keys —
   * serve every read these four served: the regulator's export, the rollup reader's raw edges, the
   * request log's date filters and retention. Each is one B-tree less to update per call written.
   */
  '202612080300_gateway_usage_time_by_id': {
    async up(db: Kysely<any>) {
      for (const [name] of TIME_INDEXES) await db.schema.dropIndex(name).execute();
    },
    async down(db: Kysely<any>) {
      for (const [name, table, cols] of TIME_INDEXES) {
        await db.schema
          .createIndex(name)
          .on(table)
          .columns([...cols])
          .execute();
      }
    },
  },
};
