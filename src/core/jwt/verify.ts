/**
 * Verification: a token's format, header and signature (verifyJwtPayload), then its time claims
 * for tokens of any shape (verifyTimedJwtPayload). The algorithm is the key's, never the
 * token's (RFC 8725 §3.1): a token is checked only by the key its `kid` names, and only when its
 * header's `alg` is that key's, so `alg: HS256` with a public key as the HMAC secret, or `alg`
 * swapped, finds no key. Every failure is one generic null.
 */
import { MAX_TOKEN_LENGTH } from "../../contract/limits.js";
import { systemClock, type Clock } from "../clock.js";
import { DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS, checkTimeClaims, type Claims } from "./claims.js";
import {
  resolveRing,
  type CompiledKey,
  type CompiledRing,
  type JwtOptions,
} from "./compiled-ring.js";
import { JWT_ALGORITHM } from "./hs256.js";
import type { JwtKeyRing } from "./key-ring.js";

/**
 * Longer tokens are refused before parsing (a session token is about 300 characters): 8 KiB,
 * the wire contract's MAX_TOKEN_LENGTH.
 */
export const MAX_JWT_LENGTH = MAX_TOKEN_LENGTH;

const ALLOWED_HEADER_MEMBERS = new Set(["alg", "typ", "kid"]);

/** The keys a token may be signed with, from its header; empty when the header is refused. */
function candidateKeys(ring: CompiledRing, headerSegment: string): readonly CompiledKey[] {
  const known = ring.byHeaderSegment.get(headerSegment);
  if (known !== undefined) return known;
  // Not a header this ring writes: accept only an allow-listed shape (RFC 8725bis: allow-lists).
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerSegment, "base64url").toString("utf8"));
  } catch {
    return [];
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return [];
  const members = header as Record<string, unknown>;
  for (const name of Object.keys(members)) if (!ALLOWED_HEADER_MEMBERS.has(name)) return [];
  if (members.typ !== undefined && members.typ !== "JWT") return [];
  // The key decides the algorithm: the header's `alg` must be the named key's own (RFC 8725 §2.1,
  // §3.1). A kid-less token can only be the seed's HS256.
  if (members.kid === undefined) return members.alg === JWT_ALGORITHM ? ring.hmacKeys : [];
  if (typeof members.kid !== "string") return [];
  const key = ring.byKid.get(members.kid);
  return key === undefined || key.algorithm !== members.alg ? [] : [key];
}

/**
 * The signature check behind every verify: the token's claims when its format, header and
 * signature are right (time claims NOT checked), else null. A token this ring verified before
 * is answered from a bounded cache (VERIFIED_JWT_CACHE_SIZE). Internal to core/jwt: for the
 * claim sets (seed.ts, session.ts).
 * @throws TypeError only on misconfiguration (no secret, short secret, malformed ring).
 */
export function verifyJwtPayload(token: string, options?: JwtOptions): Claims | null {
  const ring = resolveRing(options);
  if (typeof token !== "string" || token.length > MAX_JWT_LENGTH) return null;
  const cached = ring.verified.get(token);
  if (cached !== undefined) return cached;
  const lastDot = token.lastIndexOf(".");
  // Every key checks its own signature length and encoding; cut anything else short here.
  if (!ring.signatureChars.has(token.length - lastDot - 1)) return null;
  const firstDot = token.indexOf(".");
  if (firstDot <= 0 || firstDot === lastDot) return null;
  for (const key of candidateKeys(ring, token.slice(0, firstDot))) {
    let claims: Claims;
    try {
      claims = key.verify(token);
    } catch {
      continue; // wrong key, bad signature or malformed JSON: one generic failure
    }
    ring.verified.set(token, claims);
    return claims;
  }
  return null;
}

/**
 * Verifies a token's signature (the key its `kid` names, with that key's algorithm), that `exp`
 * is in the future and that `iat`/`nbf` are not more than 60 s ahead, and returns its payload;
 * null for anything else. Unlike verifyJwtClaims it asks nothing of the other claims: for tokens
 * of any shape (access tokens, tokens without personal data).
 */
export function verifyTimedJwtPayload(
  token: string,
  options: { keys: JwtKeyRing; clock?: Clock },
): Readonly<Record<string, unknown>> | null {
  const claims = verifyJwtPayload(token, options);
  if (claims === null) return null;
  const nowMs = (options.clock ?? systemClock)();
  return checkTimeClaims(claims, nowMs, DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS) ? claims : null;
}
