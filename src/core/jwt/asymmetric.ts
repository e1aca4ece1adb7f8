/**
 * Asymmetric keys: EdDSA with Ed25519 (RFC 8037), ES256 with P-256 (RFC 7518 §3.4) and RS256,
 * RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3; the algorithm OpenID Connect Core §15.1 makes
 * every provider support for ID tokens), whose public halves other services verify with. The key
 * rule (which key type each algorithm needs), the signer and the verifier of one key, all on
 * node:crypto.
 */
import {
  constants,
  sign as signBytes,
  verify as verifyBytes,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from "node:crypto";
import { encodeBase64Url, isCanonicalBase64Url } from "../base64url.js";
import { parseClaims, type Claims } from "./claims.js";
import { encodeJsonSegment, keyHeaderSegment } from "./segments.js";

/** The asymmetric algorithms a ring may hold (RFC 8037 §3.1; RFC 7518 §3.4, §3.3). */
export type AsymmetricJwtAlgorithm = "EdDSA" | "ES256" | "RS256";

/**
 * An Ed25519 (EdDSA), P-256 (ES256) or RSA (RS256) key: the public half verifies, the private
 * half (when present) signs.
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
 * RSA moduli an RS256 key may have: at least 2048 bits (RFC 7518 §3.3: "A key of size 2048 bits
 * or larger MUST be used"), at most 8192 (a bound on what one JWKS entry costs a verifier, and
 * on the signature's length, well inside MAX_JWT_LENGTH).
 */
export const MIN_RSA_MODULUS_BITS = 2048;
export const MAX_RSA_MODULUS_BITS = 8192;

/** What each algorithm's keys must be, in words, for the errors. */
const KEY_NAMES: Readonly<Record<AsymmetricJwtAlgorithm, string>> = {
  EdDSA: "an Ed25519",
  ES256: "an EC P-256",
  RS256: `an RSA (${MIN_RSA_MODULUS_BITS} to ${MAX_RSA_MODULUS_BITS} bits)`,
};

/** Whether a key object is of the type `algorithm` needs (RSASSA-PSS keys are not RS256's). */
function fitsAlgorithm(key: KeyObject, algorithm: AsymmetricJwtAlgorithm): boolean {
  switch (algorithm) {
    case "EdDSA":
      return key.asymmetricKeyType === "ed25519";
    case "ES256":
      return (
        key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1"
      );
    case "RS256": {
      const bits = key.asymmetricKeyDetails?.modulusLength;
      return (
        key.asymmetricKeyType === "rsa" &&
        bits !== undefined &&
        bits >= MIN_RSA_MODULUS_BITS &&
        bits <= MAX_RSA_MODULUS_BITS
      );
    }
  }
}

/**
 * The key type each asymmetric algorithm needs (RFC 8037 §3.1: Ed25519; RFC 7518 §3.4: P-256;
 * §3.3: RSA of at least 2048 bits).
 * @returns a frozen copy of the key. @throws TypeError for another algorithm or key type.
 */
export function checkAsymmetricKey(key: AsymmetricJwtKey): AsymmetricJwtKey {
  const { algorithm, publicKey, privateKey } = key;
  if (algorithm !== "EdDSA" && algorithm !== "ES256" && algorithm !== "RS256") {
    throw new TypeError(`Unsupported JWT algorithm ${String(algorithm)}`);
  }
  const fits = (k: KeyObject, type: "public" | "private") =>
    typeof k === "object" && k !== null && k.type === type && fitsAlgorithm(k, algorithm);
  if (!fits(publicKey, "public")) {
    throw new TypeError(`${algorithm} needs ${KEY_NAMES[algorithm]} public key`);
  }
  if (privateKey !== undefined && !fits(privateKey, "private")) {
    throw new TypeError(`${algorithm} needs ${KEY_NAMES[algorithm]} private key`);
  }
  return Object.freeze({
    kid: key.kid,
    algorithm,
    publicKey,
    ...(privateKey === undefined ? {} : { privateKey }),
  });
}

/**
 * Base64url length of a signature of `key` (no padding): 64 bytes for EdDSA (RFC 8032 §5.1.6)
 * and ES256 (RFC 7518 §3.4: R || S); for RS256 as many bytes as the modulus (RFC 8017 §8.2.1).
 */
export function asymmetricSignatureChars(key: AsymmetricJwtKey): number {
  if (key.algorithm !== "RS256") return ASYMMETRIC_SIGNATURE_CHARS;
  const bytes = Math.ceil((key.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  return Math.ceil((bytes * 8) / 6);
}

/** The hash node:crypto's sign/verify take for an algorithm (Ed25519 hashes internally). */
function digestOf(algorithm: AsymmetricJwtAlgorithm): string | null {
  return algorithm === "EdDSA" ? null : "sha256";
}

/**
 * The options node:crypto signs and verifies with: ES256 signatures are raw R || S (IEEE P1363,
 * not DER), RS256 ones PKCS #1 v1.5 (RFC 7518 §3.3; never PSS).
 */
function keyInput(
  algorithm: AsymmetricJwtAlgorithm,
  key: KeyObject,
): SignKeyObjectInput & VerifyKeyObjectInput {
  return algorithm === "RS256"
    ? { key, padding: constants.RSA_PKCS1_PADDING }
    : { key, dsaEncoding: "ieee-p1363" };
}

/**
 * The check of one asymmetric key on node:crypto: exactly three base64url segments with a
 * signature of the key's own length in its canonical encoding (RFC 4648 §3.5: the last
 * character's unused bits are zero, checked by isCanonicalBase64Url), then the signature, then
 * the payload (parseClaims). The header is the caller's (candidateKeys). Throws on any failure.
 */
export function createAsymmetricVerifier(key: AsymmetricJwtKey): (token: string) => Claims {
  const digest = digestOf(key.algorithm);
  const publicKey = keyInput(key.algorithm, key.publicKey);
  const compact = new RegExp(
    `^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{${asymmetricSignatureChars(key)}}$`,
  );
  return (token) => {
    if (!compact.test(token)) throw new Error("malformed");
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

/**
 * The signature of a JWS signing input (`header.payload`, RFC 7515 §5.1) with a private key, in
 * base64url. Internal to core/jwt (and its test vectors); tokens come from createAsymmetricSigner.
 */
export function signAsymmetricInput(key: AsymmetricJwtKey, input: string): string {
  if (key.privateKey === undefined) throw new TypeError("The signing key needs its private key");
  const signature = signBytes(
    digestOf(key.algorithm),
    Buffer.from(input, "latin1"),
    keyInput(key.algorithm, key.privateKey),
  );
  return encodeBase64Url(signature);
}

/** Signs with an asymmetric key: header `{ alg, typ: "JWT", kid }`, the payload as JSON. */
export function createAsymmetricSigner(key: AsymmetricJwtKey): (payload: Claims) => string {
  if (key.privateKey === undefined) throw new TypeError("The signing key needs its private key");
  const header = keyHeaderSegment(key.algorithm, key.kid);
  return (payload) => {
    const input = `${header}.${encodeJsonSegment(payload)}`;
    return `${input}.${signAsymmetricInput(key, input)}`;
  };
}
