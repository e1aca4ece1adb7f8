/**
 * Passkey-first accounts (issue 24): `POST /invitations/passkey/options` and
 * `POST /invitations/passkey` (an invitation accepted with a passkey instead of a password),
 * `POST /signup/passkey/options` and `POST /signup/passkey` (the verification link of a sign-up
 * with `passkey: true`). Each pair is a registration ceremony bound to the mailed link.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  OptionsJson,
  PasskeyFirstOptionsRequest,
  PasskeyFirstRequest,
  UserView,
} from "../../contract/index.js";
import type { PasskeyDependencies } from "../../services/factors/passkeys/index.js";
import {
  finishPasskeyFirst,
  startPasskeyFirst,
  type PasskeyFirstKind,
} from "../../services/sign-in/passkey-first.js";
import { userViewOf } from "../../services/users-view.js";
import { setDeviceCookie, setSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import type { RouteOptions } from "./route-options.js";
import { PASSKEY_OPTIONS_PER_MINUTE } from "./webauthn.js";

/** The path prefix and the words of each kind. */
const KINDS: readonly { kind: PasskeyFirstKind; path: string; what: string }[] = [
  { kind: "invitation", path: "/invitations/passkey", what: "the invitation link" },
  { kind: "signup", path: "/signup/passkey", what: "the sign-up's verification link" },
];

export const passkeyFirstRoutes: FastifyPluginAsyncTypebox<
  RouteOptions & PasskeyDependencies
> = async (app, options) => {
  const { ctx, cookie } = options;
  const deps: PasskeyDependencies = { rp: options.rp, challenges: options.challenges };
  await registerAddressRateLimit(app);

  for (const { kind, path, what } of KINDS) {
    app.post(
      `${path}/options`,
      {
        config: {
          excludeFromAuth: true,
          rateLimit: { max: PASSKEY_OPTIONS_PER_MINUTE, timeWindow: 60_000 },
        },
        schema: {
          tags: ["passkeys"],
          summary: `Creation options for the first passkey of an account without a password, from ${what}`,
          description:
            "The token is checked, not used. Discoverable credential and user verification required. 400 `invalid_email_token` for a link that is not live" +
            (kind === "signup"
              ? "; 409 `password_already_set` for an account with a password (its link only verifies the address: `POST /email/verify`)."
              : "."),
          body: PasskeyFirstOptionsRequest,
          response: { 200: OptionsJson, ...errorResponses(400, 409, 429, 503) },
        },
      },
      async (request) => ({ ...(await startPasskeyFirst(ctx, deps, kind, request.body.token)) }),
    );

    app.post(
      path,
      {
        config: { excludeFromAuth: true, setsSessionCookie: true },
        schema: {
          tags: ["passkeys"],
          summary: `Finish ${what} with a passkey instead of a password, and sign in`,
          description:
            "Single use, as with a password: the link is used up, the passkey stored, the account keeps no password, the address is verified, and the session cookie is set as by `POST /login`.",
          body: PasskeyFirstRequest,
          response: { 200: UserView, ...errorResponses(400, 403, 409, 429, 503) },
        },
      },
      async (request, reply) => {
        // Login CSRF: a foreign page must not sign the browser in.
        assertSameOrigin(request, options.allowedOrigins);
        const result = await finishPasskeyFirst(
          ctx,
          deps,
          kind,
          {
            token: request.body.token,
            response: request.body.webauthn_response,
            name: request.body.passkey_name,
          },
          requestMeta(request),
        );
        setSessionCookie(reply, result.token, result.maxAgeSeconds, cookie);
        setDeviceCookie(reply, result.deviceToken, cookie);
        return userViewOf(result.user);
      },
    );
  }
};
