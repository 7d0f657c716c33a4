import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { writeCsv } from '../../platform/csv.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, RequestContext } from '../../platform/request-context.ts';
import type { AuditAuditAction } from './audit-actions.ts';
import { type AuditEventRow, type AuditFilter, AuditStore } from './audit-store.ts';
import { AUDIT_CSV_MAX_ROWS, type auditEventView, type auditQuery } from './contracts.ts';
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

  /** Newest first; the filters of `AuditQuery` (the operators' search uses `page`). */
  async list(q: AuditQuery): Promise<AuditEvent[]> {
    const rows = await this.#store.list(toFilter(q, Math.min(q.limit ?? 100, 1000)));
    return rows.map(toView);
  }

  /**
   * One page of the operators' search: `nextCursor` (the page's last id) fetches the next, older
   * page and is null when nothing older matches.
   */
  async page(q: AuditQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const limit = Math.min(q.limit ?? 100, 1000);
    const rows = await this.#store.list(toFilter(q, limit + 1));
    const items = rows.slice(0, limit).map(toView);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  /**
   * The events the filters select as CSV (newest first), recorded as an export by `ctx` after the
   * read, with the filters and the row count. More than AUDIT_CSV_MAX_ROWS is refused, not cut.
   */
  async exportCsv(ctx: RequestContext, q: AuditQuery): Promise<string> {
    const rows = await this.#store.list(toFilter({ ...q, cursor: undefined }, AUDIT_CSV_MAX_ROWS + 1));
    if (rows.length > AUDIT_CSV_MAX_ROWS) throw new AppError('audit_export_too_large');
    const events = rows.map(toView);
    const { cursor: _c, limit: _l, ...filters } = q;
    const action: AuditAuditAction = 'audit.events_exported';
    await this.recordBy(ctx, {
      action,
      orgId: q.orgId ?? null,
      details: { format: 'csv', rows: events.length, filters },
    });
    return writeCsv([
      CSV_COLUMNS,
      ...events.map((e) => [
        e.id,
        e.at,
        e.actorType,
        e.actorId,
        e.action,
        e.targetType,
        e.targetId,
        e.orgId,
        e.ip,
        e.userAgent,
        JSON.stringify(e.details),
      ]),
    ]);
  }

  count(action?: string): Promise<number> {
    return this.#store.count(action);
  }
}

const CSV_COLUMNS = [
  'id',
  'at',
  'actorType',
  'actorId',
  'action',
  'targetType',
  'targetId',
  'orgId',
  'ip',
  'userAgent',
  'details',
] as const;

/** Times compare as stored (UTC ISO text), so a `from`/`to` with an offset is converted first. */
function toFilter(q: AuditQuery, limit: number): AuditFilter {
  return {
    orgId: q.orgId,
    actorId: q.actorId,
    action: q.action,
    actionPrefix: q.actionPrefix,
    targetType: q.targetType,
    targetId: q.targetId,
    from: q.from === undefined ? undefined : new Date(q.from).toISOString(),
    to: q.to === undefined ? undefined : new Date(q.to).toISOString(),
    before: q.cursor,
    limit,
  };
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
