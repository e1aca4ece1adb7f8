/**
 * Transactions, for the store's own functions and for the services (which never name Kysely):
 * the handle every store function takes, and one way to run work atomically on it.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** The database, or a transaction on it: what every store function takes as `db`. */
export type DatabaseHandle = Kysely<Database>;

/**
 * Runs `work` in one transaction and returns its result: committed when `work` resolves, rolled
 * back (and the error rethrown) when it rejects. When `db` is already a transaction, `work`
 * joins it and the caller's commit decides.
 */
export function withTransaction<T>(
  db: DatabaseHandle,
  work: (trx: DatabaseHandle) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
