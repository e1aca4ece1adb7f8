/**
 * Mail flows (issue 12, parts 3 to 5): an account that may not sign in before its address is
 * verified, whatever `TESSERA_REQUIRE_VERIFIED_EMAIL` says (a self-service sign-up).
 */
import { sql, type Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Adds `users.requires_verified_email` (false for every existing account). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .alterTable("users")
    .addColumn("requires_verified_email", t.booleanType, (c) => c.notNull().defaultTo(sql`false`))
    .execute();
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("requires_verified_email").execute();
}
