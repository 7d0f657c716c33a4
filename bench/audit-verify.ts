import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { type AuditTables, auditModule } from '../src/modules/audit/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { type TestDatabase, testEngines } from '../src/platform/testing.ts';

/**
 * npm run bench:audit [-- --events N]: builds an audit chain of N events (default 1,000,000) on
 * SQLite, and on PostgreSQL when DATABASE_URL is set, through the real sealer (seq, hashes and a
 * signed checkpoint every 1,000 events), then times one full verification end to end: reading
 * every event from the database, recomputing every hash, checking every signature. The target
 * (issue 32): 1 M events under 5 s on SQLite. Prints one row per engine, measured in this run.
 */
const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const N = Number(values.events);
const BATCH = 1000;

type Row = {
  engine: string;
  insertS: number;
  sealS: number;
  verifyS: number;
  /** This process's CPU time during the verification (user + system). */
  verifyCpuS: number;
  perEvent: number;
  intact: boolean;
};

async function run(engine: { name: string; open<DB>(): Promise<TestDatabase<DB>> }): Promise<Row> {
  const database = await engine.open<AuditTables>();
  try {
    const db = database.db;
    await migrateToLatest(db, [auditModule.migrations]);
    const clock = systemClock;
    const t0 = performance.now();
    const base = Date.now() - N;
    for (let i = 0; i < N; i += BATCH) {
      const rows = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        const at = new Date(base + j).toISOString();
        rows.push(
          sql`(${`evt_${String(j).padStart(12, '0')}`}, ${at}, 'user', ${`usr_${j % 977}`}, 'widget.changed', 'widget', ${`wdg_${j}`}, ${j % 3 ? `org_${j % 101}` : null}, '10.0.0.1', 'bench', ${`{"n":${j}}`})`,
        );
      }
      await sql`insert into audit_events (id, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details) values ${sql.join(rows)}`.execute(
        db,
      );
    }
    const t1 = performance.now();
    const { ports } = await auditModule.create({ db, clock, keyring: createKeyring(randomBytes(32)) });
    const sealed = await ports.auditChain.sealPending();
    if (sealed !== N) throw new Error(`sealed ${sealed} of ${N}`);
    const t2 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await ports.auditChain.verification.verify({
      onProgress: (p) => {
        if (p.checked % 200_000 === 0) process.stderr.write(`  ${engine.name}: verified ${p.checked}/${N}\n`);
      },
    });
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (!r.intact || r.sealed !== N) throw new Error(`not intact: ${JSON.stringify(r)}`);
    return {
      engine: engine.name,
      insertS: (t1 - t0) / 1000,
      sealS: (t2 - t1) / 1000,
      verifyS: (t3 - t2) / 1000,
      verifyCpuS: (cpu.user + cpu.system) / 1e6,
      perEvent: ((t3 - t2) * 1000) / N,
      intact: r.intact,
    };
  } finally {
    await database.cleanup();
  }
}

const results: Row[] = [];
for (const engine of testEngines()) {
  process.stderr.write(`${engine.name}: building a chain of ${N} events…\n`);
  results.push(await run(engine));
}
process.stdout.write(`\nAudit chain of ${N.toLocaleString('en')} events (one run, this machine)\n`);
process.stdout.write(
  `${'engine'.padEnd(10)} ${'insert s'.padStart(9)} ${'seal s'.padStart(8)} ${'verify s'.padStart(9)} ${'cpu s'.padStart(7)} ${'µs/event'.padStart(9)}  target (1 M < 5 s on SQLite)\n`,
);
for (const r of results) {
  const scaled = (r.verifyS * 1_000_000) / N;
  const target =
    r.engine === 'sqlite' ? `${scaled.toFixed(2)} s per 1 M: ${scaled < 5 ? 'met' : 'MISSED'}` : '';
  process.stdout.write(
    `${r.engine.padEnd(10)} ${r.insertS.toFixed(1).padStart(9)} ${r.sealS.toFixed(1).padStart(8)} ${r.verifyS.toFixed(2).padStart(9)} ${r.verifyCpuS.toFixed(2).padStart(7)} ${r.perEvent.toFixed(2).padStart(9)}  ${target}\n`,
  );
}
process.stdout.write(
  `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs: wall time grows with other processes; cpu s is this process's own\n`,
);
if (!process.env.DATABASE_URL) process.stdout.write('PostgreSQL: not run (set DATABASE_URL)\n');
