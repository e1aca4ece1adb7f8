/**
 * RS256 (RFC 7518 §3.3) in the key ring (src/core/jwt/asymmetric.ts, src/core/jwk.ts): the RFC
 * 7515 Appendix A.2 example verified and reproduced byte for byte, the RFC 7638 §3.1
 * thumbprint, the keys Tessera makes (2048 bits, e = 65537), the key rule (RSA of at least 2048
 * bits, not RSA-PSS), and key confusion: an RS256 key never verifies an HS256 or `none` token,
 * nor a token whose header names another algorithm than the key's.
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as signBytes,
} from "node:crypto";
import { describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import {
  generateJwtKeyPair,
  importPublicJwk,
  jwkThumbprint,
  privateJwk,
  publicJwk,
  type PublicRsaJwk,
} from "../../../src/core/jwk.js";
import {
  createAsymmetricSigner,
  createAsymmetricVerifier,
  signAsymmetricInput,
} from "../../../src/core/jwt/asymmetric.js";
import {
  createJwt,
  createJwtKeyRing,
  createVerifyingKeyRing,
  verifyJwtClaims,
  verifyTimedJwtPayload,
  type AsymmetricJwtKey,
} from "../../../src/core/jwt/index.js";
import vectors from "../../vectors/rfc7515-rs256.json" with { type: "json" };

const a2 = vectors.rfc7515A2;
const clock = frozenClock(1_800_000_000_000);
const subject = { id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de", name: "Zoë", email: "z@example.org" };
const HMAC_SECRET = "an-hmac-secret-of-at-least-32-bytes!";

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** The A.2 key as a ring key: the public JWK read back, with its private half. */
function a2Key(): AsymmetricJwtKey {
  const { kty, n, e } = a2.jwk;
  const imported = importPublicJwk({ kty, n, e, kid: "2010-12-29", alg: "RS256" });
  expect(imported).not.toBeNull();
  return { ...imported!, privateKey: createPrivateKey({ key: a2.jwk, format: "jwk" }) };
}

