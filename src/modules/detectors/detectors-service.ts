import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import { detectorsAuditActions } from './audit-actions.ts';
import { DETECTORS } from './catalogue.ts';
import type { detectorPatch, detectorView } from './contracts.ts';
import type { Detector, Finding, Severity, SubjectKind } from './detector.ts';
import { DetectorsStore } from './detectors-store.ts';
import { DetectorEngine } from './engine.ts';
import type { DetectorsTables } from './tables.ts';

/** What a detector's finding becomes: an incident report (the enforcement module's shape). */
type DetectorIncidentReport = {
  detector: string;
  severity: Severity;
  subject: { kind: SubjectKind; id: string };
  orgId?: string | null;
  title: string;
  summary: string;
  termsClause?: string;
  windowStart?: string;
  windowEnd?: string;
  count: number;
  requestIds: string[];
  samples: unknown[];
};

/** Where incidents go: the enforcement module's reporter (which also runs detector-triggered policies). */
type IncidentSink = { report(r: DetectorIncidentReport, ctx: RequestContext): Promise<unknown> };

export type DetectorsOptions = {
  db: Kysely<DetectorsTables>;
  clock: Clock;
  audit: AuditLog;
  incidents: IncidentSink;
  /** Signals that may wait before the oldest are shed. */
  maxQueued?: number;
};

type DetectorView = z.infer<typeof detectorView>;

/**
 * The detectors, their operator settings and the engine that runs them. Settings live in the
 * database; each process reads them at start and after each change it makes, and `refresh`
 * (the module's timer) picks up changes other processes made.
 */
export class DetectorsService {
  readonly engine: DetectorEngine;
  readonly #store: DetectorsStore;
  readonly #clock: Clock;
  readonly #audit: ReturnType<typeof auditTrail<typeof detectorsAuditActions>>;
  readonly #meta = new Map<string, { updatedAt: string | null; updatedBy: string | null }>();

  constructor(o: DetectorsOptions) {
    this.#store = new DetectorsStore(o.db);
    this.#clock = o.clock;
    this.#audit = auditTrail(o.audit, detectorsAuditActions);
    const ctx = systemContext('detectors');
    this.engine = new DetectorEngine({
      detectors: DETECTORS,
      nowMs: () => o.clock.nowMs(),
      ...(o.maxQueued ? { maxQueued: o.maxQueued } : {}),
      report: async (d, f) => {
        await o.incidents.report(reportOf(d, f), ctx);
      },
    });
  }

  /** Reads the stored settings into the engine (a stored value the schema now refuses keeps the default). */
  async refresh(): Promise<void> {
    for (const row of await this.#store.listSettings()) {
      const d = DETECTORS.find((x) => x.id === row.detector_id);
      if (!d) continue;
      const parsed = d.thresholds.safeParse({ ...d.defaults, ...(JSON.parse(row.thresholds) as object) });
      this.engine.configure(d.id, {
        enabled: Boolean(row.enabled),
        thresholds: parsed.success ? parsed.data : d.defaults,
      });
      this.#meta.set(d.id, { updatedAt: row.updated_at, updatedBy: row.updated_by });
    }
  }

  list(): DetectorView[] {
    return DETECTORS.map((d) => this.#view(d));
  }

  async update(
    id: string,
    patch: z.output<typeof detectorPatch>,
    ctx: RequestContext,
  ): Promise<DetectorView> {
    const d = DETECTORS.find((x) => x.id === id);
    if (!d) throw new AppError('not_found', { message: 'No such detector.' });
    const current = this.engine.settings(id)!;
    const merged = { ...current.thresholds, ...(patch.thresholds ?? {}) };
    const parsed = d.thresholds.safeParse(merged);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = `thresholds.${issue.path.map(String).join('.') || (issue as { keys?: string[] }).keys?.join(',') || ''}`;
      throw new AppError('detector_threshold_invalid', {
        message: `${field}: ${issue.message}`,
        details: {
          field,
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
        },
      });
    }
    const next = { enabled: patch.enabled ?? current.enabled, thresholds: parsed.data };
    const nowIso = this.#clock.now().toISOString();
    await this.#store.saveSettings({
      detector_id: id,
      enabled: next.enabled ? 1 : 0,
      thresholds: JSON.stringify(next.thresholds),
      updated_by: ctx.actor.id,
      updated_at: nowIso,
    });
    this.engine.configure(id, next);
    this.#meta.set(id, { updatedAt: nowIso, updatedBy: ctx.actor.id });
    await this.#audit(
      ctx,
      'detector.update',
      { type: 'detector', id },
      { details: { before: current, after: next } },
    );
    return this.#view(d);
  }

  #view(d: Detector): DetectorView {
    const s = this.engine.settings(d.id)!;
    const meta = this.#meta.get(d.id);
    return {
      id: d.id,
      title: d.title,
      rule: d.rule,
      termsClause: d.termsClause,
      severity: d.severity,
      enabled: s.enabled,
      thresholds: s.thresholds,
      defaults: d.defaults,
      updatedAt: meta?.updatedAt ?? null,
      updatedBy: meta?.updatedBy ?? null,
    };
  }
}

function reportOf(d: Detector, f: Finding): DetectorIncidentReport {
  return {
    detector: d.id,
    severity: f.severity ?? d.severity,
    subject: f.subject,
    ...(f.orgId !== undefined ? { orgId: f.orgId } : {}),
    title: f.title.slice(0, 200),
    summary: f.summary.slice(0, 4000),
    termsClause: d.termsClause.slice(0, 200),
    windowStart: new Date(f.windowStartMs).toISOString(),
    windowEnd: new Date(f.windowEndMs).toISOString(),
    count: Math.max(1, Math.min(f.count, 1_000_000)),
    requestIds: f.requestIds.slice(-50).map((id) => id.slice(0, 60)),
    samples: f.samples.slice(0, 20),
  };
}
