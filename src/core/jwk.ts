/**
 * Asymmetric signing keys as JSON Web Keys (RFC 7517): making an Ed25519 (EdDSA, RFC 8037),
 * P-256 (ES256, RFC 7518 §6.2) or RSA (RS256, RFC 7518 §6.3) key pair, its public JWK for a JWKS
 * document, its RFC 7638 thumbprint as the `kid`, and reading a public JWK back (what a resource
 * server does with a JWKS it fetched). Private members never leave through `publicJwk`, and a
 * JWK that carries one is refused by `importPublicJwk`; `privateJwk` is for the one consumer that
 * needs them, the OpenID provider's key set (issue 21), and is never published.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import {
  checkAsymmetricKey,
  MIN_RSA_MODULUS_BITS,
  type AsymmetricJwtAlgorithm,
  type AsymmetricJwtKey,
} from "./jwt/index.js";

/** An Ed25519 or P-256 public key as a JWKS lists it. */
export interface PublicCurveJwk {
  kty: "OKP" | "EC";
  crv: "Ed25519" | "P-256";
  x: string;
  y?: string;
  kid: string;
  alg: "EdDSA" | "ES256";
  use: "sig";
}

/** An RSA public key as a JWKS lists it (RFC 7518 §6.3.1: modulus and exponent). */
export interface PublicRsaJwk {
  kty: "RSA";
  n: string;
  e: string;
  kid: string;
  alg: "RS256";
  use: "sig";
}

/** A public signing key as a JWKS lists it. */
export type PublicJwk = PublicCurveJwk | PublicRsaJwk;

/** A private signing key as oidc-provider's `jwks` takes it: never published. */
export type PrivateJwk = JsonWebKey & { kid: string; alg: AsymmetricJwtAlgorithm; use: "sig" };

/** A JWK Set (RFC 7517 §5). */
export interface JwkSet {
  keys: PublicJwk[];
}

/** The public-key members RFC 7638 hashes, of any key type Tessera holds. */
interface ThumbprintMembers {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** Members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** The RSA public exponent of the keys Tessera makes (F4, 65537). */
export const RSA_PUBLIC_EXPONENT = 0x10001;

/** The members RFC 7638 §3.2 hashes for each key type, in lexicographic order. */
function thumbprintInput(jwk: ThumbprintMembers): string {
  if (jwk.kty === "RSA") return JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  if (jwk.kty === "OKP") return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a `kid` that names exactly this key. */
export function jwkThumbprint(jwk: ThumbprintMembers): string {
  return createHash("sha256").update(thumbprintInput(jwk), "utf8").digest("base64url");
}

function exportPublic(publicKey: KeyObject): ThumbprintMembers {
  return publicKey.export({ format: "jwk" }) as ThumbprintMembers;
}

function generatePair(algorithm: AsymmetricJwtAlgorithm) {
  switch (algorithm) {
    case "EdDSA":
      return generateKeyPairSync("ed25519");
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "RS256":
      return generateKeyPairSync("rsa", {
        modulusLength: MIN_RSA_MODULUS_BITS,
        publicExponent: RSA_PUBLIC_EXPONENT,
      });
  }
}

/**
 * Makes a new key pair for `algorithm` (RS256: 2048 bits, e = 65537), its kid the public key's
 * RFC 7638 thumbprint.
 */
export function generateJwtKeyPair(algorithm: AsymmetricJwtAlgorithm): AsymmetricJwtKey {
  const { publicKey, privateKey } = generatePair(algorithm);
  return checkAsymmetricKey({
    kid: jwkThumbprint(exportPublic(publicKey)),
    algorithm,
    publicKey,
    privateKey,
  });
}

/**
 * The public JWK of a key: `kty`, `crv`, `x` (and `y`) or `n` and `e`, `kid`, `alg`,
 * `use: "sig"`; never a private member.
 */
export function publicJwk(key: AsymmetricJwtKey): PublicJwk {
  const jwk = exportPublic(key.publicKey);
  if (key.algorithm === "RS256") {
    return { kty: "RSA", n: jwk.n!, e: jwk.e!, kid: key.kid, alg: "RS256", use: "sig" };
  }
  return {
    kty: jwk.kty as PublicCurveJwk["kty"],
    crv: jwk.crv as PublicCurveJwk["crv"],
    x: jwk.x!,
    ...(jwk.y === undefined ? {} : { y: jwk.y }),
    kid: key.kid,
    alg: key.algorithm,
    use: "sig",
  };
}

/**
 * The private JWK of a key (node:crypto's export: `d`, and for RSA `p`, `q`, `dp`, `dq`, `qi`)
 * with `kid`, `alg` and `use: "sig"`: what oidc-provider's `jwks` option takes. Never publish it.
 * @throws TypeError when the key has no private half.
 */
export function privateJwk(key: AsymmetricJwtKey): PrivateJwk {
  if (key.privateKey === undefined) throw new TypeError("The key has no private half");
  return {
    ...key.privateKey.export({ format: "jwk" }),
    kid: key.kid,
    alg: key.algorithm,
    use: "sig",
  };
}

/** The key type (and curve) each algorithm's JWK must name. */
const JWK_TYPES: Readonly<Record<AsymmetricJwtAlgorithm, { kty: string; crv?: string }>> = {
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  ES256: { kty: "EC", crv: "P-256" },
  RS256: { kty: "RSA" },
};

/**
 * Reads a public JWK from a JWKS: Ed25519 with `alg: "EdDSA"`, P-256 with `alg: "ES256"` or RSA
 * of 2048 to 8192 bits with `alg: "RS256"`, `use` absent or `sig`, no private member. Returns
 * null for anything else (an unknown key type in a JWKS is skipped, not an error: RFC 7517 §5).
 */
export function importPublicJwk(value: unknown): AsymmetricJwtKey | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const jwk = value as Record<string, unknown>;
  // A private key has no business in a JWKS.
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return null;
  if (jwk.use !== undefined && jwk.use !== "sig") return null;
  if (typeof jwk.kid !== "string" || jwk.kid === "" || jwk.kid.length > 128) return null;
  if (typeof jwk.alg !== "string" || !Object.hasOwn(JWK_TYPES, jwk.alg)) return null;
  const algorithm = jwk.alg as AsymmetricJwtAlgorithm;
  const expected = JWK_TYPES[algorithm];
  if (jwk.kty !== expected.kty || jwk.crv !== expected.crv) return null;
  try {
    const members =
      expected.kty === "RSA"
        ? { kty: jwk.kty, n: jwk.n, e: jwk.e }
        : expected.kty === "OKP"
          ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
          : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    const publicKey = createPublicKey({ key: members as never, format: "jwk" });
    // The key rule: an RSA modulus under 2048 bits (or over 8192) is refused here.
    return checkAsymmetricKey({ kid: jwk.kid, algorithm, publicKey });
  } catch {
    return null;
  }
}
