/**
 * `GET /users`, `POST /users/create`, `PATCH /users/{id}/promote`, `PATCH /users/{id}/demote`,
 * `POST /users/{id}/lock`, `POST /users/{id}/unlock`, `DELETE /users/{id}`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { lockAccount, unlockAccount } from "../../services/account-lock.js";
import {
  createUser,
  deleteUser,
  demoteUser,
  listInvitedUserIds,
  listUsers,
  promoteUser,
} from "../../services/users.js";
import {
  toAdminUserView,
  toPublicUser,
  toUserSummaryView,
  toUserView,
} from "../../services/users-view.js";
import { clearSessionCookie } from "../cookie.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import {
  AdminUserView,
  CreateUserRequest,
  LockUserRequest,
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
      const now = ctx.clock();
      const invited = await listInvitedUserIds(ctx);
      return users.map((user) => ({
        ...toAdminUserView(user, now),
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

  app.patch(
    "/users/:id/demote",
    {
      schema: {
        tags: ["users"],
        summary: "Make an admin a regular user (admin only); 409 `last_admin` for the last admin",
        params: UserIdParams,
        response: { 200: UserView, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const user = await demoteUser(ctx, actorOf(request), request.params.id, requestMeta(request));
      return toUserView(toPublicUser(user));
    },
  );

  app.post(
    "/users/:id/lock",
    {
      schema: {
        tags: ["users"],
        summary: "Lock an account (admin; not oneself, not another admin): every session ends",
        description:
          "`{ reason, until? }`: sign-in is refused with 403 `account_locked` (after the password is verified) until `until` (ISO 8601, in the future) or `POST /users/{id}/unlock`. The reason is shown to admins only.",
        params: UserIdParams,
        body: LockUserRequest,
        response: { 200: AdminUserView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const until = request.body.until ?? null;
      const user = await lockAccount(
        ctx,
        currentUser(request),
        request.params.id,
        { reason: request.body.reason, until: until === null ? null : new Date(until) },
        requestMeta(request),
      );
      return toAdminUserView(user, ctx.clock());
    },
  );

  app.post(
    "/users/:id/unlock",
    {
      schema: {
        tags: ["users"],
        summary: "Unlock an account (admin; not another admin): sign-in works again",
        params: UserIdParams,
        response: { 200: AdminUserView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await unlockAccount(
        ctx,
        currentUser(request),
        request.params.id,
        requestMeta(request),
      );
      return toAdminUserView(user, ctx.clock());
    },
  );

  app.delete(
    "/users/:id",
    {
      config: { setsSessionCookie: true },
      schema: {
        tags: ["users"],
        summary:
          "Delete a user (admin, or the user themself; an admin may not delete another admin; 409 `last_admin` for the last admin)",
        params: UserIdParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404, 409) },
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
