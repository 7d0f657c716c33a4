import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/contract.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { incidentDetailView, incidentInput, incidentPatch } from './contracts.ts';
import type { IncidentFilter, IncidentRow } from './enforcement-store.ts';
import type { EnforcementDeps } from './service-deps.ts';
import { actionViewOf, evidenceViewOf, type IncidentView, incidentViewOf, replyViewOf } from './views.ts';

/** What a detector (or an operator, as 'manual') reports. */
export type IncidentReport = Omit<z.output<typeof incidentInput>, 'orgId'> & {
  detector: string;
  orgId?: string | null;
};
export type IncidentDetail = z.infer<typeof incidentDetailView>;

/** At most this many evidence rows per incident: a long-running incident keeps its first samples. */
const EVIDENCE_CAP = 200;

/**
 * Incidents: reported by a detector or by hand, one live incident per (detector, subject) that
 * keeps counting (the store's upsert), moved open → acknowledged → resolved (with a reason) or
 * actioned (by an enforcement action), and read by operators and by the organisation's admins.
 * Evidence (request ids, masked samples) is copied into the incident, so it outlives the request
 * log's retention.
 */
export class Incidents {
  readonly #d: EnforcementDeps;
  constructor(deps: EnforcementDeps) {
    this.#d = deps;
  }

  /** Records a report: a new incident, or more counts and evidence on the live one. */
  async report(r: IncidentReport, ctx: RequestContext): Promise<IncidentView> {
    const d = this.#d;
    const nowMs = d.clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    const orgId = r.orgId ?? (await this.#orgOfSubject(r.subject));
    const id = newId('inc', nowMs);
    const windowStart = r.windowStart ? new Date(r.windowStart).toISOString() : nowIso;
    const windowEnd = r.windowEnd ? new Date(r.windowEnd).toISOString() : nowIso;
    const liveId = await d.store.upsertIncident({
      id,
      detector: r.detector,
      severity: r.severity,
      subject_kind: r.subject.kind,
      subject_id: r.subject.id,
      org_id: orgId,
      status: 'open',
      open_key: `${r.detector}|${r.subject.kind}|${r.subject.id}`,
      title: r.title,
      summary: r.summary,
      terms_clause: r.termsClause ?? null,
      breach_type: null,
      window_start: windowStart,
      window_end: windowEnd,
      count: r.count,
      resolution_reason: null,
      created_by: ctx.actor.id,
      created_at: nowIso,
      updated_at: nowIso,
      closed_at: null,
      closed_by: null,
    });
    const room = EVIDENCE_CAP - (liveId === id ? 0 : await d.store.countEvidence(liveId));
    const evidence = [
      ...r.requestIds.map((requestId) => ({ request_id: requestId, sample: null })),
      ...r.samples.map((s) => ({ request_id: null, sample: JSON.stringify(s) })),
    ].slice(0, Math.max(0, room));
    await d.store.insertEvidence(
      evidence.map((e) => ({ id: newId('inr', nowMs), incident_id: liveId, at: nowIso, note: null, ...e })),
    );
    if (liveId === id)
      await d.audit(
        ctx,
        'incident.create',
        { type: 'incident', id },
        { orgId, details: { detector: r.detector, severity: r.severity, subject: r.subject } },
      );
    return incidentViewOf((await d.store.findIncident(liveId))!);
  }

  async #orgOfSubject(subject: { kind: string; id: string }): Promise<string | null> {
    if (subject.kind === 'organization') {
      const org = await this.#d.orgs.getOrganization(subject.id);
      if (!org) throw new AppError('not_found', { message: 'No such organisation.' });
      return org.id;
    }
    if (subject.kind === 'app') {
      const app = await this.#d.apps.getAppById(subject.id);
      if (!app) throw new AppError('not_found', { message: 'No such app.' });
      return app.orgId;
    }
    return null;
  }

