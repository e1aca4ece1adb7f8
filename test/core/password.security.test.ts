import { beforeEach, describe, expect, it, vi } from "vitest";
import * as argon2 from "@node-rs/argon2";
import { InvalidPasswordHashError } from "../../src/core/errors.js";
import {
  hashPassword,
  needsRehash,
  prepareDummyPasswordHash,
  verifyPassword,
  verifyPasswordDummy,
} from "../../src/core/password.js";
import seed from "../fixtures/seed-interop.json" with { type: "json" };

// Spies that call the real binding: they only record which hashes were computed and verified,
// to show what the dummy verification really does.
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof argon2>();
  return { ...real, hash: vi.fn(real.hash), verify: vi.fn(real.verify) };
});

const LOW = { memoryKib: 64, iterations: 1, parallelism: 1 };
const fixture = seed.passwords[1]!;

describe("stored hashes that are not Argon2 PHC strings (corrupt data)", () => {
  const corrupt = [
    "",
    "plaintext-password",
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", // bcrypt
    "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
    "pbkdf2_sha256$600000$salt$hash",
    fixture.hash.slice(0, -10), // tag truncated to 9 bytes (below MIN_ARGON2_TAG_BYTES)
    fixture.hash.slice(0, -22), // no tag at all
    fixture.hash.replace("$argon2id$", "$argon2x$"),
    fixture.hash.replace("m=19456", "m=1"), // below the Argon2 minimum
    fixture.hash.replace("m=19456", "m=4294967295"), // above MAX_ARGON2_MEMORY_KIB
    fixture.hash.replace("t=2", "t=100000"), // above MAX_ARGON2_ITERATIONS
    ` ${fixture.hash}`,
  ];

  it.each(corrupt)("verifyPassword throws InvalidPasswordHashError for %j", async (stored) => {
    const failure = verifyPassword(stored, fixture.password);
    await expect(failure).rejects.toBeInstanceOf(InvalidPasswordHashError);
    await expect(failure).rejects.toMatchObject({ code: "invalid_password_hash" });
  });

  it.each(corrupt)("needsRehash throws InvalidPasswordHashError for %j", (stored) => {
    expect(() => needsRehash(stored)).toThrow(InvalidPasswordHashError);
  });

  it("throws InvalidPasswordHashError, not a TypeError, for a stored value that is not a string", async () => {
    for (const stored of [null, undefined, 42, {}]) {
      await expect(verifyPassword(stored as unknown as string, "pw")).rejects.toBeInstanceOf(
        InvalidPasswordHashError,
      );
    }
  });
});

describe("wrong passwords", () => {
  it("resolve to false and never throw, whatever they contain", async () => {
    const hash = await hashPassword("the right one", LOW);
    const wrong = [
      "",
      " ",
      "the right one ",
      "THE RIGHT ONE",
      "\u0000",
      "🔑".repeat(300),
      "x".repeat(4096),
    ];
    for (const candidate of wrong) {
      await expect(verifyPassword(hash, candidate)).resolves.toBe(false);
    }
  });

  it("a password that is not a string is misuse: TypeError", async () => {
    await expect(verifyPassword(fixture.hash, 42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(hashPassword(undefined as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe("verifyPasswordDummy (unknown user costs the same as a wrong password)", () => {
  beforeEach(() => {
    vi.mocked(argon2.hash).mockClear();
    vi.mocked(argon2.verify).mockClear();
  });

  it("resolves to false even for the most likely passwords", async () => {
    for (const password of ["", "password", "123456", fixture.password]) {
      await expect(verifyPasswordDummy(password, LOW)).resolves.toBe(false);
    }
  });

  it("runs one real Argon2 verification against a hash with the configured parameters", async () => {
    const options = { memoryKib: 96, iterations: 2, parallelism: 1 };
    await verifyPasswordDummy("guess", options);
    expect(argon2.verify).toHaveBeenCalledTimes(1);
    const [stored, password] = vi.mocked(argon2.verify).mock.calls[0]!;
    expect(password).toBe("guess");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=96,t=2,p=1\$/);
  });

  it("makes the dummy hash once per parameter set, even for concurrent first calls", async () => {
    const options = { memoryKib: 80, iterations: 1, parallelism: 1 };
    await Promise.all([
      verifyPasswordDummy("a", options),
      verifyPasswordDummy("b", options),
      prepareDummyPasswordHash(options),
    ]);
    await verifyPasswordDummy("c", options);
    expect(argon2.hash).toHaveBeenCalledTimes(1);
    expect(argon2.verify).toHaveBeenCalledTimes(3);
  });

  it("after prepareDummyPasswordHash, a dummy verification computes no hash", async () => {
    const options = { memoryKib: 72, iterations: 1, parallelism: 1 };
    await prepareDummyPasswordHash(options);
    vi.mocked(argon2.hash).mockClear();
    await verifyPasswordDummy("guess", options);
    expect(argon2.hash).not.toHaveBeenCalled();
    expect(argon2.verify).toHaveBeenCalledTimes(1);
  });

  it("throws a TypeError for invalid parameters or a password that is not a string", async () => {
    await expect(verifyPasswordDummy("pw", { iterations: 0 })).rejects.toThrow(TypeError);
    await expect(verifyPasswordDummy(1 as unknown as string, LOW)).rejects.toThrow(TypeError);
  });
});
