import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { ChainStore } from './chain-store.ts';
import { CHECKPOINT_SEED_PURPOSE, signerFromSeed, trustedKeys } from './checkpoint-keys.ts';
import { AuditSealer } from './sealer.ts';
import type { AuditTables } from './tables.ts';
import { type AuditVerification, type AuditVerificationPort, AuditVerifier } from './verifier.ts';

/**
 * The hash chain's parts, built once per process (docs/audit.md): the sealer, the verifier and
 * retention, and the worker that runs them in the roles that do background work.
 */
export type AuditChainSettings = {
  /** AUDIT_SIGNING_KEY: the Ed25519 seed (base64, 32 bytes); unset: derived from MASTER_KEY. */
  signingKey?: string;
  /** AUDIT_TRUSTED_KEYS: earlier public keys (base64, comma-separated) still trusted after a rotation. */
  trustedKeys?: string;
  /** AUDIT_RETENTION_MONTHS (at least 12). */
  retentionMonths: number;
  /** AUDIT_VERIFY_INTERVAL_MINUTES: how often the worker runs a full verification. */
  verifyIntervalMinutes: number;
};

export type AuditChain = {
  verification: AuditVerificationPort;
  /** Seals committed unsealed events now (the worker does it every SEAL_INTERVAL_MS). */
  sealPending(): Promise<number>;
  /** Removes events older than the retention period, up to the newest checkpoint before it. */
  prune(): Promise<number>;
  /** The public key checkpoints are signed with (base64, 32 bytes) and its id. */
  publicKey: { keyId: string; base64: string };
};

const DEFAULT_SETTINGS: AuditChainSettings = { retentionMonths: 12, verifyIntervalMinutes: 60 };

/** How often the worker seals (the latency from a commit to its event's hash). */
const SEAL_INTERVAL_MS = 1000;
const PRUNE_INTERVAL_MS = 6 * 3_600_000;

export function createAuditChain(deps: {
  db: Kysely<AuditTables>;
  clock: Clock;
  keyring?: Keyring;
  settings?: AuditChainSettings;
  log?: Logger;
}): { chain: AuditChain; worker: { start(): void; stop(): Promise<void> } } {
  const { clock, log } = deps;
  const settings = deps.settings ?? DEFAULT_SETTINGS;
  const store = new ChainStore(deps.db);
  const seed = settings.signingKey
    ? Buffer.from(settings.signingKey, 'base64')
    : (deps.keyring?.seed(CHECKPOINT_SEED_PURPOSE) ?? randomBytes(32));
  const signer = signerFromSeed(seed);
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const sealer = new AuditSealer({ store, clock, signer, owner });
  const verifier = new AuditVerifier({
    store,
    clock,
    keys: trustedKeys(signer.rawPublic, settings.trustedKeys),
  });

  const prune = async (): Promise<number> => {
    const cutoff = new Date(clock.nowMs());
    cutoff.setUTCMonth(cutoff.getUTCMonth() - settings.retentionMonths);
    const boundary = await store.newestCheckpointBefore(cutoff.toISOString());
    return boundary ? store.pruneThrough(boundary.seq) : 0;
  };
  const chain: AuditChain = {
    verification: verifier,
    sealPending: () => sealer.sealPending(),
    prune,
    publicKey: { keyId: signer.keyId, base64: signer.rawPublic.toString('base64') },
  };

  const timers: Array<ReturnType<typeof setInterval>> = [];
  const every = (ms: number, name: string, fn: () => Promise<unknown>) => {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        await fn();
      } catch (err) {
        log?.error({ err: (err as Error).message }, `audit ${name} failed`);
      } finally {
        running = false;
      }
    };
    const t = setInterval(() => void run(), ms);
    t.unref();
    timers.push(t);
    void run();
  };
  const verifyAndReport = async () => {
    await sealer.sealPending();
    const r: AuditVerification = await verifier.verify();
    if (r.intact) log?.info({ sealed: r.sealed, ms: r.durationMs }, 'audit chain verified intact');
    else log?.error({ damage: r.firstDamage }, 'audit chain damaged');
  };
  const worker = {
    start() {
      if (timers.length > 0) return;
      every(SEAL_INTERVAL_MS, 'sealing', () => sealer.sealPending());
      every(settings.verifyIntervalMinutes * 60_000, 'verification', verifyAndReport);
      every(PRUNE_INTERVAL_MS, 'retention', prune);
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      // A last pass so events committed before the stop are sealed; then the lease goes.
      await sealer.sealPending().catch(() => 0);
      await sealer.release().catch(() => {});
    },
  };
  return { chain, worker };
}
