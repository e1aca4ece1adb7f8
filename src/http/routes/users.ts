/** `GET /users`, `POST /users/create`, `PATCH /users/{id}/promote`, `DELETE /users/{id}`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  createUser,
  deleteUser,
  listInvitedUserIds,
  listUsers,
  promoteUser,
} from "../../services/users.js";
import { toPublicUser, toUserSummaryView, toUserView } from "../../services/users-view.js";
import { clearSessionCookie } from "../cookie.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import {
  CreateUserRequest,
  OkResponse,
  UserIdParams,
  UserList,
  UserView,
} from "../../contract/index.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const userRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.get(
    "/users",
    {
      schema: {
        tags: ["users"],
        summary:
          "List users: admins see every field (but hashes and secrets), others ids and names",
        response: {
          200: UserList,
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const users = await listUsers(ctx);
      if (!actor.isAdmin) return users.map(toUserSummaryView);
      const invited = await listInvitedUserIds(ctx);
      return users.map((user) => ({
        ...toUserView(toPublicUser(user)),
        invitation_pending: invited.has(user.id),
      }));
    },
  );

  app.post(
    "/users/create",
    {
      schema: {
        tags: ["users"],
        summary:
          "Create a user (admin only): with a password they must change at first login, or with `invite: true` and none (a mailed link)",
        description:
          "The new user gets a mail: the invitation (72 h, single use) with `invite`, else a link to verify the address.",
        body: CreateUserRequest,
        response: { 201: UserView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await createUser(
        ctx,
        actorOf(request),
        {
          name: request.body.name,
          email: request.body.email,
          ...(request.body.password === undefined ? {} : { password: request.body.password }),
          invite: request.body.invite ?? false,
          isAdmin: request.body.is_admin ?? false,
          mustChangePassword: true,
        },
        requestMeta(request),
      );
      return reply.code(201).send(toUserView(toPublicUser(user)));
    },
  );

  app.patch(
    "/users/:id/promote",
    {
      schema: {
        tags: ["users"],
        summary: "Make a user an admin (admin only)",
        params: UserIdParams,
        response: { 200: UserView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await promoteUser(
        ctx,
        actorOf(request),
        request.params.id,
        requestMeta(request),
      );
      return toUserView(toPublicUser(user));
    },
  );

  app.delete(
    "/users/:id",
    {
      config: { setsSessionCookie: true },
      schema: {
        tags: ["users"],
        summary:
          "Delete a user (admin, or the user themself; an admin may not delete another admin)",
        params: UserIdParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request);
      await deleteUser(ctx, actor, request.params.id, requestMeta(request));
      if (actor.id === request.params.id) clearSessionCookie(reply, options.cookie);
      return { ok: true };
    },
  );
};
