/**
 * Tokens for API clients and other services (issue 13 item 4):
 * - `POST /token`: `POST /login`'s body and flow (second-factor 403, rate limits, device
 *   cookie read), answered with the session token in the body and no cookie.
 * - `POST /token/access`: a short-lived access token for the signed-in session, for calling
 *   other services (they verify it with the JWKS, or ask `/token/introspect`).
 * - `POST /token/introspect`: RFC 7662, for services holding `TESSERA_INTROSPECTION_SECRET`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
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
  introspectAccessToken,
  issueAccessToken,
  type AccessTokenSettings,
} from "../../services/access-tokens.js";
import { login } from "../../services/login.js";
import { toPublicUser, toUserView } from "../../services/users-view.js";
import { assertSameOrigin } from "../csrf.js";
import { currentUser, requestMeta } from "../request-meta.js";
import { errorResponses, inline } from "../schemas.js";
import type { RouteOptions } from "./route-options.js";

/** What the token routes take besides every route group's options. */
export interface TokenRouteOptions extends RouteOptions {
  accessTokens: AccessTokenSettings;
  /** `TESSERA_INTROSPECTION_SECRET`; null: `/token/introspect` answers 404. */
  introspectionSecret: string | null;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** `Authorization: Bearer <secret>`, compared as SHA-256 digests (constant time, any length). */
function hasCredential(request: FastifyRequest, expected: Buffer): boolean {
  const header = request.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  return timingSafeEqual(digest(header.slice("Bearer ".length).trim()), expected);
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
          "The body and flow of `POST /login` (403 `two_fa_required` with `extra` = TwoFaRequiredResponse: send again with `two_fa_code` or `webauthn_response`). Send the token as `Authorization: Bearer`; a renewed one comes back in the `tessera-token` header.",
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
        user: toUserView(toPublicUser(result.user)),
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
          "Signed with the current signing key (verify with `/.well-known/jwks.json` or introspect). Carries `iss`, `sub`, `sid`, `jti`, `iat`, `exp`, `aud` when `TESSERA_TOKEN_AUDIENCE` is set, and `token_use: access`; Tessera refuses it as a session token.",
        response: { 200: AccessTokenResponse, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const issued = issueAccessToken(ctx, options.accessTokens, {
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

  const secret = options.introspectionSecret === null ? null : digest(options.introspectionSecret);
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
        onRequest: async (request) => {
          if (secret === null) throw new NotFoundError();
          if (!hasCredential(request, secret)) {
            throw new NotAuthorizedError("Missing or wrong introspection credential");
          }
        },
        schema: {
          tags: ["tokens"],
          summary: "Whether an access token is active (RFC 7662), for services",
          description:
            "`Authorization: Bearer <TESSERA_INTROSPECTION_SECRET>`; 404 when the variable is not set. Body `token` as a form or JSON. Active while the signature, `exp` and the session behind `sid` are live.",
          body: inline(IntrospectionRequest),
          response: { 200: IntrospectionResponse, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const active = await introspectAccessToken(ctx, options.accessTokens, request.body.token);
        if (active === null) return { active: false };
        return {
          active: true,
          sub: active.sub,
          sid: active.sid,
          iss: active.iss,
          ...(active.aud === null ? {} : { aud: active.aud }),
          iat: active.iat,
          exp: active.exp,
          token_type: "Bearer" as const,
        };
      },
    );
  });
};
