import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { frozenClock } from "../../../src/core/clock.js";
import {
  VERIFIED_JWT_CACHE_SIZE,
  createJwt,
  createJwtKeyRing,
  jwtKeyId,
  verifyJwt,
  verifyJwtClaims,
  type JwtKey,
  type JwtKeyRing,
} from "../../../src/core/jwt/index.js";
import seed from "../../fixtures/seed-interop.json" with { type: "json" };
import { decodeParts, signRaw } from "./tokens.js";

const SECRET = seed.jwt.secret; // contains "字": 32 characters, 34 UTF-8 bytes
const NOW_MS = 1_800_000_000_000; // 2027-01-15T08:00:00Z
const clock = frozenClock(NOW_MS);
const subject = {
  id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
  name: "Zoë 字",
  email: "z@example.org",
};

const ENV_NAMES = ["TESSERA_JWT_SECRET", "TESSERA_JWT_PREVIOUS_SECRETS"] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  clock.set(NOW_MS);
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

describe("seed fixtures (PyJWT 2.6.0)", () => {
  it.each(seed.jwt.valid)("verifies the seed token of $user.email", ({ token, user }) => {
    expect(verifyJwt(token, { secret: SECRET, clock })).toEqual(user);
    expect(verifyJwtClaims(token, { secret: SECRET, clock })).toEqual({
      user,
      tokenVersion: 0, // no `ver` claim: version 0
      issuedAtSeconds: null,
      expiresAtSeconds: 2111216633,
    });
  });

  it("refuses the expired token from its exp on, and accepted it one millisecond before", () => {
    const [expired] = seed.jwt.expired;
    const exp = (decodeParts(expired!).payload as { exp: number }).exp;
    clock.set(exp * 1000 - 1);
    expect(verifyJwt(expired!, { secret: SECRET, clock })).not.toBeNull();
    clock.set(exp * 1000);
    expect(verifyJwt(expired!, { secret: SECRET, clock })).toBeNull();
    expect(verifyJwt(expired!, { secret: SECRET })).toBeNull(); // the real clock is past it too
  });

  it("refuses the tokens signed with another secret and the alg none token", () => {
    for (const token of [...seed.jwt.wrong_secret, ...seed.jwt.alg_none]) {
      expect(verifyJwt(token, { secret: SECRET, clock })).toBeNull();
    }
  });
});

