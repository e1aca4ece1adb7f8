/**
 * JSON Web Tokens, one job per file (as `jose` lays them out):
 *
 * - key-ring.ts: the ring of keys, the one that signs and those that still verify;
 * - hs256.ts, asymmetric.ts: the two families of keys (HS256 secrets; EdDSA, ES256 and RS256 pairs),
 *   each with its key rule, signer and verifier;
 * - compiled-ring.ts: a ring's signer and verifiers made once, and the cache of verified tokens;
 * - sign.ts, verify.ts: a claim set signed with a ring; a token's signature and time claims;
 * - claims.ts, segments.ts: the claims type and time-claim rule; the compact serialization;
 * - seed.ts, session.ts, access.ts: the three claim sets (the seed's tokens, session tokens,
 *   access tokens for other services).
 *
 * This file lists the public names; the shared internals (signJwtPayload, verifyJwtPayload,
 * the compiled ring, the segment helpers) stay inside the folder.
 */
export { DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS } from "./claims.js";
export type { Claims } from "./claims.js";
export { JWT_ALGORITHM, MIN_JWT_SECRET_BYTES } from "./hs256.js";
export type { JwtKey } from "./hs256.js";
export { MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, checkAsymmetricKey } from "./asymmetric.js";
export type { AsymmetricJwtAlgorithm, AsymmetricJwtKey } from "./asymmetric.js";
export {
  JWT_ALGORITHMS,
  createJwtKeyRing,
  createVerifyingKeyRing,
  isAsymmetricJwtKey,
  jwtKeyAlgorithm,
  jwtKeyId,
} from "./key-ring.js";
export type { AnyJwtKey, JwtAlgorithm, JwtKeyRing, SessionJwtAlgorithm } from "./key-ring.js";
export { VERIFIED_JWT_CACHE_SIZE } from "./compiled-ring.js";
export type { JwtOptions } from "./compiled-ring.js";
export { MAX_JWT_LENGTH, verifyTimedJwtPayload } from "./verify.js";
export { createJwt, verifyJwt, verifyJwtClaims } from "./seed.js";
export type { JwtSubject, VerifiedJwt } from "./seed.js";
export {
  JWT_ID_BYTES,
  SESSION_ID_BYTES,
  SESSION_ID_PATTERN,
  createSessionJwt,
  newSessionId,
  verifySessionJwt,
} from "./session.js";
export type { SessionTokenSubject, VerifiedSessionJwt } from "./session.js";
export { ACCESS_TOKEN_USE, createAccessJwt, verifyAccessJwt } from "./access.js";
export type { AccessTokenSubject, VerifiedAccessJwt } from "./access.js";
