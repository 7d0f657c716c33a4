import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { newId } from '../../platform/ids.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { GENESIS } from './canonical.ts';
import { ChainStore, sqlitePages } from './chain-store.ts';
import { signerFromSeed, trustedKeys } from './checkpoint-keys.ts';
import { migrations } from './migrations.ts';
import { rangeIntact, rangeIntactInWorker } from './range-check.ts';
import { AuditSealer } from './sealer.ts';
import type { AuditTables } from './tables.ts';
import { AuditVerifier } from './verifier.ts';

/**
 * The verifier's parallel path (a worker thread checks the first half of the chain on SQLite)
 * must report exactly what the sequential walk reports: intact, or the same first damage with the
 * same description, for damage in either half. A chain of 45 events, checkpoints every 10; the
 * parallel verifier splits any chain (parallelFrom 1), the sequential one never.
 */
const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);

for (const engine of testEngines()) {
  describe(`parallel verification on ${engine.name}`, () => {
    let database: TestDatabase<AuditTables>;
    let db: Kysely<AuditTables>;
    let store: ChainStore;
    let parallel: AuditVerifier;
    let sequential: AuditVerifier;
    const signer = signerFromSeed(randomBytes(32));

    before(async () => {
      database = await engine.open<AuditTables>();
      db = database.db;
      await migrateToLatest(db, [migrations]);
    });
    after(() => database.cleanup());
    beforeEach(async () => {
      await db.deleteFrom('audit_events').execute();
      await db.deleteFrom('audit_checkpoints').execute();
      await db.deleteFrom('audit_chain_state').execute();
      const clock = new FakeClock(T0);
      store = new ChainStore(db);
      for (let i = 0; i < 45; i++) {
        clock.set(clock.nowMs() + 1000);
        await db
          .insertInto('audit_events')
          .values({
            id: newId('evt', clock.nowMs()),
            at: clock.now().toISOString(),
            actor_type: 'user',
            actor_id: `usr_${i}`,
            action: 'widget.changed',
            target_type: 'widget',
            target_id: `wdg_${i}`,
            org_id: null,
            ip: '10.0.0.1',
            user_agent: 'ua "q" é',
            details: JSON.stringify({ n: i }),
          })
          .execute();
      }
      const sealer = new AuditSealer({ store, clock, signer, owner: 't', checkpointEvery: 10 });
      assert.equal(await sealer.sealPending(), 45);
      const keys = trustedKeys(signer.rawPublic, undefined);
      parallel = new AuditVerifier({ store, clock, keys, parallelFrom: 1 });
      sequential = new AuditVerifier({ store, clock, keys, parallelFrom: Number.POSITIVE_INFINITY });
    });

    const same = async () => {
      const [p, s] = [await parallel.verify(), await sequential.verify()];
      assert.deepEqual(p.firstDamage, s.firstDamage);
      assert.deepEqual(
        [p.intact, p.sealed, p.unanchored, p.fromSeq],
        [s.intact, s.sealed, s.unanchored, s.fromSeq],
      );
      return p;
    };

    test('an intact chain is intact', async () => {
      const r = await same();
      assert.deepEqual([r.intact, r.sealed, r.unanchored], [true, 45, 5]);
    });

    for (const [name, change] of [
      ['an event edited in the first half', `update audit_events set details = '{}' where seq = 5`],
      ['an event deleted in the first half', 'delete from audit_events where seq = 7'],
      ['an event edited at the split checkpoint', `update audit_events set ip = null where seq = 20`],
      ['an event edited in the second half', `update audit_events set ip = null where seq = 33`],
      ['the tail truncated into the first half', 'delete from audit_events where seq >= 15'],
      ['a checkpoint of the first half altered', `update audit_checkpoints set at = 'x' where seq = 10`],
    ] as const) {
      test(`${name}: the same first damage as the sequential walk`, async () => {
        await sql.raw(change).execute(db);
        const r = await same();
        assert.equal(r.intact, false);
      });
    }

    test('a chain recomputed in the first half, checkpoint hashes included (signatures no longer hold)', async () => {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>=', 3)
        .orderBy('seq')
        .execute();
      let prev = (
        await db.selectFrom('audit_events').select('hash').where('seq', '=', 2).executeTakeFirstOrThrow()
      ).hash!;
      const { chainHash } = await import('./canonical.ts');
      for (const r of rows) {
        const changed = { ...r, seq: Number(r.seq), action: r.seq === 3 ? 'widget.nothing' : r.action };
        const hash = chainHash(prev, changed);
        await db
          .updateTable('audit_events')
          .set({ action: changed.action, prev_hash: prev, hash })
          .where('id', '=', r.id)
          .execute();
        prev = hash;
      }
      const r = await same();
      assert.equal(r.firstDamage?.kind, 'recomputed');
      await sql`update audit_checkpoints set hash = (select hash from audit_events e where e.seq = audit_checkpoints.seq)`.execute(
        db,
      );
      assert.equal((await same()).firstDamage?.kind, 'recomputed');
    });

    if (engine.name === 'sqlite') {
      test('a range is checked on its own from the file, in this thread and in a worker thread', async () => {
        const file = (await store.sqliteFile())!;
        const cps = (await store.checkpoints()).filter((c) => c.seq <= 20);
        const task = { file, afterSeq: 0, untilSeq: 20, prevHash: GENESIS, checkpoints: cps };
        assert.equal(rangeIntact(sqlitePages(file, 0, 20), task), true);
        assert.equal(await rangeIntactInWorker(task), true);
        // A forged checkpoint hash for the range (the signature is the caller's check) fails it.
        const forged = cps.map((c) => ({ ...c, hash: c.seq === 10 ? GENESIS : c.hash }));
        assert.equal(rangeIntact(sqlitePages(file, 0, 20), { ...task, checkpoints: forged }), false);
        await sql`update audit_events set details = '{}' where seq = 12`.execute(db);
        assert.equal(rangeIntact(sqlitePages(file, 0, 20), task), false);
        assert.equal(await rangeIntactInWorker(task), false);
        // A range that ends early (events missing at its end) is not intact either.
        await sql`delete from audit_events where seq > 18 and seq <= 20`.execute(db);
        assert.equal(await rangeIntactInWorker({ ...task, afterSeq: 0, untilSeq: 20 }), false);
      });
    }
  });
}
