/**
 * Asymmetric tokens (src/core/jwt/ with keys from src/core/jwk.ts): EdDSA, ES256 and RS256 sign
 * and verify, the key decides the algorithm, and the attacks RFC 8725 names fail: `alg`
 * swapped, `alg: HS256` with the public key as the HMAC secret, `alg: none`, a key not in the
 * ring, a non-canonical signature. RS256's own cases (the RFC 7515 vector, the key size) are in
 * test/core/jwt/rs256.test.ts.
 */
import { createHmac, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { frozenClock } from "../../src/core/clock.js";
import {
  generateJwtKeyPair,
  importPublicJwk,
  jwkThumbprint,
  publicJwk,
} from "../../src/core/jwk.js";
import {
  createJwt,
  createJwtKeyRing,
  verifyJwtClaims,
  type AsymmetricJwtAlgorithm,
} from "../../src/core/jwt/index.js";

const clock = frozenClock(1_800_000_000_000);
const subject = { id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de", name: "Zoë", email: "z@example.org" };
const HMAC_SECRET = "an-hmac-secret-of-at-least-32-bytes!";

function part(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

const ALGORITHMS: readonly AsymmetricJwtAlgorithm[] = ["EdDSA", "ES256", "RS256"];

describe.each<AsymmetricJwtAlgorithm>(ALGORITHMS)("%s tokens", (algorithm) => {
  const key = generateJwtKeyPair(algorithm);
  const ring = createJwtKeyRing(key, [HMAC_SECRET]);
  const token = createJwt(subject, 1, { keys: ring, clock });

  it("signs with the key's algorithm and kid, and verifies", () => {
    expect(part(token, 0)).toEqual({ alg: algorithm, typ: "JWT", kid: key.kid });
    expect(verifyJwtClaims(token, { keys: ring, clock })?.user).toEqual(subject);
    // A ring with only the public half verifies too (a resource server's ring).
    const verifyOnly = createJwtKeyRing(HMAC_SECRET, [
      { kid: key.kid, algorithm, publicKey: key.publicKey },
    ]);
    expect(verifyJwtClaims(token, { keys: verifyOnly, clock })?.user).toEqual(subject);
  });

  it("publishes a public JWK whose thumbprint is the kid, and reads it back", () => {
    const jwk = publicJwk(key);
    expect(jwk).toMatchObject({ alg: algorithm, use: "sig", kid: key.kid });
    expect(jwk).not.toHaveProperty("d");
    expect(jwkThumbprint(jwk)).toBe(key.kid);
    const imported = importPublicJwk(jwk);
    expect(imported).not.toBeNull();
    const ringFromJwk = createJwtKeyRing(HMAC_SECRET, [imported!]);
    expect(verifyJwtClaims(token, { keys: ringFromJwk, clock })?.user).toEqual(subject);
    expect(importPublicJwk({ ...jwk, d: "private" })).toBeNull();
    expect(importPublicJwk({ ...jwk, use: "enc" })).toBeNull();
    for (const other of ALGORITHMS.filter((a) => a !== algorithm)) {
      expect(importPublicJwk({ ...jwk, alg: other }), other).toBeNull();
    }
    // A truncated point, or a truncated modulus (a 24-bit RSA key).
    expect(
      importPublicJwk({ ...jwk, ...(jwk.kty === "RSA" ? { n: "AAAA" } : { x: "AAAA" }) }),
    ).toBeNull();
  });

  it("refuses the token when its alg is changed, or is none", () => {
    const [, payload, signature] = token.split(".");
    for (const alg of ["HS256", "none", "PS256", ...ALGORITHMS].filter((a) => a !== algorithm)) {
      const forged = `${b64({ alg, typ: "JWT", kid: key.kid })}.${payload}.${signature}`;
      expect(verifyJwtClaims(forged, { keys: ring, clock }), alg).toBeNull();
    }
  });

  it("refuses alg HS256 with the public key as the HMAC secret (algorithm confusion)", () => {
    const pem = key.publicKey.export({ format: "pem", type: "spki" }).toString();
    const jwkText = JSON.stringify(publicJwk(key));
    for (const secret of [pem, jwkText]) {
      for (const header of [
        { alg: "HS256", typ: "JWT", kid: key.kid },
        { alg: "HS256", typ: "JWT" },
      ]) {
        const input = `${b64(header)}.${token.split(".")[1]}`;
        const forged = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
        expect(verifyJwtClaims(forged, { keys: ring, clock })).toBeNull();
      }
    }
  });

  it("refuses a token signed by a key the ring does not hold, even under a known kid", () => {
    const stranger = generateJwtKeyPair(algorithm);
    const foreign = createJwt(subject, 1, { keys: createJwtKeyRing(stranger), clock });
    expect(verifyJwtClaims(foreign, { keys: ring, clock })).toBeNull();
    const impostor = createJwt(subject, 1, {
      keys: createJwtKeyRing({ ...stranger, kid: key.kid }),
      clock,
    });
    expect(verifyJwtClaims(impostor, { keys: ring, clock })).toBeNull();
  });

  it("refuses a signature in a non-canonical encoding or with a changed byte", () => {
    const signature = token.split(".")[2]!;
    const last = signature.at(-1)!;
    const sibling = String.fromCharCode(last.charCodeAt(0) + 1); // same 2 data bits, other padding bits
    expect(verifyJwtClaims(token.slice(0, -1) + sibling, { keys: ring, clock })).toBeNull();
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    const tampered = token.slice(0, token.lastIndexOf(".") + 1) + flipped;
    expect(verifyJwtClaims(tampered, { keys: ring, clock })).toBeNull();
  });

  it("keeps verifying tokens of the previous key after a rotation", () => {
    const next = generateJwtKeyPair(algorithm);
    const rotated = createJwtKeyRing(next, [
      { ...key, privateKey: undefined } as never,
      HMAC_SECRET,
    ]);
    expect(verifyJwtClaims(token, { keys: rotated, clock })?.user).toEqual(subject);
    expect(part(createJwt(subject, 1, { keys: rotated, clock }), 0).kid).toBe(next.kid);
  });
});

describe("keys of the wrong type", () => {
  it("refuses an RSA key, a P-384 key and a ring whose signing key has no private half", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(() =>
      createJwtKeyRing({
        kid: "r",
        algorithm: "ES256",
        publicKey: rsa.publicKey,
        privateKey: rsa.privateKey,
      }),
    ).toThrow(TypeError);
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
    expect(() =>
      createJwtKeyRing({
        kid: "p",
        algorithm: "ES256",
        publicKey: p384.publicKey,
        privateKey: p384.privateKey,
      }),
    ).toThrow(TypeError);
    const ed = generateJwtKeyPair("EdDSA");
    expect(() =>
      createJwtKeyRing({ kid: ed.kid, algorithm: "EdDSA", publicKey: ed.publicKey }),
    ).toThrow(/private key/);
    expect(() =>
      createJwtKeyRing({
        kid: "x",
        algorithm: "EdDSA",
        publicKey: createPublicKey(ed.publicKey.export({ format: "pem", type: "spki" })),
        privateKey: ed.publicKey,
      }),
    ).toThrow(TypeError);
  });

  it("still verifies the seed's kid-less HS256 tokens in a ring that signs with EdDSA", () => {
    const ring = createJwtKeyRing(generateJwtKeyPair("EdDSA"), [HMAC_SECRET]);
    const seedStyle = createJwt(subject, 1, { secret: HMAC_SECRET, clock });
    const input = `${b64({ alg: "HS256", typ: "JWT" })}.${seedStyle.split(".")[1]}`;
    const kidless = `${input}.${createHmac("sha256", HMAC_SECRET).update(input).digest("base64url")}`;
    expect(verifyJwtClaims(kidless, { keys: ring, clock })?.user).toEqual(subject);
  });
});
