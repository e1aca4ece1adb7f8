/**
 * Random secrets Tessera makes and keeps only as a digest (an OpenID Connect client's secret):
 * the base64url SHA-256 of the secret's UTF-8 bytes, and the constant-time check of a presented
 * secret against it. A 256-bit random secret needs no slow hash: nobody can guess one from its
 * digest. The check compares two SHA-256 digests with `timingSafeEqual`, so the time it takes
 * says nothing of the presented secret's length or of a matching prefix.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { decodeBase64Url } from "./base64url.js";

/** Bytes of a SHA-256 digest. */
const DIGEST_BYTES = 32;

/** The base64url (unpadded) SHA-256 of a secret's UTF-8 bytes: what is stored. */
export function secretDigestBase64Url(secret: string): string {
  if (typeof secret !== "string") throw new TypeError("Expected a secret string");
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/**
 * Whether `presented` is the secret whose digest is `storedDigest` (a `secretDigestBase64Url`),
 * in constant time. False for anything that is not a string, and for a stored value that is not
 * the canonical base64url of 32 bytes (no digest: nothing matches it).
 */
export function secretMatchesDigest(storedDigest: unknown, presented: unknown): boolean {
  if (typeof storedDigest !== "string" || typeof presented !== "string") return false;
  const expected = decodeBase64Url(storedDigest);
  const given = createHash("sha256").update(presented, "utf8").digest();
  if (expected === null || expected.length !== DIGEST_BYTES) return false;
  return timingSafeEqual(given, expected);
}
