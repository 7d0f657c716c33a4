import type { Kysely, Transaction } from 'kysely';

/**
 * A transaction one module opens and another joins (audit events and outgoing mail commit or roll
 * back with the change they describe). Each module's store is typed to its own tables only, so a
 * `Transaction<IdentityTables>` cannot be handed to the audit store as it is; this opaque handle
 * carries it across, and the joining store sees it typed to *its* tables. Sound because every
 * store is a view of the one database (main.ts opens it once): the handle is always a transaction
 * on the database the joining store's tables live in.
 */
declare const shared: unique symbol;
export type SharedTransaction = { readonly [shared]: true };

/** Hands the caller's transaction to another module's port. */
export function shareTransaction<T>(trx: Transaction<T>): SharedTransaction {
  return trx as unknown as SharedTransaction;
}

/** The joining store's view: the shared transaction when given, else its own database. */
export function joinTransaction<T>(db: Kysely<T>, tx: SharedTransaction | undefined): Kysely<T> {
  return tx ? (tx as unknown as Transaction<T>) : db;
}
