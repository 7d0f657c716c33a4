import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { createKeyring } from '../../platform/master-key.ts';
import type { TestEngine } from '../../platform/testing.ts';
import { type AuditTables, auditModule } from '../audit/index.ts';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from '../gateway/index.ts';
import type { Sandbox } from './index.ts';
import { migrations } from './migrations.ts';
import { BILL_SIGNED_FIELDS } from './products/bills.ts';
import { SandboxService } from './sandbox-service.ts';
import { signingString, signWithKey } from './signing.ts';
import type { SandboxTables } from './tables.ts';

/** Test support for the sandbox's own tests: a migrated database, a fake clock, a signing app key. */
export const appKeys = (() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
})();

export type SandboxFixture = {
  sandbox: Sandbox;
  /** The test's database, for tests that check the ledger's rows directly. */
  db: Kysely<SandboxTables>;
  clock: FakeClock;
  call(
    operationId: string,
    body: unknown,
    opts?: { orgId?: string; publicKeyPem?: string | null },
  ): Promise<NetworkResult>;
  op(operationId: string): NetworkOperation;
  cleanup(): Promise<void>;
};

export async function openSandbox(
  engine: TestEngine,
  opts: { timeoutDelayMs?: number } = {},
): Promise<SandboxFixture> {
  const database = await engine.open<SandboxTables & AuditTables>();
  await migrateToLatest(database.db, [auditModule.migrations, migrations]);
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const service = new SandboxService({
    db: database.db,
    clock,
    keyring: createKeyring(randomBytes(32)),
    audit: (await auditModule.create({ db: database.db, clock: clock })).ports.audit,
    timeoutDelayMs: opts.timeoutDelayMs ?? 30,
  });
  const sandbox: Sandbox = { service, operations: service.operations };
  const op = (id: string) => {
    const o = sandbox.operations.find((x) => x.operationId === id);
    if (!o) throw new Error(`no operation ${id}`);
    return o;
  };
  return {
    sandbox,
    db: database.db,
    clock,
    op,
    call: (operationId, body, o = {}) => {
      const ctx: NetworkCallContext = {
        orgId: o.orgId ?? 'org_test',
        appId: 'app_test',
        appPublicKeyPem: o.publicKeyPem === undefined ? appKeys.publicPem : o.publicKeyPem,
        body,
        query: {},
        headers: {},
        requestId: 'req_test',
        nowMs: clock.nowMs(),
      };
      return op(operationId).handle(ctx);
    },
    cleanup: () => database.cleanup(),
  };
}

let counter = 0;
/** A fresh 12-digit RRN and 6-digit STAN per call. */
export function nextRefs(): { RRN: string; STAN: string } {
  counter++;
  return { RRN: String(100000000000 + counter), STAN: String(100000 + (counter % 900000)) };
}

export function ibftBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TransactionAmount: '000000100000',
    TransmissionDateAndTime: '1123140000',
    ...nextRefs(),
    Time: '140000',
    Date: '1123',
    MerchantType: '0003',
    FromBankIMD: '998876',
    CardAcceptorTerminalId: '40260275',
    CardAcceptorIdCode: '402626030259047',
    CardAcceptorNameLocation: { Location: 'Karachi', City: 'Karachi', State: 'Sindh', Country: 'PK' },
    PaymentDetail: '0251 Family & Friends',
    CurrencyCodeTransaction: '586',
    AccountNumberFrom: '',
    AccountNumberTo: '9990000000001001',
    ToBankIMD: '221166',
    PAN: '0000000000000',
    ExpiryDate: '0000',
    PosEntMode: '000',
    BeneficiaryBankName: '1Link Model Bank',
    Reserved1: '',
    Reserved2: '',
    Reserved3: '',
    ...over,
  };
}

/** An inquiry or reversal about a transfer body (its RRN, STAN and amount). */
export function followUpBody(
  original: Record<string, unknown>,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    TransactionAmount: original.TransactionAmount,
    TransmissionDateAndTime: '1123141000',
    ...nextRefs(),
    Time: '141000',
    Date: '1123',
    MerchantType: '0003',
    FromBankIMD: '998876',
    OriginalRRN: original.RRN,
    OriginalSTAN: original.STAN,
    Reserved1: '',
    Reserved2: '',
    Reserved3: '',
    ...over,
  };
}

/** A 1Bill request signed with the test app key (HASH over the documented fields). */
export function billBody(
  op: keyof typeof BILL_SIGNED_FIELDS,
  over: Record<string, unknown> = {},
  sign = true,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ClientID: 'DARWAZA1',
    ChannelID: '00000003',
    ...nextRefs(),
    CompanyCode: 'DELEC001',
    ConsumerNo: '9900100001',
    Reserved1: '',
    Reserved2: '',
    ...over,
  };
  if (sign) body.HASH = signWithKey(appKeys.privatePem, signingString(body, BILL_SIGNED_FIELDS[op]));
  return body;
}
