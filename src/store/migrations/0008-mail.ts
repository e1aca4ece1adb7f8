/**
 * Mail (issue 12): the durable outgoing queue, single-use email tokens (password reset, address
 * verification, invitations, "this wasn't me"), when a user's address was verified, and the
 * devices each user signed in from (new-device notices).
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `mail_queue`, `email_tokens`, `known_devices` and `users.email_verified_at`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);

  await db.schema
    .createTable("mail_queue")
    .addColumn("id", t.uuidType, (c) => c.primaryKey())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("html", "text", (c) => c.notNull())
    // pending → sent, or → failed after the last attempt.
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("sent_at", t.bigintType)
    // The lease: which worker holds the row and until when (claimed by a conditional UPDATE).
    .addColumn("claimed_by", "text")
    .addColumn("claimed_until", t.bigintType)
    .execute();
  // The worker's question: pending rows due now.
  await db.schema
    .createIndex("mail_queue_status_next_attempt_at")
    .on("mail_queue")
    .columns(["status", "next_attempt_at"])
    .execute();

  await db.schema
    .createTable("email_tokens")
    .addColumn("id", t.uuidType, (c) => c.primaryKey())
    // Null for a token not tied to an account yet (an invitation to sign up).
    .addColumn("user_id", t.uuidType, (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    // SHA-256 (hex) of the random token: the token itself is never stored.
    .addColumn("token_hash", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("expires_at", t.bigintType, (c) => c.notNull())
    .addColumn("used_at", t.bigintType)
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("email_tokens_token_hash_unique")
    .on("email_tokens")
    .column("token_hash")
    .unique()
    .execute();
  await db.schema
    .createIndex("email_tokens_user_id_purpose")
    .on("email_tokens")
    .columns(["user_id", "purpose"])
    .execute();
  await db.schema
    .createIndex("email_tokens_expires_at")
    .on("email_tokens")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("known_devices")
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    // The device cookie's device id, or a fingerprint for clients without cookies.
    .addColumn("device_id", "text", (c) => c.notNull())
    .addColumn("first_seen_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_seen_at", t.bigintType, (c) => c.notNull())
    .addPrimaryKeyConstraint("known_devices_pkey", ["user_id", "device_id"])
    .execute();

  await db.schema.alterTable("users").addColumn("email_verified_at", t.bigintType).execute();
}

/** Drops what `up` made. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("email_verified_at").execute();
  await db.schema.dropTable("known_devices").execute();
  await db.schema.dropTable("email_tokens").execute();
  await db.schema.dropTable("mail_queue").execute();
}
