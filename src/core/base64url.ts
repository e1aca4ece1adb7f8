/**
 * Base64url without padding (RFC 4648 §5), and the one rule for its canonical spelling. When
 * the characters do not divide into whole bytes, the last one carries spare bits that decoders
 * ignore (RFC 4648 §3.5), so up to 16 spellings decode to the same bytes. A signature, a MAC or
 * a WebAuthn field spelled another way is a second valid form of the same value: refuse it.
 */
import { Buffer } from "node:buffer";

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * The spare bits of the last character, by `length % 4` (RFC 4648 §4: 4 characters carry 3
 * bytes): 0 none; 2 characters hold 1 byte (8 of 12 bits), 3 hold 2 bytes (16 of 18 bits). A
 * remainder of 1 holds no whole byte and is never valid.
 */
const SPARE_BITS = [0, -1, 4, 2] as const;

/** The 6-bit value of a base64url character (the caller has checked the alphabet). */
function sextet(code: number): number {
  if (code >= 0x61) return code - 0x61 + 26; // a-z
  if (code >= 0x41) return code === 0x5f ? 63 : code - 0x41; // A-Z, _
  return code === 0x2d ? 62 : code - 0x30 + 52; // -, 0-9
}

/**
 * Whether `value` is canonical unpadded base64url: only the alphabet `A-Z a-z 0-9 - _`, no
 * `=`, a length that is not 1 more than a multiple of 4, and zero spare bits in the last
 * character. The empty string is canonical (no bytes).
 */
export function isCanonicalBase64Url(value: string): boolean {
  if (typeof value !== "string" || !ALPHABET.test(value)) return false;
  const spareBits = SPARE_BITS[value.length % 4]!;
  if (spareBits <= 0) return spareBits === 0;
  return (sextet(value.charCodeAt(value.length - 1)) & ((1 << spareBits) - 1)) === 0;
}

/** The bytes of canonical unpadded base64url, or null for anything else (isCanonicalBase64Url). */
export function decodeBase64Url(value: string): Uint8Array | null {
  if (!isCanonicalBase64Url(value)) return null;
  return new Uint8Array(Buffer.from(value, "base64url"));
}

/** The canonical unpadded base64url of some bytes, or of a string's UTF-8 bytes. */
export function encodeBase64Url(value: Uint8Array | string): string {
  const bytes =
    typeof value === "string"
      ? Buffer.from(value, "utf8")
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return bytes.toString("base64url");
}
