import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { bundleArchive } from './bundle-archive.ts';
import type { regulatorRequestInput, regulatorRequestView } from './contracts.ts';
import { DATA_CLASSES } from './data-classes.ts';
import type { FileRow, RequestRow, ResolvedScope } from './regulator-store.ts';
import { type RegulatorDeps, tell } from './service-deps.ts';

type RequestView = z.input<typeof regulatorRequestView>;
type Scope = { orgIds: string[]; userIds: string[]; appIds: string[] };

const fieldError = (
  code: 'regulator_scope_empty' | 'regulator_date_range_invalid' | 'regulator_data_class_unknown',
  field: string,
  message: string,
) => new AppError(code, { message, details: [{ in: 'body', field, code, message }] });

function toView(r: RequestRow, files: FileRow[] = []): RequestView {
  return {
    id: r.id,
    authority: r.authority,
    reference: r.reference,
    legalBasis: r.legal_basis,
    dueAt: r.due_at,
    scope: JSON.parse(r.scope) as Scope,
    resolvedOrgIds: JSON.parse(r.resolved_org_ids) as string[],
    dateRange: { from: r.range_from, to: r.range_to },
    dataClasses: JSON.parse(r.data_classes),
    confidential: Boolean(r.confidential),
    notes: r.notes,
    status: r.status as RequestView['status'],
    createdBy: r.created_by,
    createdAt: r.created_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    deliveredAt: r.delivered_at,
    export: {
      state: r.export_state as RequestView['export']['state'],
      rows: r.export_rows,
      progress: r.export_progress,
      error: r.export_error,
      keyId: r.key_id,
      files: files.map((f) => ({ path: f.path, size: Number(f.size), sha256: f.sha256, rows: f.rows })),
    },
  };
}

/**
 * Regulator information requests: recorded by one operator, approved by another (four eyes), the
 * bundle built by the worker (worker.ts), downloaded (delivered). Status: received → approved →
 * delivered; the bundle's own state (pending → building → ready | failed) is beside it.
 */
export class RegulatorRequests {
  readonly #d: RegulatorDeps;
  constructor(d: RegulatorDeps) {
    this.#d = d;
  }

  /**
   * Resolves a scope to what exists: every id named must exist (else 422 naming the list), and
   * together they must name something. The organisations reached are the named ones and those of
   * the apps and users named.
   */
  async resolveScope(scope: Scope, range: { from: string; to: string }): Promise<ResolvedScope> {
    const r = this.#d.reader;
    const orgs = await r.existingOrgs(scope.orgIds);
    const users = await r.existingUsers(scope.userIds);
    const apps = await r.existingApps(scope.appIds);
    for (const [field, asked, found] of [
      ['scope.orgIds', scope.orgIds, orgs],
      ['scope.userIds', scope.userIds, users],
      ['scope.appIds', scope.appIds, apps.map((a) => a.id)],
    ] as const) {
      const unknown = asked.filter((id) => !found.includes(id));
      if (unknown.length)
        throw fieldError('regulator_scope_empty', field, `${field}: no such ${unknown.join(', ')}`);
    }
    if (!orgs.length && !users.length && !apps.length)
      throw fieldError(
        'regulator_scope_empty',
        'scope',
        'scope: name at least one organisation, user or app',
      );
    const orgIds = [
      ...new Set([...orgs, ...apps.map((a) => a.org_id), ...(await r.orgsOfUsers(users))]),
    ].sort();
    return { orgIds, userIds: users, appIds: apps.map((a) => a.id), from: range.from, to: range.to };
  }

