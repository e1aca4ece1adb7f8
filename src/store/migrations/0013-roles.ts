/**
 * Roles and permissions (issue 23 item 2): `roles`, each a name, a description and a JSON array
 * of permission strings (`resource:action`), and `user_roles`, who holds which. The built-in
 * `admin` role is a row too (its permissions are editable), but who holds it is `users.is_admin`
 * and never a `user_roles` row: one source of truth, so the role and the flag cannot disagree.
 */
import type { Kysely } from "kysely";
import { capabilitiesOf } from "../dialect.js";

/** Creates `roles` (with the built-in `admin`) and `user_roles`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = capabilitiesOf(db);
  await db.schema
    .createTable("roles")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("description", "text", (c) => c.notNull())
    // A JSON array of permission strings, sorted, each once.
    .addColumn("permissions", "text", (c) => c.notNull())
    .addColumn("built_in", t.booleanType, (c) => c.notNull())
    .addColumn("created_at", t.bigintType, (c) => c.notNull())
    .addColumn("updated_at", t.bigintType, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("user_roles")
    .addColumn("user_id", t.uuidType, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role_name", "text", (c) => c.notNull().references("roles.name").onDelete("cascade"))
    .addPrimaryKeyConstraint("user_roles_pkey", ["user_id", "role_name"])
    .execute();
  // "Who holds this role" (a role's change is announced to its holders; the admin page counts them).
  await db.schema
    .createIndex("user_roles_role_name")
    .on("user_roles")
    .column("role_name")
    .execute();
  const now = Date.now();
  await (db as Kysely<{ roles: Record<string, unknown> }>)
    .insertInto("roles")
    .values({
      name: "admin",
      description: "Tessera's administrators (is_admin)",
      permissions: "[]",
      built_in: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** Drops both. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("user_roles").execute();
  await db.schema.dropTable("roles").execute();
}
