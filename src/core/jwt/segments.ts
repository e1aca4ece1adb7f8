/**
 * The compact serialization's segments (RFC 7515 §7.1): a JSON value as one base64url segment,
 * and the header segment each key writes, so a verifier can recognise its own headers by their
 * exact text.
 */
import { encodeBase64Url } from "../base64url.js";

/** A JSON value as a base64url segment (UTF-8, no padding). */
export function encodeJsonSegment(value: unknown): string {
  return encodeBase64Url(JSON.stringify(value));
}

/** The header segment a ring key writes: `{"alg":…,"typ":"JWT","kid":…}`. */
export function keyHeaderSegment(algorithm: string, kid: string): string {
  return encodeJsonSegment({ alg: algorithm, typ: "JWT", kid });
}
