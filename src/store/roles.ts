/**
 * The `roles` and `user_roles` tables (issue 23 item 2). Who holds the built-in `admin` role is
 * `users.is_admin` (migration 0013): this module never writes an `admin` row in `user_roles`
 * and reads the flag where it answers "which roles does this user hold".
 */
import type { Kysely, Selectable } from "kysely";
import { fromDbBool, fromEpochMs, toDbBool, toEpochMs } from "./columns.js";
import { canonicalId } from "./ids.js";
import type { Database, RolesTable } from "./schema.js";

type Db = Kysely<Database>;

/** The built-in role whose holders are the admins (`users.is_admin`). */
export const ADMIN_ROLE = "admin";

/** A role as the services see it. */
export interface Role {
  name: string;
  description: string;
  /** Sorted, each once. */
  permissions: string[];
  builtIn: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What a role grants: its name and permissions (`rolesOfUser`). */
export interface HeldRole {
  name: string;
  permissions: string[];
}

/**
 * The built-in role as it is before anyone changes it (migration 0013 writes this row; a
 * database emptied by hand without it still knows the role).
 */
function defaultAdminRole(): Role {
  return {
    name: ADMIN_ROLE,
    description: "Tessera's administrators (is_admin)",
    permissions: [],
    builtIn: true,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

function permissionList(text: string): string[] {
  const parsed = JSON.parse(text) as unknown;
  return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === "string") : [];
}

function permissionText(permissions: readonly string[]): string {
  return JSON.stringify([...new Set(permissions)].sort());
}

function toRole(row: Selectable<RolesTable>): Role {
  return {
    name: row.name,
    description: row.description,
    permissions: permissionList(row.permissions),
    builtIn: fromDbBool(row.built_in),
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

/** Every role, by name. */
export async function listRoles(db: Db): Promise<Role[]> {
  const rows = await db.selectFrom("roles").selectAll().orderBy("name").execute();
  const roles = rows.map(toRole);
  if (roles.some((role) => role.name === ADMIN_ROLE)) return roles;
  return [defaultAdminRole(), ...roles].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** One role, or undefined. */
export async function getRole(db: Db, name: string): Promise<Role | undefined> {
  const row = await db.selectFrom("roles").selectAll().where("name", "=", name).executeTakeFirst();
  if (row === undefined) return name === ADMIN_ROLE ? defaultAdminRole() : undefined;
  return toRole(row);
}

/** Stores a new role; a taken name is a unique violation (`isUniqueViolation`). */
export async function insertRole(
  db: Db,
  role: { name: string; description: string; permissions: readonly string[]; nowMs: number },
): Promise<Role> {
  const now = toEpochMs(role.nowMs);
  const row = await db
    .insertInto("roles")
    .values({
      name: role.name,
      description: role.description,
      permissions: permissionText(role.permissions),
      built_in: toDbBool(false),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRole(row);
}

/** Changes a role's description and/or permissions; undefined when there is no such role. */
export async function updateRole(
  db: Db,
  name: string,
  change: { description?: string; permissions?: readonly string[]; nowMs: number },
): Promise<Role | undefined> {
  if (name === ADMIN_ROLE) {
    const admin = defaultAdminRole();
    await db
      .insertInto("roles")
      .values({
        name: ADMIN_ROLE,
        description: admin.description,
        permissions: "[]",
        built_in: toDbBool(true),
        created_at: toEpochMs(change.nowMs),
        updated_at: toEpochMs(change.nowMs),
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
  }
  const row = await db
    .updateTable("roles")
    .set({
      ...(change.description === undefined ? {} : { description: change.description }),
      ...(change.permissions === undefined
        ? {}
        : { permissions: permissionText(change.permissions) }),
      updated_at: toEpochMs(change.nowMs),
    })
    .where("name", "=", name)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRole(row);
}

/** Deletes a role that is not built in (its holders lose it: cascade); whether one went. */
export async function deleteRoleRow(db: Db, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom("roles")
    .where("name", "=", name)
    .where("built_in", "=", toDbBool(false))
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * The roles `userId` holds with their permissions, `admin` included when the user is an
 * admin; undefined when there is no such user. Two indexed reads.
 */
export async function rolesOfUser(db: Db, userId: string): Promise<HeldRole[] | undefined> {
  const id = canonicalId(userId);
  if (id === undefined) return undefined;
  const user = await db
    .selectFrom("users")
    .select("is_admin")
    .where("id", "=", id)
    .executeTakeFirst();
  if (user === undefined) return undefined;
  const admin = fromDbBool(user.is_admin);
  const rows = await db
    .selectFrom("roles")
    .select(["name", "permissions"])
    .where((eb) =>
      eb.or([
        eb("name", "in", eb.selectFrom("user_roles").select("role_name").where("user_id", "=", id)),
        ...(admin ? [eb("name", "=", ADMIN_ROLE)] : []),
      ]),
    )
    .orderBy("name")
    .execute();
  const held = rows.map((row) => ({
    name: row.name,
    permissions: permissionList(row.permissions),
  }));
  if (admin && !held.some((role) => role.name === ADMIN_ROLE)) {
    held.push({ name: ADMIN_ROLE, permissions: [] });
  }
  return held;
}

/** Replaces the roles (not `admin`) `userId` holds by `names` (which must exist). */
export async function replaceUserRoles(
  db: Db,
  userId: string,
  names: readonly string[],
): Promise<void> {
  const id = canonicalId(userId);
  if (id === undefined) return;
  await db.deleteFrom("user_roles").where("user_id", "=", id).execute();
  const held = [...new Set(names)].filter((name) => name !== ADMIN_ROLE);
  if (held.length === 0) return;
  await db
    .insertInto("user_roles")
    .values(held.map((name) => ({ user_id: id, role_name: name })))
    .execute();
}

/** How many users hold each role (`admin`: the admins), by name. */
export async function countRoleHolders(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("user_roles")
    .select(["role_name", (eb) => eb.fn.countAll<number | string>().as("holders")])
    .groupBy("role_name")
    .execute();
  const admins = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number | string>().as("holders"))
    .where("is_admin", "=", toDbBool(true))
    .executeTakeFirstOrThrow();
  const counts = new Map(rows.map((row) => [row.role_name, Number(row.holders)]));
  counts.set(ADMIN_ROLE, Number(admins.holders));
  return counts;
}
