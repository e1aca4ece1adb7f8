/**
 * `PATCH /users/{id}/password/change`, `PATCH /users/{id}/password/reset`, and
 * `POST /users/{id}/password/set` (a first password for an account without one, issue 24).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ChangePasswordRequest,
  PasswordStrengthRequest,
  PasswordStrengthResponse,
  ResetPasswordRequest,
  SetPasswordRequest,
  UserIdParams,
  UserView,
} from "../../contract/index.js";
import { issueSessionToken, renewSessionToken } from "../../services/sessions/sessions.js";
import {
  changePassword,
  passwordStrength,
  resetPassword,
  setFirstPassword,
} from "../../services/account/passwords.js";
import { userViewOf } from "../../services/users-view.js";
import { setSessionCookie } from "../cookie.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const passwordRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.patch(
    "/users/:id/password/change",
    {
      config: { allowDuringPasswordChange: true, setsSessionCookie: true },
      schema: {
        tags: ["passwords"],
        summary:
          "Change a password: the user themself with the old password, or an admin for a non-admin",
        description:
          "Ends the user's other sessions. When users change their own password, this request's session continues with a renewed cookie. 409 `password_not_set` for one's own account without a password (set one with `password/set`).",
        params: UserIdParams,
        body: inline(ChangePasswordRequest),
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const actor = currentUser(request);
      const sessionId = request.auth?.sessionId ?? null;
      const meta = requestMeta(request);
      const user = await changePassword(
        ctx,
        actor,
        request.params.id,
        request.body,
        meta,
        sessionId,
      );
      if (actor.id === user.id) {
        // This session stays (a seed token was just revoked: it becomes a session).
        const session =
          sessionId === null
            ? await issueSessionToken(ctx, user, { amr: ["pwd"], meta })
            : await renewSessionToken(ctx, user, sessionId);
        setSessionCookie(reply, session.token, session.maxAgeSeconds, options.cookie);
      }
      return userViewOf(user);
    },
  );

  app.patch(
    "/users/:id/password/reset",
    {
      schema: {
        tags: ["passwords"],
        summary:
          "Reset a password (admin only, not on another admin); the user must change it at next login",
        params: UserIdParams,
        body: inline(ResetPasswordRequest),
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const user = await resetPassword(
        ctx,
        currentUser(request),
        request.params.id,
        request.body,
        requestMeta(request),
      );
      return userViewOf(user);
    },
  );

  app.post(
    "/users/:id/password/set",
    {
      config: { setsSessionCookie: true },
      schema: {
        tags: ["passwords"],
        summary:
          "Set the first password of one's own account that has none (a passkey-first account)",
        description:
          "Self only, with a recent authentication (a passkey: 403 `reauthentication_required` otherwise); 409 `password_already_set` when the account has a password. The password policy applies. Ends the user's other sessions; this request's session continues with a renewed cookie.",
        params: UserIdParams,
        body: inline(SetPasswordRequest),
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const sessionId = request.auth?.sessionId ?? null;
      const meta = requestMeta(request);
      const user = await setFirstPassword(
        ctx,
        currentUser(request),
        request.params.id,
        request.body.new_password,
        meta,
        sessionId,
      );
      // A recent authentication needs a session: this one stays, renewed.
      if (sessionId !== null) {
        const session = await renewSessionToken(ctx, user, sessionId);
        setSessionCookie(reply, session.token, session.maxAgeSeconds, options.cookie);
      }
      return userViewOf(user);
    },
  );

  app.post(
    "/password/strength",
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ["passwords"],
        summary: "How strong a candidate password is, and why the policy would refuse it",
        description:
          "For the pages' strength meter: zxcvbn's score (0-4), the least score accepted, and the refusal the password policy would give (the online breach check runs only when the password is set). `name`/`email` name the account when it is not the caller's (an admin creating a user).",
        body: inline(PasswordStrengthRequest),
        response: { 200: PasswordStrengthResponse, ...errorResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const caller = currentUser(request);
      const { score, violation } = passwordStrength(ctx, request.body.password, {
        name: request.body.name ?? caller.name,
        email: request.body.email ?? caller.email,
      });
      return {
        score,
        min_score: ctx.settings.passwordMinScore,
        acceptable: violation === null,
        reason: violation?.reason ?? null,
        message: violation?.message ?? null,
        suggestion: violation?.suggestion ?? null,
      };
    },
  );
};
