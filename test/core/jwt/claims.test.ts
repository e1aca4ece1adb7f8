/**
 * The time-claim rule (core/jwt/claims.ts), written once: `exp` required and after now with no
 * leeway, `iat`/`nbf` at most the leeway ahead. Both bounds of each, to the millisecond, and the
 * three verifiers that apply it.
 */
import { describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { checkTimeClaims, isVersionClaim, parseClaims } from "../../../src/core/jwt/claims.js";
import {
  DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS,
  createJwtKeyRing,
  verifyJwtClaims,
  verifySessionJwt,
  verifyTimedJwtPayload,
} from "../../../src/core/jwt/index.js";
import { signRaw } from "./tokens.js";

const NOW_SECONDS = 1_800_000_000;
const NOW_MS = NOW_SECONDS * 1000;
const LEEWAY = 60;

describe("checkTimeClaims", () => {
  it("accepts a token until the millisecond before exp and refuses it exactly at exp, whatever the leeway", () => {
    const claims = { exp: NOW_SECONDS };
    expect(checkTimeClaims(claims, NOW_MS - 1, LEEWAY)).toBe(true);
    expect(checkTimeClaims(claims, NOW_MS, LEEWAY)).toBe(false);
    expect(checkTimeClaims(claims, NOW_MS, 3_600)).toBe(false);
    expect(checkTimeClaims(claims, NOW_MS + 1, LEEWAY)).toBe(false);
  });

  it("requires exp as a finite number", () => {
    const later = NOW_SECONDS + 3_600;
    expect(checkTimeClaims({}, NOW_MS, LEEWAY)).toBe(false);
    for (const exp of [String(later), null, Infinity, Number.NaN, [later], { exp: later }]) {
      expect(checkTimeClaims({ exp }, NOW_MS, LEEWAY), String(exp)).toBe(false);
    }
  });

  it.each(["nbf", "iat"])(
    "accepts %s up to the leeway ahead, and refuses it one millisecond beyond",
    (name) => {
      const claims = { exp: NOW_SECONDS + 3_600, [name]: NOW_SECONDS + LEEWAY };
      expect(checkTimeClaims(claims, NOW_MS, LEEWAY)).toBe(true);
      expect(checkTimeClaims(claims, NOW_MS - 1, LEEWAY)).toBe(false);
      const beyond = { exp: NOW_SECONDS + 3_600, [name]: NOW_SECONDS + LEEWAY + 1 };
      expect(checkTimeClaims(beyond, NOW_MS, LEEWAY)).toBe(false);
      // In the past is always fine, and the leeway is the caller's: none refuses one second ahead.
      expect(checkTimeClaims({ exp: NOW_SECONDS + 3_600, [name]: 0 }, NOW_MS, LEEWAY)).toBe(true);
      const oneAhead = { exp: NOW_SECONDS + 3_600, [name]: NOW_SECONDS + 1 };
      expect(checkTimeClaims(oneAhead, NOW_MS, 0)).toBe(false);
      expect(checkTimeClaims(oneAhead, NOW_MS, 1)).toBe(true);
    },
  );

  it.each(["nbf", "iat"])("refuses %s that is present but not a finite number", (name) => {
    for (const value of [String(NOW_SECONDS), null, Infinity, true]) {
      const claims = { exp: NOW_SECONDS + 3_600, [name]: value };
      expect(checkTimeClaims(claims, NOW_MS, LEEWAY), String(value)).toBe(false);
    }
  });
});

describe("the one rule in every verifier", () => {
  const secret = "a claims test secret of at least 32 bytes";
  const keys = createJwtKeyRing(secret);
  const clock = frozenClock(NOW_MS);
  const options = { keys, clock };
  const base = { id: "u1", name: "user", email: "user@example.org" };
  const verifiers = {
    verifyJwtClaims: (token: string) => verifyJwtClaims(token, options),
    verifySessionJwt: (token: string) => verifySessionJwt(token, options),
    verifyTimedJwtPayload: (token: string) => verifyTimedJwtPayload(token, options),
  };
  const token = (claims: Record<string, unknown>) =>
    signRaw({ alg: "HS256", typ: "JWT" }, { ...base, ...claims }, secret);

  it.each(Object.entries(verifiers))("%s refuses a token exactly at its exp", (_, verify) => {
    const expiring = token({ exp: NOW_SECONDS });
    clock.set(NOW_MS - 1);
    expect(verify(expiring)).not.toBeNull();
    clock.set(NOW_MS);
    expect(verify(expiring)).toBeNull();
  });

  it.each(Object.entries(verifiers))(
    `%s allows nbf ${DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS} s ahead, not a second more`,
    (_, verify) => {
      clock.set(NOW_MS);
      const exp = NOW_SECONDS + 3_600;
      expect(
        verify(token({ exp, nbf: NOW_SECONDS + DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS })),
      ).not.toBeNull();
      expect(
        verify(token({ exp, nbf: NOW_SECONDS + DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS + 1 })),
      ).toBeNull();
      expect(
        verify(token({ exp, iat: NOW_SECONDS + DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS + 1 })),
      ).toBeNull();
    },
  );
});

describe("isVersionClaim", () => {
  it("accepts an absent ver or a non-negative safe integer, nothing else", () => {
    for (const ok of [undefined, 0, 1, Number.MAX_SAFE_INTEGER])
      expect(isVersionClaim(ok)).toBe(true);
    for (const bad of [-1, 1.5, "1", null, Number.MAX_SAFE_INTEGER + 1, Infinity]) {
      expect(isVersionClaim(bad), String(bad)).toBe(false);
    }
  });
});

describe("parseClaims", () => {
  const segment = (json: string) => Buffer.from(json, "utf8").toString("base64url");

  it("reads a JSON object with an exp", () => {
    expect(parseClaims(segment('{"id":"u1","exp":1}'))).toEqual({ id: "u1", exp: 1 });
  });

  it("throws for a payload that is not a JSON object with an exp", () => {
    for (const json of ['{"id":"u1"}', "[1]", "null", "1", '"exp"', "{", ""]) {
      expect(() => parseClaims(segment(json)), json).toThrow();
    }
  });
});
