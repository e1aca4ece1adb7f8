/**
 * Session tokens (issue 10): HS256 tokens that name a session record instead of carrying the
 * user. Claims: `id` (the user id, as the seed's tokens have it), `sid` (the session), `jti`
 * (unique per token, RFC 7519 §4.1.7), `iat` and `exp`; no name or email in clear text
 * (NIST SP 800-63B-4 §5.1) unless the operator asks for the seed's claims. Seed tokens (no `sid`)
 * verify here too, with `sessionId: null`, so one check serves both. A token with a `token_use`
 * claim (an access token, issue 13) or an `aud` (an ID token, issue 21) is never a session token.
 */
import { randomBytes } from "node:crypto";
import { systemClock } from "../clock.js";
import {
  DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS,
  checkTimeClaims,
  isVersionClaim,
  type Claims,
} from "./claims.js";
import type { JwtOptions } from "./compiled-ring.js";
import { signJwtPayload } from "./sign.js";
import { verifyJwtPayload } from "./verify.js";

/** Random bytes in a `jti` (RFC 7519 §4.1.7: collisions must be negligible). */
export const JWT_ID_BYTES = 16;
/** Random bytes in a session id (OWASP ASVS 5.0 V7.2.3: at least 128 bits of entropy). */
export const SESSION_ID_BYTES = 16;
/** Shape of a session id: SESSION_ID_BYTES in base64url. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A new random session id (128 bits, base64url). */
export function newSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString("base64url");
}

/** What a session token names. */
export interface SessionTokenSubject {
  userId: string;
  sessionId: string;
  /** The token's end, ms since the epoch (rounded down to whole seconds). */
  expiresAtMs: number;
  /** The seed's personal claims, only with `TESSERA_TOKEN_CLAIMS=seed`. */
  seedClaims?: { name: string; email: string };
}

/** A verified session token (or seed token: `sessionId` null). */
export interface VerifiedSessionJwt {
  userId: string;
  /** The `sid` claim; null for a token the seed issued. */
  sessionId: string | null;
  /** The seed's `ver` claim (0 when absent); only seed tokens are checked against it. */
  tokenVersion: number;
  issuedAtSeconds: number | null;
  expiresAtSeconds: number;
}

/**
 * Signs a session token: `id`, `sid`, `jti`, `iat`, `exp` (and `name`/`email` with
 * `seedClaims`). Keys and clock: see createJwt.
 * @throws TypeError on a malformed subject or an expiry not after now.
 */
export function createSessionJwt(subject: SessionTokenSubject, options?: JwtOptions): string {
  if (!SESSION_ID_PATTERN.test(subject.sessionId)) throw new TypeError("malformed sessionId");
  if (typeof subject.userId !== "string" || subject.userId === "") {
    throw new TypeError("userId must be a non-empty string");
  }
  const nowMs = (options?.clock ?? systemClock)();
  const exp = Math.floor(subject.expiresAtMs / 1000);
  if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs) {
    throw new TypeError("expiresAtMs must be after now");
  }
  const claims: Claims = {
    id: subject.userId,
    sid: subject.sessionId,
    jti: randomBytes(JWT_ID_BYTES).toString("base64url"),
    iat: Math.floor(nowMs / 1000),
    exp,
  };
  if (subject.seedClaims !== undefined) {
    claims.name = subject.seedClaims.name;
    claims.email = subject.seedClaims.email;
  }
  return signJwtPayload(claims, options);
}

/**
 * Verifies a session token or a seed token: signature (see verifyJwtClaims), `exp` (required,
 * no leeway), `iat`/`nbf` at most 60 s ahead. A token with `sid` needs a well-formed `sid`; one
 * without needs the seed's `name` and `email`. Returns null for anything invalid.
 */
export function verifySessionJwt(token: string, options?: JwtOptions): VerifiedSessionJwt | null {
  const claims = verifyJwtPayload(token, options);
  if (claims === null) return null;
  const nowMs = (options?.clock ?? systemClock)();
  // An access token (access.ts) is for other services, never a session (issue 13); nor is a
  // token with an audience: an ID token the OpenID provider signed with a session key (issue
  // 21) always names the client it was issued to.
  if (claims.token_use !== undefined || claims.aud !== undefined) return null;
  if (!checkTimeClaims(claims, nowMs, DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS)) return null;
  const { id, sid, exp, iat, ver, name, email } = claims;
  if (typeof id !== "string" || !isVersionClaim(ver)) return null;
  if (sid !== undefined) {
    if (typeof sid !== "string" || !SESSION_ID_PATTERN.test(sid)) return null;
  } else if (typeof name !== "string" || typeof email !== "string") {
    return null;
  }
  return {
    userId: id,
    sessionId: sid ?? null,
    tokenVersion: ver ?? 0,
    issuedAtSeconds: iat ?? null,
    expiresAtSeconds: exp,
  };
}
