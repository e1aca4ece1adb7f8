/**
 * TOTP second factor (RFC 6238 over RFC 4226 HOTP), compatible with the seed's pyotp defaults:
 * SHA-1, 6 digits, 30-second steps from the Unix epoch, base32 secrets. `otpauth` computes the
 * codes; this module adds the window, the replay guard (`afterStep`) and a constant-time compare.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { HOTP, Secret, TOTP } from "otpauth";
import { systemClock, type Clock } from "./clock.js";

/** RFC 6238 §5.2: "We RECOMMEND a default time-step size of 30 seconds". */
export const DEFAULT_TOTP_PERIOD_SECONDS = 30;
/** RFC 4226 §5.3 / pyotp default: 6-digit codes. */
export const DEFAULT_TOTP_DIGITS = 6;
/** RFC 6238 §5.2: "at most one time step is allowed as the network delay" (steps T-1..T+1). */
export const DEFAULT_TOTP_WINDOW = 1;
/** Largest accepted window: ±10 steps (5 minutes each way). */
export const MAX_TOTP_WINDOW = 10;
/** RFC 4226 R6: "length of the shared secret MUST be at least 128 bits ... RECOMMENDED 160 bits". */
export const TOTP_SECRET_BYTES = 20;
/** Issuer when the caller gives none. */
export const DEFAULT_TOTP_ISSUER = "Tessera";

/** How verifyTotp and matchTotpStep search. */
export interface VerifyTotpOptions {
  /** Steps accepted on each side of the current one; default DEFAULT_TOTP_WINDOW (1). */
  window?: number;
  /** The time to check at; default systemClock. */
  clock?: Clock;
  /** The last step already used: steps <= afterStep never match (replay guard, RFC 6238 §5.2). */
  afterStep?: number | null;
}

// RFC 4648 §6 alphabet; pyotp decodes case-insensitively and pads itself, so both are accepted.
const BASE32_PATTERN = /^[A-Za-z2-7]+=*$/;
const ALGORITHM = "SHA1";

function decodeSecret(secret: string): Secret {
  if (typeof secret !== "string" || !BASE32_PATTERN.test(secret)) {
    throw new TypeError("TOTP secret is not a base32 string (RFC 4648)");
  }
  const decoded = Secret.fromBase32(secret);
  if (decoded.bytes.length === 0) throw new TypeError("TOTP secret is empty");
  return decoded;
}

function stepAt(clock: Clock = systemClock): number {
  const ms = clock();
  if (!Number.isFinite(ms)) throw new TypeError("clock must return a finite time in milliseconds");
  return Math.floor(ms / 1000 / DEFAULT_TOTP_PERIOD_SECONDS);
}

function codeAtStep(secret: Secret, step: number): string {
  return HOTP.generate({
    secret,
    algorithm: ALGORITHM,
    digits: DEFAULT_TOTP_DIGITS,
    counter: step,
  });
}

/**
 * A new TOTP secret: 20 bytes (160 bits, RFC 4226 R6) from crypto.randomBytes as 32 unpadded
 * base32 characters, like pyotp's `random_base32()`.
 */
export function generateTotpSecret(): string {
  // Copy into an ArrayBuffer of exactly 20 bytes (a Buffer may be a view into a larger one).
  return new Secret({ buffer: new Uint8Array(randomBytes(TOTP_SECRET_BYTES)).buffer }).base32;
}

/**
 * The `otpauth://totp/ISSUER:EMAIL?…` URI an authenticator app scans (Google Authenticator Key
 * Uri Format), with the issuer in the label and as a parameter, as pyotp writes it; algorithm,
 * digits and period are spelled out. Default issuer: DEFAULT_TOTP_ISSUER ("Tessera").
 * @throws TypeError when the secret is not base32.
 */
