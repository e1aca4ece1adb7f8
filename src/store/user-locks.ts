/**
 * Account locks in the `users` table (issue 11 item 5): an admin's lock with its reason and
 * end, its removal, and the gate every new session passes (`holdUnlockedUser`).
 */
import type { Kysely } from "kysely";
import { storableText, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import { prepareQuery } from "./prepared.js";
import type { Database } from "./schema.js";
import { toUser, type User } from "./users.js";

type Db = Kysely<Database>;

/** What `lockUser` stores. */
export interface LockUserOptions {
  /** The admin's reason (stored as text, shown to admins). */
  reason: string;
  /** When the lock ends by itself; null: only an unlock ends it. */
  untilMs: number | null;
  nowMs: number;
}

/** Locks an account (replacing an earlier lock); the updated user, or undefined when none. */
export async function lockUser(
  db: Db,
  id: string,
  options: LockUserOptions,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const now = toEpochMs(options.nowMs);
  const row = await db
    .updateTable("users")
    .set({
      locked_at: now,
      locked_until: options.untilMs === null ? null : toEpochMs(options.untilMs),
      lock_reason: storableText(options.reason),
      updated_at: now,
    })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Removes an account's lock (expired or not); the updated user, or undefined when none. */
export async function unlockUser(db: Db, id: string, nowMs: number): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const row = await db
    .updateTable("users")
    .set({ locked_at: null, locked_until: null, lock_reason: null, updated_at: toEpochMs(nowMs) })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/**
 * The gate of every new session: a no-op write on the user's row, made only while the account
 * is not locked at `now` (no lock, or one whose `locked_until` has passed). True when the row
 * was written. Run it in the transaction that inserts the session: the write holds the row
 * until commit (PostgreSQL; SQLite holds the whole database), so a concurrent `lockUser`
 * either committed first (the gate sees the lock and refuses) or waits for the session to
 * commit, and its ending of the user's sessions then ends this one too.
 */
export async function holdUnlockedUser(db: Db, id: string, nowMs: number): Promise<boolean> {
  const userId = canonicalId(id);
  if (userId === undefined) return false;
  const held = await holdIfUnlocked.execute(db, [userId, toEpochMs(nowMs)]);
  return held.length > 0;
}

// Every sign-in's session insert passes this gate: compiled once (`prepared.ts`).
const holdIfUnlocked = prepareQuery((db: Db, id: string, now: number) =>
  db
    .updateTable("users")
    .set((eb) => ({ locked_at: eb.ref("locked_at") }))
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb("locked_at", "is", null),
        eb.and([eb("locked_until", "is not", null), eb("locked_until", "<=", now)]),
      ]),
    )
    .returning("id"),
);
