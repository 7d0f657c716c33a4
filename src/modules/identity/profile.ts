import type { Updateable } from 'kysely';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { actorOf, type RequestContext } from '../../platform/request-context.ts';
import type { Eligibility } from './eligibility.ts';
import type { IdentityKit } from './identity-kit.ts';
import type { UserDirectory } from './ports.ts';
import type { IdentityTables } from './tables.ts';
import { toUserView, type UserView } from './user-views.ts';

/**
 * A user's own details: reading them, changing them (a new name is screened like a sign-up),
 * confirming them, and an operator's "update now". Also what other modules may read about users.
 */
export class Profile implements UserDirectory {
  readonly #kit: IdentityKit;
  readonly #eligibility: Eligibility;

  constructor(kit: IdentityKit, eligibility: Eligibility) {
    this.#kit = kit;
    this.#eligibility = eligibility;
  }

  async getMe(userId: string): Promise<UserView | null> {
    const r = await this.#kit.store.userById(userId);
    return r ? toUserView(r, await this.#eligibility.reconfirmMonths(), this.#kit.clock.nowMs()) : null;
  }

  async updateProfile(
    principal: Principal,
    patch: {
      name?: string;
      phone?: string | null;
      jobTitle?: string | null;
      countryOfResidence?: string;
      countryOfUse?: string;
    },
    ctx: RequestContext,
  ): Promise<UserView> {
    const set: Updateable<IdentityTables['users']> = {};
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.phone !== undefined) set.phone = patch.phone;
    if (patch.jobTitle !== undefined) set.job_title = patch.jobTitle;
    const countries = [patch.countryOfResidence, patch.countryOfUse]
      .filter((c): c is string => !!c)
      .map((c) => c.toUpperCase());
    if (countries.length) {
      const barred = await this.#eligibility.barredAmong(countries);
      if (barred.length) throw new AppError('ineligible_country');
      if (patch.countryOfResidence) set.country_of_residence = patch.countryOfResidence.toUpperCase();
      if (patch.countryOfUse) set.country_of_use = patch.countryOfUse.toUpperCase();
    }
    // A new name is screened like a sign-up: a match puts the account back on hold for review.
    const hit =
      patch.name !== undefined && !principal.isOperator ? await this.#eligibility.screen(patch.name) : null;
    if (hit) {
      set.screening_match = hit;
      set.status = 'pending';
    }
    // Saving the details is also confirming them.
    set.profile_confirmed_at = this.#kit.nowIso();
    set.update_required = 0;
    const target = { type: 'user', id: principal.userId };
    await this.#kit.store.transaction(async (store, tx) => {
      await store.updateUser(principal.userId, set);
      if (hit) {
        await this.#kit.audit(
          { ...ctx, actor: actorOf(null), userAgent: null },
          'user.screening_hold',
          target,
          {
            details: { match: hit },
            tx,
          },
        );
      }
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: principal.userId } },
        'user.profile_updated',
        target,
        { details: { fields: Object.keys(patch) }, tx },
      );
    });
    return (await this.getMe(principal.userId))!;
  }

  async confirmProfile(principal: Principal, ctx: RequestContext): Promise<UserView> {
    await this.#kit.store.transaction(async (store, tx) => {
      await store.updateUser(principal.userId, {
        profile_confirmed_at: this.#kit.nowIso(),
        update_required: 0,
      });
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: principal.userId } },
        'user.profile_confirmed',
        { type: 'user', id: principal.userId },
        { tx },
      );
    });
    return (await this.getMe(principal.userId))!;
  }

  async requireProfileUpdate(operator: Principal, userId: string, ctx: RequestContext): Promise<void> {
    await this.#kit.store.transaction(async (store, tx) => {
      if ((await store.updateUser(userId, { update_required: 1 })) !== 1) throw new AppError('not_found');
      await this.#kit.audit(
        { ...ctx, actor: actorOf(operator) },
        'user.update_required',
        { type: 'user', id: userId },
        { tx },
      );
    });
  }

  /** True when the user's details are confirmed within the re-confirmation period and not flagged. */
  async profileIsCurrent(userId: string): Promise<boolean> {
    const me = await this.getMe(userId);
    return !!me && !me.profileConfirmationDue;
  }

  // ------------------------------------------------------------------------------------ UserDirectory

  async getUser(userId: string): Promise<{ id: string; email: string; name: string; status: string } | null> {
    const r = await this.#kit.store.userRefById(userId);
    return r ? { id: r.id, email: r.email, name: r.name, status: r.status } : null;
  }

  async listActiveUserIds(): Promise<string[]> {
    return this.#kit.store.activeUserIds();
  }
}
