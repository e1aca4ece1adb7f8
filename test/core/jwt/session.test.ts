import { describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { generateJwtKeyPair } from "../../../src/core/jwk.js";
import { createAsymmetricSigner } from "../../../src/core/jwt/asymmetric.js";
import {
  createJwt,
  createJwtKeyRing,
  createSessionJwt,
  newSessionId,
  verifyJwt,
  verifySessionJwt,
} from "../../../src/core/jwt/index.js";

const keys = createJwtKeyRing("a test secret that is at least 32 bytes long");
const clock = frozenClock(Date.UTC(2026, 10, 28, 12));
const options = { keys, clock };
const USER = "7f1c2d3e-0000-4000-8000-000000000001";

describe("session tokens", () => {
  it("carry id, sid, jti, iat and exp only, and verify", () => {
    const sessionId = newSessionId();
    const token = createSessionJwt(
      { userId: USER, sessionId, expiresAtMs: clock() + 3_600_000 },
      options,
    );
    const [, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
    expect(Object.keys(claims).sort()).toEqual(["exp", "iat", "id", "jti", "sid"]);
    expect(verifySessionJwt(token, options)).toEqual({
      userId: USER,
      sessionId,
      tokenVersion: 0,
      issuedAtSeconds: clock() / 1000,
      expiresAtSeconds: clock() / 1000 + 3600,
    });
    // The seed's verify_jwt needs name and email: a minimal token is not a seed token.
    expect(verifyJwt(token, options)).toBeNull();
  });

  it("differ in jti for the same session in the same second", () => {
    const subject = { userId: USER, sessionId: newSessionId(), expiresAtMs: clock() + 60_000 };
    expect(createSessionJwt(subject, options)).not.toBe(createSessionJwt(subject, options));
  });

  it("put name and email back with seed claims, readable by the seed's verify_jwt", () => {
    const token = createSessionJwt(
      {
        userId: USER,
        sessionId: newSessionId(),
        expiresAtMs: clock() + 60_000,
        seedClaims: { name: "ann", email: "ann@example.org" },
      },
      options,
    );
    expect(verifyJwt(token, options)).toEqual({ id: USER, name: "ann", email: "ann@example.org" });
  });

  it("accept a seed token as one without a session, and refuse expired or malformed ones", () => {
    const seed = createJwt({ id: USER, name: "ann", email: "a@b.c", tokenVersion: 3 }, 1, options);
    expect(verifySessionJwt(seed, options)).toMatchObject({ sessionId: null, tokenVersion: 3 });
    const token = createSessionJwt(
      { userId: USER, sessionId: newSessionId(), expiresAtMs: clock() + 1000 },
      options,
    );
    expect(verifySessionJwt(token, { keys, clock: () => clock() + 1000 })).toBeNull();
    expect(verifySessionJwt(`${token}x`, options)).toBeNull();
    expect(() =>
      createSessionJwt({ userId: USER, sessionId: "short", expiresAtMs: clock() + 1000 }, options),
    ).toThrow(TypeError);
    expect(() =>
      createSessionJwt({ userId: USER, sessionId: newSessionId(), expiresAtMs: clock() }, options),
    ).toThrow(TypeError);
  });

  it("refuse a token with an audience: an ID token signed with a session key (issue 21)", () => {
    const key = generateJwtKeyPair("EdDSA");
    const ring = createJwtKeyRing(key);
    const now = clock() / 1000;
    const claims = { id: USER, sid: newSessionId(), jti: "j", iat: now, exp: now + 60 };
    const sign = createAsymmetricSigner(key);
    expect(verifySessionJwt(sign(claims), { keys: ring, clock })?.userId).toBe(USER);
    for (const aud of ["a-client", ["a-client"], ""]) {
      expect(verifySessionJwt(sign({ ...claims, aud }), { keys: ring, clock })).toBeNull();
    }
    // The shape oidc-provider gives an ID token (sub, aud, iss, no id) is no session either.
    const idToken = {
      sub: USER,
      aud: "a-client",
      iss: "https://id.example",
      iat: now,
      exp: now + 60,
    };
    expect(verifySessionJwt(sign(idToken), { keys: ring, clock })).toBeNull();
  });
});
