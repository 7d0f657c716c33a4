import type { Clock } from '../../platform/clock.ts';
import { DAY } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import { type TermsAudit, termsAuditActions } from './audit-actions.ts';
import { contextFor, emailsOf, invalidEffectiveAt } from './terms-parts.ts';
import type { TermsService } from './terms-service.ts';
import type { Termination, TerminationKind, TermsStore } from './terms-store.ts';

/**
 * Ending an organisation's use of the platform.
 *
 * - The organisation's owner gives written notice (`request`) with a date at least the operator's
 *   termination notice period away (default 30 days) and may withdraw it before that date.
 * - Operators terminate at once with a reason; the monitoring rules call `terminateForBreach`.
 * - On the date (the worker's `processDueTerminations`, and refused at once by the gateway check
 *   even before the worker runs) the event `terms.organization_terminated` is delivered to every
 *   subscriber in order (events.ts) — organisations mark the organisation terminated and close
 *   its members' sessions, apps revoke credentials and end subscriptions, the sandbox deletes its
 *   simulated world — then the termination is recorded as completed with the date until which
 *   the organisation's data is kept read-only. Subscribers must be idempotent: if one fails the
 *   error is recorded on the termination, which stays pending (access is already refused), and
 *   the next tick delivers the whole event again.
 */
export type TerminationServiceDeps = {
  clock: Clock;
  audit: AuditLog;
  notifications: Notices;
  mailer: MailOutbox;
  terms: TermsService;
  users?: UserDirectory | null;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl?: string;
  /** Carries `terms.organization_terminated` to the modules that end what they hold. */
  events: EventEmitter;
  log?: Logger;
};

export class TerminationService {
  readonly #events: EventEmitter;
  readonly #store: TermsStore;
  readonly #clock: Clock;
  readonly #audit: TermsAudit;
  readonly #notifications: Notices;
  readonly #mailer: MailOutbox;
  readonly #terms: TermsService;
  readonly #users: UserDirectory | null;
  readonly #log: Logger | undefined;
  readonly #publicUrl: string;
  readonly #listeners: ((orgId: string) => void)[] = [];

  constructor(deps: TerminationServiceDeps) {
    this.#store = deps.terms.store;
    this.#clock = deps.clock;
    this.#audit = auditTrail(deps.audit, termsAuditActions);
    this.#notifications = deps.notifications;
    this.#mailer = deps.mailer;
    this.#terms = deps.terms;
    this.#users = deps.users ?? null;
    this.#events = deps.events;
    this.#log = deps.log;
    this.#publicUrl = deps.publicUrl ?? '';
  }

  onChange(listener: (orgId: string) => void): void {
    this.#listeners.push(listener);
  }
  #changed(orgId: string): void {
    for (const l of this.#listeners) l(orgId);
  }

  /** The organisation's pending or completed termination (null when none). */
  async current(orgId: string): Promise<Termination | null> {
    return this.#store.liveTermination(orgId);
  }

  /** For members (and operators): the live termination and every earlier notice. */
  async get(
    principal: Principal,
    orgId: string,
  ): Promise<{ current: Termination | null; history: Termination[] }> {
    await this.#terms.orgAccess.requireMember(principal, orgId, 'viewer', { allowOperator: true });
    const history = await this.#store.terminationsOf(orgId);
    return {
      current: history.find((t) => t.status === 'pending' || t.status === 'completed') ?? null,
      history,
    };
  }

