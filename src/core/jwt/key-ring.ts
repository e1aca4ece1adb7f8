/**
 * The key ring: the key that signs and every key that still verifies, so a secret can rotate
 * (the signing key's `kid` goes in the header and older keys still verify). A ring holds HS256
 * secrets (hs256.ts) and asymmetric keys (asymmetric.ts); every key carries its own algorithm.
 * Building a ring checks every key; a ring is frozen and reused.
 */
import { createHash } from "node:crypto";
import {
  checkAsymmetricKey,
  type AsymmetricJwtAlgorithm,
  type AsymmetricJwtKey,
} from "./asymmetric.js";
import { JWT_ALGORITHM, checkSecret, type JwtKey } from "./hs256.js";

/** Every signing algorithm Tessera knows. */
export type JwtAlgorithm = typeof JWT_ALGORITHM | AsymmetricJwtAlgorithm;
/**
 * The algorithms session tokens may be signed with (`TESSERA_JWT_ALGORITHM`). RS256 is not one:
 * its keys sign the OpenID provider's ID tokens (issue 21), and a session signed with the same
 * key as an ID token would be one key for two kinds of token.
 */
export type SessionJwtAlgorithm = Exclude<JwtAlgorithm, "RS256">;
/** The session algorithms in the order the configuration names them. */
export const JWT_ALGORITHMS: readonly SessionJwtAlgorithm[] = Object.freeze([
  "HS256",
  "EdDSA",
  "ES256",
]);

/** Any key of a ring. */
export type AnyJwtKey = JwtKey | AsymmetricJwtKey;

/** Whether a ring key is asymmetric. */
export function isAsymmetricJwtKey(key: AnyJwtKey): key is AsymmetricJwtKey {
  return "algorithm" in key;
}

/** The key that signs and every key that still verifies (the signing key first). */
export interface JwtKeyRing {
  readonly signing: AnyJwtKey;
  readonly verifying: readonly AnyJwtKey[];
}

const KID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/** The kid of a bare secret: the first 8 base64url characters of SHA-256(secret). */
export function jwtKeyId(secret: string): string {
  return createHash("sha256").update(checkSecret(secret), "utf8").digest("base64url").slice(0, 8);
}

/**
 * A checked, frozen ring key: a bare secret gets the kid jwtKeyId(secret).
 * @throws TypeError for a malformed key or kid, a short secret or a wrong asymmetric key.
 */
export function toKey(key: string | AnyJwtKey): AnyJwtKey {
  if (typeof key === "string") return Object.freeze({ kid: jwtKeyId(key), secret: key });
  if (typeof key !== "object" || key === null)
    throw new TypeError("JWT key must be a string, { kid, secret } or an asymmetric key");
  if (typeof key.kid !== "string" || !KID_PATTERN.test(key.kid)) {
    throw new TypeError("JWT key id must be 1-128 characters of [A-Za-z0-9._~-]");
  }
  if (isAsymmetricJwtKey(key)) return checkAsymmetricKey(key);
  return Object.freeze({ kid: key.kid, secret: checkSecret(key.secret) });
}

/** What makes two keys with one kid the same key. */
function keyMaterial(key: AnyJwtKey): string {
  if (!isAsymmetricJwtKey(key)) return `HS256:${key.secret}`;
  return `${key.algorithm}:${JSON.stringify(key.publicKey.export({ format: "jwk" }))}`;
}

/**
 * The keys with each kid once (the first kept). @throws TypeError when two different keys share
 * a kid.
 */
export function uniqueKeys(keys: readonly AnyJwtKey[]): AnyJwtKey[] {
  const byKid = new Map<string, AnyJwtKey>();
  for (const key of keys) {
    const seen = byKid.get(key.kid);
    if (seen === undefined) byKid.set(key.kid, key);
    else if (keyMaterial(seen) !== keyMaterial(key))
      throw new TypeError(`Two JWT keys share the kid "${key.kid}"`);
  }
  return [...byKid.values()];
}

/** The algorithm a ring key signs and verifies with. */
export function jwtKeyAlgorithm(key: AnyJwtKey): JwtAlgorithm {
  return isAsymmetricJwtKey(key) ? key.algorithm : JWT_ALGORITHM;
}

/**
 * Builds a key ring: `current` signs, `previous` keys only verify. A bare string gets the kid
 * jwtKeyId(secret); a secret listed twice is kept once. Make it once and reuse it: the compiled
 * signer, verifiers and cache of verified tokens belong to the ring object.
 * @throws TypeError when a secret is shorter than 32 UTF-8 bytes, a kid is malformed, or two
 * different secrets share a kid.
 */
export function createJwtKeyRing(
  current: string | AnyJwtKey,
  previous: readonly (string | AnyJwtKey)[] = [],
): JwtKeyRing {
  const signing = toKey(current);
  if (isAsymmetricJwtKey(signing) && signing.privateKey === undefined) {
    throw new TypeError("The signing key of a ring needs its private key");
  }
  const verifying = uniqueKeys([signing, ...previous.map(toKey)]);
  return Object.freeze({ signing, verifying: Object.freeze(verifying) });
}

/**
 * A ring that only verifies, from public keys (what a resource server builds from a JWKS).
 * @throws TypeError for an empty list or a malformed key.
 */
export function createVerifyingKeyRing(keys: readonly AsymmetricJwtKey[]): JwtKeyRing {
  if (keys.length === 0) throw new TypeError("A verifying key ring needs at least one key");
  const verifying = uniqueKeys(keys.map(toKey));
  return Object.freeze({ signing: verifying[0]!, verifying: Object.freeze(verifying) });
}
