import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DEFAULT_ARGON2_OPTIONS,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  resolveArgon2Options,
  verifyPassword,
} from "../../src/core/password.js";
import seed from "../fixtures/seed-interop.json" with { type: "json" };

/** Cheap parameters for tests where the cost is not the subject. */
const LOW = { memoryKib: 64, iterations: 1, parallelism: 1 };
const ENV_NAMES = [
  "TESSERA_ARGON2_MEMORY_KIB",
  "TESSERA_ARGON2_ITERATIONS",
  "TESSERA_ARGON2_PARALLELISM",
] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

/** Catalog PW-10: the shape of a stored Argon2id hash. */
const PHC_ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22,}\$[A-Za-z0-9+/]{43,}$/;

describe("seed fixtures", () => {
  it.each(seed.passwords.map((p) => [p.params, p] as const))(
    "verifies the argon2-cffi hash (%s) with its password and refuses the wrong one",
    async (_params, fixture) => {
      expect(await verifyPassword(fixture.hash, fixture.password)).toBe(true);
      expect(await verifyPassword(fixture.hash, fixture.wrong_password)).toBe(false);
    },
  );

  it("says a fixture hash needs a rehash exactly when its variant or parameters are not the defaults", () => {
    for (const fixture of seed.passwords) {
      const info = parsePasswordHash(fixture.hash);
      const isDefault =
        info.algorithm === "argon2id" &&
        info.memoryKib === 19456 &&
        info.iterations === 2 &&
        info.parallelism === 1;
      expect(needsRehash(fixture.hash)).toBe(!isDefault);
    }
    // The fixture set holds both kinds, so both branches above ran.
    const verdicts = seed.passwords.map((p) => needsRehash(p.hash));
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  it("reads the parameters of each fixture hash", () => {
    expect(parsePasswordHash(seed.passwords[0]!.hash)).toEqual({
      algorithm: "argon2id",
      version: 19,
      memoryKib: 102400,
      iterations: 2,
      parallelism: 8,
      outputBytes: 16,
      saltBytes: 16,
    });
    expect(parsePasswordHash(seed.passwords[2]!.hash).algorithm).toBe("argon2i");
    expect(parsePasswordHash(seed.passwords[3]!.hash).algorithm).toBe("argon2d");
  });
});

describe("hashPassword", () => {
  it("makes an Argon2id v=19 PHC string with the OWASP defaults m=19456, t=2, p=1", async () => {
    const hash = await hashPassword("correct horse battery staple");
    const match = PHC_ARGON2ID.exec(hash);
    expect(match?.slice(1)).toEqual(["19456", "2", "1"]);
    expect(parsePasswordHash(hash)).toMatchObject({ outputBytes: 32, saltBytes: 16 });
    expect(await verifyPassword(hash, "correct horse battery staple")).toBe(true);
    expect(needsRehash(hash)).toBe(false);
    expect(DEFAULT_ARGON2_OPTIONS).toEqual({ memoryKib: 19456, iterations: 2, parallelism: 1 });
  });

  it("salts every hash: the same password twice gives two different hashes", async () => {
    const [a, b] = await Promise.all([hashPassword("same", LOW), hashPassword("same", LOW)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, "same")).toBe(true);
    expect(await verifyPassword(b, "same")).toBe(true);
  });

  it("uses the parameters it is given", async () => {
    const hash = await hashPassword("pw", { memoryKib: 128, iterations: 3, parallelism: 2 });
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=128,t=3,p=2\$/);
    expect(needsRehash(hash, { memoryKib: 128, iterations: 3, parallelism: 2 })).toBe(false);
    expect(needsRehash(hash, { memoryKib: 128, iterations: 3, parallelism: 1 })).toBe(true);
    expect(needsRehash(hash, { memoryKib: 256, iterations: 3, parallelism: 2 })).toBe(true);
    expect(needsRehash(hash, { memoryKib: 128, iterations: 2, parallelism: 2 })).toBe(true);
  });

  it("property: any Unicode password verifies after hashing, and a changed one does not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
        async (password, suffix) => {
          const hash = await hashPassword(password, LOW);
          expect(await verifyPassword(hash, password)).toBe(true);
          expect(await verifyPassword(hash, password + suffix)).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("verifies exactly what was hashed: no truncation, no case or normalization change", async () => {
    const long = "Pä".repeat(50); // 100 characters, 150 UTF-8 bytes
    const hash = await hashPassword(long, LOW);
    for (const other of [long.slice(0, 72), long.slice(0, 64), `${long}x`, long.toUpperCase()]) {
      expect(await verifyPassword(hash, other)).toBe(false);
    }
    const composed = await hashPassword("caf\u00e9", LOW);
    expect(await verifyPassword(composed, "cafe\u0301")).toBe(false);
  });
});

describe("resolveArgon2Options", () => {
  it("gives the OWASP defaults when nothing is configured", () => {
    for (const name of ENV_NAMES) delete process.env[name];
    expect(resolveArgon2Options()).toEqual({ memoryKib: 19456, iterations: 2, parallelism: 1 });
    expect(Object.isFrozen(resolveArgon2Options())).toBe(true);
  });

  it.each([
    [{ memoryKib: 0 }],
    [{ memoryKib: 1.5 }],
    [{ memoryKib: Number.NaN }],
    [{ memoryKib: 4 * 1024 * 1024 + 1 }],
    [{ iterations: 0 }],
    [{ iterations: 101 }],
    [{ parallelism: 0 }],
    [{ parallelism: 256 }],
    [{ memoryKib: 15, parallelism: 2 }],
    [{ iterations: "2" as unknown as number }],
  ])("throws a TypeError for %j", (options) => {
    expect(() => resolveArgon2Options(options)).toThrow(TypeError);
  });
});

describe("the core and the environment", () => {
  it("reads no TESSERA_ARGON2_* variable: only given options and the defaults count", () => {
    process.env.TESSERA_ARGON2_ITERATIONS = "two";
    process.env.TESSERA_ARGON2_MEMORY_KIB = "96";
    expect(resolveArgon2Options()).toEqual(DEFAULT_ARGON2_OPTIONS);
    expect(resolveArgon2Options({ iterations: 3 }).iterations).toBe(3);
  });
});
