/**
 * What a token says: the claims type every signer and verifier passes around, the payload read
 * back as claims, and the rules every kind of Tessera token obeys: the time claims (RFC 7519
 * §4.1.4-4.1.6), checked by checkTimeClaims and nowhere else, and the seed's `ver`.
 */

/** A token's payload, as signed or verified. */
export type Claims = Record<string, unknown>;

/**
 * Clock skew allowed for `iat`/`nbf` in the future, between instances (RFC 7519 §4.1.5 "small
 * leeway"). `exp` gets none, like PyJWT's default `leeway=0`.
 */
export const DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS = 60;

/** The registered time claims, once checkTimeClaims has accepted them. */
export interface TimeClaims {
  exp: number;
  iat?: number;
  nbf?: number;
}

/** Whether a claim is a NumericDate (RFC 7519 §2): a finite JSON number of seconds. */
function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Whether a token's time claims hold at `nowMs` (milliseconds since the epoch): `exp` is
 * required and after now, with no leeway (PyJWT: expired when exp <= now); `iat` and `nbf`, when
 * present, are at most `leewaySeconds` ahead of now (clock skew between instances). Each must be
 * a NumericDate. Compared in milliseconds, so a clock between two whole seconds counts as it is.
 */
export function checkTimeClaims(
  claims: Claims,
  nowMs: number,
  leewaySeconds: number,
): claims is Claims & TimeClaims {
  const { exp, iat, nbf } = claims;
  if (!isTime(exp) || exp * 1000 <= nowMs) return false;
  const latestMs = nowMs + leewaySeconds * 1000;
  if (iat !== undefined && (!isTime(iat) || iat * 1000 > latestMs)) return false;
  if (nbf !== undefined && (!isTime(nbf) || nbf * 1000 > latestMs)) return false;
  return true;
}

/** Whether a `ver` claim (the seed's token version) is absent or a non-negative safe integer. */
export function isVersionClaim(value: unknown): value is number | undefined {
  return (
    value === undefined || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0)
  );
}

/**
 * A payload segment read back as claims: base64url of a JSON object that has an `exp` (RFC 8725
 * §3.10; DESIGN: `exp` is required). Run after the signature check, so the verified-token cache
 * never holds a token without `exp`. @throws Error (or SyntaxError) for anything else.
 */
export function parseClaims(payloadSegment: string): Claims {
  const payload: unknown = JSON.parse(Buffer.from(payloadSegment, "base64url").toString("utf8"));
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new Error("payload");
  }
  if (!("exp" in payload)) throw new Error("exp");
  return payload as Claims;
}
