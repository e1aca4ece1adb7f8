/**
 * Byte encodings of WebAuthn's JSON forms (internal; not exported from index.ts).
 */
import { Buffer } from "node:buffer";
import { MAX_USER_HANDLE_BYTES } from "./constants.js";

const BASE64URL_CHARS = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes canonical unpadded base64url (§3 "Base64url Encoding": RFC 4648 §5 with all
 * trailing '=' omitted). Returns `null` for anything else, including non-zero spare bits.
 */
export function decodeBase64Url(value: string): Uint8Array | null {
  if (!BASE64URL_CHARS.test(value) || value.length % 4 === 1) return null;
  const bytes = Buffer.from(value, "base64url");
  if (bytes.toString("base64url") !== value) return null;
  return new Uint8Array(bytes);
}

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

/** The base64url form (unpadded) of some bytes. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}
