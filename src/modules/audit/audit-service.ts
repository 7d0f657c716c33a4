import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor } from '../../platform/request-context.ts';
import { type AuditEventRow, AuditStore } from './audit-store.ts';
import type { auditEventView, auditQuery } from './contracts.ts';
import type { AuditTables } from './tables.ts';

/**
 * The audit trail: append-only. Every security-relevant or administrative action is recorded with
 * who did it, to what, for which organisation, from where. Callers pass their transaction so the
 * event commits (or rolls back) with the change it describes. The store has no update or delete.
 */
export type { Actor };

export type AuditInput = {
  actor: Actor;
  action: string;
  target?: { type: string; id: string } | null;
  orgId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
};

export type AuditEvent = z.infer<typeof auditEventView>;

export type AuditQuery = z.infer<typeof auditQuery>;

export class AuditService {
  readonly #store: AuditStore;
  readonly #clock: Clock;
  constructor(db: Kysely<AuditTables>, clock: Clock) {
    this.#store = new AuditStore(db);
    this.#clock = clock;
  }

  async record(input: AuditInput, tx?: SharedTransaction): Promise<string> {
    const now = this.#clock.nowMs();
    const id = newId('evt', now);
    await this.#store.insert(
      {
        id,
        at: new Date(now).toISOString(),
        actor_type: input.actor.type,
        actor_id: input.actor.id,
        action: input.action,
        target_type: input.target?.type ?? null,
        target_id: input.target?.id ?? null,
        org_id: input.orgId ?? null,
        ip: input.ip ?? null,
        user_agent: input.userAgent ?? null,
        details: JSON.stringify(input.details ?? {}),
      },
      // Both forms are the caller's transaction at run time (TODO(25): only SharedTransaction).
      tx,
    );
    return id;
  }

  /**
   * Records an event on behalf of a request context (who acted, from where): the common case for
   * services, which carry `{ actor, ip, userAgent }` from the route to here.
   */
  recordBy(
    ctx: { actor: Actor; ip?: string | null; userAgent?: string | null },
    event: Omit<AuditInput, 'actor' | 'ip' | 'userAgent'>,
    tx?: SharedTransaction,
  ): Promise<string> {
    return this.record({ ...event, actor: ctx.actor, ip: ctx.ip, userAgent: ctx.userAgent }, tx);
  }

  async list(q: AuditQuery): Promise<AuditEvent[]> {
    const rows = await this.#store.list({ ...q, limit: Math.min(q.limit ?? 100, 1000) });
    return rows.map(toView);
  }

  count(action?: string): Promise<number> {
    return this.#store.count(action);
  }
}

function toView(r: AuditEventRow): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    // Written only from `Actor['type']` (record above).
    actorType: r.actor_type as Actor['type'],
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    orgId: r.org_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: JSON.parse(r.details),
  };
}
