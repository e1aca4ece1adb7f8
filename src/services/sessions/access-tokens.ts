/**
 * Access tokens for API clients (issue 13 item 4): issuing a short-lived token for a signed-in
 * session (`POST /token/access`) and answering introspection (`POST /token/introspect`, RFC
 * 7662): a token is active only while its signature, its expiry and the session behind its
 * `sid` are all live, so ending a session (sign-out, "sign out everywhere", an admin) makes its
 * access tokens inactive at once for services that ask.
 */
import { createAccessJwt, verifyAccessJwt } from "../../core/jwt/index.js";
import { PermissionDeniedError } from "../../core/errors.js";
import type { ServiceContext } from "../context.js";
import { permissionsOfUser } from "../grants.js";
import { inspectSessionToken, isSessionLive } from "./sessions.js";

/** Where access tokens come from and whom they are for. */
export interface AccessTokenSettings {
  /** `iss`: the public URL. */
  issuer: string;
  /** `aud`, or null for no `aud` claim. */
  audience: string | null;
  /** Lifetime in minutes. */
  minutes: number;
}

/** A new access token. */
export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

/**
 * What introspection says of an active token (RFC 7662 §2.2), and which kind it is: `token_use`
 * on the wire, a Tessera member (§2.2 allows service-specific names); `token_type` is "Bearer"
 * for both, as RFC 6749 §7.1 means it.
 */
export type IntrospectedToken =
  | ({ use: "access" } & ActiveAccessToken)
  | {
      use: "session";
      sub: string;
      /** null for a token the seed issued (no session). */
      sid: string | null;
      iat: number | null;
      exp: number;
      /** What the user holds now (issue 23). */
      roles: string[];
      permissions: string[];
    };

/** What introspection says of an active access token (RFC 7662 §2.2). */
export interface ActiveAccessToken {
  sub: string;
  sid: string;
  iss: string;
  aud: string | null;
  iat: number;
  exp: number;
  /** What the user holds now (issue 23): a role taken away shows here before the token expires. */
  roles: string[];
  permissions: string[];
}

/**
 * A short-lived access token for the session `sessionId` of `userId`, carrying the `roles` and
 * `permissions` the user holds now (issue 23; from the session cache when it is trusted).
 * @throws PermissionDeniedError when the request's token names no session (a seed token).
 */
export async function issueAccessToken(
  ctx: ServiceContext,
  settings: AccessTokenSettings,
  session: { userId: string; sessionId: string | null },
): Promise<IssuedAccessToken> {
  if (session.sessionId === null) {
    throw new PermissionDeniedError("This token names no session: sign in again");
  }
  const lifetimeSeconds = Math.round(settings.minutes * 60);
  const grants = await permissionsOfUser(ctx, session.userId);
  const { token } = createAccessJwt(
    {
      userId: session.userId,
      sessionId: session.sessionId,
      issuer: settings.issuer,
      audience: settings.audience,
      lifetimeSeconds,
      roles: grants.roles,
      permissions: grants.permissions,
    },
    { keys: ctx.settings.jwtKeys, clock: ctx.clock },
  );
  return { token, expiresInSeconds: lifetimeSeconds };
}

/** The token's claims when it is an active access token, else null (RFC 7662 `active: false`). */
export async function introspectAccessToken(
  ctx: ServiceContext,
  settings: AccessTokenSettings,
  token: string,
): Promise<ActiveAccessToken | null> {
  const claims = verifyAccessJwt(token, {
    keys: ctx.settings.jwtKeys,
    clock: ctx.clock,
    issuer: settings.issuer,
  });
  if (claims === null) return null;
  if (!(await isSessionLive(ctx, claims.sessionId, claims.userId))) return null;
  const grants = await permissionsOfUser(ctx, claims.userId);
  return {
    sub: claims.userId,
    sid: claims.sessionId,
    iss: claims.issuer,
    aud: claims.audience,
    iat: claims.issuedAtSeconds,
    exp: claims.expiresAtSeconds,
    roles: [...grants.roles],
    permissions: [...grants.permissions],
  };
}

/**
 * RFC 7662 for any token Tessera issues: an access token while its signature, `exp` and session
 * live; a session token (`POST /token`, the cookie's) while Tessera would accept it, i.e. while
 * its session lives. null: `active: false`. Asking changes nothing (no session is kept alive).
 */
export async function introspectToken(
  ctx: ServiceContext,
  settings: AccessTokenSettings,
  token: string,
): Promise<IntrospectedToken | null> {
  const access = await introspectAccessToken(ctx, settings, token);
  if (access !== null) return { use: "access", ...access };
  const session = await inspectSessionToken(ctx, token);
  if (session === null) return null;
  const grants = await permissionsOfUser(ctx, session.userId);
  return {
    use: "session",
    sub: session.userId,
    sid: session.sessionId,
    iat: session.issuedAtSeconds,
    exp: session.expiresAtSeconds,
    roles: [...grants.roles],
    permissions: [...grants.permissions],
  };
}
