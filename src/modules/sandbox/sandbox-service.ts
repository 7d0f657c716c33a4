import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { AuditLog } from '../audit/index.ts';
import type { NetworkOperation } from '../gateway/index.ts';
import type { sandboxTestDataView } from './contracts.ts';
import type { SandboxCore } from './core.ts';
import { markIdempotent } from './idempotent-operations.ts';
import { BILL_RESPONSE_SIGNED_FIELDS, BILL_SIGNED_FIELDS, billOperations } from './products/bills.ts';
import { ibftOperations } from './products/ibft.ts';
import { ibftFollowUpOperations } from './products/ibft-followups.ts';
import { qrOperations } from './products/qr.ts';
import { SandboxStore } from './sandbox-store.ts';
import { accountEntry, bankEntries, billEntry, otherScenarios, reservedRangesText } from './scenarios.ts';
import { createOperatorSigner, type OperatorSigner } from './signing.ts';
import type { SandboxTables } from './tables.ts';
import { mask, pktParts } from './wire.ts';
import { DEFAULT_WORLD_SEED } from './world.ts';

export type SandboxDeps = {
  db: Kysely<SandboxTables>;
  clock: Clock;
  keyring: Keyring;
  audit: Pick<AuditLog, 'record'>;
  /** DATA_DIR; unused today (the operator key lives sealed in the database, see signing.ts). */
  dataDir?: string;
  /** Delay before a time-out scenario answers (default 2000 ms, at most 3000). */
  timeoutDelayMs?: number;
  /** World seed; every organisation's world is generated from it (default: the documented seed). */
  seed?: string;
};

/** What listSandboxTestData answers (contracts.ts: one definition). */
export type SandboxTestData = z.infer<typeof sandboxTestDataView>;

/**
 * The simulated network as a service: the network operations the gateway dispatches to, plus what
 * the portal shows and does (test data, reset). One instance per process.
 */
export class SandboxService {
  readonly store: SandboxStore;
  readonly signer: OperatorSigner;
  readonly operations: NetworkOperation[];
  readonly timeoutDelayMs: number;
  readonly seed: string;
  readonly #deps: SandboxDeps;

  constructor(deps: SandboxDeps) {
    this.#deps = deps;
    this.seed = deps.seed ?? DEFAULT_WORLD_SEED;
    this.store = new SandboxStore(deps.db, this.seed);
    this.signer = createOperatorSigner(this.store, deps.keyring, () => deps.clock.now().toISOString());
    this.timeoutDelayMs = Math.max(0, Math.min(3000, deps.timeoutDelayMs ?? 2000));
    const core: SandboxCore = {
      store: this.store,
      signer: this.signer,
      timeoutDelayMs: this.timeoutDelayMs,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      reportLiveData: async (ctx, operation, hit) => {
        const masked = mask(hit.value);
        try {
          await this.store.recordLiveData({
            orgId: ctx.orgId,
            appId: ctx.appId,
            requestId: ctx.requestId,
            operation,
            field: hit.field,
            kind: hit.finding.kind,
            maskedValue: masked,
            nowMs: ctx.nowMs,
          });
          await deps.audit.record({
            actor: { type: 'app', id: ctx.appId },
            action: 'sandbox.live_data_suspected',
            target: { type: 'app', id: ctx.appId },
            orgId: ctx.orgId,
            details: {
              operation,
              field: hit.field,
              kind: hit.finding.kind,
              value: masked,
              requestId: ctx.requestId,
            },
          });
        } catch {
          // Monitoring must not turn a refusal into a failure.
        }
      },
    };
    this.operations = markIdempotent([
      ...ibftOperations(core),
      ...ibftFollowUpOperations(core),
      ...billOperations(core),
      ...qrOperations(core),
    ]);
  }

  async ensureWorld(orgId: string): Promise<void> {
    await this.store.ensureWorld(orgId, this.#deps.clock.nowMs());
  }

  /** Restores the organisation's world from the seed in one transaction; audited. */
  async resetSandbox(
    orgId: string,
    actor: { type: 'user' | 'operator' | 'system' | 'app'; id: string | null },
    meta: { ip?: string; userAgent?: string } = {},
  ): Promise<{ orgId: string; resetAt: string; accounts: number; bills: number }> {
    const nowMs = this.#deps.clock.nowMs();
    const counts = await this.store.resetWorld(orgId, nowMs);
    await this.#deps.audit.record({
      actor,
      action: 'sandbox.reset',
      target: { type: 'organization', id: orgId },
      orgId,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      details: counts,
    });
    return { orgId, resetAt: new Date(nowMs).toISOString(), ...counts };
  }

  /**
   * 'terms.organization_terminated' (index.ts): a terminated organisation's simulated world is
   * deleted. Idempotent: the event is delivered again after any subscriber's failure.
   */
  async onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    await this.store.dropWorld(orgId);
    await this.#deps.audit.record({
      actor: { type: 'system', id: null },
      action: 'sandbox.world_deleted',
      target: { type: 'organization', id: orgId },
      orgId,
      details: { reason },
    });
  }

  async testData(orgId: string): Promise<SandboxTestData> {
    const nowMs = this.#deps.clock.nowMs();
    await this.store.ensureWorld(orgId, nowMs);
    const [accounts, billers, bills, pem] = await Promise.all([
      this.store.listAccounts(orgId),
      this.store.listBillers(orgId),
      this.store.listBills(orgId),
      this.signer.publicKeyPem(),
    ]);
    const billerMap = new Map(billers.map((b) => [b.companyCode, b]));
    const today = pktParts(nowMs).yyyymmdd;
    return {
      orgId,
      generatedFromSeed: this.seed,
      reservedRanges: reservedRangesText,
      banks: bankEntries(),
      accounts: accounts.map(accountEntry),
      bills: bills.map((b) => billEntry(b, billerMap, today)),
      otherScenarios: otherScenarios(),
      timeoutDelayMs: this.timeoutDelayMs,
      signing: {
        algorithm: 'RSA-SHA256',
        encoding: 'base64',
        separator: '|',
        requestFields: Object.fromEntries(Object.entries(BILL_SIGNED_FIELDS).map(([k, v]) => [k, [...v]])),
        responseFields: [...BILL_RESPONSE_SIGNED_FIELDS],
        operatorPublicKeyPem: pem,
      },
    };
  }
}
