/**
 * Checks that a COSE_Key (RFC 9052 §7; WebAuthn §6.5.1.1) is a usable public key of one of the
 * algorithms Tessera offers, before it is stored (internal; not exported from index.ts).
 */
import { Buffer } from "node:buffer";
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { COSE_ALG_EDDSA, COSE_ALG_ES256, COSE_ALG_RS256 } from "./constants.js";

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
const P256_COORDINATE_BYTES = 32; // SEC 1 §2.3.5: field elements of P-256 are 32 bytes
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
    const x = bytes(key.get(-2), P256_COORDINATE_BYTES);
    const y = bytes(key.get(-3), P256_COORDINATE_BYTES);
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
 * Whether `coseKey` is an ES256 (P-256), EdDSA (Ed25519) or RS256 public key whose `kty`,
 * `crv` and `alg` agree and that node:crypto can import (an EC point must lie on the curve).
 */
export function isUsableCosePublicKey(coseKey: Uint8Array): boolean {
  let decoded: unknown;
  try {
    decoded = isoCBOR.decodeFirst(new Uint8Array(coseKey));
  } catch {
    return false;
  }
  if (!(decoded instanceof Map)) return false;
  const jwk = toJwk(decoded);
  if (jwk === null) return false;
  try {
    createPublicKey({ key: jwk, format: "jwk" });
    return true;
  } catch {
    return false;
  }
}
