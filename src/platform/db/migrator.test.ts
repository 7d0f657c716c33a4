import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPostgres } from './database.ts';
import { migrateToLatest } from './migrator.ts';

const url = process.env.DATABASE_URL;

/**
 * Parallel test files create and drop PostgreSQL schemas all the time; a migration running beside
 * them must not notice. (Kysely's own introspection lists every schema and failed with 3F000 when
 * one vanished mid-query.) Bounded: 12 migrations while another connection churns schemas.
 */
describe('migrations on PostgreSQL beside schemas that come and go', {
  skip: url ? false : 'DATABASE_URL not set: PostgreSQL suite not run',
}, () => {
  it('every migration succeeds while other schemas are created and dropped', async () => {
    const churn = new pg.Client({ connectionString: url });
    await churn.connect();
    let stop = false;
    const churning = (async () => {
      while (!stop) {
        const s = `churn_${randomBytes(5).toString('hex')}`;
        await churn.query(`create schema ${s}; create table ${s}.t (a int, b text, c int, d text)`);
        await churn.query(`drop schema ${s} cascade`);
      }
    })();
    const failures: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const schema = `mig_${randomBytes(5).toString('hex')}`;
        await churn.query(`create schema ${schema}`);
        const db = openPostgres(url as string, { poolSize: 2, searchPath: schema });
        try {
          await migrateToLatest(db.db, [
            {
              '202601010000_t_one': {
                up: async (k) => void (await k.schema.createTable('one').addColumn('id', 'text').execute()),
              },
            },
          ]);
        } catch (err) {
          failures.push((err as Error).message);
        } finally {
          await db.close();
          await churn.query(`drop schema ${schema} cascade`);
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
    assert.deepEqual(failures, []);
  });
});
