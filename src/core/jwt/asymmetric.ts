/**
 * Asymmetric keys: EdDSA with Ed25519 (RFC 8037) and ES256 with P-256 (RFC 7518 §3.4), whose
 * public halves other services verify with. The key rule (which key type each algorithm needs),
 * the signer and the verifier of one key, all on node:crypto.
 */
import { sign as signBytes, verify as verifyBytes, type KeyObject } from "node:crypto";
import { encodeBase64Url, isCanonicalBase64Url } from "../base64url.js";
import { parseClaims, type Claims } from "./claims.js";
import { encodeJsonSegment, keyHeaderSegment } from "./segments.js";

/** The asymmetric algorithms a ring may hold (RFC 8037 §3.1; RFC 7518 §3.4). */
export type AsymmetricJwtAlgorithm = "EdDSA" | "ES256";

/**
 * An Ed25519 (EdDSA) or P-256 (ES256) key: the public half verifies, the private half (when
 * present) signs.
 */
export interface AsymmetricJwtKey {
  kid: string;
  algorithm: AsymmetricJwtAlgorithm;
  publicKey: KeyObject;
  privateKey?: KeyObject;
}

/** Base64url length of a 64-byte EdDSA or ES256 signature. */
export const ASYMMETRIC_SIGNATURE_CHARS = 86;

/**
 * The key type each asymmetric algorithm needs (RFC 8037 §3.1: Ed25519; RFC 7518 §3.4: P-256).
 * @returns a frozen copy of the key. @throws TypeError for another algorithm or key type.
 */
export function checkAsymmetricKey(key: AsymmetricJwtKey): AsymmetricJwtKey {
  const { algorithm, publicKey, privateKey } = key;
  if (algorithm !== "EdDSA" && algorithm !== "ES256") {
    throw new TypeError(`Unsupported JWT algorithm ${String(algorithm)}`);
  }
  const fits = (k: KeyObject, type: "public" | "private") =>
    typeof k === "object" &&
    k !== null &&
    k.type === type &&
    (algorithm === "EdDSA"
      ? k.asymmetricKeyType === "ed25519"
      : k.asymmetricKeyType === "ec" && k.asymmetricKeyDetails?.namedCurve === "prime256v1");
  if (!fits(publicKey, "public")) {
    throw new TypeError(
      `${algorithm} needs an ${algorithm === "EdDSA" ? "Ed25519" : "EC P-256"} public key`,
    );
  }
  if (privateKey !== undefined && !fits(privateKey, "private")) {
    throw new TypeError(
      `${algorithm} needs an ${algorithm === "EdDSA" ? "Ed25519" : "EC P-256"} private key`,
    );
  }
  return Object.freeze({
    kid: key.kid,
    algorithm,
    publicKey,
    ...(privateKey === undefined ? {} : { privateKey }),
  });
}

// EdDSA (Ed25519) and ES256 signatures are 64 bytes (RFC 8032 §5.1.6; RFC 7518 §3.4: R || S),
// 86 base64url characters whose last one carries 2 data bits and 4 zero bits (RFC 4648 §3.5:
// canonical, checked by isCanonicalBase64Url).
const COMPACT_ASYMMETRIC = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/;

/** The hash node:crypto's sign/verify take for an algorithm (Ed25519 hashes internally). */
function digestOf(algorithm: AsymmetricJwtAlgorithm): string | null {
  return algorithm === "EdDSA" ? null : "sha256";
}

/** The check of one asymmetric key on node:crypto; ES256 signatures are raw R || S (P1363). */
export function createAsymmetricVerifier(key: AsymmetricJwtKey): (token: string) => Claims {
  const digest = digestOf(key.algorithm);
  const publicKey = { key: key.publicKey, dsaEncoding: "ieee-p1363" as const };
  return (token) => {
    if (!COMPACT_ASYMMETRIC.test(token)) throw new Error("malformed");
    const firstDot = token.indexOf(".");
    const lastDot = token.lastIndexOf(".");
    const signatureText = token.slice(lastDot + 1);
    if (!isCanonicalBase64Url(signatureText)) throw new Error("signature");
    const signature = Buffer.from(signatureText, "base64url");
    const input = Buffer.from(token.slice(0, lastDot), "latin1");
    if (!verifyBytes(digest, input, publicKey, signature)) throw new Error("signature");
    return parseClaims(token.slice(firstDot + 1, lastDot));
  };
}

/** Signs with an asymmetric key: header `{ alg, typ: "JWT", kid }`, the payload as JSON. */
export function createAsymmetricSigner(key: AsymmetricJwtKey): (payload: Claims) => string {
  const privateKey = key.privateKey;
  if (privateKey === undefined) throw new TypeError("The signing key needs its private key");
  const digest = digestOf(key.algorithm);
  const header = keyHeaderSegment(key.algorithm, key.kid);
  return (payload) => {
    const input = `${header}.${encodeJsonSegment(payload)}`;
    const signature = signBytes(digest, Buffer.from(input, "latin1"), {
      key: privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${encodeBase64Url(signature)}`;
  };
}
