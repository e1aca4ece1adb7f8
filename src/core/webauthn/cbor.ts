/**
 * A CBOR well-formedness check (RFC 8949 §3 and Appendix C), internal; not exported from
 * index.ts. @simplewebauthn/server's decoder (tiny-cbor) returns a short byte string instead of
 * failing when a declared length runs past the end of the data, so a truncated attestation
 * object would decode; walking the item headers first makes truncation a malformed response.
 * Accepts the subset that decoder supports: definite lengths only, as CTAP2's canonical CBOR
 * requires (CTAP 2.1 §8 "Message Encoding").
 */

import { FLAG_AT, FLAG_ED } from "./constants.js";

/** Nesting deeper than this is refused; WebAuthn structures nest at most 4 levels. */
const MAX_CBOR_DEPTH = 16;

/** Thrown for bytes that are not well-formed CBOR (caught by the response parser). */
export class MalformedCborError extends Error {
  override name = "MalformedCborError";
}

/** Reads the argument of the head at `offset` (RFC 8949 §3: additional info 0..27). */
function readHead(bytes: Uint8Array, offset: number): { value: number; end: number } {
  const info = (bytes[offset] ?? 0) & 0x1f;
  if (info < 24) return { value: info, end: offset + 1 };
  // 24..27: the argument follows in 1, 2, 4 or 8 bytes; 28..30 are reserved and 31 is an
  // indefinite length, which tiny-cbor does not decode either (RFC 8949 §3.2).
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0) throw new MalformedCborError(`unsupported additional info ${info}`);
  const end = offset + 1 + size;
  if (end > bytes.byteLength) throw new MalformedCborError("head runs past the end");
  let value = 0n;
  for (let i = offset + 1; i < end; i++) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedCborError("argument too large");
  return { value: Number(value), end };
}

/**
 * The offset just past the CBOR data item that starts at `offset`.
 * Throws `MalformedCborError` when the item is not well formed or runs past the end.
 */
export function cborItemEnd(bytes: Uint8Array, offset: number, depth = 0): number {
  if (depth > MAX_CBOR_DEPTH) throw new MalformedCborError("nested too deeply");
  if (offset >= bytes.byteLength) throw new MalformedCborError("item runs past the end");
  const major = (bytes[offset] ?? 0) >> 5;
  const head = readHead(bytes, offset);
  switch (major) {
    case 0: // unsigned integer
    case 1: // negative integer
      return head.end;
    case 2: // byte string
    case 3: {
      // text string
      const end = head.end + head.value;
      // tiny-cbor returns the bytes that are there instead of failing (a truncated item decodes
      // to a shorter string): refuse it here.
      if (end > bytes.byteLength) throw new MalformedCborError("string runs past the end");
      return end;
    }
    case 4: // array
    case 5: {
      // map: key and value per entry
      const items = major === 4 ? head.value : head.value * 2;
      let next = head.end;
      // Every item takes at least one byte, so this loop ends within the data or throws.
      for (let i = 0; i < items; i++) next = cborItemEnd(bytes, next, depth + 1);
      return next;
    }
    case 6: // tag, then one item
      return cborItemEnd(bytes, head.end, depth + 1);
    default: // 7: simple values and floats; the head is the whole item
      return head.end;
  }
}

/**
 * Throws `MalformedCborError` unless `bytes` is exactly one well-formed CBOR item. Guards against
 * bytes after the attestation object: `isoCBOR.decodeFirst` decodes the first item and drops
 * the rest, so @simplewebauthn/server verifies such a response (reproduced in
 * test/core/webauthn/library-leniency.security.test.ts).
 */
export function assertSingleCborItem(bytes: Uint8Array): void {
  if (cborItemEnd(bytes, 0) !== bytes.byteLength) {
    throw new MalformedCborError("bytes after the item");
  }
}

/**
 * Throws `MalformedCborError` unless the authenticator data's variable part is well formed
 * (§6.1: rpIdHash 32 | flags 1 | signCount 4 | [attested credential data, §6.5.1: AAGUID 16 |
 * credentialIdLength 2 | credentialId | COSE_Key] | [extensions: one CBOR map]) and ends
 * exactly at the end of the data. Guards against a credential public key cut short: the
 * library's `parseAuthenticatorData` decodes it with tiny-cbor (short coordinate), re-encodes
 * it to the same length and finds no bytes left over, so @simplewebauthn/server registers it
 * (reproduced in test/core/webauthn/library-leniency.security.test.ts). Bytes left over at the
 * end the library refuses too; they are refused here as well so that the walk is complete.
 */
export function assertAuthenticatorDataStructure(authData: Uint8Array): void {
  const FIXED_BYTES = 37; // 32 + 1 + 4
  if (authData.byteLength < FIXED_BYTES) throw new MalformedCborError("shorter than 37 bytes");
  const flags = authData[32] ?? 0;
  let offset = FIXED_BYTES;
  if (flags & FLAG_AT) {
    // AT: AAGUID (16) and credentialIdLength (2, big-endian)
    if (offset + 18 > authData.byteLength) throw new MalformedCborError("attested data cut");
    const idLength = ((authData[offset + 16] ?? 0) << 8) | (authData[offset + 17] ?? 0);
    offset += 18 + idLength;
    offset = cborItemEnd(authData, offset); // the credential public key
  }
  if (flags & FLAG_ED) offset = cborItemEnd(authData, offset); // ED: extension outputs
  if (offset !== authData.byteLength) throw new MalformedCborError("bytes left over");
}
