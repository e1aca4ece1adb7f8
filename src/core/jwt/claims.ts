/**
 * What a token says: the claims type every signer and verifier passes around, and the reading
 * of the registered time claims (RFC 7519 §4.1.4-4.1.6) that every kind of Tessera token obeys.
 */

/** A token's payload, as signed or verified. */
export type Claims = Record<string, unknown>;

/** Clock skew allowed for `iat`/`nbf` in the future, between instances (RFC 7519 §4.1.5 "small leeway"). `exp` gets none, like PyJWT's default `leeway=0`. */
export const DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS = 60;

/** Whether a claim is a NumericDate (RFC 7519 §2): a finite JSON number of seconds. */
export function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
