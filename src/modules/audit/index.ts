import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { AuditService } from './audit-service.ts';
import { type AuditChain, type AuditChainSettings, createAuditChain } from './chain.ts';
import { auditContracts } from './contracts.ts';
import { auditErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { auditRoutes } from './routes.ts';
import type { AuditTables } from './tables.ts';

/**
 * The audit trail (the worked example of the module shape: docs/architecture.md). Other modules
 * record into it, inside their own transaction, through the `AuditLog` port; operators read it.
 */
export { auditErrors } from './errors.ts';
export { type AuditTables, auditTables } from './tables.ts';

/** What other modules may do with the audit trail: record (in their transaction) and read. */
export type AuditLog = Pick<AuditService, 'record' | 'recordBy' | 'list' | 'count'>;

/** What an audit event is about. */
export type AuditTarget = { type: string; id: string };

/**
 * A module's audit helper: `audit(ctx, action, target, { orgId, details, tx })`, where `action`
 * must be one of the module's own actions (its `const` catalogue of `domain.verb` names), so a
 * misspelt action fails `tsc`. The context says who acted and from where; `tx` joins the caller's
 * transaction so the event commits or rolls back with the change it describes.
 */
export function auditTrail<const Actions extends readonly string[]>(log: AuditLog, _actions: Actions) {
  return (
    ctx: RequestContext,
    action: Actions[number],
    target: AuditTarget | null,
    opts: { orgId?: string | null; details?: Record<string, unknown>; tx?: SharedTransaction } = {},
  ): Promise<string> =>
    log.record(
      {
        actor: ctx.actor,
        action,
        target,
        orgId: opts.orgId ?? null,
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        details: opts.details,
      },
      opts.tx,
    );
}

export type { AuditChain } from './chain.ts';
export type { AuditVerification } from './verifier.ts';

export type AuditDeps = {
  db: Kysely<AuditTables>;
  clock: Clock;
  /**
   * The checkpoints' signing key is derived from the master key unless `chain.signingKey` is set
   * (main.ts gives both; a module test that gives neither gets a key of its own, for that process).
   */
  keyring?: Keyring;
  chain?: AuditChainSettings;
  log?: Logger;
};
/** `auditChain`: the hash chain's sealer, verifier and retention (docs/audit.md). */
export type AuditPorts = { audit: AuditLog; auditChain: AuditChain };

export const auditModule = defineModule<AuditDeps, AuditPorts>({
  name: 'audit',
  migrations,
  errors: auditErrors,
  contracts: auditContracts,
  subscribes: [],
  create({ db, clock, keyring, chain: settings, log }) {
    const audit = new AuditService(db, clock);
    // Sealing, checkpoints, verification and retention run in the worker (main.ts starts it in the
    // roles that do background work); the route answers the last stored verification.
    const { chain, worker } = createAuditChain({ db, clock, keyring, settings, log });
    return {
      ports: { audit, auditChain: chain },
      routes: auditRoutes(audit, chain.verification),
      worker,
    };
  },
});
