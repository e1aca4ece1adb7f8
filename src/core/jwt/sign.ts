/**
 * Signing: a claim set signed with the current key of a ring (options.keys, else
 * options.secret), whatever its algorithm. The claim sets are the callers': seed.ts, session.ts
 * and access.ts.
 */
import type { Claims } from "./claims.js";
import { resolveRing, type JwtOptions } from "./compiled-ring.js";

/**
 * Signs `claims` with the ring's current key (internal to core/jwt: for the claim sets).
 * @throws TypeError on misconfiguration (no secret, short secret, a ring that cannot sign).
 */
export function signJwtPayload(claims: Claims, options?: JwtOptions): string {
  return resolveRing(options).sign(claims);
}
