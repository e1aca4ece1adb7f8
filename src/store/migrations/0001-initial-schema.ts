/**
 * The first schema: users, passkeys, single-use challenges and the audit log. Column types come
 * from the dialect's capabilities, so SQLite and PostgreSQL get the same tables.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates the four tables and their indexes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);

  await db.schema
    .createTable("users")
    .addColumn("id", t.uuidType, (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_key", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("totp_secret", "text")
    .addColumn("totp_pending_secret", "text")
    .addColumn("totp_last_step", t.bigintType)
    .addColumn("is_admin", t.booleanType, (c) => c.notNull().defaultTo(sql`false`))
    .addColumn("must_change_password", t.booleanType, (c) => c.notNull().defaultTo(sql`false`))
    .addColumn("token_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("updated_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_login_at", t.bigintType)
    // Names and emails share one namespace: every email key has an "@" and no name key has
    // one, so the two unique indexes below also keep a name from equalling an email.
    .addCheckConstraint("users_name_key_has_no_at", sql`name_key not like '%@%'`)
    .addCheckConstraint("users_email_key_has_at", sql`email_key like '%@%'`)
    .execute();
  await db.schema
    .createIndex("users_name_key_unique")
    .on("users")
    .column("name_key")
    .unique()
    .execute();
  await db.schema
    .createIndex("users_email_key_unique")
    .on("users")
    .column("email_key")
    .unique()
    .execute();

  await db.schema
    .createTable("webauthn_credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("public_key", t.binaryType, (c) => c.notNull())
    .addColumn("counter", t.bigintType, (c) => c.notNull().defaultTo(0))
    .addColumn("transports", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("device_type", "text", (c) => c.notNull())
    .addColumn("backed_up", t.booleanType, (c) => c.notNull().defaultTo(sql`false`))
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("last_used_at", t.bigintType)
    .execute();
  await db.schema
    .createIndex("webauthn_credentials_user_id")
    .on("webauthn_credentials")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("auth_challenges")
    .addColumn("id", t.uuidType, (c) => c.primaryKey())
    .addColumn("user_id", t.uuidType, (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("challenge", "text", (c) => c.notNull())
    .addColumn("expires_at", t.bigintType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("auth_challenges_user_id")
    .on("auth_challenges")
    .column("user_id")
    .execute();
  await db.schema
    .createIndex("auth_challenges_expires_at")
    .on("auth_challenges")
    .column("expires_at")
    .execute();

  // The audit trail outlives the users it names: user_id is plain text, not a foreign key.
  await db.schema
    .createTable("audit_events")
    .addColumn("id", t.bigintType, t.identity)
    .addColumn("at", t.bigintType, (c) => c.notNull())
    .addColumn("user_id", "text")
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("detail", t.jsonType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_events_user_id")
    .on("audit_events")
    .columns(["user_id", "id"])
    .execute();
  await db.schema
    .createIndex("audit_events_event")
    .on("audit_events")
    .columns(["event", "id"])
    .execute();
}

/** Drops everything `up` created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("audit_events").execute();
  await db.schema.dropTable("auth_challenges").execute();
  await db.schema.dropTable("webauthn_credentials").execute();
  await db.schema.dropTable("users").execute();
}
