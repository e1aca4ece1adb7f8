/**
 * The format of a personal access token (issue 23 item 1), as GitHub's tokens are made: a fixed
 * prefix secret scanners can look for, the secret, and a checksum at the end, so a mistyped or
 * truncated token is refused before any database read.
 *
 *   tsr_pat_ + 43 base62 characters (log2(62) × 43 ≈ 256.03 random bits) + 6 base62 characters
 *   of the CRC32 (ISO-HDLC, the zlib one) of the 51 characters before them, zero-padded.
 *
 * The checksum protects against typos only; the secret's strength is the 256 bits. Stored only
 * as its SHA-256 (`personalTokenDigest`): 256 random bits need no slow hash.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { PERSONAL_TOKEN_PREFIX } from "../contract/personal-token-scopes.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Characters of the random part: 43 base62 characters carry 256.03 bits. */
export const PERSONAL_TOKEN_SECRET_LENGTH = 43;
/** Characters of the checksum: 62^6 > 2^32. */
const CHECKSUM_LENGTH = 6;
/** The whole token's length: 8 + 43 + 6 = 57. */
export const PERSONAL_TOKEN_LENGTH =
  PERSONAL_TOKEN_PREFIX.length + PERSONAL_TOKEN_SECRET_LENGTH + CHECKSUM_LENGTH;
const SHAPE = new RegExp(
  `^${PERSONAL_TOKEN_PREFIX}[0-9A-Za-z]{${PERSONAL_TOKEN_SECRET_LENGTH + CHECKSUM_LENGTH}}$`,
);
/** The largest multiple of 62 under 256: bytes at or above it are drawn again (no modulo bias). */
const UNBIASED_BYTE_LIMIT = 248;

/** The CRC32 of `text`, as 6 base62 characters. */
function checksumOf(text: string): string {
  let value = crc32(Buffer.from(text, "ascii"));
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** A new token: prefix, 256 random bits in base62, checksum. */
export function generatePersonalToken(random: (size: number) => Buffer = randomBytes): string {
  let secret = "";
  while (secret.length < PERSONAL_TOKEN_SECRET_LENGTH) {
    for (const byte of random(64)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      secret += BASE62[byte % 62];
      if (secret.length === PERSONAL_TOKEN_SECRET_LENGTH) break;
    }
  }
  const body = PERSONAL_TOKEN_PREFIX + secret;
  return body + checksumOf(body);
}

/** Whether `value` starts like a personal access token (the middleware's dispatch: no other check). */
export function hasPersonalTokenPrefix(value: string): boolean {
  return value.startsWith(PERSONAL_TOKEN_PREFIX);
}

/**
 * Whether `value` is well formed: the prefix, 49 base62 characters, and a checksum that
 * matches. Pure and cheap: a mistyped token is refused here, with no database read.
 */
export function isWellFormedPersonalToken(value: string): boolean {
  if (value.length !== PERSONAL_TOKEN_LENGTH || !SHAPE.test(value)) return false;
  const split = value.length - CHECKSUM_LENGTH;
  return checksumOf(value.slice(0, split)) === value.slice(split);
}

/** What is stored of a token: the base64url SHA-256 of its characters. */
export function personalTokenDigest(token: string): string {
  return createHash("sha256").update(token, "ascii").digest("base64url");
}
