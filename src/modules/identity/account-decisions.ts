import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { actorOf, type RequestContext, systemContext } from '../../platform/request-context.ts';
import type { Eligibility } from './eligibility.ts';
import { type IdentityKit, normEmail } from './identity-kit.ts';
import { type AdminUserView, toAdminUserView } from './user-views.ts';

/**
 * Operators' decisions on accounts waiting for review: approve (also a rejected account, on appeal)
 * or reject with a reason; the user is told in the portal and by mail. The CLI approves as the
 * system. Also the operators' list of accounts.
 */
export class AccountDecisions {
  readonly #kit: IdentityKit;
  readonly #eligibility: Eligibility;

  constructor(kit: IdentityKit, eligibility: Eligibility) {
    this.#kit = kit;
    this.#eligibility = eligibility;
  }

  async approveAccount(operator: Principal, userId: string, ctx: RequestContext): Promise<AdminUserView> {
    return this.#decide(operator, userId, 'active', null, ctx);
  }

  async rejectAccount(
    operator: Principal,
    userId: string,
    reason: string,
    ctx: RequestContext,
  ): Promise<AdminUserView> {
    return this.#decide(operator, userId, 'rejected', reason, ctx);
  }

  async #decide(
    operator: Principal | null,
    userId: string,
    status: 'active' | 'rejected',
    reason: string | null,
    ctx: RequestContext,
  ): Promise<AdminUserView> {
    const kit = this.#kit;
    const now = kit.nowIso();
    await kit.store.transaction(async (store, tx) => {
      const user = await store.userById(userId);
      if (!user) throw new AppError('not_found');
      // Approving a rejected account (on appeal) is allowed; deciding an active one is not.
      const allowed = status === 'active' ? ['pending', 'rejected'] : ['pending'];
      if (!allowed.includes(user.status)) throw new AppError('account_not_pending');
      await store.updateUser(userId, {
        status,
        rejection_reason: reason,
        decided_by: operator?.userId ?? 'cli',
        decided_at: now,
      });
      await kit.audit(
        { ...ctx, actor: actorOf(operator) },
        status === 'active' ? 'user.approved' : 'user.rejected',
        { type: 'user', id: userId },
        { details: reason ? { reason } : {}, tx },
      );
      await kit.notifications?.notify(
        [userId],
        {
          kind: status === 'active' ? 'account_approved' : 'account_rejected',
          title: status === 'active' ? 'Your account is approved' : 'Your account was not approved',
          body: status === 'active' ? 'You can now use the portal.' : `Reason: ${reason}`,
        },
        tx,
      );
      await kit.mailer.send(
        {
          to: user.email,
          kind: status === 'active' ? 'account_approved' : 'account_rejected',
          subject:
            status === 'active' ? 'Your Darwaza account is approved' : 'Your Darwaza account application',
          text:
            status === 'active'
              ? `Hello ${user.name},\n\nYour account is approved. Sign in here:\n${kit.publicUrl}/sign-in\n`
              : `Hello ${user.name},\n\nYour account application was not approved.\nReason: ${reason}`,
        },
        tx,
      );
    });
    return (await this.getAdminUser(userId))!;
  }

  /** For the CLI: approve without an operator session (audited as the system). */
  async approveAccountAsSystem(userIdOrEmail: string): Promise<AdminUserView> {
    const byId = userIdOrEmail.startsWith('usr_');
    const user = await this.#kit.store.userBy(
      byId ? 'id' : 'email',
      byId ? userIdOrEmail : normEmail(userIdOrEmail),
    );
    if (!user) throw new AppError('not_found');
    if (user.status === 'unverified') {
      await this.#kit.store.updateUser(user.id, { status: 'pending', activated_at: this.#kit.nowIso() });
    }
    return this.#decide(null, user.id, 'active', null, systemContext());
  }

  async listAccounts(q: { status?: string; limit?: number; before?: string }): Promise<AdminUserView[]> {
    const rows = await this.#kit.store.listUsers({
      status: q.status,
      before: q.before,
      limit: Math.min(q.limit ?? 100, 500),
    });
    const months = await this.#eligibility.reconfirmMonths();
    const nowMs = this.#kit.clock.nowMs();
    return rows.map((r) => toAdminUserView(r, months, nowMs));
  }

  async getAdminUser(userId: string): Promise<AdminUserView | null> {
    const r = await this.#kit.store.userById(userId);
    return r ? toAdminUserView(r, await this.#eligibility.reconfirmMonths(), this.#kit.clock.nowMs()) : null;
  }
}
