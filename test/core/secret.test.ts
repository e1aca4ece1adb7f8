import { describe, expect, it } from "vitest";
import { deriveKeyEncryptionKey } from "../../src/core/key-encryption.js";
import { MIN_SECRET_BYTES, isSecretLongEnough } from "../../src/core/secret.js";

describe("the secret length rule", () => {
  it("is 32 UTF-8 bytes (RFC 7518 §3.2)", () => {
    expect(MIN_SECRET_BYTES).toBe(32);
  });

  it("counts UTF-8 bytes, not characters: refuses 31 bytes, accepts exactly 32", () => {
    expect(isSecretLongEnough("a".repeat(31))).toBe(false);
    expect(isSecretLongEnough("a".repeat(32))).toBe(true);
    expect(isSecretLongEnough("é".repeat(15) + "a")).toBe(false); // 16 characters, 31 bytes
    expect(isSecretLongEnough("é".repeat(16))).toBe(true); // 16 characters, 32 bytes
  });

  it("refuses anything that is not a string", () => {
    for (const value of [undefined, null, 32, Buffer.alloc(64), ["a".repeat(32)]]) {
      expect(isSecretLongEnough(value), String(value)).toBe(false);
    }
  });

  it("is the rule of the key encryption secret too", () => {
    expect(() => deriveKeyEncryptionKey("a".repeat(31))).toThrow(
      "The key encryption secret must be at least 32 bytes",
    );
    expect(deriveKeyEncryptionKey("é".repeat(16))).toHaveLength(32);
  });
});
