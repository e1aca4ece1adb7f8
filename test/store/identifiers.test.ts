import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientError } from "../../src/core/errors.js";
import { checkIdentifiers, normalizeIdentifier } from "../../src/store/index.js";

describe("normalizeIdentifier", () => {
  it("folds case by Unicode rules, not only ASCII", () => {
    const same: string[][] = [
      ["ÄRNE", "ärne", "Ärne", "A\u0308RNE"],
      ["STRASSE", "straße", "Strasse", "STRAẞE", "strasse"],
      ["ΣΊΣΥΦΟΣ", "σίσυφος", "σίσυφοσ"],
      ["ＡＤＡ", "ada", "Ada"],
      ["ﬁx", "FIX", "fix"],
    ];
    for (const group of same) {
      const keys = new Set(group.map(normalizeIdentifier));
      expect([...keys], group.join(" / ")).toHaveLength(1);
    }
  });

  it("trims, including Unicode spaces, but keeps inner spaces", () => {
    expect(normalizeIdentifier("  Ada Lovelace\u3000")).toBe("ada lovelace");
  });

  it("keeps different names different", () => {
    expect(normalizeIdentifier("arne")).not.toBe(normalizeIdentifier("ärne"));
    expect(normalizeIdentifier("ada")).not.toBe(normalizeIdentifier("adà"));
  });

  it("folds letters whose capital is the same, so look-alikes such as admın and ſam collide", () => {
    // Upper then lower: "ı" → "I" → "i" and "ſ" → "S" → "s" (Unicode full case folding would
    // keep them apart; colliding is the safer outcome for login names).
    expect(normalizeIdentifier("admın")).toBe("admin");
    expect(normalizeIdentifier("ſam")).toBe("sam");
  });

  it("is a fixed point: normalising a key again changes nothing", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (value) => {
        const key = normalizeIdentifier(value);
        return normalizeIdentifier(key) === key;
      }),
      { numRuns: 2_000 },
    );
  });

  it("gives the upper- and lower-cased forms of any text the same key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (value) => {
        return (
          normalizeIdentifier(value.toUpperCase()) === normalizeIdentifier(value.toLowerCase())
        );
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("checkIdentifiers", () => {
  it("never lets a valid name key equal a valid email key (one namespace)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (text) => {
        let asName: string | undefined;
        let asEmail: string | undefined;
        try {
          asName = checkIdentifiers(text, "x@example.org").nameKey;
        } catch (error) {
          if (!(error instanceof ClientError)) throw error;
        }
        try {
          asEmail = checkIdentifiers("x", text).emailKey;
        } catch (error) {
          if (!(error instanceof ClientError)) throw error;
        }
        return asName === undefined || asEmail === undefined || asName !== asEmail;
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps the trimmed display form and computes both keys", () => {
    expect(checkIdentifiers("  Ärne ", " Ärne@Example.ORG ")).toEqual({
      name: "Ärne",
      nameKey: "ärne",
      email: "Ärne@Example.ORG",
      emailKey: "ärne@example.org",
    });
  });

  it("stores a decomposed name in composed (NFC) form", () => {
    expect(checkIdentifiers("A\u0308rne", "a@example.org").name).toBe("Ärne");
  });
});
