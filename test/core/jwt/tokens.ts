/**
 * Test helpers that build JWTs by hand with node:crypto, independently of the code under test.
 */
import { createHmac } from "node:crypto";

export type HmacAlgorithm = "HS256" | "HS384" | "HS512";

export const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

/** header.payload.HMAC(secret), with `payload` given as an object or as raw JSON text. */
export function signRaw(
  header: unknown,
  payload: unknown,
  secret: string,
  algorithm: HmacAlgorithm | "none" = "HS256",
): string {
  const payloadJson = typeof payload === "string" ? payload : JSON.stringify(payload);
  const input = `${b64url(JSON.stringify(header))}.${b64url(payloadJson)}`;
  if (algorithm === "none") return `${input}.`;
  const hash = `sha${algorithm.slice(2)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
}

/** The decoded header and payload of a compact JWT. */
export function decodeParts(token: string): { header: unknown; payload: unknown } {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")),
  };
}
