/** `POST /login` (the signed-in user, `GET /me`: routes/users.ts; sign-out: routes/sessions.ts). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { LoginRequest, UserView } from "../../contract/index.js";
import { login } from "../../services/sign-in/login.js";
import { userViewOf } from "../../services/users-view.js";
import { setDeviceCookie, setSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { requestMeta } from "../request-meta.js";
import { PROOF_OF_WORK_DESCRIPTION, errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

export const loginRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const { ctx, cookie } = options;

  app.post(
    "/login",
    {
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary:
          "Sign in with name (or email) and password, and a second factor when the user has one",
        description:
          "Sets the `token` cookie. 403 with code `two_fa_required` and `extra` = TwoFaRequiredResponse when a second factor is needed: send the request again with `two_fa_code`, `webauthn_response` or `recovery_code`. " +
          PROOF_OF_WORK_DESCRIPTION,
        body: inline(LoginRequest),
        response: { 200: UserView, ...errorResponses(400, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      // Login CSRF: a foreign page must not sign the browser in to an attacker's account.
      assertSameOrigin(request, options.allowedOrigins);
      const result = await login(ctx, request.body, requestMeta(request), options.webauthn);
      setSessionCookie(reply, result.token, result.maxAgeSeconds, cookie);
      setDeviceCookie(reply, result.deviceToken, cookie);
      return userViewOf(result.user);
    },
  );
};
