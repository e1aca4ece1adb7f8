/**
 * Personal access tokens (issue 23 item 1): one row per token a user made for a script or a
 * tool. The secret is kept only as its SHA-256 (`token_hash`, unique: the lookup key); scopes
 * as a JSON array. `last_used_at` and `last_used_address` are written at most once a minute.
 * A revoked token keeps its row (`revoked_at`, `revoked_reason`) for the account's record;
 * the user's deletion deletes them all.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `personal_access_tokens` and its indexes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("personal_access_tokens")
    .addColumn("id", t.uuidType, (c) => c.primaryKey())
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // base64url SHA-256 of the token (43 characters).
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("expires_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_used_at", t.bigintType)
    .addColumn("last_used_address", "text")
    .addColumn("revoked_at", t.bigintType)
    .addColumn("revoked_reason", "text")
    .execute();
  // A user's tokens, newest first (the list, revoking them all).
  await db.schema
    .createIndex("personal_access_tokens_user_id")
    .on("personal_access_tokens")
    .columns(["user_id", "created_at"])
    .execute();
}

/** Drops `personal_access_tokens`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("personal_access_tokens").execute();
}
