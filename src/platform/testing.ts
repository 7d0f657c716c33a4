import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openPostgres, openSqlite } from './db/database.ts';
import { MemorySharedState } from './shared-state/memory-shared-state.ts';
import { RedisSharedState } from './shared-state/redis-shared-state.ts';
import type { SharedState } from './shared-state/shared-state.ts';

/**
 * Test support: every data test runs on SQLite always and on PostgreSQL when DATABASE_URL is set
 * (each test database is a fresh schema, dropped afterwards); shared-state tests run on memory
 * always and on Redis when REDIS_URL is set (each with its own key prefix).
 */
export type TestDatabase<DB = unknown> = Database<DB> & { cleanup(): Promise<void> };

export type TestEngine = {
  name: string;
  /**
   * A fresh, empty database typed to the tables `DB` the test reads (`engine.open<AuditTables>()`);
   * without them it knows no table, and can still be handed to a store or to the migrator.
   */
  open<DB = unknown>(): Promise<TestDatabase<DB>>;
};

export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [
    {
      name: 'sqlite',
      open: async <DB>() => {
        const dir = mkdtempSync(join(tmpdir(), 'darwaza-test-'));
        const db = openSqlite<DB>(join(dir, 'test.db'));
        return {
          ...db,
          cleanup: async () => {
            await db.close().catch(() => {});
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    engines.push({
      name: 'postgres',
      open: async <DB>() => {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`create schema ${schema}`);
        await admin.end();
        const db = openPostgres<DB>(url, { poolSize: 5, searchPath: schema });
        return {
          ...db,
          cleanup: async () => {
            await db.close().catch(() => {});
            const c = new pg.Client({ connectionString: url });
            await c.connect();
            await c.query(`drop schema if exists ${schema} cascade`);
            await c.end();
          },
        };
      },
    });
  }
  return engines;
}

export type TestSharedState = { name: string; open(): Promise<SharedState> };

export function testSharedStates(): TestSharedState[] {
  const list: TestSharedState[] = [{ name: 'memory', open: async () => new MemorySharedState() }];
  const url = process.env.REDIS_URL;
  if (url) {
    list.push({
      name: 'redis',
      open: async () => {
        const s = new RedisSharedState(url, { keyPrefix: `test:${randomBytes(6).toString('hex')}:` });
        await s.ready();
        return s;
      },
    });
  }
  return list;
}

export const redisSkipReason = process.env.REDIS_URL ? false : 'REDIS_URL not set: Redis suite not run';
