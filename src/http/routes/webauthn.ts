/** Passkeys: `/users/{id}/2fa/webauthn…` and passwordless `/login/passkey…`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import {
  CredentialParams,
  EmptyBody,
  OkResponse,
  OptionsJson,
  PasskeyList,
  PasskeyLoginRequest,
  PasskeyView,
  RegisterPasskeyRequest,
  RenamePasskeyRequest,
  UserIdParams,
  UserView,
} from "../../contract/index.js";
import {
  finishPasskeyRegistration,
  listPasskeys,
  removePasskey,
  renamePasskey,
  startPasskeyRegistration,
  type PasskeyDependencies,
} from "../../services/factors/passkeys/index.js";
import {
  finishPasswordlessLogin,
  startPasswordlessLogin,
} from "../../services/sign-in/passkey-sign-in.js";
import { userViewOf } from "../../services/users-view.js";
import { setDeviceCookie, setSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses } from "../schemas.js";
import { registerAddressRateLimit } from "../address-rate-limit.js";
import type { RouteOptions } from "./route-options.js";

/**
 * Passwordless options per client network and minute (issue 14 item 9: one client made 1,726
 * challenges a second). A person needs one per sign-in; 30 leaves room for retries and an office
 * behind one address. Counted in this instance's memory by @fastify/rate-limit.
 */
export const PASSKEY_OPTIONS_PER_MINUTE = 30;

export const webauthnRoutes: FastifyPluginAsyncTypebox<RouteOptions & PasskeyDependencies> = async (
  app,
  options,
) => {
  const { ctx } = options;
  const deps: PasskeyDependencies = { rp: options.rp, challenges: options.challenges };
  // Only the routes that opt in through `config.rateLimit` are limited.
  await registerAddressRateLimit(app);

  app.post(
    "/users/:id/2fa/webauthn/register/options",
    {
      schema: {
        tags: ["passkeys"],
        summary:
          "Creation options for a new passkey of the signed-in user; 409 once they have the most a user may (20)",
        params: UserIdParams,
        body: EmptyBody,
        response: { 200: OptionsJson, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => ({
      ...(await startPasskeyRegistration(ctx, deps, currentUser(request), request.params.id)),
    }),
  );

  app.post(
    "/users/:id/2fa/webauthn/register/verify",
    {
      schema: {
        tags: ["passkeys"],
        summary: "Store a new passkey from the authenticator's answer",
        params: UserIdParams,
        body: RegisterPasskeyRequest,
        response: { 200: PasskeyView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) =>
      finishPasskeyRegistration(
        ctx,
        deps,
        currentUser(request),
        request.params.id,
        { response: request.body.response, name: request.body.name },
        requestMeta(request),
      ),
  );

  app.get(
    "/users/:id/2fa/webauthn",
    {
      schema: {
        tags: ["passkeys"],
        summary: "The user's passkeys (self or admin): at most 20, the cap of passkeys per user",
        params: UserIdParams,
        response: { 200: PasskeyList, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => listPasskeys(ctx, currentUser(request), request.params.id),
  );

  app.patch(
    "/users/:id/2fa/webauthn/:credential_id",
    {
      schema: {
        tags: ["passkeys"],
        summary: "Rename a passkey",
        params: CredentialParams,
        body: RenamePasskeyRequest,
        response: { 200: PasskeyView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      renamePasskey(
        ctx,
        currentUser(request),
        request.params.id,
        request.params.credential_id,
        request.body.name,
        requestMeta(request),
      ),
  );

  app.delete(
    "/users/:id/2fa/webauthn/:credential_id",
    {
      schema: {
        tags: ["passkeys"],
        summary:
          "Remove a passkey (self or admin, audited); 409 `last_passkey` for the only one of an account without a password",
        params: CredentialParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      await removePasskey(
        ctx,
        currentUser(request),
        request.params.id,
        request.params.credential_id,
        requestMeta(request),
      );
      return { ok: true };
    },
  );

  app.post(
    "/login/passkey/options",
    {
      config: {
        excludeFromAuth: true,
        rateLimit: { max: PASSKEY_OPTIONS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        tags: ["session"],
        summary: "Request options for passwordless sign-in (user verification required)",
        body: EmptyBody,
        response: { 200: OptionsJson, ...errorResponses(403, 429, 503) },
      },
    },
    async (request) => {
      assertSameOrigin(request, options.allowedOrigins);
      return { ...(await startPasswordlessLogin(ctx, deps, requestMeta(request))) };
    },
  );

  app.post(
    "/login/passkey",
    {
      config: { excludeFromAuth: true, setsSessionCookie: true },
      schema: {
        tags: ["session"],
        summary: "Sign in with a discoverable passkey; sets the same cookie as /login",
        body: PasskeyLoginRequest,
        response: { 200: UserView, ...errorResponses(400, 403, 429) },
      },
    },
    async (request, reply) => {
      assertSameOrigin(request, options.allowedOrigins);
      const result = await finishPasswordlessLogin(
        ctx,
        deps,
        request.body.webauthn_response,
        requestMeta(request),
      );
      setSessionCookie(reply, result.token, result.maxAgeSeconds, options.cookie);
      setDeviceCookie(reply, result.deviceToken, options.cookie);
      return userViewOf(result.user);
    },
  );
};
