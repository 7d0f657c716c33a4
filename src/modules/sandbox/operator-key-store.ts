import type { Kysely } from 'kysely';
import type { SandboxTables } from './tables.ts';

/** The operator key as stored: its public half in PEM, its private half sealed by the keyring. */
export type NewOperatorKey = { id: string; createdAt: string; publicPem: string; privateSealed: string };

/** SQL storage of the operator signing key (signing.ts seals it; this file only stores it). */
export class OperatorKeyStore {
  readonly #db: Kysely<SandboxTables>;

  constructor(db: Kysely<SandboxTables>) {
    this.#db = db;
  }

  /** The stored operator signing key (signing.ts), if any. */
  async findOperatorKey(id: string): Promise<{ publicPem: string; privateSealed: string } | null> {
    const r = await this.#db
      .selectFrom('sandbox_operator_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? { publicPem: r.public_pem, privateSealed: r.private_sealed } : null;
  }

  /** Stores the operator key; throws a unique violation when another process stored one first. */
  async insertOperatorKey(k: NewOperatorKey): Promise<void> {
    await this.#db
      .insertInto('sandbox_operator_keys')
      .values({
        id: k.id,
        created_at: k.createdAt,
        public_pem: k.publicPem,
        private_sealed: k.privateSealed,
      })
      .execute();
  }
}
