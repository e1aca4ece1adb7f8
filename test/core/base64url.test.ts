import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeBase64Url,
  encodeBase64Url,
  isCanonicalBase64Url,
} from "../../src/core/base64url.js";
import rfc4648 from "../vectors/rfc4648-base64url.json" with { type: "json" };

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("base64url", () => {
  it.each(rfc4648.vectors)("encodes and decodes RFC 4648's vector $base64url", (vector) => {
    expect(encodeBase64Url(vector.text)).toBe(vector.base64url);
    const bytes = decodeBase64Url(vector.base64url);
    expect(bytes).not.toBeNull();
    expect(Buffer.from(bytes!).toString("utf8")).toBe(vector.text);
  });

  it("uses the URL alphabet and no padding", () => {
    expect(encodeBase64Url(Uint8Array.of(0xfb, 0xff))).toBe("-_8");
    expect(decodeBase64Url("-_8")).toEqual(Uint8Array.of(0xfb, 0xff));
    for (const other of ["+/8", "-_8=", "Zg==", "Zm8=", "Zm 9v", "Zm9v\n"]) {
      expect(decodeBase64Url(other), other).toBeNull();
    }
  });

  it("encodes exactly the bytes of a view, not the whole buffer behind it", () => {
    const view = new Uint8Array([0xff, 0x66, 0x6f, 0x6f, 0xff]).subarray(1, 4);
    expect(encodeBase64Url(view)).toBe("Zm9v");
  });

  it("refuses every spelling of one byte but the canonical one (4 spare bits)", () => {
    // "f" is 0x66: "Z" carries 011001, the second character 10 and four spare bits, zero in "g".
    const spellings = [...ALPHABET]
      .map((c) => `Z${c}`)
      .filter((spelling) => Buffer.from(spelling, "base64url").toString("utf8") === "f");
    expect(spellings).toHaveLength(16); // what a lenient decoder takes for "f"
    expect(spellings.filter(isCanonicalBase64Url)).toEqual(["Zg"]);
    for (const spelling of spellings.filter((s) => s !== "Zg")) {
      expect(decodeBase64Url(spelling), spelling).toBeNull();
    }
    expect([...ALPHABET].filter((c) => isCanonicalBase64Url(`A${c}`))).toEqual([..."AQgw"]);
  });

  it("refuses a last character with spare bits set after two bytes (2 spare bits)", () => {
    // "fo": the canonical third character is "8"; "9", "-" and "_" decode to the same bytes.
    expect(isCanonicalBase64Url("Zm8")).toBe(true);
    for (const spelling of ["Zm9", "Zm-", "Zm_"]) {
      expect(Buffer.from(spelling, "base64url").toString("utf8")).toBe("fo");
      expect(isCanonicalBase64Url(spelling), spelling).toBe(false);
    }
    expect([...ALPHABET].filter((c) => isCanonicalBase64Url(`AA${c}`))).toEqual([
      ..."AEIMQUYcgkosw048",
    ]);
  });

  it("refuses a length of one more than a multiple of 4 (no whole byte)", () => {
    for (const spelling of ["A", "Q", "AAAAA", "Zm9vY"]) {
      expect(isCanonicalBase64Url(spelling), spelling).toBe(false);
    }
    expect(isCanonicalBase64Url("")).toBe(true);
    expect(decodeBase64Url("")).toEqual(new Uint8Array(0));
  });

  it("calls canonical exactly what a decoder's round trip gives back unchanged", () => {
    const text = fc.string({
      unit: fc.constantFrom(...ALPHABET, "=", "+", "/", "."),
      maxLength: 12,
    });
    fc.assert(
      fc.property(text, (value) => {
        const roundTrip =
          /^[A-Za-z0-9_-]*$/.test(value) &&
          value.length % 4 !== 1 &&
          Buffer.from(value, "base64url").toString("base64url") === value;
        expect(isCanonicalBase64Url(value)).toBe(roundTrip);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const text = encodeBase64Url(bytes);
        expect(isCanonicalBase64Url(text)).toBe(true);
        expect(decodeBase64Url(text)).toEqual(bytes);
      }),
    );
  });
});