describe("RFC 7515 Appendix A.2", () => {
  const [header, payload, signature] = a2.jws.split(".") as [string, string, string];

  it("has the segments of its header and payload", () => {
    expect(header).toBe(b64(a2.protectedHeader));
    expect(payload).toBe(b64(a2.payload));
  });

  it("verifies with the example's public key, and gives its claims", () => {
    expect(createAsymmetricVerifier(a2Key())(a2.jws)).toEqual(JSON.parse(a2.payload));
  });

  it("is reproduced byte for byte: RSASSA-PKCS1-v1_5 is deterministic", () => {
    expect(signAsymmetricInput(a2Key(), `${header}.${payload}`)).toBe(signature);
  });

  it("is refused with a changed signature byte, payload byte or non-canonical last character", () => {
    const verify = createAsymmetricVerifier(a2Key());
    const flipped = (signature[5] === "A" ? "B" : "A") + "";
    const tampered = `${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
    expect(() => verify(tampered)).toThrow();
    const otherPayload = b64(a2.payload.replace("joe", "eve"));
    expect(() => verify(`${header}.${otherPayload}.${signature}`)).toThrow();
    // 256 bytes: the last of 342 characters carries 2 data bits; the next letter sets a padding bit.
    const last = signature.at(-1)!;
    const sibling = String.fromCharCode(last.charCodeAt(0) + 1);
    expect(() => verify(`${a2.jws.slice(0, -1)}${sibling}`)).toThrow();
  });

  it("is refused by a ring: a kid-less header may only be the seed's HS256", () => {
    const ring = createVerifyingKeyRing([a2Key()]);
    const beforeExp = frozenClock(1_300_819_000_000);
    expect(verifyTimedJwtPayload(a2.jws, { keys: ring, clock: beforeExp })).toBeNull();
    // The same claims under the ring's own header (alg and kid) verify.
    const signed = createAsymmetricSigner(a2Key())(JSON.parse(a2.payload) as never);
    expect(verifyTimedJwtPayload(signed, { keys: ring, clock: beforeExp })).toMatchObject({
      iss: "joe",
    });
  });
});

describe("RFC 7638 §3.1", () => {
  it("gives the thumbprint of the RFC 7517 A.1 RSA key, which imports as RS256", () => {
    expect(jwkThumbprint(vectors.rfc7638.jwk)).toBe(vectors.rfc7638.thumbprint);
    expect(importPublicJwk(vectors.rfc7638.jwk)?.algorithm).toBe("RS256");
  });
});

describe("RS256 keys", () => {
  const key = generateJwtKeyPair("RS256");

  it("are made with 2048 bits and e = 65537, the kid their thumbprint", () => {
    expect(key.publicKey.asymmetricKeyDetails).toEqual({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
    const jwk = publicJwk(key);
    expect(Object.keys(jwk).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect(jwk).toMatchObject({ kty: "RSA", e: "AQAB", alg: "RS256", use: "sig", kid: key.kid });
    expect(jwkThumbprint(jwk)).toBe(key.kid);
  });

  it("export a private JWK (for the OpenID provider) that is the same key", () => {
    const jwk = privateJwk(key);
    expect(jwk).toMatchObject({ kty: "RSA", kid: key.kid, alg: "RS256", use: "sig" });
    for (const member of ["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const) {
      expect(typeof jwk[member], member).toBe("string");
    }
    const reread = createPrivateKey({ key: jwk, format: "jwk" });
    const spki = { format: "der", type: "spki" } as const;
    expect(createPublicKey(reread).export(spki)).toEqual(key.publicKey.export(spki));
    expect(() => privateJwk({ ...key, privateKey: undefined })).toThrow(TypeError);
  });

  it("are read back from a public JWK, and never from one with a private member", () => {
    const jwk = publicJwk(key);
    expect(importPublicJwk(jwk)?.kid).toBe(key.kid);
    const full = privateJwk(key);
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]) {
      expect(importPublicJwk({ ...jwk, [member]: full.d ?? "x" }), member).toBeNull();
    }
    expect(importPublicJwk({ ...jwk, alg: "PS256" })).toBeNull();
    expect(importPublicJwk({ ...jwk, alg: "RS512" })).toBeNull();
    expect(importPublicJwk({ ...jwk, kty: "EC" })).toBeNull();
    expect(importPublicJwk({ ...jwk, use: "enc" })).toBeNull();
    expect(importPublicJwk({ ...jwk, n: undefined })).toBeNull();
  });

  it("must be RSA of 2048 bits or more: a 1024-bit key is refused to sign, verify and import", () => {
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const weak = { kid: "weak", algorithm: "RS256" as const, ...small };
    expect(() => createJwtKeyRing(weak)).toThrow(/RSA \(2048 to 8192 bits\)/);
    expect(() => createVerifyingKeyRing([{ ...weak, privateKey: undefined }])).toThrow(TypeError);
    const jwk = { ...small.publicKey.export({ format: "jwk" }), kid: "weak", alg: "RS256" };
    expect(importPublicJwk(jwk)).toBeNull();
  });

  it("must not be RSA-PSS, EC or Ed25519 keys", () => {
    const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ed = generateKeyPairSync("ed25519");
    for (const pair of [pss, ec, ed]) {
      expect(() => createJwtKeyRing({ kid: "k", algorithm: "RS256", ...pair })).toThrow(TypeError);
    }
    // Nor an RSA key labelled with another algorithm.
    expect(() =>
      createJwtKeyRing({ kid: "k", algorithm: "ES256", publicKey: key.publicKey }),
    ).toThrow(TypeError);
  });

  it("of 3072 bits sign and verify too (a signature of the modulus' length)", () => {
    const large = createJwtKeyRing({
      ...generateKeyPairSync("rsa", { modulusLength: 3072 }),
      kid: "large",
      algorithm: "RS256",
    });
    const token = createJwt(subject, 1, { keys: large, clock });
    expect(token.split(".")[2]).toHaveLength(512);
    expect(verifyJwtClaims(token, { keys: large, clock })?.user).toEqual(subject);
  });
});

describe("RS256 key confusion (RFC 8725 §2.1, §3.1)", () => {
  const key = generateJwtKeyPair("RS256");
  const ring = createJwtKeyRing(key, [HMAC_SECRET]);
  const hmacKid = ring.verifying.find((k) => !("algorithm" in k))!.kid;
  const token = createJwt(subject, 1, { keys: ring, clock });
  const [, payload, signature] = token.split(".") as [string, string, string];
  const verifies = (forged: string) => verifyJwtClaims(forged, { keys: ring, clock }) !== null;

  it("signs with the key's alg and kid, and verifies (control)", () => {
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "RS256",
      typ: "JWT",
      kid: key.kid,
    });
    expect(verifies(token)).toBe(true);
  });

  it("never verifies an HS256 token keyed with the RSA public key, with or without its kid", () => {
    const secrets = [
      key.publicKey.export({ format: "pem", type: "spki" }).toString(),
      key.publicKey.export({ format: "pem", type: "pkcs1" }).toString(),
      JSON.stringify(publicJwk(key)),
      (publicJwk(key) as PublicRsaJwk).n,
    ];
    for (const secret of secrets) {
      for (const header of [
        { alg: "HS256", typ: "JWT", kid: key.kid },
        { alg: "HS256", typ: "JWT" },
      ]) {
        const input = `${b64(header)}.${payload}`;
        const mac = createHmac("sha256", secret).update(input).digest("base64url");
        expect(verifies(`${input}.${mac}`)).toBe(false);
      }
    }
  });

  it("never verifies alg none, with an empty signature or the real one", () => {
    for (const header of [{ alg: "none", typ: "JWT", kid: key.kid }, { alg: "none" }]) {
      expect(verifies(`${b64(header)}.${payload}.`)).toBe(false);
      expect(verifies(`${b64(header)}.${payload}.${signature}`)).toBe(false);
    }
  });

  it("refuses a header whose alg is not the key's, even over a real signature of that key", () => {
    for (const alg of ["RS384", "RS512", "PS256", "ES256", "EdDSA", "HS256", "rs256", "RS256 "]) {
      expect(verifies(`${b64({ alg, typ: "JWT", kid: key.kid })}.${payload}.${signature}`)).toBe(
        false,
      );
    }
    // Genuine RS512 and PS256 signatures by the same key, under headers that say so.
    for (const [alg, hash, padding] of [
      ["RS512", "sha512", constants.RSA_PKCS1_PADDING],
      ["PS256", "sha256", constants.RSA_PKCS1_PSS_PADDING],
    ] as const) {
      const input = `${b64({ alg, typ: "JWT", kid: key.kid })}.${payload}`;
      const sig = signBytes(hash, Buffer.from(input), { key: key.privateKey!, padding });
      expect(verifies(`${input}.${sig.toString("base64url")}`), alg).toBe(false);
      // And a PS256 signature presented as RS256: the padding is part of the algorithm.
      const asRs256 = `${b64({ alg: "RS256", typ: "JWT", kid: key.kid })}.${payload}`;
      const pss = signBytes("sha256", Buffer.from(asRs256), {
        key: key.privateKey!,
        padding: constants.RSA_PKCS1_PSS_PADDING,
      });
      expect(verifies(`${asRs256}.${pss.toString("base64url")}`)).toBe(false);
    }
  });

  it("refuses an RS256 token that names the HMAC key's kid, and an HS256 one naming the RSA kid", () => {
    const rsaSigned = `${b64({ alg: "RS256", typ: "JWT", kid: hmacKid })}.${payload}`;
    const rsaSignature = signAsymmetricInput(key, rsaSigned);
    expect(verifies(`${rsaSigned}.${rsaSignature}`)).toBe(false);
    const hmacSigned = `${b64({ alg: "HS256", typ: "JWT", kid: key.kid })}.${payload}`;
    const mac = createHmac("sha256", HMAC_SECRET).update(hmacSigned).digest("base64url");
    expect(verifies(`${hmacSigned}.${mac}`)).toBe(false);
  });
});
