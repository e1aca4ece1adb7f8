/**
 * Tokens for API clients and other services (issue 13 item 4):
 * - `POST /token`: `POST /login`'s body and flow (second-factor 403, rate limits, device
 *   cookie read), answered with the session token in the body and no cookie.
 * - `POST /token/access`: a short-lived access token for the signed-in session, for calling
 *   other services (they verify it with the JWKS, or ask `/token/introspect`).
 * - `POST /token/introspect`: RFC 7662, for services holding `TESSERA_INTROSPECTION_SECRET`
 *   (as HTTP Basic client credentials or a Bearer token): access and session tokens.
 */
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import {
  AccessTokenResponse,
  IntrospectionRequest,
  IntrospectionResponse,
  LoginRequest,
  TokenResponse,
} from "../../contract/index.js";
import { ClientError, NotAuthorizedError, NotFoundError } from "../../core/errors.js";
import {
  introspectToken,
  issueAccessToken,
  type AccessTokenSettings,
} from "../../services/sessions/access-tokens.js";
import { login } from "../../services/sign-in/login.js";
import { inspectPersonalToken } from "../../services/personal-tokens/authenticate.js";
import { hasPersonalTokenPrefix } from "../../core/personal-token.js";
import { userViewOf } from "../../services/users-view.js";
import { assertSameOrigin } from "../csrf.js";
import { sendError } from "../error-handler.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { PROOF_OF_WORK_DESCRIPTION, errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";
import { authorizationOf, sameSecret, secretDigest } from "../credentials.js";

/** What the token routes take besides every route group's options. */
export interface TokenRouteOptions extends RouteOptions {
  accessTokens: AccessTokenSettings;
  /** `TESSERA_INTROSPECTION_SECRET`; null: `/token/introspect` answers 404. */
  introspectionSecret: string | null;
}

/**
 * The challenges of a 401 from `/token/introspect` (RFC 7235 §4.1): HTTP Basic client
 * credentials as RFC 7662 §2.1's examples use (RFC 7617), or the secret as a Bearer token.
 */
export const INTROSPECTION_CHALLENGES = [
  'Basic realm="tessera", charset="UTF-8"',
  'Bearer realm="tessera"',
] as const;

