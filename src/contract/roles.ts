/**
 * Roles and permissions on the wire (issue 23 item 2): a role, creating and changing one, the
 * roles of a user, and what a signed-in user holds (`roles`, `permissions` in `GET /me`).
 */
import { Type, type Static } from "@sinclair/typebox";
import {
  MAX_ROLE_DESCRIPTION_LENGTH,
  MAX_ROLE_PERMISSIONS,
  MAX_ROLES,
  MAX_ROLES_PER_USER,
  PERMISSION_PATTERN,
  ROLE_NAME_PATTERN,
} from "./limits.js";

/**
 * A role's name (`billing`), `ROLE_NAME_PATTERN`. The pattern is checked by the service, which
 * says what is wrong in words and names the field (a schema's pattern error would not).
 */
export const RoleName = Type.String({
  minLength: 1,
  maxLength: 63,
  description: `a role name: ${ROLE_NAME_PATTERN}`,
});
/** A permission (`invoices:write`), `PERMISSION_PATTERN`, checked by the service as names are. */
export const Permission = Type.String({
  minLength: 1,
  maxLength: 127,
  description: `resource:action: ${PERMISSION_PATTERN}`,
});

const Permissions = Type.Array(Permission, { maxItems: MAX_ROLE_PERMISSIONS });

/** A role: `built_in` for `admin`, whose holders are the admins (`is_admin`). */
export const RoleView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  built_in: Type.Boolean(),
  /** How many users hold it (`admin`: the admins). */
  holders: Type.Integer({ minimum: 0 }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
export type RoleView = Static<typeof RoleView>;

/** `GET /roles`: every role, by name (at most `MAX_ROLES`). */
export const RoleList = Type.Array(RoleView, { maxItems: MAX_ROLES });
export type RoleList = Static<typeof RoleList>;

/** `POST /roles`. */
export const CreateRoleRequest = Type.Object(
  {
    name: RoleName,
    description: Type.Optional(Type.String({ maxLength: MAX_ROLE_DESCRIPTION_LENGTH })),
    permissions: Permissions,
  },
  { additionalProperties: false },
);
export type CreateRoleRequest = Static<typeof CreateRoleRequest>;

/** `PATCH /roles/{name}`: what changes (the name never does). */
export const UpdateRoleRequest = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: MAX_ROLE_DESCRIPTION_LENGTH })),
    permissions: Type.Optional(Permissions),
  },
  { additionalProperties: false },
);
export type UpdateRoleRequest = Static<typeof UpdateRoleRequest>;

/** `/roles/{name}`. */
export const RoleNameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
export type RoleNameParams = Static<typeof RoleNameParams>;

/** `PUT /users/{id}/roles`: every role the user holds from now on (`admin` makes an admin). */
export const UserRolesRequest = Type.Object(
  { roles: Type.Array(RoleName, { maxItems: MAX_ROLES_PER_USER }) },
  { additionalProperties: false },
);
export type UserRolesRequest = Static<typeof UserRolesRequest>;

/** A user's roles (at most `MAX_ROLES_PER_USER`), as `GET /me` and introspection answer them. */
export const HeldRoles = Type.Array(Type.String(), { maxItems: MAX_ROLES_PER_USER });
/** The union of a user's roles' permissions: at most that many roles of `MAX_ROLE_PERMISSIONS`. */
export const HeldPermissions = Type.Array(Type.String(), {
  maxItems: MAX_ROLES_PER_USER * MAX_ROLE_PERMISSIONS,
});

/**
 * What a user holds: role names and the union of their permissions, each sorted. In `GET /me`,
 * in access tokens and in introspection.
 */
export const GrantsView = Type.Object({ roles: HeldRoles, permissions: HeldPermissions });
export type GrantsView = Static<typeof GrantsView>;
