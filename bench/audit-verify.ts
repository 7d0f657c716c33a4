import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { chainHash, GENESIS } from '../src/modules/audit/canonical.ts';
import {
  CHECKPOINT_SEED_PURPOSE,
  checkpointPayload,
  signerFromSeed,
} from '../src/modules/audit/checkpoint-keys.ts';
import { type AuditTables, auditModule } from '../src/modules/audit/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createKeyring, type Keyring } from '../src/platform/master-key.ts';
import { type TestDatabase, testEngines } from '../src/platform/testing.ts';

/**
 * npm run bench:audit [-- --events N]: builds a sealed audit chain of N events (default 1,000,000)
 * on SQLite, and on PostgreSQL when DATABASE_URL is set, then times one full verification end to
 * end through the same call `darwaza audit verify` makes (`auditChain.verification.verify()`):
 * reading every event from the database, recomputing every hash, checking every signature. The
 * target (issue 32): 1 M events under 5 s on SQLite. Prints one row per engine, measured in this
 * run, with this process's CPU time and the load average around the verification.
 *
 * Setup is bulk, not the sealer (which takes minutes per million): the bench computes each
 * event's seq, prev_hash and hash with the production encoder (`chainHash`) and signs a
 * checkpoint every 1,000 events with the key the verifier trusts (derived from the same keyring),
 * writing 1,000 events per INSERT and 100,000 per transaction. The verification checks all of it
 * from scratch (a chain the sealer would write verifies the same way; chain.test.ts covers the
 * sealer), and the bench fails unless it reports all N events intact.
 */
const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const N = Number(values.events);
const ROWS_PER_INSERT = 1000;
const ROWS_PER_TRANSACTION = 100_000;
const CHECKPOINT_EVERY = 1000;

type Row = {
  engine: string;
  setupS: number;
  verifyS: number;
  /** This process's CPU time during the verification (user + system). */
  verifyCpuS: number;
  /** The 1-minute load average just before and just after the verification. */
  load: [number, number];
};

/** Writes a sealed chain of N events with its signed checkpoints. */
async function buildChain(db: Kysely<AuditTables>, keyring: Keyring): Promise<void> {
  const signer = signerFromSeed(keyring.seed(CHECKPOINT_SEED_PURPOSE));
  const base = Date.now() - N;
  let prev = GENESIS;
  for (let t = 0; t < N; t += ROWS_PER_TRANSACTION) {
    await db.transaction().execute(async (trx) => {
      for (let i = t; i < Math.min(N, t + ROWS_PER_TRANSACTION); i += ROWS_PER_INSERT) {
        const rows = [];
        const checkpoints = [];
        for (let j = i; j < Math.min(N, i + ROWS_PER_INSERT); j++) {
          const e = {
            id: `evt_${String(j).padStart(12, '0')}`,
            seq: j + 1,
            at: new Date(base + j).toISOString(),
            actor_type: 'user',
            actor_id: `usr_${j % 977}`,
            action: 'widget.changed',
            target_type: 'widget',
            target_id: `wdg_${j}`,
            org_id: j % 3 ? `org_${j % 101}` : null,
            ip: '10.0.0.1',
            user_agent: 'bench',
            details: `{"n":${j}}`,
          };
          const hash = chainHash(prev, e);
          rows.push(
            sql`(${e.id}, ${e.seq}, ${e.at}, ${e.actor_type}, ${e.actor_id}, ${e.action}, ${e.target_type}, ${e.target_id}, ${e.org_id}, ${e.ip}, ${e.user_agent}, ${e.details}, ${prev}, ${hash})`,
          );
          prev = hash;
          if (e.seq % CHECKPOINT_EVERY === 0) {
            const c = { seq: e.seq, hash, at: e.at, keyId: signer.keyId };
            const signature = signer.sign(checkpointPayload(c));
            checkpoints.push(sql`(${c.seq}, ${c.hash}, ${c.at}, ${c.keyId}, ${signature})`);
          }
        }
        await sql`insert into audit_events (id, seq, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details, prev_hash, hash) values ${sql.join(rows)}`.execute(
          trx,
        );
        if (checkpoints.length > 0) {
          await sql`insert into audit_checkpoints (seq, hash, at, key_id, signature) values ${sql.join(checkpoints)}`.execute(
            trx,
          );
        }
      }
    });
    process.stderr.write(`  built ${Math.min(N, t + ROWS_PER_TRANSACTION)}/${N}\n`);
  }
}

async function run(engine: { name: string; open<DB>(): Promise<TestDatabase<DB>> }): Promise<Row> {
  const database = await engine.open<AuditTables>();
  try {
    const db = database.db;
    await migrateToLatest(db, [auditModule.migrations]);
    const keyring = createKeyring(randomBytes(32));
    const t0 = performance.now();
    await buildChain(db, keyring);
    // Statistics, as a maintained database has them (SQLite otherwise plans without any).
    await sql`analyze`.execute(db);
    const { ports } = await auditModule.create({ db, clock: systemClock, keyring });
    const t1 = performance.now();
    const load0 = loadavg()[0]!;
    const cpu0 = process.cpuUsage();
    const t2 = performance.now();
    const r = await ports.auditChain.verification.verify();
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const load1 = loadavg()[0]!;
    if (!r.intact || r.sealed !== N || r.unanchored !== N % CHECKPOINT_EVERY) {
      throw new Error(`not intact: ${JSON.stringify(r)}`);
    }
    return {
      engine: engine.name,
      setupS: (t1 - t0) / 1000,
      verifyS: (t3 - t2) / 1000,
      verifyCpuS: (cpu.user + cpu.system) / 1e6,
      load: [load0, load1],
    };
  } finally {
    await database.cleanup();
  }
}

const results: Row[] = [];
for (const engine of testEngines()) {
  process.stderr.write(`${engine.name}: building a sealed chain of ${N} events…\n`);
  results.push(await run(engine));
}
const cpus = availableParallelism();
process.stdout.write(
  `\nAudit chain of ${N.toLocaleString('en')} events: one verification each (this run, ${cpus} CPUs)\n`,
);
process.stdout.write(
  `${'engine'.padEnd(10)} ${'setup s'.padStart(8)} ${'verify s'.padStart(9)} ${'cpu s'.padStart(7)} ${'µs/event'.padStart(9)} ${'load before/after'.padStart(18)}  target (1 M < 5 s on SQLite)\n`,
);
for (const r of results) {
  const scaled = (r.verifyS * 1_000_000) / N;
  const target =
    r.engine === 'sqlite' ? `${scaled.toFixed(2)} s per 1 M: ${scaled < 5 ? 'met' : 'MISSED'}` : '';
  process.stdout.write(
    `${r.engine.padEnd(10)} ${r.setupS.toFixed(1).padStart(8)} ${r.verifyS.toFixed(2).padStart(9)} ${r.verifyCpuS.toFixed(2).padStart(7)} ${((r.verifyS * 1e6) / N).toFixed(2).padStart(9)} ${`${r.load[0].toFixed(1)} / ${r.load[1].toFixed(1)}`.padStart(18)}  ${target}\n`,
  );
}
process.stdout.write(
  'verify s: wall time, reading included; cpu s: this process (node:sqlite reads in-process; the PostgreSQL server is another process). Wall time grows with the load average.\n',
);
if (!process.env.DATABASE_URL) process.stdout.write('PostgreSQL: not run (set DATABASE_URL)\n');
