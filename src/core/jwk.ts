/**
 * Asymmetric signing keys as JSON Web Keys (RFC 7517): making an Ed25519 (EdDSA, RFC 8037) or
 * P-256 (ES256, RFC 7518 §6.2) key pair, its public JWK for a JWKS document, its RFC 7638
 * thumbprint as the `kid`, and reading a public JWK back (what a resource server does with a
 * JWKS it fetched). Private members never leave through `publicJwk`, and a JWK that carries one
 * is refused by `importPublicJwk`.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { AsymmetricJwtAlgorithm, AsymmetricJwtKey } from "./jwt/index.js";

/** A public signing key as a JWKS lists it. */
export interface PublicJwk {
  kty: "OKP" | "EC";
  crv: "Ed25519" | "P-256";
  x: string;
  y?: string;
  kid: string;
  alg: AsymmetricJwtAlgorithm;
  use: "sig";
}

/** A JWK Set (RFC 7517 §5). */
export interface JwkSet {
  keys: PublicJwk[];
}

/** The members RFC 7638 §3.2 hashes for each key type, in lexicographic order. */
function thumbprintInput(jwk: { kty: string; crv?: string; x?: string; y?: string }): string {
  if (jwk.kty === "OKP") return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a `kid` that names exactly this key. */
export function jwkThumbprint(jwk: { kty: string; crv?: string; x?: string; y?: string }): string {
  return createHash("sha256").update(thumbprintInput(jwk), "utf8").digest("base64url");
}

function exportPublic(publicKey: KeyObject): { kty: string; crv?: string; x?: string; y?: string } {
  return publicKey.export({ format: "jwk" }) as {
    kty: string;
    crv?: string;
    x?: string;
    y?: string;
  };
}

/** Makes a new key pair for `algorithm`, its kid the public key's RFC 7638 thumbprint. */
export function generateJwtKeyPair(algorithm: AsymmetricJwtAlgorithm): AsymmetricJwtKey {
  const { publicKey, privateKey } =
    algorithm === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return Object.freeze({
    kid: jwkThumbprint(exportPublic(publicKey)),
    algorithm,
    publicKey,
    privateKey,
  });
}

/** The public JWK of a key: `kty`, `crv`, `x` (and `y`), `kid`, `alg`, `use: "sig"`. */
export function publicJwk(key: AsymmetricJwtKey): PublicJwk {
  const jwk = exportPublic(key.publicKey);
  return {
    kty: jwk.kty as PublicJwk["kty"],
    crv: jwk.crv as PublicJwk["crv"],
    x: jwk.x!,
    ...(jwk.y === undefined ? {} : { y: jwk.y }),
    kid: key.kid,
    alg: key.algorithm,
    use: "sig",
  };
}

/**
 * Reads a public JWK from a JWKS: Ed25519 with `alg: "EdDSA"` or P-256 with `alg: "ES256"`,
 * `use` absent or `sig`, no private member. Returns null for anything else (an unknown key type
 * in a JWKS is skipped, not an error: RFC 7517 §5).
 */
export function importPublicJwk(value: unknown): AsymmetricJwtKey | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const jwk = value as Record<string, unknown>;
  if ("d" in jwk) return null; // a private key has no business in a JWKS
  if (jwk.use !== undefined && jwk.use !== "sig") return null;
  if (typeof jwk.kid !== "string" || jwk.kid === "" || jwk.kid.length > 128) return null;
  const expected =
    jwk.alg === "EdDSA"
      ? { kty: "OKP", crv: "Ed25519" }
      : jwk.alg === "ES256"
        ? { kty: "EC", crv: "P-256" }
        : null;
  if (expected === null || jwk.kty !== expected.kty || jwk.crv !== expected.crv) return null;
  let publicKey: KeyObject;
  try {
    const members =
      expected.kty === "OKP"
        ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
        : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    publicKey = createPublicKey({ key: members as never, format: "jwk" });
  } catch {
    return null;
  }
  return Object.freeze({ kid: jwk.kid, algorithm: jwk.alg as AsymmetricJwtAlgorithm, publicKey });
}
