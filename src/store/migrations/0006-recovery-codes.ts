/**
 * Recovery codes for the second factor (issue 11 item 2): one row per code of the user's
 * current set, keyed by its public index; the secret is stored only as an Argon2id hash. The
 * user row keeps how many codes are left, so the signed-in user (`/me`, cached per process)
 * says so without a read of this table.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `recovery_codes` and `users.recovery_codes_left`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("recovery_codes")
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("lookup", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("used_at", t.bigintType)
    .addPrimaryKeyConstraint("recovery_codes_pkey", ["user_id", "lookup"])
    .execute();
  // Null: no set was made (or it was deleted with the last second factor).
  await db.schema.alterTable("users").addColumn("recovery_codes_left", "integer").execute();
}

/** Drops both. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("recovery_codes_left").execute();
  await db.schema.dropTable("recovery_codes").execute();
}
