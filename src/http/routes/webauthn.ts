/** Passkeys: `/users/{id}/2fa/webauthn…` and passwordless `/login/passkey…`. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  finishPasskeyRegistration,
  finishPasswordlessLogin,
  listPasskeys,
  removePasskey,
  renamePasskey,
  startPasskeyRegistration,
  startPasswordlessLogin,
  type PasskeyDependencies,
} from "../../services/passkeys.js";
import { toPublicUser, toUserView } from "../../services/users-view.js";
import { setSessionCookie } from "../cookie.js";
import { assertSameOrigin } from "../csrf.js";
import { actorOf, requestMeta } from "../request-meta.js";
import { OkResponse, UserIdParams, UserView, errorResponses } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

const PasskeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String({ format: "date-time" }),
  last_used_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  device_type: Type.String(),
  backed_up: Type.Boolean(),
});
const PasskeyName = Type.String({ minLength: 1, maxLength: 64 });
const CredentialParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  credential_id: Type.String({ minLength: 1, maxLength: 1400 }),
});
/** A WebAuthn response as @simplewebauthn/browser sends it; its inside is checked by the ceremony. */
const WebauthnResponse = Type.Record(Type.String(), Type.Unknown());
/** The options JSON of the WebAuthn core (PublicKeyCredential*OptionsJSON). */
const OptionsJson = Type.Object({ challenge: Type.String() }, { additionalProperties: true });
const EmptyBody = Type.Optional(Type.Object({}, { additionalProperties: true }));

export const webauthnRoutes: FastifyPluginAsyncTypebox<RouteOptions & PasskeyDependencies> = async (
  app,
  options,
) => {
  const { ctx } = options;
  const deps: PasskeyDependencies = { rp: options.rp, challenges: options.challenges };

  app.post(
    "/users/:id/2fa/webauthn/register/options",
    {
      schema: {
        tags: ["passkeys"],
        summary: "Creation options for a new passkey of the signed-in user",
        params: UserIdParams,
        body: EmptyBody,
        response: { 200: OptionsJson, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({
      ...(await startPasskeyRegistration(ctx, deps, actorOf(request), request.params.id)),
    }),
  );

  app.post(
    "/users/:id/2fa/webauthn/register/verify",
    {
      schema: {
        tags: ["passkeys"],
        summary: "Store a new passkey from the authenticator's answer",
        params: UserIdParams,
        body: Type.Object(
          { response: WebauthnResponse, name: PasskeyName },
          { additionalProperties: false },
        ),
        response: { 200: PasskeyView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) =>
      finishPasskeyRegistration(
        ctx,
        deps,
        actorOf(request),
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
        summary: "The user's passkeys (self or admin)",
        params: UserIdParams,
        response: { 200: Type.Array(PasskeyView), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => listPasskeys(ctx, actorOf(request), request.params.id),
  );

  app.patch(
    "/users/:id/2fa/webauthn/:credential_id",
    {
      schema: {
        tags: ["passkeys"],
        summary: "Rename a passkey",
        params: CredentialParams,
        body: Type.Object({ name: PasskeyName }, { additionalProperties: false }),
        response: { 200: PasskeyView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      renamePasskey(
        ctx,
        actorOf(request),
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
        summary: "Remove a passkey (self or admin, audited)",
        params: CredentialParams,
        response: { 200: OkResponse, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      await removePasskey(
        ctx,
        actorOf(request),
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
      config: { excludeFromAuth: true },
      schema: {
        tags: ["session"],
        summary: "Request options for passwordless sign-in (user verification required)",
        body: EmptyBody,
        response: { 200: OptionsJson, ...errorResponses(403) },
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
        body: Type.Object({ webauthn_response: WebauthnResponse }, { additionalProperties: false }),
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
      return toUserView(toPublicUser(result.user));
    },
  );
};
