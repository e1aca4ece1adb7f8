/**
 * Roles and permissions (issue 23 item 2), admins only: `GET /roles`, `POST /roles`,
 * `PATCH /roles/{name}`, `DELETE /roles/{name}`, `PUT /users/{id}/roles`, and
 * `GET /users/{id}/roles` (also the user themself).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  changeRole,
  createRole,
  deleteRole,
  listRolesWithHolders,
  rolesOfTarget,
  setUserRoles,
  type RoleWithHolders,
} from "../../services/account/roles.js";
import { grantsClaims } from "../../services/grants.js";
import {
  CreateRoleRequest,
  GrantsView,
  OkResponse,
  RoleList,
  RoleNameParams,
  RoleView,
  UpdateRoleRequest,
  UserIdParams,
  UserRolesRequest,
} from "../../contract/index.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

function roleView(role: RoleWithHolders): RoleView {
  return {
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    built_in: role.builtIn,
    holders: role.holders,
    created_at: role.createdAt.toISOString(),
    updated_at: role.updatedAt.toISOString(),
  };
}

export const roleRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.get(
    "/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "Every role, by name, with its permissions and number of holders (admin)",
        description:
          "`admin` is built in: its holders are the admins (`is_admin`), its permissions can be changed, it cannot be deleted.",
        response: { 200: RoleList, ...errorResponses(401, 403) },
      },
    },
    async (request) => (await listRolesWithHolders(ctx, currentUser(request))).map(roleView),
  );

  app.post(
    "/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "Create a role (admin): a name and `resource:action` permissions",
        description:
          "Permissions are the app's own (`invoices:write`) or Tessera's scopes (`users:read`). 409 `role_exists` for a taken name.",
        body: CreateRoleRequest,
        response: { 201: RoleView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const role = await createRole(ctx, currentUser(request), request.body, requestMeta(request));
      return reply.code(201).send(roleView(role));
    },
  );

  app.patch(
    "/roles/:name",
    {
      schema: {
        tags: ["roles"],
        summary: "Change a role's description or permissions (admin)",
        description:
          "Every holder's next request, access token and `GET /me`, on every instance, carries the new permissions.",
        params: RoleNameParams,
        body: UpdateRoleRequest,
        response: { 200: RoleView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      roleView(
        await changeRole(
          ctx,
          currentUser(request),
          request.params.name,
          request.body,
          requestMeta(request),
        ),
      ),
  );

  app.delete(
    "/roles/:name",
    {
      schema: {
        tags: ["roles"],
        summary:
          "Delete a role (admin); its holders lose it at once. 409 `built_in_role` for admin",
        params: RoleNameParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      await deleteRole(ctx, currentUser(request), request.params.name, requestMeta(request));
      return { ok: true };
    },
  );

  app.get(
    "/users/:id/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "The roles a user holds and their permissions (the user themself, or an admin)",
        params: UserIdParams,
        response: { 200: GrantsView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) =>
      grantsClaims(await rolesOfTarget(ctx, currentUser(request), request.params.id)),
  );

  app.put(
    "/users/:id/roles",
    {
      schema: {
        tags: ["roles"],
        summary: "Set every role a user holds (admin; never one's own, never another admin's)",
        description:
          "`admin` in the list makes the user an admin, its absence demotes (409 `last_admin` for the last one). An unknown name is 400 `unknown_role` (`extra.roles`). Answers what the user holds now.",
        params: UserIdParams,
        body: UserRolesRequest,
        response: { 200: GrantsView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      grantsClaims(
        await setUserRoles(
          ctx,
          currentUser(request),
          request.params.id,
          request.body.roles,
          requestMeta(request),
        ),
      ),
  );
};