describe("createJwt", () => {
  it("writes the claims id, name, email, exp and iat, with the signing kid in the header", () => {
    const token = createJwt(subject, 24, { secret: SECRET, clock });
    const { header, payload } = decodeParts(token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT", kid: jwtKeyId(SECRET) });
    expect(payload).toEqual({
      ...subject,
      exp: NOW_MS / 1000 + 24 * 3600,
      iat: NOW_MS / 1000,
    });
    expect(Object.keys(payload as object)).toEqual(["id", "name", "email", "exp", "iat"]);
  });

  it("adds `ver` when a token version is given, and verifyJwtClaims returns it", () => {
    const token = createJwt({ ...subject, tokenVersion: 7 }, 1, { secret: SECRET, clock });
    expect((decodeParts(token).payload as { ver: number }).ver).toBe(7);
    expect(verifyJwtClaims(token, { secret: SECRET, clock })).toEqual({
      user: subject,
      tokenVersion: 7,
      issuedAtSeconds: NOW_MS / 1000,
      expiresAtSeconds: NOW_MS / 1000 + 3600,
    });
  });

  it("puts nothing else of the user object into the token", () => {
    const user = { ...subject, passwordHash: "$argon2id$…", isAdmin: true, totpSecret: "ABC" };
    const { payload } = decodeParts(createJwt(user, 1, { secret: SECRET, clock }));
    expect(Object.keys(payload as object).sort()).toEqual(["email", "exp", "iat", "id", "name"]);
  });

  it("rounds exp down to whole seconds for fractional hours and clocks", () => {
    clock.set(NOW_MS + 999);
    const { payload } = decodeParts(createJwt(subject, 0.5, { secret: SECRET, clock }));
    expect(payload).toMatchObject({ iat: NOW_MS / 1000, exp: NOW_MS / 1000 + 1800 });
  });

  it("makes tokens that expire: valid until exp, null from exp on", () => {
    const token = createJwt(subject, 1, { secret: SECRET, clock });
    clock.advance(3600 * 1000 - 1);
    expect(verifyJwt(token, { secret: SECRET, clock })).toEqual(subject);
    clock.advance(1);
    expect(verifyJwt(token, { secret: SECRET, clock })).toBeNull();
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, "24" as unknown as number])(
    "throws a TypeError for validityHours %s",
    (hours) => {
      expect(() => createJwt(subject, hours, { secret: SECRET })).toThrow(TypeError);
    },
  );

  it("throws a TypeError for a malformed user or token version", () => {
    const bad = [
      { ...subject, id: 1 },
      { ...subject, email: null },
      { ...subject, tokenVersion: -1 },
      { ...subject, tokenVersion: 1.5 },
      null,
    ];
    for (const user of bad) {
      expect(() => createJwt(user as typeof subject, 1, { secret: SECRET })).toThrow(TypeError);
    }
  });
});

describe("secrets and key rings", () => {
  const OLD = "old-secret-old-secret-old-secret-0";
  const NEW = "new-secret-new-secret-new-secret-1";

  it("derives a bare secret's kid from the first 8 base64url characters of its SHA-256", () => {
    const expected = createHash("sha256").update(SECRET, "utf8").digest("base64url").slice(0, 8);
    expect(jwtKeyId(SECRET)).toBe(expected);
    expect(createJwtKeyRing(SECRET).signing).toEqual({ kid: expected, secret: SECRET });
  });

  it("counts UTF-8 bytes: refuses 31 bytes, accepts 32 bytes in 16 characters", () => {
    expect(() => createJwtKeyRing("a".repeat(31))).toThrow(TypeError);
    expect(() => createJwtKeyRing("é".repeat(15) + "a")).toThrow(/31/); // 16 chars, 31 bytes
    expect((createJwtKeyRing("é".repeat(16)).signing as JwtKey).secret).toBe("é".repeat(16));
    expect(() => createJwt(subject, 1, { secret: "short" })).toThrow(TypeError);
    expect(() => verifyJwt("a.b.c", { secret: "short" })).toThrow(TypeError);
    expect(() => createJwtKeyRing(NEW, ["too short"])).toThrow(TypeError);
  });

  it("rotates: tokens of the old key still verify, new tokens carry the new kid", () => {
    const before = createJwtKeyRing(OLD);
    const after = createJwtKeyRing(NEW, [OLD]);
    const oldToken = createJwt(subject, 1, { keys: before, clock });
    const newToken = createJwt(subject, 1, { keys: after, clock });
    expect(verifyJwt(oldToken, { keys: after, clock })).toEqual(subject);
    expect(verifyJwt(newToken, { keys: after, clock })).toEqual(subject);
    expect(decodeParts(newToken).header).toMatchObject({ kid: jwtKeyId(NEW) });
    // The old ring never knew the new key, and a ring that dropped the old key refuses its tokens.
    expect(verifyJwt(newToken, { keys: before, clock })).toBeNull();
    expect(verifyJwt(oldToken, { keys: createJwtKeyRing(NEW), clock })).toBeNull();
  });

  it("tries a token without kid (the seed's) against every key of the ring", () => {
    const ring = createJwtKeyRing(NEW, [OLD, SECRET]);
    for (const { token, user } of seed.jwt.valid) {
      expect(verifyJwt(token, { keys: ring, clock })).toEqual(user);
    }
    const kidless = signRaw({ alg: "HS256", typ: "JWT" }, { ...subject, exp: 2e9 }, OLD);
    expect(verifyJwt(kidless, { keys: ring, clock })).toEqual(subject);
  });

  it("refuses a token whose kid names no key, even when another key signed it", () => {
    const ring = createJwtKeyRing({ kid: "2026-11", secret: NEW }, [
      { kid: "2026-05", secret: OLD },
    ]);
    const claims = { ...subject, exp: 2e9 };
    expect(
      verifyJwt(signRaw({ alg: "HS256", kid: "2026-05" }, claims, OLD), { keys: ring, clock }),
    ).toEqual(subject);
    expect(
      verifyJwt(signRaw({ alg: "HS256", kid: "2026-01" }, claims, OLD), { keys: ring, clock }),
    ).toBeNull();
    // A kid that names a key must also be that key's signature.
    expect(
      verifyJwt(signRaw({ alg: "HS256", kid: "2026-11" }, claims, OLD), { keys: ring, clock }),
    ).toBeNull();
  });

  it("keeps a secret listed twice once, and refuses two secrets with one kid", () => {
    expect(
      createJwtKeyRing(NEW, [NEW, OLD, OLD]).verifying.map((k) => (k as JwtKey).secret),
    ).toEqual([NEW, OLD]);
    expect(() => createJwtKeyRing({ kid: "a", secret: NEW }, [{ kid: "a", secret: OLD }])).toThrow(
      TypeError,
    );
    expect(() => createJwtKeyRing({ kid: "bad kid!", secret: NEW })).toThrow(TypeError);
  });

  it("reads no environment: without secret or keys it throws, whatever TESSERA_JWT_SECRET says", () => {
    process.env.TESSERA_JWT_SECRET = NEW;
    expect(() => createJwt(subject, 1)).toThrow(TypeError);
    expect(() => verifyJwt("a.b.c")).toThrow(TypeError);
    const keys = createJwtKeyRing(NEW);
    expect(() => verifyJwt("a.b.c", { keys, secret: NEW })).toThrow(TypeError);
  });

  it("returns a frozen ring, and accepts a ring literal that follows the interface", () => {
    const ring = createJwtKeyRing(NEW, [OLD]);
    expect(Object.isFrozen(ring) && Object.isFrozen(ring.verifying)).toBe(true);
    const literal: JwtKeyRing = { signing: { kid: "k1", secret: NEW }, verifying: [] };
    const token = createJwt(subject, 1, { keys: literal, clock });
    expect(verifyJwt(token, { keys: literal, clock })).toEqual(subject);
  });
});

describe("the cache of verified tokens", () => {
  it("answers correctly for more distinct tokens than it holds, verified twice over", () => {
    const keys = createJwtKeyRing(SECRET);
    const count = VERIFIED_JWT_CACHE_SIZE + 500;
    const tokens = Array.from({ length: count }, (_, i) =>
      createJwt({ ...subject, id: String(i) }, 1, { keys, clock }),
    );
    for (let pass = 0; pass < 2; pass += 1) {
      tokens.forEach((token, i) => expect(verifyJwt(token, { keys, clock })?.id).toBe(String(i)));
    }
    // A cached token is still checked against the clock, and a new ring does not share the cache.
    clock.advance(3600 * 1000);
    expect(verifyJwt(tokens[count - 1]!, { keys, clock })).toBeNull();
    clock.set(NOW_MS);
    const otherSecret = "another-secret-another-secret-another";
    expect(verifyJwt(tokens[0]!, { keys: createJwtKeyRing(otherSecret), clock })).toBeNull();
  });
});

describe("properties", () => {
  it("property: createJwt then verifyJwt gives back the user, for any Unicode strings", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary" }),
        fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
        fc.double({ min: 0.001, max: 24 * 366, noNaN: true }),
        (id, name, email, tokenVersion, hours) => {
          const token = createJwt({ id, name, email, tokenVersion }, hours, {
            secret: SECRET,
            clock,
          });
          const verified = verifyJwtClaims(token, { secret: SECRET, clock });
          expect(verified?.user).toEqual({ id, name, email });
          expect(verified?.tokenVersion).toBe(tokenVersion ?? 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  // Any change of one character gives null, including in the last character of the signature.
  // That one is the subtle case: 43 base64url characters carry 258 bits for a 256-bit HMAC, so
  // the last character holds 4 data bits and 2 bits that decoders ignore, and 3 other characters
  // decode to the very same 32 bytes. verifyJwt refuses such non-canonical encodings (RFC 4648
  // §3.5) instead of decoding them, so the property holds for every position without exception;
  // the test below shows the same-bytes case is real and still refused.
  it("property: changing any one character of a token gives null", () => {
    const token = createJwt({ ...subject, tokenVersion: 3 }, 1, { secret: SECRET, clock });
    const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/= "];
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        (index, replacement) => {
          fc.pre(token[index] !== replacement);
          const changed = token.slice(0, index) + replacement + token.slice(index + 1);
          expect(verifyJwt(changed, { secret: SECRET, clock })).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("refuses the 3 other last characters that decode to the same signature bytes", () => {
    const token = createJwt(subject, 1, { secret: SECRET, clock });
    const signature = token.slice(token.lastIndexOf(".") + 1);
    const bytes = Buffer.from(signature, "base64url");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sameBytes = [...alphabet].filter((c) => {
      const other = signature.slice(0, -1) + c;
      return other !== signature && Buffer.from(other, "base64url").equals(bytes);
    });
    expect(sameBytes).toHaveLength(3);
    for (const c of sameBytes) {
      expect(verifyJwt(token.slice(0, -1) + c, { secret: SECRET, clock })).toBeNull();
    }
  });
});
