/**
 * User names and emails: the case-insensitive key both are matched by, and what a valid one is.
 * The key is computed in JS, not by SQL `lower()` (which folds only ASCII on SQLite), so
 * "ÄRNE" and "ärne" are one name on every dialect.
 */
import { MAX_NAME_LENGTH } from "../contract/limits.js";
import { ClientError } from "../core/errors.js";
import { describeCodePoint, findForbiddenCharacter } from "../core/identifier-characters.js";

/** Longest local part of an email address (RFC 5321 §4.5.3.1.1). */
export const MAX_EMAIL_LOCAL_PART_LENGTH = 64;
/** Longest normalised key in UTF-8 bytes: NFKC can expand a character up to 18-fold, and a
 * PostgreSQL btree entry must stay under about 2.7 kB. */
export const MAX_IDENTIFIER_KEY_BYTES = 1_024;

/** Upper/lower passes `normalizeIdentifier` makes at most (two suffice for all of Unicode 15). */
const MAX_FOLD_PASSES = 4;

/**
 * The case-insensitive key of a name or email: NFKC, then `toUpperCase()` then
 * `toLowerCase()` (so "ß", "SS" and "ss" match, and so do "ÄRNE" and "ärne"), trimmed.
 * The case pass and NFKC repeat until nothing changes, so the key is itself a fixed point
 * ("ẞ" lowers to "ß", which needs one more pass to reach "ss"). Locale-independent.
 */
export function normalizeIdentifier(value: string): string {
  let key = value.normalize("NFKC");
  for (let pass = 0; pass < MAX_FOLD_PASSES; pass += 1) {
    const next = key.toUpperCase().toLowerCase().normalize("NFKC");
    if (next === key) break;
    key = next;
  }
  return key.trim();
}

/** A user's display name and email as stored, with their keys. */
export interface CheckedIdentifiers {
  name: string;
  nameKey: string;
  email: string;
  emailKey: string;
}

// Pragmatic and Unicode-friendly (RFC 6531 allows non-ASCII addresses): one "@", no spaces,
// a non-empty local part and a domain of non-empty dot-separated labels.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)*$/u;

/**
 * Trims (and NFC-normalises) a name and an email and computes their keys.
 * Throws `ClientError` code `validation_error` when either is empty or over
 * `MAX_NAME_LENGTH`, the email is not an address, or the name contains "@" (a name must
 * never read as an email: names and emails share one namespace).
 */
export function checkIdentifiers(name: string, email: string): CheckedIdentifiers {
  const cleanName = clean(name, "name");
  const cleanEmail = clean(email, "email");
  const nameKey = normalizeIdentifier(cleanName);
  const emailKey = normalizeIdentifier(cleanEmail);
  // Checked on the keys: NFKC turns "＠" (U+FF20) and "﹫" into "@".
  if (nameKey.includes("@")) {
    invalid("name", "The name must not be an email address (it may not contain @)");
  }
  if (!EMAIL_SHAPE.test(emailKey) || !EMAIL_SHAPE.test(cleanEmail)) {
    invalid("email", "The email address is not valid");
  }
  const localPart = cleanEmail.slice(0, cleanEmail.lastIndexOf("@"));
  if ([...localPart].length > MAX_EMAIL_LOCAL_PART_LENGTH) {
    invalid(
      "email",
      `The part of the email before @ is longer than ${MAX_EMAIL_LOCAL_PART_LENGTH} characters`,
    );
  }
  for (const [field, key] of [
    ["name", nameKey],
    ["email", emailKey],
  ] as const) {
    if (key === "" || Buffer.byteLength(key, "utf8") > MAX_IDENTIFIER_KEY_BYTES) {
      invalid(field, `The ${field} is not valid`);
    }
  }
  return { name: cleanName, nameKey, email: cleanEmail, emailKey };
}

function clean(value: string, field: "name" | "email"): string {
  if (typeof value !== "string") invalid(field, `The ${field} must be a string`);
  // Invisible, reordering and unpaired characters make look-alikes of existing accounts
  // (PRECIS, see core/identifier-characters.ts). Checked before NFC, which would keep them.
  const forbidden = findForbiddenCharacter(value.trim());
  if (forbidden !== null) {
    const character = describeCodePoint(forbidden.codePoint);
    throw new ClientError(
      `The ${field} contains ${character} at position ${forbidden.position + 1}, a ${forbidden.reason}; such characters are not allowed`,
      { code: "validation_error", extra: { field, character, reason: forbidden.reason } },
    );
  }
  const trimmed = value.normalize("NFC").trim();
  if (trimmed === "") invalid(field, `The ${field} must not be empty`);
  if ([...trimmed].length > MAX_NAME_LENGTH) {
    invalid(field, `The ${field} is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return trimmed;
}

function invalid(field: "name" | "email", detail: string): never {
  throw new ClientError(detail, { code: "validation_error", extra: { field } });
}
