import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DEFAULT_TOTP_ISSUER,
  generateTotp,
  generateTotpSecret,
  matchTotpStep,
  totpProvisioningUri,
  verifyTotp,
} from "../../src/core/totp.js";
import seed from "../fixtures/seed-interop.json" with { type: "json" };
import rfc6238 from "../vectors/rfc6238-totp.json" with { type: "json" };
import rfc4226 from "../vectors/rfc4226-hotp.json" with { type: "json" };

/** A clock stopped at `date`. */
const timeAt = (date: Date) => () => date.getTime();

const PERIOD_MS = 30_000;
const atStep = (step: number, offsetMs = 0): Date => new Date(step * PERIOD_MS + offsetMs);

describe("RFC vectors", () => {
  it.each(rfc6238.vectors)(
    "gives the RFC 6238 Appendix B code $code for $algorithm at t=$unixTimeSeconds ($digits digits)",
    (vector) => {
      const seedKey = vector.algorithm as keyof typeof rfc6238.seeds;
      const clock = timeAt(new Date(vector.unixTimeSeconds * 1000));
      const algorithm = vector.algorithm as "SHA1" | "SHA256" | "SHA512";
      const code = generateTotp(rfc6238.seeds[seedKey].base32, {
        clock,
        algorithm,
        digits: vector.digits,
      });
      expect(code).toBe(vector.code);
      // The step the RFC table lists (T, 64-bit: the last row needs more than 32 bits of time).
      expect(Math.floor(vector.unixTimeSeconds / 30)).toBe(Number.parseInt(vector.stepHex, 16));
    },
  );

  it("verifies the 6-digit SHA-1 forms of the RFC 6238 vectors at their time", () => {
    for (const vector of rfc6238.vectors.filter((v) => v.digits === 6)) {
      const clock = timeAt(new Date(vector.unixTimeSeconds * 1000));
      expect(matchTotpStep(rfc6238.seeds.SHA1.base32, vector.code, { clock, window: 0 })).toBe(
        Math.floor(vector.unixTimeSeconds / 30),
      );
    }
  });

  it.each(rfc4226.vectors)(
    "gives the RFC 4226 Appendix D HOTP value $hotp for counter $counter",
    (vector) => {
      // The HMAC and the dynamic truncation as the RFC lists them (checks the data itself) …
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(vector.counter));
      const hmac = createHmac("sha1", Buffer.from(rfc4226.secret.hex, "hex")).update(counter);
      expect(hmac.digest("hex")).toBe(vector.hmacSha1Hex);
      expect(Number.parseInt(vector.truncatedHex, 16)).toBe(vector.truncatedDecimal);
      // … and Tessera's code: TOTP at t = counter × 30 s is HOTP(counter) (RFC 6238 §4.2).
      const clock = timeAt(new Date(vector.counter * PERIOD_MS));
      expect(generateTotp(rfc4226.secret.base32, { clock })).toBe(vector.hotp);
      // 8 digits show more of the truncated value, with its leading zeros (counters 2 and 7).
      expect(generateTotp(rfc4226.secret.base32, { clock, digits: 8 })).toBe(
        String(vector.truncatedDecimal % 1e8).padStart(8, "0"),
      );
    },
  );
});

describe("seed fixtures", () => {
  const cases = seed.totp.flatMap((entry) =>
    entry.codes.map((c) => ({ secret: entry.secret, unixTime: c.unix_time, code: c.code })),
  );

  it.each(cases)("matches pyotp's code $code at $unixTime", ({ secret, unixTime, code }) => {
    const clock = timeAt(new Date(unixTime * 1000));
    expect(generateTotp(secret, { clock })).toBe(code);
    expect(verifyTotp(secret, code, { clock })).toBe(true);
    expect(matchTotpStep(secret, code, { clock })).toBe(Math.floor(unixTime / 30));
  });

  it.each(seed.totp)(
    "writes a provisioning URI equivalent to pyotp's for $secret",
    ({ secret, provisioning_uri }) => {
      const ours = new URL(totpProvisioningUri(secret, "u0@example.org", "Tessera Test"));
      const theirs = new URL(provisioning_uri);
      expect(ours.protocol).toBe(theirs.protocol);
      expect(ours.host).toBe(theirs.host); // the type: "totp"
      expect(decodeURIComponent(ours.pathname)).toBe(decodeURIComponent(theirs.pathname));
      expect(ours.pathname).toBe(theirs.pathname); // same percent-encoding of the label
      for (const name of ["secret", "issuer"]) {
        expect(ours.searchParams.get(name)).toBe(theirs.searchParams.get(name));
      }
      // pyotp leaves the defaults out; where we spell them out they must be the defaults.
      const defaults: Record<string, string> = { algorithm: "SHA1", digits: "6", period: "30" };
      for (const [name, value] of ours.searchParams) {
        if (name in defaults) expect(value).toBe(defaults[name]);
        else expect(["secret", "issuer"]).toContain(name);
      }
    },
  );
});

