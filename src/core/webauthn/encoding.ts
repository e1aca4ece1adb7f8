/**
 * Byte encodings of WebAuthn's JSON forms (internal; not exported from index.ts). Base64url
 * (§3 "Base64url Encoding": RFC 4648 §5 with all trailing '=' omitted, canonical only) is the
 * core's one helper, core/base64url.ts.
 */
import { MAX_USER_HANDLE_BYTES } from "./constants.js";

/** Whether a value is a JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The UTF-8 bytes of a Tessera user id, as the user handle (1..64 bytes, §5.4.3). */
export function encodeUserId(userId: string): Uint8Array {
  if (typeof userId !== "string" || userId === "") throw new TypeError("user.id must be set");
  const bytes = new TextEncoder().encode(userId);
  if (bytes.byteLength > MAX_USER_HANDLE_BYTES) {
    throw new TypeError("user.id must be at most 64 UTF-8 bytes (WebAuthn §5.4.3)");
  }
  return bytes;
}
