/**
 * The recovery code format (src/core/recovery-codes.ts): 20 Crockford base32 symbols in five
 * groups, a 4-symbol public index and a 16-symbol (80-bit) secret, typed back in any case with
 * any spaces or dashes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_SECRET_BITS,
  generateRecoveryCodes,
  groupRecoveryCode,
  parseRecoveryCode,
} from "../../src/core/recovery-codes.js";

describe("generateRecoveryCodes", () => {
  it("makes ten codes of five groups of four symbols, with an 80-bit secret", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_SECRET_BITS).toBeGreaterThanOrEqual(80);
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    for (const { code, index, secret } of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
      expect(index).toHaveLength(4);
      expect(secret).toHaveLength(16);
      expect(code.replaceAll("-", "")).toBe(index + secret);
    }
  });

  it("maps the low five bits of each random byte to a symbol, so every symbol is used", () => {
    // Draw k holds bytes k, k + 32, k + 64, …: the same low five bits (k), other high bits.
    let k = 0;
    const draws = (length: number) => {
      const bytes = Uint8Array.from({ length }, (_, j) => (k + 32 * j) % 256);
      k += 1;
      return bytes;
    };
    const codes = generateRecoveryCodes(32, draws);
    codes.forEach((code, i) => {
      expect(code.index + code.secret).toBe(RECOVERY_CODE_ALPHABET[i]!.repeat(20));
    });
  });

  it("draws again when an index repeats, so the indexes of a set are distinct", () => {
    // The first two draws are the same 20 bytes; the third differs.
    const draws = [new Uint8Array(20), new Uint8Array(20), new Uint8Array(20).fill(1)];
    const codes = generateRecoveryCodes(2, () => draws.shift() ?? new Uint8Array(20).fill(2));
    expect(codes.map((code) => code.index)).toEqual(["0000", "1111"]);
  });

  it("refuses a count that is not an integer from 1 to 1000, and a short random source", () => {
    for (const count of [0, -1, 1.5, 1001, Number.NaN]) {
      expect(() => generateRecoveryCodes(count)).toThrow(TypeError);
    }
    expect(() => generateRecoveryCodes(1, () => new Uint8Array(3))).toThrow(TypeError);
  });
});

describe("parseRecoveryCode", () => {
  it("reads a code back from its grouped form, any case, spaces and dashes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("", " ", "-", " - ", "\u2013", "\t"),
        fc.boolean(),
        (gap, lower) => {
          const [{ code, index, secret }] = generateRecoveryCodes(1) as [
            ReturnType<typeof generateRecoveryCodes>[number],
          ];
          const typed = code.split("-").join(gap);
          expect(parseRecoveryCode(lower ? typed.toLowerCase() : typed)).toEqual({ index, secret });
        },
      ),
    );
  });

  it("reads O as 0 and I and L as 1 (Crockford's aliases)", () => {
    expect(parseRecoveryCode("OOOO-IIII-LLLL-oooo-ilil")).toEqual({
      index: "0000",
      secret: "1111111100001111",
    });
  });

  it("returns null for anything that is not 20 symbols of the alphabet", () => {
    for (const input of [
      "",
      "0000-0000-0000-0000-000", // 19
      "0000-0000-0000-0000-00000", // 21
      "0000-0000-0000-0000-000U", // U is not a symbol
      "0000-0000-0000-0000-000*",
      "0000_0000_0000_0000_0000",
      42 as unknown as string,
    ]) {
      expect(parseRecoveryCode(input)).toBeNull();
    }
  });

  it("groups symbols by four", () => {
    expect(groupRecoveryCode("ABCDEFGHJK")).toBe("ABCD-EFGH-JK");
  });
});
