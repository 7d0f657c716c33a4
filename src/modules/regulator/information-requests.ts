import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { informationRequestView } from './contracts.ts';
import type { InformationRow } from './regulator-store.ts';
import { type RegulatorDeps, tell } from './service-deps.ts';

type InformationView = z.input<typeof informationRequestView>;

function toView(r: InformationRow): InformationView {
  return {
    id: r.id,
    orgId: r.org_id,
    subject: r.subject,
    body: r.body,
    dueAt: r.due_at,
    status: r.status as InformationView['status'],
    createdBy: r.created_by,
    createdAt: r.created_at,
    answer: r.answer,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at,
  };
}

/**
 * The operator's requests for information to an API user (terms (d), (i)): addressed to an
 * organisation, answered in text by its owners or admins in the portal. received → answered, once.
 */
export class InformationRequests {
  readonly #d: RegulatorDeps;
  constructor(d: RegulatorDeps) {
    this.#d = d;
  }

  async create(
    input: { orgId: string; subject: string; body: string; dueAt?: string },
    ctx: RequestContext,
  ): Promise<InformationView> {
    if (!(await this.#d.reader.existingOrgs([input.orgId])).length) throw new AppError('not_found');
    const now = this.#d.clock.nowMs();
    const id = newId('ifr', now);
    await this.#d.store.insertInformation({
      id,
      org_id: input.orgId,
      subject: input.subject,
      body: input.body,
      due_at: input.dueAt ? new Date(input.dueAt).toISOString() : null,
      status: 'received',
      created_by: ctx.actor.id ?? 'system',
      created_at: new Date(now).toISOString(),
    });
    await this.#d.audit(
      ctx,
      'information_request.create',
      { type: 'information_request', id },
      { orgId: input.orgId },
    );
    const admins = await this.#d.reader.orgAdminIds(input.orgId);
    await tell(
      this.#d,
      { userIds: admins.map((a) => a.id), emails: admins.map((a) => a.email) },
      {
        kind: 'information_request.received',
        title: `The operator asks for information: ${input.subject}`,
        body: `${input.body}${input.dueAt ? `\n\nPlease answer by ${input.dueAt.slice(0, 10)}.` : ''}`,
        link: `/orgs/${input.orgId}/information-requests`,
        orgId: input.orgId,
      },
    );
    return toView((await this.#d.store.findInformation(id))!);
  }

  async list(orgId: string | null): Promise<InformationView[]> {
    return (await this.#d.store.listInformation(orgId, 200)).map(toView);
  }

  /** The organisation's answer; another organisation's request is not found. */
  async answer(orgId: string, id: string, answer: string, ctx: RequestContext): Promise<InformationView> {
    const row = await this.#d.store.findInformation(id);
    if (!row || row.org_id !== orgId) throw new AppError('not_found');
    const ok = await this.#d.store.answerInformation(id, {
      answer,
      answered_by: ctx.actor.id ?? 'system',
      answered_at: this.#d.nowIso(),
    });
    if (!ok) throw new AppError('information_request_answered');
    await this.#d.audit(ctx, 'information_request.answer', { type: 'information_request', id }, { orgId });
    await this.#d.notifications.notify(await this.#d.reader.operatorIds(), {
      kind: 'information_request.answered',
      title: `An organisation answered: ${row.subject}`,
      body: answer.slice(0, 500),
      link: '/operator/regulator',
      orgId,
    });
    return toView((await this.#d.store.findInformation(id))!);
  }
}
