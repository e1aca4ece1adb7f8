/**
 * Recovery codes for the second factor (issue 11 item 2): the code format, pure. A code is 20
 * Crockford base32 symbols shown in five groups of four (`K7QM-2D9X-…`): the first group is a
 * public index that picks the one stored row of a sign-in, the other sixteen (80 bits) are the
 * secret, stored only as an Argon2id hash (ASVS 5.0 V6.5.2: a lookup secret below 112 bits is
 * hashed with a salted password hash). Spaces, dashes and case are ignored when one is typed,
 * and Crockford's aliases read `O` as `0`, `I` and `L` as `1`.
 */
import { randomBytes } from "node:crypto";

/** Crockford's base32 alphabet (https://www.crockford.com/base32.html): no I, L, O or U. */
export const RECOVERY_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Bits per symbol: log2(32). */
const BITS_PER_SYMBOL = 5;
/** Codes in a set (issue 11 item 2: "returns 10 new codes"). */
export const RECOVERY_CODE_COUNT = 10;
/** Symbols of the public index: 20 bits, so the ten indexes of a set rarely collide (redrawn if so). */
export const RECOVERY_CODE_INDEX_LENGTH = 4;
/** Symbols of the secret: 16 × 5 = 80 bits (issue 11 item 2: "at least 80 bits of entropy"). */
export const RECOVERY_CODE_SECRET_LENGTH = 16;
/** Bits of the secret part (what a guess must find once the index is known). */
export const RECOVERY_CODE_SECRET_BITS = RECOVERY_CODE_SECRET_LENGTH * BITS_PER_SYMBOL;
/** Symbols per group as shown: `xxxx-xxxx-xxxx-xxxx-xxxx`. */
export const RECOVERY_CODE_GROUP_LENGTH = 4;
/** The account page asks for a new set when this many or fewer codes are left (issue: "2 or fewer"). */
export const RECOVERY_CODES_LOW_THRESHOLD = 2;

const CODE_LENGTH = RECOVERY_CODE_INDEX_LENGTH + RECOVERY_CODE_SECRET_LENGTH;
const SYMBOL_MASK = 0b11111;
/** What a typed code may contain besides symbols: spaces and dashes of any kind. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/gu;
const ALIASES: Readonly<Record<string, string>> = { O: "0", I: "1", L: "1" };
const SYMBOLS = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${CODE_LENGTH}}$`);

/** One new code: what the user sees once, and the two parts the store keeps (the secret hashed). */
export interface NewRecoveryCode {
  /** Grouped for reading: `xxxx-xxxx-xxxx-xxxx-xxxx`. */
  code: string;
  /** The public index (4 symbols), stored in clear. */
  index: string;
  /** The secret (16 symbols, 80 bits); hash it, never store it. */
  secret: string;
}

/** A typed code, normalised and split. */
export interface ParsedRecoveryCode {
  index: string;
  secret: string;
}

/** Fills `length` bytes with random data (default `crypto.randomBytes`). */
export type RandomSource = (length: number) => Uint8Array;

function randomSymbols(count: number, random: RandomSource): string {
  const bytes = random(count);
  if (bytes.length !== count) throw new TypeError("the random source returned too few bytes");
  let out = "";
  // 256 is a multiple of 32, so the low five bits of a uniform byte are uniform.
  for (const byte of bytes) out += RECOVERY_CODE_ALPHABET[byte & SYMBOL_MASK];
  return out;
}

/** `ABCDEFGH…` as `ABCD-EFGH-…`. */
export function groupRecoveryCode(symbols: string): string {
  const groups: string[] = [];
  for (let i = 0; i < symbols.length; i += RECOVERY_CODE_GROUP_LENGTH) {
    groups.push(symbols.slice(i, i + RECOVERY_CODE_GROUP_LENGTH));
  }
  return groups.join("-");
}

/**
 * Makes a set of codes with distinct indexes. Defaults: RECOVERY_CODE_COUNT codes,
 * `crypto.randomBytes`. @throws TypeError when `count` is not an integer from 1 to 1000.
 */
export function generateRecoveryCodes(
  count: number = RECOVERY_CODE_COUNT,
  random: RandomSource = randomBytes,
): NewRecoveryCode[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000) {
    throw new TypeError("count must be an integer from 1 to 1000");
  }
  const codes: NewRecoveryCode[] = [];
  const indexes = new Set<string>();
  while (codes.length < count) {
    const symbols = randomSymbols(CODE_LENGTH, random);
    const index = symbols.slice(0, RECOVERY_CODE_INDEX_LENGTH);
    if (indexes.has(index)) continue; // one row per index within a set
    indexes.add(index);
    codes.push({
      code: groupRecoveryCode(symbols),
      index,
      secret: symbols.slice(RECOVERY_CODE_INDEX_LENGTH),
    });
  }
  return codes;
}

/**
 * Reads a typed code: spaces and dashes dropped, case ignored, `O`/`I`/`L` read as `0`/`1`/`1`.
 * Null when what is left is not 20 symbols of the alphabet (a malformed code).
 */
export function parseRecoveryCode(input: string): ParsedRecoveryCode | null {
  if (typeof input !== "string") return null;
  const symbols = input
    .normalize("NFKC")
    .replace(SEPARATORS, "")
    .toUpperCase()
    .replace(/[OIL]/g, (letter) => ALIASES[letter] ?? letter);
  if (!SYMBOLS.test(symbols)) return null;
  return {
    index: symbols.slice(0, RECOVERY_CODE_INDEX_LENGTH),
    secret: symbols.slice(RECOVERY_CODE_INDEX_LENGTH),
  };
}
