import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { newId } from '../../platform/ids.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { chainHash } from './canonical.ts';
import { ChainStore } from './chain-store.ts';
import { signerFromSeed, trustedKeys } from './checkpoint-keys.ts';
import { migrations } from './migrations.ts';
import { AuditSealer } from './sealer.ts';
import type { AuditTables } from './tables.ts';
import { AuditVerifier } from './verifier.ts';

/**
 * The chain against someone who can change the database but not read the signing key: each kind
 * of tampering is done with direct SQL on a fresh chain of 35 events (checkpoints every 10, so
 * 10, 20 and 30 are anchored and 31..35 unanchored) and must be named, with the first bad event.
 */
const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);

for (const engine of testEngines()) {
  describe(`the audit chain on ${engine.name}`, () => {
    let database: TestDatabase<AuditTables>;
    let db: Kysely<AuditTables>;
    let clock: FakeClock;
    let store: ChainStore;
    let sealer: AuditSealer;
    let verifier: AuditVerifier;
    const signer = signerFromSeed(randomBytes(32));

    const insertEvents = async (n: number) => {
      for (let i = 0; i < n; i++) {
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
            org_id: i % 2 ? 'org_1' : null,
            ip: '10.0.0.1',
            user_agent: 'ua "quoted" é',
            details: JSON.stringify({ n: i, note: 'x\ny' }),
          })
          .execute();
      }
    };
    const idAt = async (seq: number) =>
      (await db.selectFrom('audit_events').select('id').where('seq', '=', seq).executeTakeFirstOrThrow()).id;
    const damage = async () => (await verifier.verify()).firstDamage;

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
      clock = new FakeClock(T0);
      store = new ChainStore(db);
      sealer = new AuditSealer({ store, clock, signer, owner: 'test', checkpointEvery: 10 });
      verifier = new AuditVerifier({ store, clock, keys: trustedKeys(signer.rawPublic, undefined) });
      await insertEvents(35);
      assert.equal(await sealer.sealPending(), 35);
    });

    test('an untouched chain is intact; events after the last checkpoint are unanchored, not damage', async () => {
      const r = await verifier.verify();
      assert.equal(r.intact, true, JSON.stringify(r.firstDamage));
      assert.deepEqual([r.sealed, r.unsealed, r.unanchored, r.lastCheckpoint?.seq], [35, 0, 5, 30]);
      assert.equal((await verifier.latest()).verifiedAt, r.verifiedAt, 'the result is stored');
    });

    test('unsealed events are counted, not damage, and the next pass seals them', async () => {
      await insertEvents(2);
      const r = await verifier.verify();
      assert.deepEqual([r.intact, r.unsealed, r.sealed], [true, 2, 35]);
      assert.equal(await sealer.sealPending(), 2);
      assert.deepEqual([(await verifier.verify()).unsealed, (await verifier.verify()).sealed], [0, 37]);
    });

    test('edited: a changed field', async () => {
      const id = await idAt(15);
      await sql`update audit_events set details = '{"n":999}' where seq = 15`.execute(db);
      assert.deepEqual(await damage(), {
        kind: 'edited',
        eventId: id,
        seq: 15,
        message: 'its content does not match its hash',
      });
    });

    test('edited: a changed field with its hash recomputed (the next event names the change)', async () => {
      const id = await idAt(15);
      await sql`update audit_events set actor_id = 'usr_someone_else' where seq = 15`.execute(db);
      const row = await sql<{ prev_hash: string }>`select * from audit_events where seq = 15`.execute(db);
      const r = row.rows[0] as never as Parameters<typeof chainHash>[1] & { prev_hash: string };
      await sql`update audit_events set hash = ${chainHash(r.prev_hash, { ...r, seq: 15 })} where seq = 15`.execute(
        db,
      );
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['edited', id, 15]);
    });

    test('deleted: a missing event in the middle', async () => {
      await sql`delete from audit_events where seq = 15`.execute(db);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['deleted', null, 15]);
      assert.match(d!.message, /from seq 15 to 14|seq 15/);
    });

    test('inserted: a forged event in the middle (later events renumbered), hashed by the documented rule', async () => {
      await sql`update audit_events set seq = -seq where seq >= 15`.execute(db);
      await sql`update audit_events set seq = 1 - seq where seq < 0`.execute(db);
      const prev = (
        await db.selectFrom('audit_events').select('hash').where('seq', '=', 14).executeTakeFirstOrThrow()
      ).hash!;
      const forged = {
        id: newId('evt', T0 + 14_500),
        seq: 15,
        at: new Date(T0 + 14_500).toISOString(),
        actor_type: 'user',
        actor_id: 'usr_x',
        action: 'widget.changed',
        target_type: null,
        target_id: null,
        org_id: null,
        ip: null,
        user_agent: null,
        details: '{}',
      };
      await db
        .insertInto('audit_events')
        .values({ ...forged, prev_hash: prev, hash: chainHash(prev, forged) })
        .execute();
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['inserted', forged.id, 15]);
    });

    test('inserted: a copy of an event appended after the tail', async () => {
      await sql`insert into audit_events (id, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details, prev_hash, hash, seq)
        select 'evt_copy', at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details, prev_hash, hash, 36
        from audit_events where seq = 12`.execute(db);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['inserted', 'evt_copy', 36]);
    });

    test('reordered: two events swapped', async () => {
      const [a, b] = [await idAt(15), await idAt(16)];
      await sql`update audit_events set seq = -1 where id = ${a}`.execute(db);
      await sql`update audit_events set seq = 15 where id = ${b}`.execute(db);
      await sql`update audit_events set seq = 16 where id = ${a}`.execute(db);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['reordered', b, 15]);
    });

    test('truncated: the tail removed back before the last checkpoint', async () => {
      await sql`delete from audit_events where seq >= 25`.execute(db);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['truncated', null, 25]);
    });

    test('recomputed: an event changed and every later hash recomputed', async () => {
      await sql`update audit_events set action = 'widget.nothing' where seq = 15`.execute(db);
      await recompute(db, 15);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.eventId, d?.seq], ['recomputed', await idAt(11), 11]);
      // ...and the checkpoints' hashes overwritten to match: their signatures no longer hold.
      await sql`update audit_checkpoints set hash = (select hash from audit_events e where e.seq = audit_checkpoints.seq)`.execute(
        db,
      );
      const forged = await damage();
      assert.deepEqual([forged?.kind, forged?.seq], ['recomputed', 11]);
      assert.match(forged!.message, /signature/);
    });

    test('retention: pruning at a checkpoint keeps the rest verifiable; a deeper cut is damage', async () => {
      assert.equal(await store.pruneThrough(20), 20);
      const r = await verifier.verify();
      assert.deepEqual([r.intact, r.fromSeq, r.sealed], [true, 21, 15]);
      await sql`delete from audit_checkpoints where seq = 20`.execute(db);
      const d = await damage();
      assert.deepEqual([d?.kind, d?.seq], ['deleted', 20]);
    });

    test('--from starts at the checkpoint before the given seq and is not stored', async () => {
      const stored = await verifier.verify();
      const r = await verifier.verify({ fromSeq: 25 });
      assert.deepEqual([r.intact, r.fromSeq], [true, 21]);
      assert.equal((await verifier.latest()).fromSeq, stored.fromSeq);
    });

    test('a checkpoint is also signed after 5 minutes with fewer than 1,000... (here 10) events', async () => {
      clock.set(clock.nowMs() + 5 * 60_000);
      await sealer.sealPending();
      assert.equal((await verifier.verify()).unanchored, 0);
      assert.equal((await store.lastCheckpoint())?.seq, 35);
    });

    test('two sealers (two processes) never fork the chain; the lease passes on when it expires', async () => {
      const other = new AuditSealer({ store, clock, signer, owner: 'other', checkpointEvery: 10 });
      await insertEvents(30);
      const [x, y] = await Promise.all([sealer.sealPending(), other.sealPending()]);
      assert.deepEqual([x, y].sort(), [0, 30], 'the lease holder seals, the other waits');
      await insertEvents(3);
      assert.equal(await other.sealPending(), 0);
      clock.set(clock.nowMs() + 31_000);
      assert.equal(await other.sealPending(), 3);
      const r = await verifier.verify();
      assert.deepEqual([r.intact, r.sealed], [true, 68]);
    });
  });
}

/** What an attacker without the key can do: recompute the chain from `fromSeq` on. */
async function recompute(db: Kysely<AuditTables>, fromSeq: number): Promise<void> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .execute();
  let prev = (
    await db
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '=', fromSeq - 1)
      .executeTakeFirstOrThrow()
  ).hash!;
  for (const r of rows) {
    const hash = chainHash(prev, { ...r, seq: Number(r.seq) });
    await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('id', '=', r.id).execute();
    prev = hash;
  }
}