/** RFC 6749 §2.3.1: client credentials are form-encoded before Basic; null when malformed. */
function formDecoded(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/**
 * The caller's credential is the introspection secret: `Authorization: Bearer <secret>`, or
 * `Basic base64(client_id:secret)` (any client id; the secret as sent or form-decoded, RFC 6749
 * §2.3.1). Compared in constant time.
 */
function hasCredential(request: FastifyRequest, expected: Buffer): boolean {
  const authorization = authorizationOf(request.headers.authorization);
  if (authorization === null) return false;
  const { scheme, credentials: value } = authorization;
  if (scheme === "bearer") return sameSecret(value, expected);
  if (scheme !== "basic" || !/^[A-Za-z0-9+/]+=*$/.test(value)) return false;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const secret = decoded.slice(colon + 1);
  const plain = sameSecret(secret, expected);
  // Both comparisons always run, so the time does not tell which form matched.
  const encoded = sameSecret(formDecoded(secret) ?? "", expected);
  return plain || encoded;
}

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRouteOptions> = async (app, options) => {
  const { ctx } = options;

  app.post(
    "/token",
    {
      config: { excludeFromAuth: true },
      schema: {
        tags: ["tokens"],
        summary: "Sign in for API clients: the session token in the body, no cookie",
        description:
          "The body and flow of `POST /login` (403 `two_fa_required` with `extra` = TwoFaRequiredResponse: send again with `two_fa_code` or `webauthn_response`). Send the token as `Authorization: Bearer`; a renewed one comes back in the `tessera-token` header. " +
          PROOF_OF_WORK_DESCRIPTION,
        body: inline(LoginRequest),
        response: { 200: TokenResponse, ...errorResponses(400, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      // No cookie is set, so a foreign page cannot sign a browser in (login CSRF) through this
      // route; the check stays for parity with /login: API clients send no Origin and pass, a
      // foreign page's browser request (which could not read the answer anyway) is refused.
      assertSameOrigin(request, options.allowedOrigins);
      const result = await login(ctx, request.body, requestMeta(request), options.webauthn);
      return {
        access_token: result.token,
        token_type: "Bearer" as const,
        expires_in: result.maxAgeSeconds,
        session_id: result.sessionId,
        user: userViewOf(result.user),
      };
    },
  );

  app.post(
    "/token/access",
    {
      schema: {
        tags: ["tokens"],
        summary: "A short-lived access token for the signed-in session, for other services",
        description:
          "Signed with the current signing key (verify with `/.well-known/jwks.json` or introspect). Carries `iss`, `sub`, `sid`, `jti`, `iat`, `exp`, `aud` when `TESSERA_TOKEN_AUDIENCE` is set, `token_use: access`, and the user's `roles` and `permissions` as they are now (issue 23); Tessera refuses it as a session token.",
        response: { 200: AccessTokenResponse, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const issued = await issueAccessToken(ctx, options.accessTokens, {
        userId: user.id,
        sessionId: request.auth?.sessionId ?? null,
      });
      return {
        access_token: issued.token,
        token_type: "Bearer" as const,
        expires_in: issued.expiresInSeconds,
      };
    },
  );

  const secret =
    options.introspectionSecret === null ? null : secretDigest(options.introspectionSecret);
  await app.register(async (introspection) => {
    // RFC 7662 §2.1 posts a form; this scope alone also reads one.
    introspection.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, done) => {
        const fields: Record<string, string> = {};
        for (const [name, value] of new URLSearchParams(body as string)) {
          if (Object.hasOwn(fields, name)) {
            done(new ClientError(`Field ${name} given twice`), undefined);
            return;
          }
          fields[name] = value;
        }
        done(null, fields);
      },
    );
    introspection.withTypeProvider<TypeBoxTypeProvider>().post(
      "/token/introspect",
      {
        config: { excludeFromAuth: true },
        // The credential first, before the body is read: nothing is said to a caller without it.
        onRequest: async (request, reply) => {
          if (secret === null) throw new NotFoundError();
          if (!hasCredential(request, secret)) {
            void reply.header("www-authenticate", [...INTROSPECTION_CHALLENGES]);
            throw new NotAuthorizedError("Missing or wrong introspection credential");
          }
        },
        schema: {
          tags: ["tokens"],
          summary: "Whether a token Tessera issued is active (RFC 7662), for services",
          description:
            "The caller sends `TESSERA_INTROSPECTION_SECRET` as `Authorization: Basic base64(client_id:secret)` (any client id, RFC 7662 §2.1) or `Authorization: Bearer <secret>`; a 401 carries `WWW-Authenticate`; 404 when the variable is not set. Body `token` as a form or JSON. An access token (`token_use: access`) is active while its signature, `exp` and the session behind `sid` are live; a session token (`token_use: session`, from `POST /token` or the cookie) while its session lives; a personal access token (`token_use: personal`, with `scope`: its scopes its user holds now) while it is not revoked nor expired. Other methods answer 405 `method_not_allowed`.",
          body: inline(IntrospectionRequest),
          response: { 200: IntrospectionResponse, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        if (hasPersonalTokenPrefix(request.body.token)) {
          const personal = await inspectPersonalToken(ctx, request.body.token);
          if (personal === null) return { active: false };
          return {
            active: true,
            sub: personal.sub,
            scope: personal.scopes.join(" "),
            iat: personal.iat,
            exp: personal.exp,
            token_type: "Bearer" as const,
            token_use: "personal" as const,
          };
        }
        const active = await introspectToken(ctx, options.accessTokens, request.body.token);
        if (active === null) return { active: false };
        if (active.use === "session") {
          return {
            active: true,
            sub: active.sub,
            ...(active.sid === null ? {} : { sid: active.sid }),
            ...(active.iat === null ? {} : { iat: active.iat }),
            exp: active.exp,
            roles: active.roles,
            permissions: active.permissions,
            token_type: "Bearer" as const,
            token_use: "session" as const,
          };
        }
        return {
          active: true,
          sub: active.sub,
          sid: active.sid,
          iss: active.iss,
          ...(active.aud === null ? {} : { aud: active.aud }),
          iat: active.iat,
          exp: active.exp,
          roles: active.roles,
          permissions: active.permissions,
          token_type: "Bearer" as const,
          token_use: "access" as const,
        };
      },
    );
    // RFC 9110 §15.5.6: the resource exists, only POST reads it; 405 with `Allow`, not 404.
    introspection.route({
      method: ["GET", "PUT", "PATCH", "DELETE"],
      url: "/token/introspect",
      config: { excludeFromAuth: true },
      schema: { hide: true },
      handler: async (_request, reply) =>
        sendError(
          reply.header("allow", "POST"),
          new ClientError("Use POST to introspect a token", { code: "method_not_allowed" }),
        ),
    });
  });
};
