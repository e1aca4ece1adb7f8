/**
 * Access tokens (issue 13 item 4): short-lived tokens a signed-in session hands to API clients
 * for calling other services. Claims: `iss` (Tessera's public URL), `sub` and `id` (the user),
 * `sid` (the session behind it, for introspection), a unique `jti`, `iat`, `exp`, `aud` when
 * configured, and `token_use: "access"`. Session verification (session.ts) refuses any
 * token with `token_use`, so an access token handed to a service can never be replayed against
 * Tessera itself as a session token (RFC 8725 §3.11: explicit typing; the header stays
 * `typ: "JWT"` because the key ring's header allow-list is shared with session tokens).
 */
import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import type { Claims } from "./claims.js";
import type { JwtKeyRing } from "./key-ring.js";
import { JWT_ID_BYTES, SESSION_ID_PATTERN } from "./session.js";
import { signJwtPayload } from "./sign.js";
import { verifyTimedJwtPayload } from "./verify.js";

/** The `token_use` claim of an access token. */
export const ACCESS_TOKEN_USE = "access";

/** What an access token is issued for. */
export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  /** `iss`: the public URL. */
  issuer: string;
  /** `aud`, or null for none. */
  audience: string | null;
  /** Lifetime in seconds (whole, positive). */
  lifetimeSeconds: number;
  /**
   * The user's roles and permissions when the token is made (issue 23): the `roles` and
   * `permissions` claims, arrays of strings, for services that check them (`tessera/verify`).
   */
  roles?: readonly string[];
  permissions?: readonly string[];
}

/** A verified access token. */
export interface VerifiedAccessJwt {
  userId: string;
  sessionId: string;
  issuer: string;
  audience: string | null;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
  /** The `roles` and `permissions` claims, or null when the token has none (an older token). */
  roles: string[] | null;
  permissions: string[] | null;
}

/**
 * Signs an access token with the ring's current key.
 * @throws TypeError on a malformed subject or lifetime.
 */
export function createAccessJwt(
  subject: AccessTokenSubject,
  options: { keys: JwtKeyRing; clock?: Clock },
): { token: string; expiresAtSeconds: number } {
  if (!SESSION_ID_PATTERN.test(subject.sessionId)) throw new TypeError("malformed sessionId");
  if (typeof subject.userId !== "string" || subject.userId === "") {
    throw new TypeError("userId must be a non-empty string");
  }
  if (!Number.isSafeInteger(subject.lifetimeSeconds) || subject.lifetimeSeconds <= 0) {
    throw new TypeError("lifetimeSeconds must be a positive whole number");
  }
  const iat = Math.floor((options.clock ?? systemClock)() / 1000);
  const exp = iat + subject.lifetimeSeconds;
  const claims: Claims = {
    iss: subject.issuer,
    sub: subject.userId,
    id: subject.userId,
    sid: subject.sessionId,
    jti: randomBytes(JWT_ID_BYTES).toString("base64url"),
    iat,
    exp,
    token_use: ACCESS_TOKEN_USE,
  };
  if (subject.audience !== null) claims.aud = subject.audience;
  if (subject.roles !== undefined) claims.roles = [...subject.roles];
  if (subject.permissions !== undefined) claims.permissions = [...subject.permissions];
  return { token: signJwtPayload(claims, { keys: options.keys }), expiresAtSeconds: exp };
}

/**
 * Verifies an access token: signature (the ring's keys, the key's own algorithm), `exp`,
 * `iat`, `token_use`, a well-formed `sid`, `sub` and `iss` (equal to `issuer`). Returns null for
 * anything else, session tokens included. Whether the session is still live is the caller's.
 */
export function verifyAccessJwt(
  token: string,
  options: { keys: JwtKeyRing; clock?: Clock; issuer: string },
): VerifiedAccessJwt | null {
  const claims = verifyTimedJwtPayload(token, {
    keys: options.keys,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  if (claims === null || claims.token_use !== ACCESS_TOKEN_USE) return null;
  const { sub, sid, iss, aud, iat, exp, roles, permissions } = claims;
  if (typeof sub !== "string" || sub === "") return null;
  if (typeof sid !== "string" || !SESSION_ID_PATTERN.test(sid)) return null;
  if (iss !== options.issuer) return null;
  if (aud !== undefined && typeof aud !== "string") return null;
  if (typeof iat !== "number" || typeof exp !== "number") return null;
  return {
    userId: sub,
    sessionId: sid,
    issuer: iss,
    audience: aud ?? null,
    issuedAtSeconds: iat,
    expiresAtSeconds: exp,
    roles: stringList(roles),
    permissions: stringList(permissions),
  };
}

/** A claim that must be an array of strings, or null when absent or anything else. */
function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((item) => typeof item === "string")
    ? (value as string[])
    : null;
}
