/**
 * HS256 (RFC 7518 §3.2), the seed's algorithm: the key rule (a secret of at least 32 bytes), the
 * signer (`fast-jwt`, byte-compatible with PyJWT's `jwt.encode(payload, secret,
 * algorithm="HS256")`) and the verifier of one key, straight on node:crypto.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createSigner } from "fast-jwt";
import { isCanonicalBase64Url } from "../base64url.js";
import { MIN_SECRET_BYTES, isSecretLongEnough } from "../secret.js";
import { parseClaims, type Claims } from "./claims.js";
import { encodeJsonSegment } from "./segments.js";

/** The only accepted algorithm (seed: `algorithm="HS256"`). */
export const JWT_ALGORITHM = "HS256";
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_JWT_SECRET_BYTES = MIN_SECRET_BYTES;

/** One HMAC key and its key id. */
export interface JwtKey {
  kid: string;
  secret: string;
}

// The signature must be the canonical base64url encoding of 32 bytes: 43 characters whose last
// one carries 4 data bits and 2 zero bits (RFC 4648 §3.5). Base64 decoders ignore those 2 bits,
// so without the canonical check (isCanonicalBase64Url) 4 different last characters would give
// the same valid signature. (The verifier also refuses any character outside the base64url
// alphabet and any segment count other than 3: COMPACT_HS256.)
export const HS256_SIGNATURE_CHARS = 43;

/** `{"alg":"HS256","typ":"JWT"}`: the header PyJWT writes, without a kid. */
export const KIDLESS_HEADER_SEGMENT = encodeJsonSegment({ alg: JWT_ALGORITHM, typ: "JWT" });

/**
 * An HS256 secret as given, when it is a string of at least MIN_JWT_SECRET_BYTES UTF-8 bytes.
 * @throws TypeError otherwise.
 */
export function checkSecret(secret: unknown): string {
  if (typeof secret !== "string") throw new TypeError("JWT secret must be a string");
  if (!isSecretLongEnough(secret)) {
    throw new TypeError(
      `JWT secret must be at least ${MIN_JWT_SECRET_BYTES} bytes (UTF-8), got ${Buffer.byteLength(secret, "utf8")}; e.g. \`openssl rand -base64 48\``,
    );
  }
  return secret;
}

/** Signs with an HMAC key: header `{ alg: "HS256", typ: "JWT", kid }`, the payload as JSON. */
export function createHs256Signer(key: JwtKey): (payload: Claims) => string {
  return createSigner({ key: key.secret, algorithm: JWT_ALGORITHM, kid: key.kid }) as (
    payload: Claims,
  ) => string;
}

// Compact serialization, exactly three base64url segments (RFC 7515 §7.1; RFC 8725bis "Check
// JWT Format Type"); the signature is 43 characters (32 bytes).
const COMPACT_HS256 = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * The HS256 check of one key, straight on node:crypto: HMAC-SHA256 over `header.payload`
 * compared in constant time, then the payload parsed as a JSON object with an `exp`
 * (parseClaims). The header was already allow-listed by `candidateKeys` (alg fixed to HS256).
 * Measured on this machine, fast-jwt's verifier ran at 49% of this floor for fresh tokens
 * (`npm run bench:core`), and this is the per-request path, so the few lines are ours. Throws on
 * any failure.
 */
export function createHs256Verifier(secret: string): (token: string) => Claims {
  const key = Buffer.from(secret, "utf8");
  return (token) => {
    if (!COMPACT_HS256.test(token)) throw new Error("malformed");
    const firstDot = token.indexOf(".");
    const lastDot = token.lastIndexOf(".");
    const signature = token.slice(lastDot + 1);
    if (!isCanonicalBase64Url(signature)) throw new Error("signature");
    const expected = createHmac("sha256", key).update(token.slice(0, lastDot)).digest();
    const actual = Buffer.from(signature, "base64url");
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new Error("signature");
    }
    return parseClaims(token.slice(firstDot + 1, lastDot));
  };
}
