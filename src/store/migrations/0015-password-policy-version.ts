/**
 * The password policy a stored password was last checked against (issue 20 item 1): a
 * fingerprint of the offline policy and of its inputs other than the password (the policy's
 * version, the minimum score, the app's name, the account's name and email). A sign-in runs the
 * offline policy (zxcvbn, milliseconds on the event loop) only when the fingerprint differs,
 * then stores the new one. Additive: null (every existing row) means "check at the next sign-in".
 */
import type { Kysely } from "kysely";

/** Adds `password_policy_checked` to `users`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").addColumn("password_policy_checked", "text").execute();
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("password_policy_checked").execute();
}
