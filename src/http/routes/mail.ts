/**
 * The routes mails lead to (issue 12): `POST /password/forgot`, `POST /password/reset-with-token`
 * and `POST /not-me`. All public (the mail's token is the credential) and same-origin for
 * browsers, like the login.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  ForgotPasswordRequest,
  ForgotPasswordResponse,
  NotMeRequest,
  NotMeResponse,
  OkResponse,
  ResetWithTokenRequest,
} from "../../contract/index.js";
import { reportNotMe } from "../../services/mail/notices.js";
import {
  FORGOT_PASSWORD_DETAIL,
  requestPasswordReset,
  resetPasswordWithToken,
} from "../../services/sign-in/password-reset.js";
import { assertSameOrigin } from "../csrf.js";
import { requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const mailRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.post(
    "/password/forgot",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["passwords"],
        summary: "Mail a link to choose a new password",
        description:
          "`name` is the account's name or email. Answers 202 with the same body, in about the same time, whether or not the account exists; when it does, `PUBLIC_URL/reset-password#token=…` is mailed (valid 30 minutes, once). Rate limited per account and address (429).",
        body: inline(ForgotPasswordRequest),
        response: { 202: ForgotPasswordResponse, ...errorResponses(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      await requestPasswordReset(ctx, request.body, requestMeta(request));
      return reply.code(202).send({ ok: true, detail: FORGOT_PASSWORD_DETAIL });
    },
  );

  app.post(
    "/password/reset-with-token",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["passwords"],
        summary: "Choose a new password with the token of a reset link",
        description:
          "Ends every session and clears `must_change_password`; then sign in with the new password. When the account has a second factor, send `two_fa_code` or `webauthn_response` too, else 403 `two_fa_required` with the same `extra` as login. 400 `invalid_email_token` for a link that is unknown, used, expired, or older than the last password change.",
        body: inline(ResetWithTokenRequest),
        response: { 200: OkResponse, ...errorResponses(400, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      assertSameOrigin(request, options.allowedOrigins);
      await resetPasswordWithToken(ctx, request.body, requestMeta(request), options.webauthn);
      return { ok: true };
    },
  );

  app.post(
    "/not-me",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["session"],
        summary: "“This wasn't me”: end the sessions a security notice concerns",
        description:
          "The token of a security notice's link. Ends the session the notice is about, or every session for a password change or a lock; then choose a new password (`/reset-password`). 400 `invalid_email_token` for a link that is unknown, used or expired.",
        body: inline(NotMeRequest),
        response: { 200: NotMeResponse, ...errorResponses(400, 403, 413, 415) },
      },
    },
    async (request) => {
      assertSameOrigin(request, options.allowedOrigins);
      const { ended } = await reportNotMe(ctx, request.body.token, requestMeta(request));
      return { ok: true as const, ended };
    },
  );
};
