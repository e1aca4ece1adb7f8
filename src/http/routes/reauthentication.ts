/** `POST /reauthenticate/options`, `POST /reauthenticate` (issue 11 item 4). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  EmptyBody,
  OptionsJson,
  ReauthenticateRequest,
  ReauthenticateResponse,
} from "../../contract/index.js";
import type { PasskeyDependencies } from "../../services/context.js";
import { startPasskeyReauthentication } from "../../services/factors/passkeys/index.js";
import { reauthenticate } from "../../services/sign-in/reauthentication.js";
import { RENEWED_TOKEN_HEADER } from "../authentication.js";
import { setSessionCookie } from "../cookie.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import { PASSKEY_OPTIONS_PER_MINUTE } from "./webauthn.js";
import type { RouteOptions } from "./route-options.js";

export const reauthenticationRoutes: FastifyPluginAsyncTypebox<
  RouteOptions & PasskeyDependencies
> = async (app, options) => {
  const { ctx } = options;
  const deps: PasskeyDependencies = { rp: options.rp, challenges: options.challenges };
  await registerAddressRateLimit(app);

  app.post(
    "/reauthenticate/options",
    {
      // As many challenges as passwordless sign-in hands out (each is a stored row).
      config: {
        allowDuringPasswordChange: true,
        rateLimit: { max: PASSKEY_OPTIONS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["session"],
        summary: "Request options to re-authenticate with one of the signed-in user's passkeys",
        body: EmptyBody,
        response: { 200: OptionsJson, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => ({
      ...(await startPasskeyReauthentication(ctx, deps, currentUser(request).id)),
    }),
  );

  app.post(
    "/reauthenticate",
    {
      // Sign-out everywhere is open during a forced password change, and may need this first.
      config: { allowDuringPasswordChange: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary:
          "Authenticate again (password, TOTP code or passkey assertion) before a sensitive action",
        description:
          "Exactly one of `password`, `two_fa_code`, `webauthn_response` (over the challenge of `POST /reauthenticate/options`). Renews this session's authentication time; throttled and audited like a login. A seed token (no session) gets a new session: the cookie, or the `Tessera-Token` header for Bearer clients.",
        body: inline(ReauthenticateRequest),
        response: {
          200: inline(ReauthenticateResponse),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const result = await reauthenticate(
        ctx,
        deps,
        { user: currentUser(request), sessionId: request.auth?.sessionId ?? null },
        request.body,
        requestMeta(request),
      );
      if (result.issued !== null) {
        if (request.auth?.source === "cookie") {
          setSessionCookie(reply, result.issued.token, result.issued.maxAgeSeconds, options.cookie);
        } else {
          void reply.header(RENEWED_TOKEN_HEADER, result.issued.token);
        }
      }
      return { auth_time: new Date(result.authTimeMs).toISOString(), amr: result.amr };
    },
  );
};
