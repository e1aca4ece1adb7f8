/**
 * The `recovery_codes` table and the user's count of codes left (`users.recovery_codes_left`),
 * kept together: every write here changes both in one transaction.
 */
import type { Kysely } from "kysely";
import { NotFoundError } from "../core/errors.js";
import { fromEpochMs, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";
import { withTransaction } from "./transactions.js";

type Db = Kysely<Database>;

/** One code of a new set: its public index and the hash of its secret. */
export interface NewRecoveryCodeRow {
  index: string;
  hash: string;
}

/** What a user's current set looks like, without its hashes. */
export interface RecoveryCodeSetState {
  /** Unused codes. */
  remaining: number;
  /** Codes in the set, used or not (0: no set). */
  total: number;
  /** When the set was made; null when there is none. */
  createdAt: Date | null;
}

/**
 * Replaces the user's set with `codes` (the old codes stop working) and sets the count left,
 * in one transaction; the user row is written first, so two renewals at once run one after the
 * other and one set survives. Returns how many unused codes the old set still had.
 * @throws NotFoundError when the user does not exist.
 */
export async function replaceRecoveryCodes(
  db: Db,
  userId: string,
  codes: readonly NewRecoveryCodeRow[],
  nowMs: number,
): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) throw new NotFoundError("No such user");
  const at = toEpochMs(nowMs);
  return withTransaction(db, async (trx) => {
    // Locks the user row (PostgreSQL) before the delete: a concurrent renewal waits here.
    const user = await trx
      .updateTable("users")
      .set({ recovery_codes_left: codes.length })
      .where("id", "=", id)
      .executeTakeFirst();
    if (user.numUpdatedRows === 0n) throw new NotFoundError("No such user");
    const removed = await trx
      .deleteFrom("recovery_codes")
      .where("user_id", "=", id)
      .returning("used_at")
      .execute();
    if (codes.length > 0) {
      await trx
        .insertInto("recovery_codes")
        .values(
          codes.map((code) => ({
            user_id: id,
            lookup: code.index,
            code_hash: code.hash,
            created_at: at,
            used_at: null,
          })),
        )
        .execute();
    }
    return removed.filter((row) => row.used_at === null).length;
  });
}

/** The hash of the user's unused code with this index; undefined when none. */
export async function findUnusedRecoveryCode(
  db: Db,
  userId: string,
  index: string,
): Promise<string | undefined> {
  const id = canonicalId(userId);
  if (id === undefined) return undefined;
  const row = await db
    .selectFrom("recovery_codes")
    .select("code_hash")
    .where("user_id", "=", id)
    .where("lookup", "=", index)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return row?.code_hash;
}

/**
 * Marks the code used, atomically: only while it is unused and still the same code (`hash`:
 * a renewal in between made another one), and counts it off the user's codes left. True for
 * exactly one of any number of concurrent calls with the same code.
 */
export async function consumeRecoveryCode(
  db: Db,
  userId: string,
  index: string,
  hash: string,
  nowMs: number,
): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined) return false;
  const at = toEpochMs(nowMs);
  return withTransaction(db, async (trx) => {
    const used = await trx
      .updateTable("recovery_codes")
      .set({ used_at: at })
      .where("user_id", "=", id)
      .where("lookup", "=", index)
      .where("code_hash", "=", hash)
      .where("used_at", "is", null)
      .executeTakeFirst();
    if (used.numUpdatedRows === 0n) return false;
    await trx
      .updateTable("users")
      .set((eb) => ({ recovery_codes_left: eb("recovery_codes_left", "-", 1) }))
      .where("id", "=", id)
      .where("recovery_codes_left", ">", 0)
      .execute();
    return true;
  });
}

/** The user's current set: codes left, codes in it, when it was made. */
export async function getRecoveryCodeSetState(
  db: Db,
  userId: string,
): Promise<RecoveryCodeSetState> {
  const id = canonicalId(userId);
  if (id === undefined) return { remaining: 0, total: 0, createdAt: null };
  const rows = await db
    .selectFrom("recovery_codes")
    .select(["created_at", "used_at"])
    .where("user_id", "=", id)
    .execute();
  const first = rows[0];
  return {
    remaining: rows.filter((row) => row.used_at === null).length,
    total: rows.length,
    createdAt: first === undefined ? null : fromEpochMs(first.created_at),
  };
}

/**
 * Deletes the user's set (the last second factor was removed) and clears the count, in one
 * transaction (the caller's, when `db` is one). Returns how many codes were deleted.
 */
export async function deleteRecoveryCodes(db: Db, userId: string): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  return withTransaction(db, async (trx) => {
    await trx
      .updateTable("users")
      .set({ recovery_codes_left: null })
      .where("id", "=", id)
      .execute();
    const deleted = await trx
      .deleteFrom("recovery_codes")
      .where("user_id", "=", id)
      .executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}
