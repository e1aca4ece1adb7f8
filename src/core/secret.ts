/**
 * The one length rule for a secret an operator configures (the JWT signing secrets, the key
 * encryption secret): at least 32 bytes of UTF-8. Each caller words its own error.
 */

/**
 * Shortest secret accepted, in UTF-8 bytes: 32. RFC 7518 §3.2: an HS256 key must be at least
 * as long as the hash output (256 bits); the key encryption secret feeds HKDF-SHA256 (RFC 5869)
 * for an AES-256 key, so it gets the same floor.
 */
export const MIN_SECRET_BYTES = 32;

/** Whether `secret` is a string of at least MIN_SECRET_BYTES UTF-8 bytes. */
export function isSecretLongEnough(secret: unknown): secret is string {
  return typeof secret === "string" && Buffer.byteLength(secret, "utf8") >= MIN_SECRET_BYTES;
}
