/** Store functions that must write atomically join their caller's transaction, or open one. */
import type { Kysely } from "kysely";

/** Runs `work` in a transaction: the caller's when `db` is one, else a new one. */
export function inTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
