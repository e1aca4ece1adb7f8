/**
 * The personal access token format (issue 23): the documented prefix, 256 random bits in base62,
 * a CRC32 checksum that catches every single-character typo, and the SHA-256 that is stored.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  PERSONAL_TOKEN_LENGTH,
  generatePersonalToken,
  isWellFormedPersonalToken,
  personalTokenDigest,
} from "../../src/core/personal-token.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("personal access tokens", () => {
  it("are tsr_pat_, 43 base62 characters and a 6-character checksum, each one different", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generatePersonalToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^tsr_pat_[0-9A-Za-z]{49}$/);
      expect(token).toHaveLength(PERSONAL_TOKEN_LENGTH);
      expect(isWellFormedPersonalToken(token)).toBe(true);
    }
  });

  it("refuses every single-character change of a token (CRC32 catches them all)", () => {
    const token = generatePersonalToken();
    let checked = 0;
    for (let i = "tsr_pat_".length; i < token.length; i++) {
      for (const c of BASE62) {
        if (c === token[i]) continue;
        expect(isWellFormedPersonalToken(token.slice(0, i) + c + token.slice(i + 1))).toBe(false);
        checked += 1;
      }
    }
    expect(checked).toBe(49 * 61);
  });

  it("refuses a wrong prefix, length or alphabet", () => {
    const token = generatePersonalToken();
    for (const bad of [
      token.replace("tsr_pat_", "tsr_pas_"),
      token.slice(1),
      `${token}0`,
      token.replace(/.$/, "-"),
      "",
    ]) {
      expect(isWellFormedPersonalToken(bad)).toBe(false);
    }
  });

  it("draws base62 without modulo bias from its random source", () => {
    // Bytes of 248 and up are drawn again: a source of only 255s, then 61s, gives all "z".
    let calls = 0;
    const token = generatePersonalToken((size) => Buffer.alloc(size, calls++ === 0 ? 255 : 61));
    expect(token.slice(8, 51)).toBe("z".repeat(43));
    expect(isWellFormedPersonalToken(token)).toBe(true);
  });

  it("is stored as the base64url SHA-256 of its characters", () => {
    const token = generatePersonalToken();
    expect(personalTokenDigest(token)).toBe(createHash("sha256").update(token).digest("base64url"));
  });
});
