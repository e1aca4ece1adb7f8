/**
 * `GET /me`, `GET /users`, `POST /users/create`, `PATCH /users/{id}/promote`,
 * `PATCH /users/{id}/demote`, `PATCH /users/{id}/locale`, `POST /users/{id}/lock`,
 * `POST /users/{id}/unlock`, `DELETE /users/{id}`.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { lockAccount, unlockAccount } from "../../services/account/account-lock.js";
import {
  createUser,
  deleteUser,
  demoteUser,
  promoteUser,
  setLocale,
} from "../../services/account/users.js";
import { readUserList } from "../../services/account/user-list.js";
import { recoveryCodesLow } from "../../services/factors/recovery-codes.js";
import type { FastifyReply } from "fastify";
import { grantsClaims, permissionsOfUser, type Grants } from "../../services/grants.js";
import {
  toAdminUserView,
  toUserView,
  userViewOf,
  type PublicUser,
} from "../../services/users-view.js";
import { clearSessionCookie } from "../cookie.js";
import { actorOf, currentUser, requestMeta } from "../request-meta.js";
import {
  AdminUserView,
  CreateUserRequest,
  LockUserRequest,
  MeView,
  OkResponse,
  SetLocaleRequest,
  UserIdParams,
  MAX_DIRECTORY_RESULTS,
  MAX_PAGE_SIZE,
  MIN_DIRECTORY_QUERY_LENGTH,
  TOTAL_COUNT_HEADER,
  UserList,
  UserListQuery,
  UserView,
} from "../../contract/index.js";
import { pageResponse, sendPage } from "../paging.js";
import { errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

/** The content type of a body already serialised to JSON. */
const JSON_TYPE = "application/json; charset=utf-8";

/** `GET /me`'s body, serialised by the route's response schema. */
function serializeMe(reply: FastifyReply, user: PublicUser, grants: Grants): string {
  return reply.serialize({
    ...toUserView(user),
    two_fa_enrolment_required: user.twoFaEnrolmentRequired === true,
    recovery_codes_left: user.recoveryCodesLeft,
    recovery_codes_low: recoveryCodesLow(user.recoveryCodesLeft),
    ...grantsClaims(grants),
    has_password: user.hasPassword,
  } satisfies MeView) as string;
}

export const userRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.get(
    "/me",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["users"],
        summary:
          "The signed-in user, their roles and permissions, and how many recovery codes are left",
        description:
          "`two_fa_enrolment_required`: `TESSERA_REQUIRE_2FA` covers the user, who has neither TOTP nor a passkey; until one is set up only enrolment, the password change, re-authentication and sign-out answer.",
        response: { 200: MeView, ...errorResponses(401) },
      },
    },
    (request, reply) => {
      const user = currentUser(request);
      // Read before the body is built: a change of the user's roles drops the cached user
      // (a user event, or "all" for a role's permissions), and so the kept body with it.
      // Issue 20 item 3: from the cache without a promise when it holds them.
      const cached = ctx.sessionCache?.getGrants(user.id);
      if (cached === undefined) {
        return (async () => {
          const grants = await permissionsOfUser(ctx, user.id);
          // Awaited: the promise ends with the answer (as returning `reply` would).
          await reply.type(JSON_TYPE).send(meBody(reply, user, grants) as unknown as MeView);
        })();
      }
      // Sent here: a handler that returns nothing after sending costs no promise.
      void reply.type(JSON_TYPE).send(meBody(reply, user, cached) as unknown as MeView);
      return undefined;
    },
  );

  /**
   * Issue 20 item 2: the bytes are kept with the cached user (same entry, same invalidation),
   * serialised by the route's own response schema the first time. Already JSON: a string with
   * a JSON content type is sent as it is (not serialised again).
   */
  function meBody(reply: FastifyReply, user: PublicUser, grants: Grants): string {
    // An unnamed closure: a named one is renamed per call where names are kept (tsx, esbuild).
    return (
      ctx.sessionCache?.userBody(user, () => serializeMe(reply, user, grants)) ??
      serializeMe(reply, user, grants)
    );
  }

  app.get(
    "/users",
    {
      schema: {
        tags: ["users"],
        summary:
          "A page of users, oldest first, searched by the start of a name or email and filtered (admin); with TESSERA_USER_DIRECTORY=search, a people search for everyone",
        description: `Admins: \`limit\` (1 to ${MAX_PAGE_SIZE}, default 50) users after \`cursor\`, every field but hashes and secrets. The next page is in \`Link: <…>; rel="next"\` and \`X-Next-Cursor\` (both absent on the last page); a page without \`cursor\` also says in \`X-Total-Count\` how many users match. Others: 403 \`permission_denied\`, unless \`TESSERA_USER_DIRECTORY=search\`: then \`q\` (${MIN_DIRECTORY_QUERY_LENGTH} characters or more of a name) gives at most ${MAX_DIRECTORY_RESULTS} ids and names, one page, rate-limited per user. A bad \`limit\` or \`cursor\` is a 400 \`validation_error\` naming the field.`,
        querystring: UserListQuery,
        response: {
          200: pageResponse(UserList, {
            [TOTAL_COUNT_HEADER]: {
              type: "string",
              description: "admins, first page: how many users match q and the filters",
            },
          }),
          ...errorResponses(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) =>
      sendPage(request, reply, async () => {
        const page = await readUserList(ctx, actorOf(request), request.query);
        return {
          items: page.users,
          nextCursor: page.nextCursor,
          ...(page.total === undefined
            ? {}
            : { headers: { [TOTAL_COUNT_HEADER]: String(page.total) } }),
        };
      }),
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
      return reply.code(201).send(userViewOf(user));
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
      return userViewOf(user);
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
      return userViewOf(user);
    },
  );

  app.patch(
    "/users/:id/locale",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["users"],
        summary:
          "Save the language of a user's pages and mails (the user themself or an admin); null: follow the browser",
        description:
          "`{ locale }`: a shipped language (`en`, `de`, `fr`, `es`, …), else 400 `validation_error` (`extra.field` `locale`); `null` clears the choice (Accept-Language, then `TESSERA_DEFAULT_LOCALE`). Answers the user's view with `locale`.",
        params: UserIdParams,
        body: SetLocaleRequest,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const user = await setLocale(
        ctx,
        actorOf(request),
        request.params.id,
        request.body.locale,
        requestMeta(request),
      );
      return userViewOf(user);
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
