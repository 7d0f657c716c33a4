import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { defineModule } from '../../platform/module.ts';
import { AuditService } from './audit-service.ts';
import { auditContracts } from './contracts.ts';
import { auditErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { auditRoutes } from './routes.ts';
import type { AuditTables } from './tables.ts';

/**
 * The audit trail (the worked example of the module shape: docs/architecture.md). Other modules
 * record into it, inside their own transaction, through the `AuditLog` port; operators read it.
 */
export type { Actor } from './audit-service.ts';
export { auditErrors } from './errors.ts';
export { type AuditTables, auditTables } from './tables.ts';

/** What other modules may do with the audit trail: record (in their transaction) and read. */
export type AuditLog = Pick<AuditService, 'record' | 'recordBy' | 'list' | 'count'>;

export type AuditDeps = { db: Kysely<AuditTables>; clock: Clock };
export type AuditPorts = { audit: AuditLog };

export const auditModule = defineModule<AuditDeps, AuditPorts>({
  name: 'audit',
  migrations,
  errors: auditErrors,
  contracts: auditContracts,
  subscribes: [],
  create({ db, clock }) {
    const audit = new AuditService(db, clock);
    return { ports: { audit }, routes: auditRoutes(audit) };
  },
});
