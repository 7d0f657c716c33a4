import type { Insertable, Kysely, Selectable } from 'kysely';
import type { OAuthTables } from './tables.ts';

/**
 * The oauth module's SQL, and the only file of the module with any: access tokens, and the
 * addresses that obtained a token for a client (client-auth-throttle.ts). Typed to the module's
 * own tables.
 */
export type TokenRow = Selectable<OAuthTables['oauth_tokens']>;

export class OAuthStore {
  readonly #db: Kysely<OAuthTables>;

  constructor(db: Kysely<OAuthTables>) {
    this.#db = db;
  }

  // ---------------------------------------------------------------- access tokens
  async insertToken(values: Insertable<OAuthTables['oauth_tokens']>): Promise<void> {
    await this.#db.insertInto('oauth_tokens').values(values).execute();
  }

  findTokenByHash(tokenHash: string): Promise<TokenRow | undefined> {
    return this.#db
      .selectFrom('oauth_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async revokeToken(id: string, revokedAt: string): Promise<void> {
    await this.#db.updateTable('oauth_tokens').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
  }

  /** Revokes every unrevoked token of the app; returns how many. */
  async revokeTokensOfApp(appId: string, revokedAt: string): Promise<number> {
    const r = await this.#db
      .updateTable('oauth_tokens')
      .set({ revoked_at: revokedAt })
      .where('app_id', '=', appId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Deletes tokens that expired before `cutoff`; returns how many. */
  async deleteTokensExpiredBefore(cutoff: string): Promise<number> {
    const r = await this.#db.deleteFrom('oauth_tokens').where('expires_at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  // ---------------------------------------------------------------- addresses that obtained tokens
  /** Records (or refreshes) that this source obtained a token for this client at `at`. */
  async recordClientSource(clientId: string, sourceHash: string, at: string): Promise<void> {
    await this.#db
      .insertInto('oauth_client_sources')
      .values({ client_id: clientId, source_hash: sourceHash, last_token_at: at })
      .onConflict((oc) => oc.columns(['client_id', 'source_hash']).doUpdateSet({ last_token_at: at }))
      .execute();
  }

  /** When this source last obtained a token for this client, if ever (and not purged). */
  async lastTokenAt(clientId: string, sourceHash: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('oauth_client_sources')
      .select('last_token_at')
      .where('client_id', '=', clientId)
      .where('source_hash', '=', sourceHash)
      .executeTakeFirst();
    return row?.last_token_at;
  }

  /** Forgets sources whose last token is older than `cutoff`; returns how many. */
  async deleteClientSourcesBefore(cutoff: string): Promise<number> {
    const r = await this.#db
      .deleteFrom('oauth_client_sources')
      .where('last_token_at', '<', cutoff)
      .executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }
}
