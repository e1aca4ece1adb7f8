/**
 * Password hashing: Argon2id PHC strings (RFC 9106) through `@node-rs/argon2`, which hashes on
 * the libuv thread pool so the event loop stays free. Hashes made by the seed (argon2-cffi:
 * argon2id, argon2i and argon2d of any parameters) keep verifying; `needsRehash` tells the login
 * flow when to upgrade one.
 */
import { randomBytes } from "node:crypto";
import { hash, parseOptions, verify, type Algorithm, type Version } from "@node-rs/argon2";
import { InvalidPasswordHashError } from "./errors.js";

/** Argon2 cost parameters. */
export interface Argon2Options {
  /** Memory per hash in KiB (`m=` in the PHC string). */
  memoryKib: number;
  /** Passes over the memory (`t=`). */
  iterations: number;
  /** Lanes (`p=`). */
  parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet: "Argon2id with a minimum configuration of 19 MiB of memory,
 * an iteration count of 2, and 1 degree of parallelism".
 */
export const DEFAULT_ARGON2_OPTIONS: Readonly<Argon2Options> = Object.freeze({
  memoryKib: 19456,
  iterations: 2,
  parallelism: 1,
});

/** Largest memory cost accepted, in KiB (4 GiB): a bigger stored hash would exhaust memory. */
export const MAX_ARGON2_MEMORY_KIB = 4 * 1024 * 1024;
/** Largest pass count accepted: a stored hash with more would occupy a pool thread for minutes. */
export const MAX_ARGON2_ITERATIONS = 100;
/** Largest lane count accepted (`@node-rs/argon2` limit). */
export const MAX_ARGON2_PARALLELISM = 255;

/**
 * Shortest tag accepted in a stored hash, in bytes: 128 bits (argon2-cffi's 16-byte default).
 * A shorter tag is a truncated or hostile string: 4 bytes would let 1 guess in 2^32 match.
 */
export const MIN_ARGON2_TAG_BYTES = 16;

// `Algorithm` and `Version` are const enums in the binding's typings (no runtime object).
const ARGON2D = 0 as Algorithm;
const ARGON2I = 1 as Algorithm;
const ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1 as Version;
/** Raw tag length of new hashes in bytes (RFC 9106 §4 recommends a 256-bit tag). */
const OUTPUT_BYTES = 32;

const ALGORITHM_NAMES = new Map<number, "argon2d" | "argon2i" | "argon2id">([
  [ARGON2D, "argon2d"],
  [ARGON2I, "argon2i"],
  [ARGON2ID, "argon2id"],
]);

/** What a stored PHC string says about how it was made. */
export interface PasswordHashInfo {
  algorithm: "argon2d" | "argon2i" | "argon2id";
  /** 19 (0x13, current) or 16 (0x10, legacy). */
  version: 16 | 19;
  memoryKib: number;
  iterations: number;
  parallelism: number;
  /** Raw tag length in bytes. */
  outputBytes: number;
  /** Raw salt length in bytes. */
  saltBytes: number;
}

function checkRange(label: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${label} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Fills in Argon2 parameters: given values, else DEFAULT_ARGON2_OPTIONS (the package's entry
 * point fills them from `TESSERA_ARGON2_*` first). Returns a frozen object.
 * @throws TypeError when a value is not an integer in range or memory < 8 × parallelism (RFC 9106 §3.1).
 */
export function resolveArgon2Options(options: Partial<Argon2Options> = {}): Argon2Options {
  const pick = (key: keyof Argon2Options): [string, unknown] =>
    options[key] !== undefined
      ? [`Argon2 ${key}`, options[key]]
      : [`Argon2 ${key}`, DEFAULT_ARGON2_OPTIONS[key]];
  const parallelism = checkRange(...pick("parallelism"), 1, MAX_ARGON2_PARALLELISM);
  const iterations = checkRange(...pick("iterations"), 1, MAX_ARGON2_ITERATIONS);
  const [memoryLabel, memory] = pick("memoryKib");
  const memoryKib = checkRange(memoryLabel, memory, 8, MAX_ARGON2_MEMORY_KIB);
  if (memoryKib < 8 * parallelism) {
    throw new TypeError(`${memoryLabel} must be at least 8 × parallelism (RFC 9106 §3.1)`);
  }
  return Object.freeze({ memoryKib, iterations, parallelism });
}

/**
 * Reads the parameters of a stored Argon2 PHC string.
 * @throws InvalidPasswordHashError when it is not an Argon2 PHC string, its costs exceed the
 * MAX_ARGON2_* limits or its tag is shorter than MIN_ARGON2_TAG_BYTES (hostile or corrupt data).
 */
export function parsePasswordHash(stored: string): PasswordHashInfo {
  if (typeof stored !== "string" || !stored.startsWith("$argon2")) {
    throw new InvalidPasswordHashError();
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(stored);
  } catch (error) {
    throw Object.assign(new InvalidPasswordHashError(), { cause: error });
  }
  const algorithm = ALGORITHM_NAMES.get(parsed.algorithm);
  if (
    algorithm === undefined ||
    parsed.memoryCost > MAX_ARGON2_MEMORY_KIB ||
    parsed.timeCost > MAX_ARGON2_ITERATIONS ||
    parsed.parallelism > MAX_ARGON2_PARALLELISM ||
    parsed.outputLen < MIN_ARGON2_TAG_BYTES
  ) {
    throw new InvalidPasswordHashError();
  }
  return {
    algorithm,
    version: parsed.version === VERSION_0X13 ? 19 : 16,
    memoryKib: parsed.memoryCost,
    iterations: parsed.timeCost,
    parallelism: parsed.parallelism,
    outputBytes: parsed.outputLen,
    saltBytes: parsed.saltLen,
  };
}

/**
 * Hashes a password with Argon2id (v=19, 16-byte random salt, 32-byte tag) off the event loop.
 * Defaults: see resolveArgon2Options (OWASP m=19456 KiB, t=2, p=1).
 * @throws TypeError when the password is not a string or the options are invalid.
 */
export async function hashPassword(
  password: string,
  options?: Partial<Argon2Options>,
): Promise<string> {
  if (typeof password !== "string") throw new TypeError("password must be a string");
  const { memoryKib, iterations, parallelism } = resolveArgon2Options(options);
  return hash(password, {
    algorithm: ARGON2ID,
    version: VERSION_0X13,
    memoryCost: memoryKib,
    timeCost: iterations,
    parallelism,
    outputLen: OUTPUT_BYTES,
  });
}

/**
 * Checks a password against a stored argon2id, argon2i or argon2d PHC string of any parameters,
 * off the event loop. A wrong password resolves to false and never throws.
 * @throws InvalidPasswordHashError when the stored hash is not an Argon2 PHC string (corrupt data).
 * @throws TypeError when the password is not a string.
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (typeof password !== "string") throw new TypeError("password must be a string");
  parsePasswordHash(stored);
  try {
    return await verify(stored, password);
  } catch (error) {
    // parseOptions accepted it, so this is a binding-level refusal of the same string.
    if ((error as { code?: unknown }).code === "InvalidArg") {
      throw Object.assign(new InvalidPasswordHashError(), { cause: error });
    }
    throw error;
  }
}

/**
 * Whether a stored hash was made with another variant, version or cost parameters than the
 * configured ones (argon2id, v=19, resolveArgon2Options(options)), so the login flow should
 * re-hash the password. Salt and tag lengths are not compared (the seed's 16-byte tags stay).
 * @throws InvalidPasswordHashError when the stored hash is not an Argon2 PHC string.
 * @throws TypeError when the options are invalid.
 */
export function needsRehash(stored: string, options?: Partial<Argon2Options>): boolean {
  const wanted = resolveArgon2Options(options);
  const info = parsePasswordHash(stored);
  return (
    info.algorithm !== "argon2id" ||
    info.version !== 19 ||
    info.memoryKib !== wanted.memoryKib ||
    info.iterations !== wanted.iterations ||
    info.parallelism !== wanted.parallelism
  );
}

// One dummy hash per parameter set, made once on first use (the promise is cached, so concurrent
// first calls share it). Its password is random and thrown away: nothing can ever match it.
const dummyHashes = new Map<string, Promise<string>>();

function dummyHashFor(options: Argon2Options): Promise<string> {
  const key = `${options.memoryKib},${options.iterations},${options.parallelism}`;
  let dummy = dummyHashes.get(key);
  if (dummy === undefined) {
    dummy = hashPassword(randomBytes(32).toString("base64url"), options);
    dummyHashes.set(key, dummy);
    dummy.catch(() => dummyHashes.delete(key));
  }
  return dummy;
}

/**
 * Makes (once) the dummy hash that verifyPasswordDummy checks against, so the first unknown user
 * does not pay for it; call it at start-up. Defaults: see resolveArgon2Options.
 * @throws TypeError when the options are invalid.
 */
export async function prepareDummyPasswordHash(options?: Partial<Argon2Options>): Promise<void> {
  await dummyHashFor(resolveArgon2Options(options));
}

/**
 * Spends the time of one verifyPassword with the configured parameters and resolves to false:
 * the login calls it for an unknown user so that "no such user" and "wrong password" cost the
 * same (ASVS V6.3.8). Defaults: see resolveArgon2Options.
 * @throws TypeError when the password is not a string or the options are invalid.
 */
export async function verifyPasswordDummy(
  password: string,
  options?: Partial<Argon2Options>,
): Promise<false> {
  if (typeof password !== "string") throw new TypeError("password must be a string");
  const stored = await dummyHashFor(resolveArgon2Options(options));
  // Same work as verifyPassword: parse, then verify on the pool.
  parsePasswordHash(stored);
  await verify(stored, password);
  return false;
}
