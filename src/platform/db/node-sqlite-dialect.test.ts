import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openSqlite } from './database.ts';

const dir = mkdtempSync(join(tmpdir(), 'darwaza-sqlite-busy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('node:sqlite dialect', () => {
  it('a write waiting for another connection’s write lock leaves the thread free, then succeeds', async () => {
    const file = join(dir, 'busy.db');
    const database = openSqlite(file);
    await sql`create table t (x integer)`.execute(database.db);
    // Another connection (as the usage worker's would be) holds the write lock; a timer on this
    // thread releases it. Waiting inside the statement would hold the thread, the timer could not
    // run, and the insert would end in SQLITE_BUSY.
    const other = new DatabaseSync(file);
    other.exec('begin immediate');
    other.exec('insert into t values (1)');
    let released = false;
    setTimeout(() => {
      other.exec('commit');
      released = true;
    }, 60);
    await sql`insert into t values (2)`.execute(database.db);
    assert.equal(released, true, 'the insert finished after the other connection let go');
    await database.db.transaction().execute(async (tx) => {
      await sql`insert into t values (3)`.execute(tx);
    });
    const rows = await sql<{ x: number }>`select x from t order by x`.execute(database.db);
    assert.deepEqual(
      rows.rows.map((r) => r.x),
      [1, 2, 3],
    );
    other.close();
    await database.close();
  });

  it('a lock never released ends in SQLITE_BUSY, not a hang', { timeout: 15_000 }, async () => {
    const file = join(dir, 'held.db');
    const database = openSqlite(file);
    await sql`create table t (x integer)`.execute(database.db);
    const other = new DatabaseSync(file);
    other.exec('begin immediate');
    const ticks = setInterval(() => {}, 10);
    await assert.rejects(sql`insert into t values (1)`.execute(database.db), /locked|busy/i);
    clearInterval(ticks);
    other.exec('rollback');
    other.close();
    await database.close();
  });
});
