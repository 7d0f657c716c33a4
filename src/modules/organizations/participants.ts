import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type ParticipantView, participantById, participantViewOf } from './org-views.ts';
import { nowIso, type OrgServiceDeps, withoutUserAgent } from './service-deps.ts';

/**
 * Corporate participants (the banks organisations name) and the people who review for them:
 * operators add both; each change is audited in the same transaction.
 */
export class Participants {
  readonly #d: OrgServiceDeps;
  constructor(deps: OrgServiceDeps) {
    this.#d = deps;
  }

  async createParticipant(
    input: { name: string; code?: string | null; emailDomain?: string | null },
    ctx: RequestContext,
  ): Promise<ParticipantView> {
    const { store, clock, audit } = this.#d;
    const id = newId('par', clock.nowMs());
    const now = nowIso(clock);
    try {
      await store.transaction(async (tx) => {
        await store.insertParticipant(
          {
            id,
            name: input.name.trim(),
            code: input.code ?? null,
            email_domain: input.emailDomain?.toLowerCase() ?? null,
            created_at: now,
          },
          tx,
        );
        await audit(
          ctx,
          'participant.created',
          { type: 'participant', id },
          { details: { name: input.name }, tx },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'A participant with this name exists.' });
      throw err;
    }
    return (await this.getParticipant(id))!;
  }

  getParticipant(id: string): Promise<ParticipantView | null> {
    return participantById(this.#d, id);
  }

  async findParticipantByName(name: string): Promise<ParticipantView | null> {
    const id = await this.#d.store.participantIdByName(name);
    return id ? this.getParticipant(id) : null;
  }

  async listParticipants(): Promise<ParticipantView[]> {
    const rows = await this.#d.store.listParticipants();
    return rows.map(participantViewOf);
  }

  async addParticipantReviewer(
    participantId: string,
    userIdOrEmail: string,
    ctx: RequestContext,
  ): Promise<{ participantId: string; userId: string }> {
    const { store, identity, audit } = this.#d;
    if (!(await this.getParticipant(participantId))) throw new AppError('not_found');
    const userId = userIdOrEmail.startsWith('usr_')
      ? userIdOrEmail
      : await identity.findUserIdByEmail(userIdOrEmail);
    const user = userId ? await identity.getUser(userId) : null;
    if (!user) throw new AppError('not_found', { message: 'No account with this e-mail or id.' });
    try {
      await store.transaction(async (tx) => {
        await store.insertReviewer(
          { participant_id: participantId, user_id: user.id, created_at: nowIso(this.#d.clock) },
          tx,
        );
        await audit(
          ctx,
          'participant.reviewer_added',
          { type: 'user', id: user.id },
          { details: { participantId }, tx },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'This person is already a reviewer.' });
      throw err;
    }
    return { participantId, userId: user.id };
  }

  async removeParticipantReviewer(participantId: string, userId: string, ctx: RequestContext): Promise<void> {
    const { store, audit } = this.#d;
    await store.transaction(async (tx) => {
      if ((await store.deleteReviewer(participantId, userId, tx)) !== 1) throw new AppError('not_found');
      await audit(
        withoutUserAgent(ctx),
        'participant.reviewer_removed',
        { type: 'user', id: userId },
        { details: { participantId }, tx },
      );
    });
  }

  async listParticipantReviewers(
    participantId: string,
  ): Promise<Array<{ userId: string; name: string; email: string }>> {
    const userIds = await this.#d.store.reviewerUserIds(participantId);
    const out = [];
    for (const userId of userIds) {
      const u = await this.#d.identity.getUser(userId);
      if (u) out.push({ userId: u.id, name: u.name, email: u.email });
    }
    return out;
  }

  /** The participants the caller reviews for (empty for most users). */
  async myReviewerParticipants(principal: Principal): Promise<ParticipantView[]> {
    const ids = await this.#d.store.reviewerParticipantIds(principal.userId);
    const out: ParticipantView[] = [];
    for (const id of ids) {
      const p = await this.getParticipant(id);
      if (p) out.push(p);
    }
    return out;
  }
}
