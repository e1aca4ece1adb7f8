import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { secretDigestBase64Url, secretMatchesDigest } from "../../src/core/secret-digest.js";

describe("secret digests", () => {
  it("is the unpadded base64url SHA-256 of the secret's UTF-8 bytes", () => {
    // FIPS 180-2 example: SHA-256("abc").
    expect(secretDigestBase64Url("abc")).toBe(
      Buffer.from(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "hex",
      ).toString("base64url"),
    );
    expect(secretDigestBase64Url("é")).toBe(
      createHash("sha256")
        .update(Buffer.from([0xc3, 0xa9]))
        .digest("base64url"),
    );
    expect(secretDigestBase64Url("x")).toHaveLength(43);
    expect(() => secretDigestBase64Url(undefined as unknown as string)).toThrow(TypeError);
  });

  it("matches the secret and nothing else", () => {
    const digest = secretDigestBase64Url("the secret");
    expect(secretMatchesDigest(digest, "the secret")).toBe(true);
    for (const other of ["the secret ", "The secret", "", "the secre", digest]) {
      expect(secretMatchesDigest(digest, other), other).toBe(false);
    }
  });

  it("matches nothing when the stored value is not a digest or either side is not a string", () => {
    const digest = secretDigestBase64Url("s");
    expect(secretMatchesDigest(null, "s")).toBe(false);
    expect(secretMatchesDigest(undefined, "s")).toBe(false);
    expect(secretMatchesDigest(digest, undefined)).toBe(false);
    expect(secretMatchesDigest(digest, ["s"])).toBe(false);
    expect(secretMatchesDigest("", "")).toBe(false);
    expect(secretMatchesDigest(`${digest}=`, "s")).toBe(false); // padded
    expect(secretMatchesDigest(digest.slice(0, 42), "s")).toBe(false); // 31 bytes and a bit
    expect(secretMatchesDigest(Buffer.alloc(16).toString("base64url"), "s")).toBe(false);
  });
});
