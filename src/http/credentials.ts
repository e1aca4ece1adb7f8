/**
 * The `Authorization` header, read one way for every route: the scheme is case-insensitive
 * (RFC 9110 §11.1; RFC 6750 §2.1 for Bearer), then one or more spaces, then the credentials.
 * Secrets an operator configures (the metrics token, the introspection secret) are compared as
 * SHA-256 digests with `timingSafeEqual`, so the time says nothing of the length or the
 * matching prefix.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** The scheme, lowercased, and the credentials of an `Authorization` header; null when absent. */
export function authorizationOf(
  header: string | string[] | undefined,
): { scheme: string; credentials: string } | null {
  if (typeof header !== "string") return null;
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(.*?) *$/.exec(header.trim());
  if (match === null) return null;
  return { scheme: (match[1] ?? "").toLowerCase(), credentials: match[2] ?? "" };
}

/** The credentials of `Authorization: Bearer …` (any case of the scheme); null otherwise. */
export function bearerCredentials(header: string | string[] | undefined): string | null {
  const authorization = authorizationOf(header);
  return authorization?.scheme === "bearer" ? authorization.credentials : null;
}

/** The digest a configured secret is kept as, for `sameSecret`. */
export function secretDigest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Whether `given` is the secret of `expected` (a `secretDigest`), in constant time. */
export function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(secretDigest(given), expected);
}
