/** PRECIS-style refusals of src/core/identifier-characters.ts (RFC 8264 §9, RFC 5892 A.1/A.2). */
import { describe, expect, it } from "vitest";
import { describeCodePoint, findForbiddenCharacter } from "../../src/core/identifier-characters.js";

describe("findForbiddenCharacter", () => {
  it("refuses each invisible, reordering or broken character with its reason and position", () => {
    const cases: [string, number, string, number][] = [
      ["ad\u200Bmin", 0x200b, "invisible (default-ignorable) character", 2],
      ["ad\u00ADmin", 0xad, "invisible (default-ignorable) character", 2],
      ["admin\u{E0041}", 0xe0041, "invisible (default-ignorable) character", 5],
      ["adm\uFE0Fin", 0xfe0f, "invisible (default-ignorable) character", 3],
      ["\u3164admin", 0x3164, "invisible (default-ignorable) character", 0],
      ["\u202Enimda", 0x202e, "bidirectional control", 0],
      ["ad\u2067min", 0x2067, "bidirectional control", 2],
      ["ad\u200Fmin", 0x200f, "bidirectional control", 2],
      ["ad\u061Cmin", 0x061c, "bidirectional control", 2],
      ["ad\u0007min", 0x07, "control character", 2],
      ["ad\u0085min", 0x85, "control character", 2],
      ["ad\u2028min", 0x2028, "line or paragraph separator", 2],
      ["ad\u200Dmin", 0x200d, "joiner outside its script context", 2],
      ["👨\u200D👩", 0x200d, "joiner outside its script context", 1],
      ["ad\u200Cmin", 0x200c, "joiner outside its script context", 2],
      ["ad\uD800min", 0xd800, "unpaired surrogate", 2],
      ["admin\uDC00", 0xdc00, "unpaired surrogate", 5],
      ["😀\uDBFF", 0xdbff, "unpaired surrogate", 1],
    ];
    for (const [value, codePoint, reason, position] of cases) {
      expect(findForbiddenCharacter(value), JSON.stringify(value)).toEqual({
        codePoint,
        reason,
        position,
      });
    }
  });

  it("accepts ordinary names in many scripts, and joiners where RFC 5892 allows them", () => {
    for (const value of [
      "admin",
      "Zoë Ångström",
      "Łukasz",
      "山田太郎",
      "😀 party",
      "क्\u200Dष", // ZWJ after a Devanagari virama (A.1 rule 1)
      "ক্\u200Cষ", // ZWNJ after a Bengali virama
      "می\u200Cخواهم", // Persian ZWNJ between two Arabic-script letters (A.1 rule 2)
    ]) {
      expect(findForbiddenCharacter(value), JSON.stringify(value)).toBeNull();
    }
  });
});

describe("describeCodePoint", () => {
  it("names the common ones and gives the code point of the others", () => {
    expect(describeCodePoint(0x200b)).toBe("U+200B ZERO WIDTH SPACE");
    expect(describeCodePoint(0x202e)).toBe("U+202E RIGHT-TO-LEFT OVERRIDE");
    expect(describeCodePoint(0x7)).toBe("U+0007");
    expect(describeCodePoint(0xe0041)).toBe("U+E0041");
  });
});
