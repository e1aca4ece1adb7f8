/**
 * Account locks (issue 11 item 5): an admin locks an account with a reason, until a time or
 * until unlocked. `locked_at` is the flag (null: not locked); `locked_until` null with
 * `locked_at` set is a lock without end. An expired lock needs no job: sign-in compares
 * `locked_until` with now. Additive: a release without locks reads these rows unchanged.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Adds `locked_at`, `locked_until` and `lock_reason` to `users`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable("users").addColumn("locked_at", t.bigintType).execute();
  await db.schema.alterTable("users").addColumn("locked_until", t.bigintType).execute();
  await db.schema.alterTable("users").addColumn("lock_reason", "text").execute();
}

/** Drops the three columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("lock_reason").execute();
  await db.schema.alterTable("users").dropColumn("locked_until").execute();
  await db.schema.alterTable("users").dropColumn("locked_at").execute();
}
