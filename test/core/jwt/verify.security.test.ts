import { generateKeyPairSync, sign as signWithKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { frozenClock } from "../../../src/core/clock.js";
import { createJwt, createJwtKeyRing, verifyJwt } from "../../../src/core/jwt/index.js";
import seed from "../../fixtures/seed-interop.json" with { type: "json" };
import catalog from "../../vectors/malformed-jwts.json" with { type: "json" };
import { b64url, signRaw, type HmacAlgorithm } from "./tokens.js";

const SECRET = seed.jwt.secret;
const NOW_SECONDS = 1_800_000_000;
const clock = frozenClock(NOW_SECONDS * 1000);
const options = { secret: SECRET, clock };
const subject = { id: "1", name: "admin", email: "admin@example.com" };

/** Replaces the data file's relative times ("now", "now-61", "now+120") with seconds. */
function resolveTimes(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    const relative = typeof value === "string" ? /^now([+-]\d+)?$/.exec(value) : null;
    out[name] = relative ? NOW_SECONDS + Number(relative[1] ?? 0) : value;
  }
  return out;
}

describe("malformed JWTs of the security catalog, section b.4 (verbatim)", () => {
  it.each(catalog.literal)("$id $case gives null", ({ token }) => {
    expect(verifyJwt(token, options)).toBeNull();
    // Also with the keys the attacker used (catalog b.4.7 "secret" is refused as a key anyway).
    expect(
      verifyJwt(token, { keys: createJwtKeyRing(SECRET, ["x".repeat(32)]), clock }),
    ).toBeNull();
  });
});

describe("catalog section (a) JWT cases, signed with the real secret", () => {
  const refused = catalog.signed.filter((entry) => !("expect" in entry));
  const controls = catalog.signed.filter((entry) => "expect" in entry);

  const build = (entry: (typeof catalog.signed)[number]): string => {
    const payload =
      "payloadJson" in entry && typeof entry.payloadJson === "string"
        ? entry.payloadJson
        : resolveTimes((entry as { payload: Record<string, unknown> }).payload);
    return signRaw(entry.header, payload, SECRET, entry.sign as HmacAlgorithm | "none");
  };

  it.each(refused)("$id $case gives null", (entry) => {
    expect(verifyJwt(build(entry), options)).toBeNull();
  });

  it.each(controls)("control: $case", (entry) => {
    expect(verifyJwt(build(entry), options)).toEqual((entry as { expect: unknown }).expect);
  });
});

describe("catalog section (a) format cases, made from a valid token", () => {
  const valid = createJwt(subject, 1, options);
  const [header, payload, signature] = valid.split(".") as [string, string, string];
  const otherPayload = b64url(JSON.stringify({ ...subject, name: "root", exp: NOW_SECONDS + 60 }));

  const transforms: Record<string, () => string> = {
    "empty-signature": () => `${header}.${payload}.`,
    "swap-payload": () => `${header}.${otherPayload}.${signature}`,
    "jws-json": () => JSON.stringify({ payload, signatures: [{ protected: header, signature }] }),
    "pad-signature": () => `${valid}=`,
    "standard-base64": () =>
      `${header}.${payload}.${Buffer.from(signature, "base64url").toString("base64").replace(/=+$/, "")}`,
    space: () => `${header}. ${payload}.${signature}`,
    "surrounding-whitespace": () => ` ${valid}\n`,
    "two-segments": () => `${header}.${payload}`,
    "four-segments": () => `${valid}.${signature}`,
    "five-segments": () => `${header}.${payload}.${signature}.${signature}.${signature}`,
    oversize: () => `${header}.${b64url("x".repeat(20_000))}.${signature}`,
    "bearer-prefix": () => `Bearer ${valid}`,
    empty: () => "",
  };

  it("the untouched token verifies (control)", () => {
    expect(verifyJwt(valid, options)).toEqual(subject);
  });

  it.each(catalog.fromValidToken)("$id $case gives null", ({ transform }) => {
    const make = transforms[transform];
    expect(make, `no transform named ${transform} in this test`).toBeDefined();
    expect(verifyJwt(make!(), options)).toBeNull();
  });

  it("gives null for tokens that are not strings at all", () => {
    for (const token of [null, undefined, 42, {}, [valid], Buffer.from(valid)]) {
      expect(verifyJwt(token as unknown as string, options)).toBeNull();
    }
  });
});

describe("asymmetric algorithms are never accepted (catalog JWT-04, JWT-09)", () => {
  const claims = { ...subject, exp: NOW_SECONDS + 3600 };

  it("gives null for an RS256 token signed with a real RSA key", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
    const token = `${input}.${signWithKey("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    expect(verifyJwt(token, options)).toBeNull();
  });

  it("gives null for an ES256 token that embeds its own public key as `jwk` (CVE-2018-0114)", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const input = `${b64url(JSON.stringify({ alg: "ES256", typ: "JWT", jwk }))}.${b64url(JSON.stringify(claims))}`;
    const signature = signWithKey("sha256", Buffer.from(input), {
      key: privateKey,
      dsaEncoding: "ieee-p1363",
    });
    expect(verifyJwt(`${input}.${signature.toString("base64url")}`, options)).toBeNull();
  });

  it("gives null for an HS256 token whose header also embeds a `jwk`, even with the real secret", () => {
    const header = { alg: "HS256", typ: "JWT", jwk: { kty: "oct", k: b64url("attacker") } };
    expect(verifyJwt(signRaw(header, claims, SECRET), options)).toBeNull();
  });
});

describe("duplicate claims (catalog JWT-17)", () => {
  it("uses the lexically last value of a duplicated claim, the one rule JSON.parse applies everywhere", () => {
    // Only a holder of the secret can sign such a token; the catalog allows "reject, or the
    // lexically last value used consistently". Tessera reads claims in exactly one place.
    const json = `{"id":"1","id":"2","name":"admin","email":"admin@example.com","exp":${NOW_SECONDS + 60}}`;
    expect(verifyJwt(signRaw({ alg: "HS256", typ: "JWT" }, json, SECRET), options)?.id).toBe("2");
  });
});
