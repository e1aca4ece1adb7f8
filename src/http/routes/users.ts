/** `GET /users`, `POST /users/create`, `PATCH /users/{id}/promote`, `DELETE /users/{id}`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { createUser, deleteUser, listUsers, promoteUser } from "../../services/users.js";
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
      return actor.isAdmin
        ? users.map((user) => toUserView(toPublicUser(user)))
        : users.map(toUserSummaryView);
    },
  );

  app.post(
    "/users/create",
    {
      schema: {
        tags: ["users"],
        summary: "Create a user (admin only); the user must change the password at first login",
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
          password: request.body.password,
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
