import { type AuditTables, auditModule } from '../src/modules/audit/index.ts';
import { type ConformanceTables, conformanceModule } from '../src/modules/conformance/index.ts';
import type { CallRecord, CallRecordHandler } from '../src/modules/gateway/index.ts';
import type { OrgAccess } from '../src/modules/organizations/index.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { testEngines } from '../src/platform/testing.ts';

/**
 * What the conformance module's feed subscriber costs per sandbox call (docs/conformance.md):
 * 20 000 records of 50 apps, in batches of 500 as the call-record feed hands them, through the real
 * subscriber (observed calls stored, the shipped IBFT suite evaluated, passes stored), on SQLite
 * and — with DATABASE_URL — PostgreSQL. Prints CPU of this process per record and wall time; the
 * work runs on the serving thread after the calls, so CPU per record is what a sandbox call adds.
 * Production calls cost one comparison (not stored). `node bench/conformance.ts`
 */
const N = 20_000;
const BATCH = 500;
const IBFT_OPS = ['ibftTitleFetch', 'ibftFundsTransfer', 'ibftStatusInquiry', 'ibftReversal'];

function record(i: number): CallRecord {
  return {
    atMs: 1_000_000 + i,
    requestId: `req_${i}`,
    operationId: i % 2 ? 'ibftTitleFetch' : 'ibftFundsTransfer',
    productSlug: 'ibft',
    catalog: 'sandbox',
    method: 'POST',
    path: '/funds-transfer-rest-service/path-1',
    probe: null,
    status: 200,
    errorCode: null,
    networkCode: i % 7 === 0 ? '03' : '00',
    refs: { rrn: String(100_000_000_000 + i), stan: '123456', accountTo: '9990000000001001' },
    shape: {
      bytesIn: 500,
      bytesOut: 600,
      idempotencyKey: false,
      endUser: false,
      query: false,
      bodyRefused: false,
      signed: false,
    },
    client: { orgId: 'org_bench', appId: `app_${i % 50}`, clientId: 'client' },
    source: { ip: '10.0.0.1', userAgent: 'sdk' },
    latencyUs: 100,
    replayed: false,
    liveDataSuspected: false,
  } as CallRecord;
}

for (const engine of testEngines()) {
  const database = await engine.open<ConformanceTables & AuditTables>();
  await migrateToLatest(database.db, [auditModule.migrations, conformanceModule.migrations]);
  const clock = new FakeClock(Date.UTC(2026, 11, 7));
  const { audit } = (await auditModule.create({ db: database.db, clock })).ports;
  let handler: CallRecordHandler | null = null;
  const mod = await conformanceModule.create({
    db: database.db,
    clock,
    audit,
    operations: IBFT_OPS.map((operationId) => ({ productSlug: 'ibft', operationId })),
    products: { listProducts: async () => [] },
    apps: { getApp: async () => ({}) },
    orgAccess: {} as OrgAccess,
    callRecords: {
      subscribe: (h) => {
        handler = h;
        return { unsubscribe() {} };
      },
    },
  });
  const records = Array.from({ length: N }, (_, i) => record(i));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH)
    await (handler as unknown as CallRecordHandler)(records.slice(i, i + BATCH));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  console.log(
    `${engine.name}: ${N} records, ${(cpuUs / N).toFixed(1)} µs CPU per record (this process), ${((wallMs * 1000) / N).toFixed(1)} µs wall per record`,
  );
  await mod.close?.();
  await database.cleanup();
}