  /** Written notice by the organisation's owner; `effectiveAt` defaults to the earliest allowed. */
  async request(
    principal: Principal,
    orgId: string,
    input: { effectiveAt?: string | Date; reason?: string | null },
    ctx: RequestContext = contextFor(principal),
  ): Promise<Termination> {
    await this.#terms.orgAccess.requireMember(principal, orgId, 'owner');
    const settings = await this.#terms.getSettings();
    const nowMs = this.#clock.nowMs();
    const earliestMs = nowMs + settings.terminationNoticeDays * DAY;
    const effectiveMs = input.effectiveAt === undefined ? earliestMs : new Date(input.effectiveAt).getTime();
    if (!Number.isFinite(effectiveMs)) {
      throw invalidEffectiveAt();
    }
    if (effectiveMs < earliestMs) {
      throw new AppError('termination_too_soon', {
        message: `Termination needs ${settings.terminationNoticeDays} days' written notice: the earliest date is ${new Date(earliestMs).toISOString()}.`,
        details: {
          noticeDays: settings.terminationNoticeDays,
          earliestEffectiveAt: new Date(earliestMs).toISOString(),
        },
      });
    }
    const t: Termination = {
      id: newId('tmn', nowMs),
      orgId,
      kind: 'notice',
      status: 'pending',
      reason: input.reason ?? null,
      requestedBy: principal.userId,
      requestedAt: new Date(nowMs).toISOString(),
      effectiveAt: new Date(effectiveMs).toISOString(),
      withdrawnAt: null,
      withdrawnBy: null,
      completedAt: null,
      retentionUntil: null,
      lastError: null,
    };
    const members = await this.#terms.orgAccess.memberUserIds(orgId).catch(() => [principal.userId]);
    const emails = await emailsOf(
      this.#users,
      await this.#terms.orgAccess.memberUserIds(orgId, 'admin').catch(() => []),
    );
    const title = 'Notice of termination received';
    const body = `Your organisation's access ends on ${t.effectiveAt.slice(0, 10)} (${t.effectiveAt}). Until then everything keeps working, and the owner can withdraw the notice. On that date credentials are revoked, subscriptions end, sessions close and the organisation's data becomes read-only for ${settings.retentionDays} days.`;
    try {
      await this.#store.inTransaction(async (tx) => {
        await this.#store.insertTermination(t, tx);
        await this.#audit(
          ctx,
          'org.termination_request',
          { type: 'organization', id: orgId },
          {
            orgId,
            details: {
              terminationId: t.id,
              effectiveAt: t.effectiveAt,
              noticeDays: settings.terminationNoticeDays,
              reason: t.reason,
            },
            tx,
          },
        );
        await this.#notifications.notify(
          members,
          { kind: 'org.termination_requested', title, body, link: `/orgs/${orgId}/termination`, orgId },
          tx,
        );
        for (const to of emails)
          await this.#mailer.send(
            {
              to,
              subject: title,
              text: `${body}\n\nSee or withdraw the notice:\n${this.#publicUrl}/orgs/${orgId}/termination\n`,
              kind: 'org.termination_requested',
            },
            tx,
          );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('termination_already_requested');
      throw err;
    }
    this.#changed(orgId);
    return t;
  }

  /** Withdraws a pending notice before its date; nothing has been ended yet, so nothing is restored. */
  async withdraw(
    principal: Principal,
    orgId: string,
    ctx: RequestContext = contextFor(principal),
  ): Promise<Termination> {
    await this.#terms.orgAccess.requireMember(principal, orgId, 'owner');
    const live = await this.#store.liveTermination(orgId);
    const nowIso = this.#clock.now().toISOString();
    if (live?.status !== 'pending' || live.kind !== 'notice' || live.effectiveAt <= nowIso) {
      throw new AppError('termination_not_pending');
    }
    const members = await this.#terms.orgAccess.memberUserIds(orgId).catch(() => [principal.userId]);
    await this.#store.inTransaction(async (tx) => {
      const ok = await this.#store.finishPending(
        live.id,
        'withdrawn',
        { withdrawnAt: nowIso, withdrawnBy: principal.userId },
        tx,
      );
      if (!ok) throw new AppError('termination_not_pending');
      await this.#audit(
        ctx,
        'org.termination_withdraw',
        { type: 'organization', id: orgId },
        { orgId, details: { terminationId: live.id, effectiveAt: live.effectiveAt }, tx },
      );
      await this.#notifications.notify(
        members,
        {
          kind: 'org.termination_withdrawn',
          title: 'Notice of termination withdrawn',
          body: `The notice to end access on ${live.effectiveAt.slice(0, 10)} was withdrawn; nothing changes.`,
          link: `/orgs/${orgId}/termination`,
          orgId,
        },
        tx,
      );
    });
    this.#changed(orgId);
    return (await this.#store.getTermination(live.id))!;
  }

  /** Operators end an organisation's access at once, with a reason. */
  async terminateByOperator(
    principal: Principal,
    orgId: string,
    reason: string,
    ctx: RequestContext = contextFor(principal),
  ): Promise<Termination> {
    if (!principal.isOperator) throw new AppError('forbidden');
    return this.#terminateNow(principal, 'operator', orgId, reason, ctx);
  }

  /**
   * Termination on a breach of the terms: immediate, with the rule that fired (an enforcement
   * policy's id, or the operator's action) and its evidence in the audit trail. The enforcement
   * module calls it (its `terminate_org` actions and policies); `ctx` says who acted (the operator,
   * or the system for a policy).
   */
  async terminateForBreach(
    orgId: string,
    breach: { rule: string; reason: string; evidence?: Record<string, unknown> },
    ctx: RequestContext = systemContext(),
  ): Promise<Termination> {
    return this.#terminateNow(
      null,
      'automatic',
      orgId,
      `${breach.rule}: ${breach.reason}`,
      ctx,
      breach.evidence,
    );
  }

  async #terminateNow(
    principal: Principal | null,
    kind: TerminationKind,
    orgId: string,
    reason: string,
    ctx: RequestContext,
    evidence?: Record<string, unknown>,
  ): Promise<Termination> {
    const org = await this.#terms.orgAccess.getOrganization(orgId);
    if (!org) throw new AppError('not_found', { message: 'No such organisation.' });
    const nowIso = this.#clock.now().toISOString();
    const t: Termination = {
      id: newId('tmn', this.#clock.nowMs()),
      orgId,
      kind,
      status: 'pending',
      reason,
      requestedBy: principal?.userId ?? null,
      requestedAt: nowIso,
      effectiveAt: nowIso,
      withdrawnAt: null,
      withdrawnBy: null,
      completedAt: null,
      retentionUntil: null,
      lastError: null,
    };
    try {
      await this.#store.inTransaction(async (tx) => {
        const live = await this.#store.liveTermination(orgId, tx);
        if (live?.status === 'completed')
          throw new AppError('organization_terminated', {
            message: 'This organisation is already terminated.',
          });
        // An earlier notice with a later date is overtaken by the immediate termination.
        if (live) await this.#store.finishPending(live.id, 'superseded', {}, tx);
        await this.#store.insertTermination(t, tx);
        await this.#audit(
          ctx,
          kind === 'automatic' ? 'org.terminate_for_breach' : 'org.terminate',
          { type: 'organization', id: orgId },
          {
            orgId,
            details: {
              terminationId: t.id,
              reason,
              supersedes: live?.id ?? null,
              evidence: evidence ?? null,
            },
            tx,
          },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('termination_already_requested');
      throw err;
    }
    this.#changed(orgId);
    await this.#complete(t);
    return (await this.#store.getTermination(t.id))!;
  }

  /**
   * Carries out every termination whose date has come. The worker calls this periodically; tests
   * call it with a fake clock. Returns how many were completed.
   */
  async processDueTerminations(now: Date = this.#clock.now()): Promise<number> {
    const due = await this.#store.dueTerminations(now.toISOString());
    let n = 0;
    for (const t of due) if (await this.#complete(t)) n++;
    return n;
  }

  async #complete(t: Termination): Promise<boolean> {
    // Read members before the subscribers end memberships and sessions.
    const members = await this.#terms.orgAccess.memberUserIds(t.orgId).catch(() => [] as string[]);
    const emails = await emailsOf(this.#users, members);
    const reason =
      t.reason ?? (t.kind === 'notice' ? 'terminated at the organisation’s request' : 'terminated');
    // Every subscriber, in order; the first failure stops the rest and the whole event is
    // delivered again on a later pass (the termination stays pending with the error recorded).
    try {
      await this.#events.emit('terms.organization_terminated', { orgId: t.orgId, reason });
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      this.#log?.error(
        { orgId: t.orgId, terminationId: t.id, err: msg },
        'termination handler failed; will retry',
      );
      await this.#store.setTerminationError(t.id, msg).catch(() => {});
      return false;
    }
    const settings = await this.#terms.getSettings();
    const nowMs = this.#clock.nowMs();
    const completedAt = new Date(nowMs).toISOString();
    const retentionUntil = new Date(nowMs + settings.retentionDays * DAY).toISOString();
    let done = false;
    await this.#store.inTransaction(async (tx) => {
      done = await this.#store.finishPending(t.id, 'completed', { completedAt, retentionUntil }, tx);
      if (!done) return;
      await this.#audit(
        systemContext(),
        'org.terminated',
        { type: 'organization', id: t.orgId },
        { orgId: t.orgId, details: { terminationId: t.id, kind: t.kind, reason, retentionUntil }, tx },
      );
      const title = 'Your organisation’s access has ended';
      const body = `Reason: ${reason}. Credentials are revoked, subscriptions ended and sessions closed. The organisation's data stays available read-only until ${retentionUntil.slice(0, 10)}.`;
      await this.#notifications.notify(members, { kind: 'org.terminated', title, body, orgId: t.orgId }, tx);
      for (const to of emails)
        await this.#mailer.send({ to, subject: title, text: `${body}\n`, kind: 'org.terminated' }, tx);
    });
    this.#changed(t.orgId);
    return done;
  }
}
