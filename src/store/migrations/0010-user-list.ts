/**
 * The paged, searchable user list (issue 25): an index for the list's order (oldest account
 * first, `(created_at, id)`, the keyset of its cursor), one for the admins in that order, and indexes for a prefix of the name or
 * the email key in byte order (the dialect's `byteOrderCollation`). On SQLite the unique
 * indexes of migration 0001 already are in byte order (BINARY) and serve the prefix as they
 * are; PostgreSQL's sort by the database's locale, where a range is not a prefix, so it gets
 * two expression indexes `(name_key collate "C")` and `(email_key collate "C")`.
 */
import { sql, type Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** The prefix indexes (PostgreSQL only), by key column. */
export const PREFIX_INDEXES = {
  name_key: "users_name_key_prefix",
  email_key: "users_email_key_prefix",
} as const;

/** Creates `users_created_at_id` and, where needed, the prefix indexes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createIndex("users_created_at_id")
    .on("users")
    .columns(["created_at", "id"])
    .execute();
  // The admins in the list's order: "administrators only" is a range, not a walk of everyone
  // (measured: 55-69 ms at 100,000 users on SQLite, all of it on the event loop).
  await db.schema
    .createIndex("users_is_admin_created_at_id")
    .on("users")
    .columns(["is_admin", "created_at", "id"])
    .execute();
  if (t.byteOrderCollation === null) return;
  for (const [column, index] of Object.entries(PREFIX_INDEXES)) {
    await db.schema
      .createIndex(index)
      .on("users")
      .expression(sql`${sql.ref(column)} collate ${sql.id(t.byteOrderCollation)}`)
      .execute();
  }
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  if (t.byteOrderCollation !== null) {
    for (const index of Object.values(PREFIX_INDEXES)) {
      await db.schema.dropIndex(index).execute();
    }
  }
  await db.schema.dropIndex("users_is_admin_created_at_id").execute();
  await db.schema.dropIndex("users_created_at_id").execute();
}
