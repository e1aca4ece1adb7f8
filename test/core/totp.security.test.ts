import { describe, expect, it } from "vitest";
import { generateTotp, matchTotpStep, verifyTotp } from "../../src/core/totp.js";
import seed from "../fixtures/seed-interop.json" with { type: "json" };

/** A clock stopped at `date`. */
const timeAt = (date: Date) => () => date.getTime();

const secret = seed.totp[2]!.secret;
const step = 59_000_123;
const clock = timeAt(new Date(step * 30_000 + 1_000));
const codeFor = (s: number) => generateTotp(secret, { clock: timeAt(new Date(s * 30_000)) });

describe("TOTP replay guard (RFC 6238 §5.2, catalog TOTP-06)", () => {
  it("refuses a TOTP code reused within the same step once that step is recorded", () => {
    const code = codeFor(step);
    const used = matchTotpStep(secret, code, { clock });
    expect(used).toBe(step);
    expect(matchTotpStep(secret, code, { clock, afterStep: used })).toBeNull();
  });

  it("refuses the code of an older step after a newer one was used", () => {
    expect(matchTotpStep(secret, codeFor(step - 1), { clock, afterStep: step })).toBeNull();
    expect(verifyTotp(secret, codeFor(step - 1), { clock, afterStep: step })).toBe(false);
  });

  it("still accepts a newer step than the last used one", () => {
    expect(matchTotpStep(secret, codeFor(step + 1), { clock, afterStep: step })).toBe(step + 1);
    expect(matchTotpStep(secret, codeFor(step), { clock, afterStep: null })).toBe(step);
  });
});

describe("TOTP code input (catalog TOTP-08)", () => {
  const valid = codeFor(step);
  const malformed: unknown[] = [
    "",
    valid.slice(0, 5),
    `${valid}7`,
    "abcdef",
    valid.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), // full-width digits
    `${valid}\n`,
    ` ${valid}`,
    `${valid} `,
    `${valid.slice(0, 3)}--${valid.slice(3)}`,
    `${valid.slice(0, 2)} ${valid.slice(2)}`,
    `${valid.slice(0, 3)}_${valid.slice(3)}`,
    `+${valid.slice(1)}`,
    "1".repeat(10_000),
    Number(valid),
    null,
    undefined,
    [valid],
    { toString: () => valid },
  ];

  it.each(malformed.map((code) => [JSON.stringify(code)?.slice(0, 40) ?? String(code), code]))(
    "answers false, without throwing, for the malformed code %s",
    (_label, code) => {
      expect(verifyTotp(secret, code as string, { clock })).toBe(false);
      expect(matchTotpStep(secret, code as string, { clock })).toBeNull();
    },
  );

  it("keeps leading zeros: a code starting with 0 is compared as a string", () => {
    const zeroLed = seed.totp[1]!.secret;
    // Find a step whose code starts with 0 (about 1 in 10).
    let s = step;
    while (!generateTotp(zeroLed, { clock: timeAt(new Date(s * 30_000)) }).startsWith("0")) s += 1;
    const code = generateTotp(zeroLed, { clock: timeAt(new Date(s * 30_000)) });
    expect(matchTotpStep(zeroLed, code, { clock: timeAt(new Date(s * 30_000)) })).toBe(s);
    expect(verifyTotp(zeroLed, code.slice(1), { clock: timeAt(new Date(s * 30_000)) })).toBe(false);
  });
});

describe("TOTP misuse and corrupt data", () => {
  it.each(["", "not base32!", "0189ABCD", "IBTT3QYN CJT3HV4R", "IBTT3QYN\n", "=AAAAAAA", "A"])(
    "throws a TypeError for the stored secret %j, which is not base32",
    (bad) => {
      expect(() => verifyTotp(bad, "123456", { clock })).toThrow(TypeError);
      expect(() => matchTotpStep(bad, "123456", { clock })).toThrow(TypeError);
      expect(() => generateTotp(bad, { clock })).toThrow(TypeError);
    },
  );

  it("throws a TypeError for a window that is negative, fractional or above 10", () => {
    for (const window of [-1, 0.5, 11, Number.NaN]) {
      expect(() => verifyTotp(secret, "123456", { clock, window })).toThrow(TypeError);
    }
  });

  it("throws a TypeError for an invalid date and a fractional afterStep", () => {
    expect(() => verifyTotp(secret, "123456", { clock: timeAt(new Date(Number.NaN)) })).toThrow(
      TypeError,
    );
    expect(() => verifyTotp(secret, "123456", { clock, afterStep: 1.5 })).toThrow(TypeError);
  });

  it("throws a TypeError for an unsupported algorithm or digit count", () => {
    expect(() => generateTotp(secret, { clock, digits: 5 })).toThrow(TypeError);
    expect(() => generateTotp(secret, { clock, digits: 9 })).toThrow(TypeError);
    expect(() => generateTotp(secret, { clock, algorithm: "MD5" as "SHA1" })).toThrow(TypeError);
  });

  it("ignores steps before the Unix epoch instead of failing near 1970", () => {
    const epoch = new Date(10_000);
    expect(
      matchTotpStep(secret, generateTotp(secret, { clock: timeAt(epoch) }), {
        clock: timeAt(epoch),
      }),
    ).toBe(0);
  });
});