export function totpProvisioningUri(secret: string, email: string, issuer?: string): string {
  const issuerName = issuer ?? DEFAULT_TOTP_ISSUER;
  return new TOTP({
    issuer: issuerName,
    label: email,
    issuerInLabel: true,
    secret: decodeSecret(secret),
    algorithm: ALGORITHM,
    digits: DEFAULT_TOTP_DIGITS,
    period: DEFAULT_TOTP_PERIOD_SECONDS,
  }).toString();
}

/** Which code generateTotp computes; the defaults are pyotp's. */
export interface TotpCodeOptions {
  /** The time; default systemClock. */
  clock?: Clock;
  /** HMAC hash (RFC 6238 §1.2); default SHA1. */
  algorithm?: "SHA1" | "SHA256" | "SHA512";
  /** Code length, 6 to 8 (RFC 4226 §5.3); default DEFAULT_TOTP_DIGITS (6). */
  digits?: number;
}

/**
 * The code for `secret` at options.clock's time (default now), SHA-1 and 6 digits unless
 * options say otherwise. For tests and tools; verifyTotp always uses the defaults.
 * @throws TypeError when the secret is not base32, the clock gives no finite time, or algorithm or
 * digits are not supported.
 */
export function generateTotp(secret: string, options: TotpCodeOptions = {}): string {
  const algorithm = options.algorithm ?? ALGORITHM;
  if (algorithm !== "SHA1" && algorithm !== "SHA256" && algorithm !== "SHA512") {
    throw new TypeError("algorithm must be SHA1, SHA256 or SHA512");
  }
  const digits = options.digits ?? DEFAULT_TOTP_DIGITS;
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new TypeError("digits must be 6, 7 or 8");
  }
  const key = decodeSecret(secret);
  return HOTP.generate({ secret: key, algorithm, digits, counter: stepAt(options.clock) });
}

// `123456`, `123 456` or `123-456`: one optional space or hyphen in the middle, ASCII digits only
// (a full-width digit, a newline or a number are not a code).
const CODE_PATTERN = /^(\d{3})[ -]?(\d{3})$/;

/**
 * The time step (seconds since the epoch / 30) whose code equals `code`, searched over
 * options.window steps on each side of options.clock's time (defaults: 1 step, now), excluding steps <=
 * options.afterStep; null when none matches or the code is malformed. Every step of the window is
 * computed and compared in constant time. When two steps match, the later one is returned.
 * @throws TypeError when the secret is not base32 (corrupt stored data) or an option is invalid.
 */
export function matchTotpStep(
  secret: string,
  code: string,
  options: VerifyTotpOptions = {},
): number | null {
  const key = decodeSecret(secret);
  const window = options.window ?? DEFAULT_TOTP_WINDOW;
  if (!Number.isInteger(window) || window < 0 || window > MAX_TOTP_WINDOW) {
    throw new TypeError(`window must be an integer from 0 to ${MAX_TOTP_WINDOW}`);
  }
  const afterStep = options.afterStep ?? null;
  if (afterStep !== null && !Number.isSafeInteger(afterStep)) {
    throw new TypeError("afterStep must be an integer or null");
  }
  const current = stepAt(options.clock);
  const parts = typeof code === "string" ? CODE_PATTERN.exec(code) : null;
  if (parts === null) return null;
  const given = Buffer.from(`${parts[1]}${parts[2]}`, "latin1");
  let matched: number | null = null;
  // Steps before the epoch (only reachable with a clock near 1970) do not exist.
  for (let step = Math.max(0, current - window); step <= current + window; step += 1) {
    const equal = timingSafeEqual(given, Buffer.from(codeAtStep(key, step), "latin1"));
    if (equal && (afterStep === null || step > afterStep)) matched = step;
  }
  return matched;
}

/**
 * Whether `code` is the code of `secret` within options.window steps of options.clock (defaults:
 * 1 step, now) and after options.afterStep. Accepts `123456`, `123 456` and `123-456`; a
 * malformed code is false.
 * @throws TypeError when the secret is not base32 (corrupt stored data) or an option is invalid.
 */
export function verifyTotp(secret: string, code: string, options?: VerifyTotpOptions): boolean {
  return matchTotpStep(secret, code, options) !== null;
}