  async create(input: z.output<typeof regulatorRequestInput>, ctx: RequestContext): Promise<RequestView> {
    input.dataClasses.forEach((c, i) => {
      if (!(DATA_CLASSES as readonly string[]).includes(c))
        throw fieldError(
          'regulator_data_class_unknown',
          `dataClasses.${i}`,
          `dataClasses.${i}: unknown data class "${c}"`,
        );
    });
    const from = new Date(input.dateRange.from).toISOString();
    const to = new Date(input.dateRange.to).toISOString();
    if (from >= to)
      throw fieldError(
        'regulator_date_range_invalid',
        'dateRange.to',
        'dateRange.to must be after dateRange.from',
      );
    const resolved = await this.resolveScope(input.scope, { from, to });
    const now = this.#d.clock.nowMs();
    const id = newId('rgr', now);
    await this.#d.store.insertRequest({
      id,
      authority: input.authority,
      reference: input.reference,
      legal_basis: input.legalBasis,
      due_at: new Date(input.dueAt).toISOString(),
      scope: JSON.stringify(input.scope),
      resolved_org_ids: JSON.stringify(resolved.orgIds),
      range_from: from,
      range_to: to,
      data_classes: JSON.stringify([...new Set(input.dataClasses)]),
      confidential: input.confidential ? 1 : 0,
      notes: input.notes,
      status: 'received',
      created_by: ctx.actor.id ?? 'system',
      created_at: new Date(now).toISOString(),
      export_state: 'none',
      export_rows: 0,
    });
    await this.#d.audit(
      ctx,
      'regulator_request.create',
      { type: 'regulator_request', id },
      {
        details: { authority: input.authority, reference: input.reference, dataClasses: input.dataClasses },
      },
    );
    return this.get(id);
  }

  async get(id: string): Promise<RequestView> {
    const row = await this.#require(id);
    return toView(row, await this.#d.store.files(id));
  }

  async list(): Promise<RequestView[]> {
    return (await this.#d.store.listRequests(200)).map((r) => toView(r));
  }

  /** A second operator approves; the bundle is queued for the worker. */
  async approve(id: string, ctx: RequestContext): Promise<RequestView> {
    const row = await this.#require(id);
    if (row.created_by === ctx.actor.id) throw new AppError('regulator_self_approval');
    const ok = await this.#d.store.updateRequestIf(id, 'received', {
      status: 'approved',
      approved_by: ctx.actor.id,
      approved_at: this.#d.nowIso(),
      export_state: 'pending',
    });
    if (!ok) throw new AppError('regulator_request_state');
    await this.#d.audit(ctx, 'regulator_request.approve', { type: 'regulator_request', id });
    return this.get(id);
  }

  /**
   * The bundle as a tar stream. Every download is audited; the first marks the request delivered
   * and tells the organisations it concerns, unless the request is confidential.
   */
  async download(id: string, ctx: RequestContext) {
    const row = await this.#require(id);
    if (row.export_state !== 'ready' || !row.manifest) throw new AppError('regulator_export_not_ready');
    await this.#d.audit(
      ctx,
      'regulator_request.download',
      { type: 'regulator_request', id },
      {
        details: { keyId: row.key_id, confidential: Boolean(row.confidential) },
      },
    );
    const first = await this.#d.store.updateRequestIf(id, 'approved', {
      status: 'delivered',
      delivered_at: this.#d.nowIso(),
    });
    if (first && !row.confidential) await this.#tellOrganizations(row);
    return {
      archive: bundleArchive(this.#d.store, this.#d.keyring, row),
      filename: `regulator-export-${id}.tar`,
    };
  }

  async #tellOrganizations(row: RequestRow): Promise<void> {
    for (const orgId of JSON.parse(row.resolved_org_ids) as string[]) {
      const admins = await this.#d.reader.orgAdminIds(orgId);
      await tell(
        this.#d,
        { userIds: admins.map((a) => a.id), emails: admins.map((a) => a.email) },
        {
          kind: 'regulator_request.delivered',
          title: `Information about your organisation was given to ${row.authority}`,
          body:
            `Under the terms, the operator provided information about your organisation to ${row.authority} ` +
            `(reference ${row.reference}), covering ${row.range_from.slice(0, 10)} to ${row.range_to.slice(0, 10)}: ` +
            `${(JSON.parse(row.data_classes) as string[]).join(', ').replaceAll('_', ' ')}.`,
          link: `/orgs/${orgId}/information-requests`,
          orgId,
        },
      );
    }
  }

  async #require(id: string): Promise<RequestRow> {
    const row = await this.#d.store.findRequest(id);
    if (!row) throw new AppError('not_found');
    return row;
  }
}
