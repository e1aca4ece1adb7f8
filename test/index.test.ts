/**
 * The package's entry point (`from "tessera-auth"`) is the one place that reads the environment: the
 * seed's call shapes take their keys, Argon2 parameters and issuer from `TESSERA_*` variables,
 * read at call time; explicit options win. The core itself reads none (tests in test/core/).
 */
import { afterEach, describe, expect, it } from "vitest";
import { frozenClock } from "../src/core/clock.js";
import {
  DEFAULT_TOTP_ISSUER,
  createJwt,
  createJwtKeyRing,
  hashPassword,
  needsRehash,
  resolveArgon2Options,
  totpProvisioningUri,
  verifyJwt,
} from "../src/index.js";
import seed from "./fixtures/seed-interop.json" with { type: "json" };

const ENV_NAMES = [
  "TESSERA_JWT_SECRET",
  "TESSERA_JWT_PREVIOUS_SECRETS",
  "TESSERA_ARGON2_MEMORY_KIB",
  "TESSERA_ARGON2_ITERATIONS",
  "TESSERA_ARGON2_PARALLELISM",
  "TESSERA_APP_NAME",
] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

describe("Argon2 parameters from the environment", () => {
  it("reads TESSERA_ARGON2_* at call time, and explicit options win over them", async () => {
    process.env.TESSERA_ARGON2_MEMORY_KIB = "96";
    process.env.TESSERA_ARGON2_ITERATIONS = "1";
    process.env.TESSERA_ARGON2_PARALLELISM = "2";
    const fromEnv = await hashPassword("pw");
    expect(fromEnv).toMatch(/\$m=96,t=1,p=2\$/);
    expect(needsRehash(fromEnv)).toBe(false);
    expect(await hashPassword("pw", { iterations: 2 })).toMatch(/\$m=96,t=2,p=2\$/);
    delete process.env.TESSERA_ARGON2_PARALLELISM;
    expect(needsRehash(fromEnv)).toBe(true);
  });

  it("throws a TypeError naming the variable when the environment holds a bad value", () => {
    process.env.TESSERA_ARGON2_ITERATIONS = "two";
    expect(() => resolveArgon2Options()).toThrow(/TESSERA_ARGON2_ITERATIONS/);
    process.env.TESSERA_ARGON2_ITERATIONS = "0";
    expect(() => resolveArgon2Options()).toThrow(TypeError);
    // An explicit value does not read the broken variable.
    expect(resolveArgon2Options({ iterations: 3 }).iterations).toBe(3);
  });
});

describe("JWT keys from the environment", () => {
  const SECRET = seed.jwt.secret;
  const OLD = "old-secret-old-secret-old-secret-0";
  const NEW = "new-secret-new-secret-new-secret-1";
  const clock = frozenClock(1_800_000_000_000);
  const subject = {
    id: "5b0d2f1e-8a4b-4e0c-9d7f-6f9f978015de",
    name: "Zoë 字",
    email: "z@example.org",
  };

  it("reads TESSERA_JWT_SECRET and TESSERA_JWT_PREVIOUS_SECRETS at call time", () => {
    delete process.env.TESSERA_JWT_PREVIOUS_SECRETS;
    process.env.TESSERA_JWT_SECRET = OLD;
    const token = createJwt(subject, 1, { clock });
    expect(verifyJwt(token, { clock })).toEqual(subject);
    process.env.TESSERA_JWT_SECRET = NEW;
    expect(verifyJwt(token, { clock })).toBeNull();
    process.env.TESSERA_JWT_PREVIOUS_SECRETS = ` ${SECRET} , ${OLD} `;
    expect(verifyJwt(token, { clock })).toEqual(subject);
    expect(verifyJwt(token, { secret: OLD, clock })).toEqual(subject);
  });

  it("throws a TypeError naming TESSERA_JWT_SECRET when no secret is configured anywhere, or both secret and keys are given", () => {
    delete process.env.TESSERA_JWT_SECRET;
    expect(() => createJwt(subject, 1)).toThrow(/TESSERA_JWT_SECRET/);
    expect(() => verifyJwt("a.b.c")).toThrow(TypeError);
    const keys = createJwtKeyRing(NEW);
    expect(() => verifyJwt("a.b.c", { keys, secret: NEW })).toThrow(TypeError);
  });
});

describe("the TOTP issuer from the environment", () => {
  const secret = seed.totp[0]!.secret;

  it("takes the issuer from TESSERA_APP_NAME at call time, else Tessera", () => {
    delete process.env.TESSERA_APP_NAME;
    expect(new URL(totpProvisioningUri(secret, "u@example.org")).searchParams.get("issuer")).toBe(
      DEFAULT_TOTP_ISSUER,
    );
    process.env.TESSERA_APP_NAME = "Acme Login";
    const uri = totpProvisioningUri(secret, "u@example.org");
    expect(new URL(uri).searchParams.get("issuer")).toBe("Acme Login");
    expect(uri.startsWith("otpauth://totp/Acme%20Login:u%40example.org?")).toBe(true);
  });
});
