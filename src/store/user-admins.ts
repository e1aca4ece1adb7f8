/**
 * The admins among the `users` (moved out of users.ts): promotion, and the demotion and deletion
 * that never leave Tessera without an admin. Those two lock the admins' rows first (in the
 * caller's transaction when there is one), then write with one conditional statement.
 */
import type { ExpressionBuilder, Kysely } from "kysely";
import { ConflictError } from "../core/errors.js";
import { fromDbBool, toEpochMs } from "./columns.js";
import { capabilitiesOf } from "./dialect.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";
import { withTransaction } from "./transactions.js";
import { toUser, type User } from "./users.js";

type Db = Kysely<Database>;

/** Makes a user an admin; the updated user, or undefined when there is none. */
export async function setUserAdmin(db: Db, id: string, nowMs: number): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const row = await db
    .updateTable("users")
    .set({ is_admin: 1, updated_at: toEpochMs(nowMs) })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/**
 * Deletes a user with their passkeys and challenges (foreign-key cascade); false when none.
 * @throws ConflictError `last_admin` when the user is the only admin (see `unsetUserAdmin`).
 */
export async function deleteUserRow(db: Db, id: string): Promise<boolean> {
  const userId = canonicalId(id);
  if (userId === undefined) return false;
  return withTransaction(db, async (trx) => {
    await lockAdminRows(trx);
    const result = await trx
      .deleteFrom("users")
      .where("id", "=", userId)
      .where((eb) => eb.or([eb("is_admin", "=", 0), eb(adminCount(eb), ">", 1)]))
      .executeTakeFirst();
    if (result.numDeletedRows > 0n) return true;
    await assertNotLastAdmin(trx, userId);
    return false;
  });
}

/**
 * Makes an admin a regular user; the updated user, or undefined when there is none. Race-free
 * with other demotions and deletions: the admins' rows are locked first (PostgreSQL; SQLite's
 * first write holds the database), then one conditional statement demotes only while another
 * admin remains, so two admins demoting each other at once leave one admin.
 * @throws ConflictError `last_admin` when the user is the only admin.
 */
export async function unsetUserAdmin(db: Db, id: string, nowMs: number): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  return withTransaction(db, async (trx) => {
    await lockAdminRows(trx);
    const row = await trx
      .updateTable("users")
      .set({ is_admin: 0, updated_at: toEpochMs(nowMs) })
      .where("id", "=", userId)
      .where((eb) => eb.or([eb("is_admin", "=", 0), eb(adminCount(eb), ">", 1)]))
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) return toUser(row);
    await assertNotLastAdmin(trx, userId);
    return undefined;
  });
}

/** `(select count(*) from users where is_admin)`. */
function adminCount(eb: ExpressionBuilder<Database, "users">) {
  return eb
    .selectFrom("users as admins")
    .select((sub) => sub.fn.countAll<number>().as("admins"))
    .where("admins.is_admin", "=", 1);
}

/**
 * PostgreSQL: locks every admin row until the transaction ends, so a concurrent demotion or
 * deletion of an admin waits, then counts the admins as they are after it. SQLite has no row
 * locks: the transaction's first statement is the write, which takes the database's write lock.
 */
async function lockAdminRows(trx: Db): Promise<void> {
  if (!capabilitiesOf(trx).rowLocks) return;
  await trx.selectFrom("users").select("id").where("is_admin", "=", 1).forUpdate().execute();
}

/** After a guarded write changed nothing: the user exists and is the last admin → 409. */
async function assertNotLastAdmin(trx: Db, userId: string): Promise<void> {
  const row = await trx
    .selectFrom("users")
    .select("is_admin")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (row !== undefined && fromDbBool(row.is_admin)) {
    throw new ConflictError("The last admin cannot be demoted or deleted", { code: "last_admin" });
  }
}