  async list(f: Partial<IncidentFilter>): Promise<{ items: IncidentView[]; total: number }> {
    const { rows, total } = await this.#d.store.listIncidents({
      ...f,
      limit: Math.min(f.limit ?? 50, 200),
      offset: f.offset ?? 0,
    });
    return { items: rows.map(incidentViewOf), total };
  }

  async require(id: string): Promise<IncidentRow> {
    const row = await this.#d.store.findIncident(id);
    if (!row) throw new AppError('not_found', { message: 'No such incident.' });
    return row;
  }

  async detail(id: string): Promise<IncidentDetail> {
    const row = await this.require(id);
    const nowIso = this.#d.nowIso();
    const [evidence, replies, actions] = await Promise.all([
      this.#d.store.evidenceOf(id),
      this.#d.store.repliesOf(id),
      this.#d.store.listActions({ incidentId: id, limit: 100 }),
    ]);
    return {
      incident: incidentViewOf(row),
      evidence: evidence.map(evidenceViewOf),
      replies: replies.map(replyViewOf),
      actions: actions.map((a) => actionViewOf(a, nowIso)),
    };
  }

  /**
   * Acknowledges or resolves the incident, and/or confirms it as a breach of a type. Returns the
   * row as it is now; confirming a breach type is the trigger policies act on (the caller runs
   * them: enforcement-policies.ts).
   */
  async update(id: string, patch: z.output<typeof incidentPatch>, ctx: RequestContext): Promise<IncidentRow> {
    const d = this.#d;
    const row = await this.require(id);
    const nowIso = d.nowIso();
    const live = row.status === 'open' || row.status === 'acknowledged';
    if (patch.status === 'resolved' && (patch.reason ?? '').length < 3)
      throw new AppError('incident_reason_required');
    if ((patch.status || patch.breachType) && !live) throw new AppError('incident_state_invalid');
    if (patch.status === 'acknowledged' && row.status !== 'open')
      throw new AppError('incident_state_invalid');
    await d.store.transaction(async (store, tx) => {
      if (patch.breachType) {
        const ok = await store.setIncidentState(
          id,
          ['open', 'acknowledged'],
          { status: 'acknowledged', breach_type: patch.breachType, updated_at: nowIso },
          tx,
        );
        if (!ok) throw new AppError('incident_state_invalid');
        await d.audit(
          ctx,
          'incident.breach_confirm',
          { type: 'incident', id },
          { orgId: row.org_id, details: { breachType: patch.breachType }, tx },
        );
      }
      if (patch.status === 'acknowledged' && !patch.breachType) {
        if (!(await store.setIncidentState(id, ['open'], { status: 'acknowledged', updated_at: nowIso }, tx)))
          throw new AppError('incident_state_invalid');
        await d.audit(ctx, 'incident.acknowledge', { type: 'incident', id }, { orgId: row.org_id, tx });
      }
      if (patch.status === 'resolved') {
        const ok = await store.setIncidentState(
          id,
          ['open', 'acknowledged'],
          {
            status: 'resolved',
            resolution_reason: patch.reason!,
            updated_at: nowIso,
            closed_at: nowIso,
            closed_by: ctx.actor.id,
          },
          tx,
        );
        if (!ok) throw new AppError('incident_state_invalid');
        await d.audit(
          ctx,
          'incident.resolve',
          { type: 'incident', id },
          { orgId: row.org_id, details: { reason: patch.reason }, tx },
        );
      }
    });
    return this.require(id);
  }

  // ---------------------------------------------------------------- the organisation's side
  /** The organisation's incident, or 404 (another organisation's incidents do not exist for it). */
  async requireOfOrg(orgId: string, id: string): Promise<IncidentRow> {
    const row = await this.#d.store.findIncident(id);
    if (!row || row.org_id !== orgId) throw new AppError('not_found', { message: 'No such incident.' });
    return row;
  }

  async reply(principal: Principal, orgId: string, id: string, body: string, ctx: RequestContext) {
    const d = this.#d;
    await this.requireOfOrg(orgId, id);
    const nowMs = d.clock.nowMs();
    const row = {
      id: newId('inr', nowMs),
      incident_id: id,
      author_role: principal.isOperator ? 'operator' : 'organization',
      author_id: principal.userId,
      body,
      created_at: new Date(nowMs).toISOString(),
    };
    await d.store.insertReply(row);
    await d.audit(ctx, 'incident.reply', { type: 'incident', id }, { orgId, details: { replyId: row.id } });
    return replyViewOf(row);
  }
}
