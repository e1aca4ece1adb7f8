/**
 * The seed's tokens: `createJwt`, `verifyJwt` and `verifyJwtClaims`, HS256 JWTs byte-compatible
 * with the seed's PyJWT calls (`jwt.encode(payload, secret, algorithm="HS256")`,
 * `jwt.decode(token, secret, algorithms=["HS256"])`). Claims `id`, `name`, `email`, `exp`, `iat`
 * and `ver`; `exp` is required; claims of the wrong type make the token invalid.
 */
import { systemClock } from "../clock.js";
import type { JwtUser } from "../types.js";
import {
  DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS,
  checkTimeClaims,
  isVersionClaim,
  type Claims,
} from "./claims.js";
import { resolveRing, type JwtOptions } from "./compiled-ring.js";
import { verifyJwtPayload } from "./verify.js";

/** Who a new token is for; `tokenVersion` becomes the `ver` claim. */
export interface JwtSubject {
  id: string;
  name: string;
  email: string;
  tokenVersion?: number;
}

/** A verified token: its user and the claims the services need. */
export interface VerifiedJwt {
  user: JwtUser;
  /** The `ver` claim; 0 for tokens without it (the seed's). */
  tokenVersion: number;
  issuedAtSeconds: number | null;
  expiresAtSeconds: number;
}

function checkHoursAndSubject(user: JwtSubject, validityHours: number): void {
  if (typeof user !== "object" || user === null) throw new TypeError("user must be an object");
  for (const field of ["id", "name", "email"] as const) {
    if (typeof user[field] !== "string") throw new TypeError(`user.${field} must be a string`);
  }
  const version = user.tokenVersion;
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    throw new TypeError("user.tokenVersion must be a non-negative integer");
  }
  if (typeof validityHours !== "number" || !Number.isFinite(validityHours) || validityHours <= 0) {
    throw new TypeError("validityHours must be a positive number");
  }
}

/**
 * Signs an HS256 token for `user` with claims `id`, `name`, `email`, `exp` (now + validityHours,
 * whole seconds), `iat`, and `ver` when user.tokenVersion is given; the header carries the
 * signing key's `kid`. Keys: options.keys, else options.secret (the package's entry point
 * reads `TESSERA_JWT_SECRET` when neither is given); clock: options.clock, else systemClock.
 * @throws TypeError on a missing or short secret, a malformed user, or validityHours <= 0.
 */
export function createJwt(user: JwtSubject, validityHours: number, options?: JwtOptions): string {
  checkHoursAndSubject(user, validityHours);
  const ring = resolveRing(options);
  const nowMs = (options?.clock ?? systemClock)();
  const claims: Claims = {
    id: user.id,
    name: user.name,
    email: user.email,
    exp: Math.floor((nowMs + validityHours * 3_600_000) / 1000),
    iat: Math.floor(nowMs / 1000),
  };
  if (user.tokenVersion !== undefined) claims.ver = user.tokenVersion;
  return ring.sign(claims);
}

function readClaims(claims: Claims, nowMs: number): VerifiedJwt | null {
  if (!checkTimeClaims(claims, nowMs, DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS)) return null;
  const { id, name, email, exp, iat, ver } = claims;
  if (typeof id !== "string" || typeof name !== "string" || typeof email !== "string") return null;
  if (!isVersionClaim(ver)) return null;
  return {
    user: { id, name, email },
    tokenVersion: ver ?? 0,
    issuedAtSeconds: iat ?? null,
    expiresAtSeconds: exp,
  };
}

/**
 * Verifies a token and returns its user and claims, or null for anything invalid: bad format or
 * signature, another algorithm, an unknown kid, a missing/past `exp`, `iat`/`nbf` more than 60 s
 * ahead, or claims of the wrong type. Tokens without `ver` count as version 0. A token without
 * `kid` is tried against every key of the ring. A token this ring verified before is answered
 * from a bounded cache (VERIFIED_JWT_CACHE_SIZE); its time claims are checked on every call.
 * Keys and clock: see createJwt.
 * @throws TypeError only on misconfiguration (no secret, short secret, malformed ring).
 */
export function verifyJwtClaims(token: string, options?: JwtOptions): VerifiedJwt | null {
  const claims = verifyJwtPayload(token, options);
  return claims === null ? null : readClaims(claims, (options?.clock ?? systemClock)());
}

/**
 * The seed's `verify_jwt`: the token's `{ id, name, email }`, or null when it is not valid
 * (see verifyJwtClaims). Keys and clock: see createJwt.
 * @throws TypeError only on misconfiguration (no secret, short secret, malformed ring).
 */
export function verifyJwt(token: string, options?: JwtOptions): JwtUser | null {
  return verifyJwtClaims(token, options)?.user ?? null;
}
