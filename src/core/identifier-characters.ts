/**
 * Characters a user name or email may not contain, after PRECIS (RFC 8264, the
 * IdentifierClass that RFC 8265's UsernameCaseMapped profile builds on; issue 14 item 8): they
 * are invisible or reorder text, so "admin" and "ad\u200Bmin" or "\u202Enimda" would look alike.
 *
 * Refused, each with its own reason so the 400 can say which character it was:
 * - unpaired UTF-16 surrogates (not a Unicode scalar value; RFC 8264 §9.13 excludes them,
 *   and PostgreSQL cannot store them at all, so SQLite accepted what PostgreSQL refused);
 * - controls, Cc (RFC 8264 §9.12 "Controls", DISALLOWED);
 * - bidirectional controls (Unicode UAX #9 §2: LRE…RLO, LRI…PDI, LRM, RLM, ALM; the
 *   "Trojan Source" CVE-2021-42574), line and paragraph separators;
 * - Default_Ignorable_Code_Point (RFC 8264 §9.13 "Ignorable", DISALLOWED): soft hyphen,
 *   zero-width space, word joiner, variation selectors, tag characters, Hangul fillers …;
 * - ZERO WIDTH JOINER / NON-JOINER outside the contexts RFC 5892 Appendix A.1 and A.2 allow
 *   (RFC 8264 §9.8 "JoinControl", CONTEXTJ): after a virama (Canonical_Combining_Class 9), or,
 *   for the non-joiner, between two letters of a joining script. The second rule is checked on
 *   the script, an approximation of the Joining_Type test that JS regular expressions cannot
 *   express.
 * PRECIS's other DISALLOWED classes (symbols, punctuation, compatibility forms) are left out:
 * they are visible, and NFKC keys (identifiers.ts) already fold compatibility forms together.
 */

/** Why a character is refused. */
export type ForbiddenReason =
  | "unpaired surrogate"
  | "control character"
  | "bidirectional control"
  | "line or paragraph separator"
  | "joiner outside its script context"
  | "invisible (default-ignorable) character";

/** The first refused character of a string. */
export interface ForbiddenCharacter {
  /** The code point (a lone surrogate's code unit for an unpaired surrogate). */
  codePoint: number;
  /** Its position in characters (code points), from 0. */
  position: number;
  reason: ForbiddenReason;
}

const BIDI_CONTROLS = new Set([
  0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
/** Canonical_Combining_Class = 9 (Virama), Unicode 14 (generated with Python's unicodedata). */
const VIRAMA =
  /[\u{94D}\u{9CD}\u{A4D}\u{ACD}\u{B4D}\u{BCD}\u{C4D}\u{CCD}\u{D3B}-\u{D3C}\u{D4D}\u{DCA}\u{E3A}\u{EBA}\u{F84}\u{1039}-\u{103A}\u{1714}-\u{1715}\u{1734}\u{17D2}\u{1A60}\u{1B44}\u{1BAA}-\u{1BAB}\u{1BF2}-\u{1BF3}\u{2D7F}\u{A806}\u{A82C}\u{A8C4}\u{A953}\u{A9C0}\u{AAF6}\u{ABED}\u{10A3F}\u{11046}\u{11070}\u{1107F}\u{110B9}\u{11133}-\u{11134}\u{111C0}\u{11235}\u{112EA}\u{1134D}\u{11442}\u{114C2}\u{115BF}\u{1163F}\u{116B6}\u{1172B}\u{11839}\u{1193D}-\u{1193E}\u{119E0}\u{11A34}\u{11A47}\u{11A99}\u{11C3F}\u{11D44}-\u{11D45}\u{11D97}]/u;
/** Letters of the scripts with cursive joining (RFC 5892 A.1 rule 2, approximated). */
const JOINING_LETTER =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}]/u;
const CONTROL = /\p{Cc}/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;

/** The refused character of `value` that comes first, or null when there is none. */
export function findForbiddenCharacter(value: string): ForbiddenCharacter | null {
  const characters: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        characters.push(value.codePointAt(i)!);
        i += 1;
        continue;
      }
      return { codePoint: unit, position: characters.length, reason: "unpaired surrogate" };
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      return { codePoint: unit, position: characters.length, reason: "unpaired surrogate" };
    }
    characters.push(unit);
  }
  for (let position = 0; position < characters.length; position += 1) {
    const codePoint = characters[position]!;
    const reason = reasonFor(codePoint, characters[position - 1], characters[position + 1]);
    if (reason !== null) return { codePoint, position, reason };
  }
  return null;
}

function reasonFor(
  codePoint: number,
  before: number | undefined,
  after: number | undefined,
): ForbiddenReason | null {
  const character = String.fromCodePoint(codePoint);
  if (CONTROL.test(character)) return "control character";
  if (BIDI_CONTROLS.has(codePoint)) return "bidirectional control";
  if (codePoint === 0x2028 || codePoint === 0x2029) return "line or paragraph separator";
  if (codePoint === ZWJ || codePoint === ZWNJ) {
    const previous = before === undefined ? "" : String.fromCodePoint(before);
    if (VIRAMA.test(previous)) return null;
    const next = after === undefined ? "" : String.fromCodePoint(after);
    if (codePoint === ZWNJ && JOINING_LETTER.test(previous) && JOINING_LETTER.test(next)) {
      return null;
    }
    return "joiner outside its script context";
  }
  if (IGNORABLE.test(character)) return "invisible (default-ignorable) character";
  return null;
}

/** Names of the refused characters people meet most, for the error message. */
const NAMES: Readonly<Record<number, string>> = {
  0x00ad: "SOFT HYPHEN",
  0x034f: "COMBINING GRAPHEME JOINER",
  0x061c: "ARABIC LETTER MARK",
  0x115f: "HANGUL CHOSEONG FILLER",
  0x1160: "HANGUL JUNGSEONG FILLER",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0x3164: "HANGUL FILLER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
};

/** `U+200B ZERO WIDTH SPACE`, or `U+E0041` for a character without a name here. */
export function describeCodePoint(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = NAMES[codePoint];
  return name === undefined ? hex : `${hex} ${name}`;
}
