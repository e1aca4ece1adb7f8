/**
 * Roles and who holds them (issue 23 item 2): admins create, change and delete roles and set a
 * user's roles; the operator (CLI, `actor` null) does the same without an account. What a user
 * holds, as every reader sees it, is `services/grants.ts`.
 *
 * Rules: only admins; nobody sets their own roles (not even an admin, not even to drop one);
 * an admin may not manage another admin (the existing rule, `access.ts`); `admin` in the list
 * is `is_admin` (promotion or demotion in the same transaction, the last admin still refused
 * with 409 `last_admin`); the built-in `admin` role cannot be deleted, its permissions can be
 * changed. Every change reaches every instance's session cache as a revocation does.
 */
import {
  ClientError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
} from "../../core/errors.js";
import {
  MAX_ROLE_DESCRIPTION_LENGTH,
  MAX_ROLE_PERMISSIONS,
  MAX_ROLES,
  MAX_ROLES_PER_USER,
  PERMISSION_PATTERN,
  ROLE_NAME_PATTERN,
} from "../../contract/index.js";
import {
  ADMIN_ROLE,
  countRoleHolders,
  deleteRoleRow,
  insertRole,
  isUniqueViolation,
  listRoles,
  replaceUserRoles,
  rolesOfUser,
  setUserAdmin,
  unsetUserAdmin,
  updateRole,
  withTransaction,
  type Role,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { permissionsOfUser, type Grants } from "../grants.js";
import { announceSessionChange } from "../sessions/sessions.js";

const ROLE_NAME = new RegExp(ROLE_NAME_PATTERN);
const PERMISSION = new RegExp(PERMISSION_PATTERN);

/** A role and how many users hold it. */
export interface RoleWithHolders extends Role {
  holders: number;
}

/** The actor may manage roles: an admin, or the operator (null). @throws PermissionDeniedError. */
function assertAdmin(actor: ActingUser | null): void {
  if (actor !== null && !actor.isAdmin) {
    throw new PermissionDeniedError("Only an admin may manage roles");
  }
}

/**
 * `resource:action` strings, each valid (the HTTP schema checks the same; the CLI comes here
 * directly). @throws ClientError `validation_error` naming the first bad one.
 */
export function assertPermissions(permissions: readonly string[]): void {
  if (permissions.length > MAX_ROLE_PERMISSIONS) {
    throw new ClientError(`A role holds at most ${MAX_ROLE_PERMISSIONS} permissions`, {
      code: "validation_error",
      extra: { field: "permissions" },
    });
  }
  const bad = permissions.find((p) => !PERMISSION.test(p));
  if (bad !== undefined) {
    throw new ClientError(
      `Not a permission: ${JSON.stringify(bad)} (expected resource:action, as invoices:write)`,
      { code: "validation_error", extra: { field: "permissions", value: bad } },
    );
  }
}

function assertDescription(description: string | undefined): void {
  if (description !== undefined && description.length > MAX_ROLE_DESCRIPTION_LENGTH) {
    throw new ClientError(`A description is at most ${MAX_ROLE_DESCRIPTION_LENGTH} characters`, {
      code: "validation_error",
      extra: { field: "description" },
    });
  }
}

/** Tells every instance that what users hold may have changed (a role's permissions). */
async function announceRoleChange(ctx: ServiceContext): Promise<void> {
  // A role's holders may be many: every cached user view and grant goes (rare, admin-made).
  await announceSessionChange(ctx, { kind: "all" });
}

/** Every role, by name, with its number of holders (admin or operator). */
export async function listRolesWithHolders(
  ctx: ServiceContext,
  actor: ActingUser | null,
): Promise<RoleWithHolders[]> {
  assertAdmin(actor);
  const [roles, holders] = await Promise.all([listRoles(ctx.db), countRoleHolders(ctx.db)]);
  return roles.map((role) => ({ ...role, holders: holders.get(role.name) ?? 0 }));
}

/**
 * Creates a role. @throws PermissionDeniedError, ClientError `validation_error`, ConflictError
 * `role_exists` (the name is taken) or `conflict` (already `MAX_ROLES` roles).
 */
export async function createRole(
  ctx: ServiceContext,
  actor: ActingUser | null,
  input: { name: string; description?: string | undefined; permissions: readonly string[] },
  meta?: RequestMeta,
): Promise<RoleWithHolders> {
  assertAdmin(actor);
  if (!ROLE_NAME.test(input.name)) {
    throw new ClientError(
      "A role's name is a lowercase letter, then lowercase letters, digits, _ or - (63 at most)",
      { code: "validation_error", extra: { field: "name" } },
    );
  }
  assertPermissions(input.permissions);
  assertDescription(input.description);
  if ((await listRoles(ctx.db)).length >= MAX_ROLES) {
    throw new ConflictError(`There are already ${MAX_ROLES} roles: delete one first`);
  }
  let role: Role;
  try {
    role = await withTransaction(ctx.db, async (trx) => {
      const created = await insertRole(trx, {
        name: input.name,
        description: input.description ?? "",
        permissions: input.permissions,
        nowMs: ctx.clock(),
      });
      await audit({ ...ctx, db: trx }, "role_created", {
        meta,
        detail: {
          by: actor?.id ?? "operator",
          role: created.name,
          permissions: created.permissions,
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError(`A role named ${input.name} exists`, { code: "role_exists" });
    }
    throw error;
  }
  return { ...role, holders: 0 };
}

/**
 * Changes a role's description or permissions (the built-in `admin` too); its holders see the
 * new permissions at their next request, on every instance.
 * @throws PermissionDeniedError, ClientError `validation_error`, NotFoundError.
 */
export async function changeRole(
  ctx: ServiceContext,
  actor: ActingUser | null,
  name: string,
  change: { description?: string | undefined; permissions?: readonly string[] | undefined },
  meta?: RequestMeta,
): Promise<RoleWithHolders> {
  assertAdmin(actor);
  if (change.permissions !== undefined) assertPermissions(change.permissions);
  assertDescription(change.description);
  const role = await withTransaction(ctx.db, async (trx) => {
    const updated = await updateRole(trx, name, { ...change, nowMs: ctx.clock() });
    if (updated === undefined) throw new NotFoundError("No such role");
    await audit({ ...ctx, db: trx }, "role_updated", {
      meta,
      detail: { by: actor?.id ?? "operator", role: name, permissions: updated.permissions },
    });
    return updated;
  });
  await announceRoleChange(ctx);
  const holders = await countRoleHolders(ctx.db);
  return { ...role, holders: holders.get(role.name) ?? 0 };
}

/**
 * Deletes a role; its holders lose it at once, everywhere.
 * @throws PermissionDeniedError, ConflictError `built_in_role` (`admin`), NotFoundError.
 */
export async function deleteRole(
  ctx: ServiceContext,
  actor: ActingUser | null,
  name: string,
  meta?: RequestMeta,
): Promise<void> {
  assertAdmin(actor);
  if (name === ADMIN_ROLE) {
    throw new ConflictError("The admin role is built in (is_admin): demote users instead", {
      code: "built_in_role",
    });
  }
  await withTransaction(ctx.db, async (trx) => {
    if (!(await deleteRoleRow(trx, name))) throw new NotFoundError("No such role");
    await audit({ ...ctx, db: trx }, "role_deleted", {
      meta,
      detail: { by: actor?.id ?? "operator", role: name },
    });
  });
  await announceRoleChange(ctx);
}

/**
 * Sets every role `targetId` holds (`admin` included: it makes or unmakes an admin). Admins
 * (not on themselves, not on another admin) and the operator (`actor` null).
 * @throws PermissionDeniedError, NotFoundError, ClientError `unknown_role`, ConflictError `last_admin`.
 */
export async function setUserRoles(
  ctx: ServiceContext,
  actor: ActingUser | null,
  targetId: string,
  names: readonly string[],
  meta?: RequestMeta,
): Promise<Grants> {
  assertAdmin(actor);
  if (actor !== null && actor.id === targetId) {
    throw new PermissionDeniedError("Nobody can change their own roles: ask another admin");
  }
  const target =
    actor === null
      ? await loadOperatorTarget(ctx, targetId)
      : await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const wanted = [...new Set(names)].sort();
  if (wanted.length > MAX_ROLES_PER_USER) {
    throw new ClientError(`A user holds at most ${MAX_ROLES_PER_USER} roles`, {
      code: "validation_error",
      extra: { field: "roles" },
    });
  }
  const known = new Set((await listRoles(ctx.db)).map((role) => role.name));
  const unknown = wanted.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ClientError(`No such role: ${unknown.join(", ")}`, {
      code: "unknown_role",
      extra: { roles: unknown },
    });
  }
  const before = (await rolesOfUser(ctx.db, target.id))?.map((role) => role.name) ?? [];
  const admin = wanted.includes(ADMIN_ROLE);
  await withTransaction(ctx.db, async (trx) => {
    await replaceUserRoles(trx, target.id, wanted);
    if (admin !== target.isAdmin) {
      const nowMs = ctx.clock();
      const changed = admin
        ? await setUserAdmin(trx, target.id, nowMs)
        : await unsetUserAdmin(trx, target.id, nowMs);
      if (changed === undefined) throw new NotFoundError("No such user");
    }
    await audit({ ...ctx, db: trx }, "user_roles_changed", {
      userId: target.id,
      meta,
      detail: {
        by: actor?.id ?? "operator",
        added: wanted.filter((name) => !before.includes(name)),
        removed: before.filter((name) => !wanted.includes(name)),
      },
    });
  });
  // The one hook for "what this user holds changed": the user's cached view and grants go on
  // every instance (and anything keyed by the user, such as a cached `GET /me`).
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  return permissionsOfUser(ctx, target.id);
}

/** The operator may act on anyone. @throws NotFoundError. */
async function loadOperatorTarget(
  ctx: ServiceContext,
  targetId: string,
): Promise<{ id: string; isAdmin: boolean }> {
  const held = await rolesOfUser(ctx.db, targetId);
  if (held === undefined) throw new NotFoundError("No such user");
  return { id: targetId.toLowerCase(), isAdmin: held.some((role) => role.name === ADMIN_ROLE) };
}

/**
 * What `targetId` holds (the user themself or an admin; for an unknown id, an admin gets 404).
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function rolesOfTarget(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<Grants> {
  if (actor.id !== targetId && !actor.isAdmin) throw new PermissionDeniedError();
  if (actor.id !== targetId && (await rolesOfUser(ctx.db, targetId)) === undefined) {
    throw new NotFoundError("No such user");
  }
  return permissionsOfUser(ctx, targetId);
}