describe("totpProvisioningUri", () => {
  const secret = seed.totp[0]!.secret;
  const savedAppName = process.env.TESSERA_APP_NAME;
  afterEach(() => {
    if (savedAppName === undefined) delete process.env.TESSERA_APP_NAME;
    else process.env.TESSERA_APP_NAME = savedAppName;
  });

  it("encodes a colon and spaces inside the account name (catalog TOTP-04)", () => {
    const uri = totpProvisioningUri(secret, "a b:c@example.com", "ACME Co");
    expect(uri.startsWith("otpauth://totp/ACME%20Co:a%20b%3Ac%40example.com?")).toBe(true);
    const params = new URL(uri).searchParams;
    expect(params.get("issuer")).toBe("ACME Co");
    expect(params.get("secret")).toBe(secret);
  });
});

describe("generateTotpSecret", () => {
  it("makes 32 base32 characters that decode to 160 bits, different every time", () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const secret = generateTotpSecret();
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(1000);
    // 32 base32 characters × 5 bits = 160 bits = 20 bytes, no padding needed.
    const sample = [...secrets][0]!;
    expect(generateTotp(sample, { clock: timeAt(new Date(0)) })).toMatch(/^\d{6}$/);
  });
});

describe("verifyTotp and matchTotpStep", () => {
  const secret = seed.totp[1]!.secret;
  const step = 60_000_000; // 2026-12-…
  const clock = timeAt(atStep(step, 12_345));
  const codeFor = (s: number) => generateTotp(secret, { clock: timeAt(atStep(s)) });

  it("accepts the current step and one step on each side by default", () => {
    for (const offset of [-1, 0, 1]) {
      expect(matchTotpStep(secret, codeFor(step + offset), { clock })).toBe(step + offset);
      expect(verifyTotp(secret, codeFor(step + offset), { clock })).toBe(true);
    }
  });

  it("refuses codes two steps away with the default window and accepts them with window 2", () => {
    for (const offset of [-2, 2]) {
      const code = codeFor(step + offset);
      const inWindow = [-1, 0, 1].map((o) => codeFor(step + o));
      expect(verifyTotp(secret, code, { clock })).toBe(inWindow.includes(code));
      expect(verifyTotp(secret, code, { clock, window: 2 })).toBe(true);
    }
  });

  it("accepts only the current step with window 0", () => {
    expect(verifyTotp(secret, codeFor(step), { clock, window: 0 })).toBe(true);
    const previous = codeFor(step - 1);
    expect(verifyTotp(secret, previous, { clock, window: 0 })).toBe(previous === codeFor(step));
  });

  it("accepts `123 456` and `123-456` spellings of a code", () => {
    const code = codeFor(step);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    const dashed = `${code.slice(0, 3)}-${code.slice(3)}`;
    expect(matchTotpStep(secret, spaced, { clock })).toBe(step);
    expect(matchTotpStep(secret, dashed, { clock })).toBe(step);
  });

  it("accepts a lower-case or padded secret like pyotp does", () => {
    const code = codeFor(step);
    expect(verifyTotp(secret.toLowerCase(), code, { clock })).toBe(true);
    expect(generateTotp(rfc6238.seeds.SHA256.base32.replace(/=+$/, ""), { clock })).toBe(
      generateTotp(rfc6238.seeds.SHA256.base32, { clock }),
    );
  });

  it("reads the real clock when no time is given", () => {
    const now = generateTotp(secret);
    // The step may roll over between the two calls; the default window covers that.
    expect(verifyTotp(secret, now)).toBe(true);
  });

  it("property: a code is accepted exactly when it equals a code of the window", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        // Steps before the Unix epoch do not exist (RFC 6238 §4.2: T = floor((now - T0) / X) >= 0).
        fc.integer({ min: 10, max: 200_000_000 }),
        fc.integer({ min: -6, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        (bytes, currentStep, offset, window) => {
          const base32 = toBase32(Buffer.from(bytes));
          const now = atStep(currentStep, 29_999);
          const code = generateTotp(base32, { clock: timeAt(atStep(currentStep + offset)) });
          const windowCodes: string[] = [];
          for (let s = currentStep - window; s <= currentStep + window; s += 1) {
            windowCodes.push(generateTotp(base32, { clock: timeAt(atStep(s)) }));
          }
          // Outside the window a code fails unless it collides with a window code (≈ 10^-6).
          expect(verifyTotp(base32, code, { clock: timeAt(now), window })).toBe(
            windowCodes.includes(code),
          );
          if (Math.abs(offset) <= window) {
            expect(verifyTotp(base32, code, { clock: timeAt(now), window })).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** RFC 4648 base32 without padding, independent of the code under test. */
function toBase32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of bytes) bits += byte.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5)
    out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return out;
}

describe("the core and the environment", () => {
  it("reads no TESSERA_APP_NAME: the issuer is the argument or the default", () => {
    const saved = process.env.TESSERA_APP_NAME;
    process.env.TESSERA_APP_NAME = "Acme Login";
    try {
      const uri = totpProvisioningUri(seed.totp[0]!.secret, "u@example.org");
      expect(new URL(uri).searchParams.get("issuer")).toBe(DEFAULT_TOTP_ISSUER);
    } finally {
      if (saved === undefined) delete process.env.TESSERA_APP_NAME;
      else process.env.TESSERA_APP_NAME = saved;
    }
  });
});
