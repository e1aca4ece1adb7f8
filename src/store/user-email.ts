/**
 * A user's address (issue 12, parts 3 and 4): changing it, marking it verified, and which
 * accounts wait on an invitation. Every write is one statement.
 */
import type { Kysely } from "kysely";
import { ConflictError } from "../core/errors.js";
import { toEpochMs } from "./columns.js";
import { isUniqueViolation } from "./dialect.js";
import { checkIdentifiers, normalizeIdentifier } from "./identifiers.js";
import { canonicalId } from "./ids.js";
import type { Database } from "./schema.js";
import { toUser, type User } from "./users.js";

type Db = Kysely<Database>;

/**
 * Sets a new address (checked like a new user's: `validation_error`), not verified. The
 * updated user, or undefined when there is none. @throws ConflictError when the address is
 * another account's (`extra.field: "email"`), ClientError `validation_error`.
 */
export async function setUserEmail(
  db: Db,
  id: string,
  email: string,
  nowMs: number,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  // A placeholder name: only the email is checked here.
  const ids = checkIdentifiers("x", email);
  try {
    const row = await db
      .updateTable("users")
      .set({
        email: ids.email,
        email_key: ids.emailKey,
        email_verified_at: null,
        updated_at: toEpochMs(nowMs),
      })
      .where("id", "=", userId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ConflictError("Another account has this email address", {
      cause: error,
      extra: { field: "email" },
    });
  }
}

/**
 * Marks the user's address verified at `nowMs`, only while it is still `email` (a link sent to
 * an earlier address verifies nothing). Null `email`: whatever it is (the operator's word).
 * The updated user, or undefined when none matched.
 */
export async function markEmailVerified(
  db: Db,
  id: string,
  email: string | null,
  nowMs: number,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  let update = db
    .updateTable("users")
    .set({ email_verified_at: toEpochMs(nowMs), updated_at: toEpochMs(nowMs) })
    .where("id", "=", userId);
  if (email !== null) update = update.where("email_key", "=", normalizeIdentifier(email));
  const row = await update.returningAll().executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Whether the user has an invitation not yet accepted (expired or not). */
export async function hasPendingInvitation(db: Db, id: string): Promise<boolean> {
  const userId = canonicalId(id);
  if (userId === undefined) return false;
  const row = await db
    .selectFrom("email_tokens")
    .select("id")
    .where("purpose", "=", "invitation")
    .where("used_at", "is", null)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row !== undefined;
}
