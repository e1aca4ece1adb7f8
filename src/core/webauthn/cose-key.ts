/**
 * Checks that a COSE_Key (RFC 9052 §7; WebAuthn §6.5.1.1) is a usable public key of one of the
 * algorithms Tessera offers, before it is stored (internal; not exported from index.ts).
 */
import { Buffer } from "node:buffer";
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { COSE_ALG_EDDSA, COSE_ALG_ES256, COSE_ALG_RS256, P256_SCALAR_BYTES } from "./constants.js";

// COSE labels and values: RFC 9052 §7.1 (kty 1, alg 3), RFC 9053 §7.1.1 (EC2 crv -1, x -2,
// y -3), §7.2 (OKP crv -1, x -2), RFC 8230 §4 (RSA n -1, e -2); kty EC2 2, OKP 1, RSA 3;
// crv P-256 1, Ed25519 6.
const KTY = 1;
const ALG = 3;
const KTY_OKP = 1;
const KTY_EC2 = 2;
const KTY_RSA = 3;
const CRV_P256 = 1;
const CRV_ED25519 = 6;
const ED25519_KEY_BYTES = 32; // RFC 8032 §5.1.5

function bytes(value: unknown, length?: number): string | null {
  if (!(value instanceof Uint8Array) || value.byteLength === 0) return null;
  if (length !== undefined && value.byteLength !== length) return null;
  return Buffer.from(value).toString("base64url");
}

function toJwk(key: Map<unknown, unknown>): JsonWebKey | null {
  const kty = key.get(KTY);
  const alg = key.get(ALG);
  if (alg === COSE_ALG_ES256 && kty === KTY_EC2 && key.get(-1) === CRV_P256) {
    const x = bytes(key.get(-2), P256_SCALAR_BYTES);
    const y = bytes(key.get(-3), P256_SCALAR_BYTES);
    return x && y ? { kty: "EC", crv: "P-256", x, y } : null;
  }
  if (alg === COSE_ALG_EDDSA && kty === KTY_OKP && key.get(-1) === CRV_ED25519) {
    const x = bytes(key.get(-2), ED25519_KEY_BYTES);
    return x ? { kty: "OKP", crv: "Ed25519", x } : null;
  }
  if (alg === COSE_ALG_RS256 && kty === KTY_RSA) {
    const n = bytes(key.get(-1));
    const e = bytes(key.get(-2));
    return n && e ? { kty: "RSA", n, e } : null;
  }
  return null;
}

/**
 * The `alg` of `coseKey` when it is an ES256 (P-256), EdDSA (Ed25519) or RS256 public key
 * whose `kty`, `crv` and `alg` agree and that node:crypto can import (an EC point must lie on
 * the curve); `null` for anything else.
 */
export function usableCoseKeyAlgorithm(coseKey: Uint8Array): number | null {
  let decoded: unknown;
  try {
    decoded = isoCBOR.decodeFirst(new Uint8Array(coseKey));
  } catch {
    return null;
  }
  if (!(decoded instanceof Map)) return null;
  const jwk = toJwk(decoded);
  if (jwk === null) return null;
  try {
    createPublicKey({ key: jwk, format: "jwk" });
    return decoded.get(ALG) as number;
  } catch {
    return null;
  }
}

/**
 * Whether `signature` is a DER-encoded ECDSA `Ecdsa-Sig-Value` (RFC 3279 §2.2.3: SEQUENCE of
 * two INTEGERs r, s) for a curve of `scalarBytes`-byte order: definite short lengths, minimal
 * positive integers (X.690 §8.3.2, §10.1), nothing after. WebAuthn §6.5.5 requires this
 * encoding for ES256. @simplewebauthn/server parses it with @peculiar/asn1-schema, which reads
 * BER: an outer tag of another class (0xb0), long-form lengths (0x81 n) and bytes after the
 * SEQUENCE all still verify, so one signature has many accepted encodings (malleable). This
 * guards against exactly those; each is reproduced against the library in
 * test/core/webauthn/library-leniency.security.test.ts.
 */
export function isDerEcdsaSignature(signature: Uint8Array, scalarBytes: number): boolean {
  const SEQUENCE = 0x30;
  const INTEGER = 0x02;
  if (signature[0] !== SEQUENCE || signature[1] !== signature.byteLength - 2) return false;
  let offset = 2;
  for (let i = 0; i < 2; i++) {
    if (signature[offset] !== INTEGER) return false;
    const length = signature[offset + 1] ?? 0;
    const start = offset + 2;
    // 1..scalarBytes+1 bytes: one leading zero is allowed to keep the integer positive.
    if (length === 0 || length > scalarBytes + 1 || start + length > signature.byteLength) {
      return false;
    }
    const first = signature[start] ?? 0;
    const second = signature[start + 1] ?? 0;
    if (first & 0x80) return false; // negative
    if (first === 0 && (length === 1 || !(second & 0x80))) return false; // zero or not minimal
    offset = start + length;
  }
  return offset === signature.byteLength;
}
