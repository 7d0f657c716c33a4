import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { systemContext } from '../../platform/request-context.ts';
import { type IdentityKit, normEmail } from './identity-kit.ts';
import { checkPasswordPolicy } from './passwords.ts';
import type { Profile } from './profile.ts';
import { newTotpSecret, totpUri } from './totp.ts';
import type { UserView } from './user-views.ts';

/**
 * Accounts the program creates itself (CLI, demo seed): active at once, no e-mail round trip, no
 * screening, audited as the system. Also looking a user up by e-mail for other modules.
 */
export class Provisioning {
  readonly #kit: IdentityKit;
  readonly #profile: Profile;

  constructor(kit: IdentityKit, profile: Profile) {
    this.#kit = kit;
    this.#profile = profile;
  }

  /**
   * Creates an active account directly (CLI, demo seed): no e-mail round trip, no screening. The
   * password policy still applies. Operators are always enrolled in TOTP; the seed is returned once.
   */
  async provisionUser(input: {
    email: string;
    name: string;
    password: string;
    operator?: boolean;
    totpSecret?: string;
    dateOfBirth?: string;
    country?: string;
  }): Promise<{ user: UserView; totpSecret: string | null; otpauthUrl: string | null }> {
    const kit = this.#kit;
    const email = normEmail(input.email);
    checkPasswordPolicy(input.password, { email, name: input.name });
    const passwordHash = await kit.hasher.hash(input.password);
    const secret = input.operator ? (input.totpSecret ?? newTotpSecret()) : (input.totpSecret ?? null);
    const now = kit.nowIso();
    const id = newId('usr', kit.clock.nowMs());
    try {
      await kit.store.transaction(async (store, tx) => {
        await store.insertUser({
          id,
          email,
          name: input.name,
          password_hash: passwordHash,
          date_of_birth: input.dateOfBirth ?? null,
          country_of_residence: input.country ?? 'PK',
          country_of_use: input.country ?? 'PK',
          status: 'active',
          is_operator: input.operator ? 1 : 0,
          created_at: now,
          activated_at: now,
          decided_by: 'cli',
          decided_at: now,
          profile_confirmed_at: now,
          password_changed_at: now,
          totp_secret_enc: secret ? kit.keyring.encrypt(secret, 'totp') : null,
        });
        await kit.audit(
          systemContext(),
          input.operator ? 'user.operator_created' : 'user.provisioned',
          { type: 'user', id },
          { details: { mfa: secret !== null }, tx },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'An account with this e-mail already exists.' });
      throw err;
    }
    return {
      user: (await this.#profile.getMe(id))!,
      totpSecret: secret,
      otpauthUrl: secret ? totpUri(secret, email) : null,
    };
  }

  async findUserIdByEmail(email: string): Promise<string | null> {
    return this.#kit.store.userIdByEmail(normEmail(email));
  }
}
