/**
 * Session records: one row per sign-in, named by the token's `sid`. Ended and expired rows are
 * kept for the account's activity view, then swept (`deleteOldSessions`).
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `sessions` and its indexes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("sessions")
    // 128 random bits, base64url (22 characters): not a UUID, so text on both dialects.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_seen_at", t.bigintType, (c) => c.notNull())
    .addColumn("expires_at", t.bigintType, (c) => c.notNull())
    .addColumn("idle_expires_at", t.bigintType, (c) => c.notNull())
    .addColumn("amr", "text", (c) => c.notNull())
    .addColumn("auth_time", t.bigintType, (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("device", "text")
    .addColumn("ended_at", t.bigintType)
    .addColumn("end_reason", "text")
    .execute();
  // A user's sessions, newest first (the device list, "end the others").
  await db.schema
    .createIndex("sessions_user_id")
    .on("sessions")
    .columns(["user_id", "created_at"])
    .execute();
  // The sweep: rows idle or expired long ago (idle_expires_at <= expires_at), and rows ended long ago.
  await db.schema
    .createIndex("sessions_idle_expires_at")
    .on("sessions")
    .column("idle_expires_at")
    .execute();
  await db.schema.createIndex("sessions_ended_at").on("sessions").column("ended_at").execute();
}

/** Drops `sessions`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("sessions").execute();
}
