/**
 * Reading an export of the Python app: one JSON object per line, every line checked before
 * anything is written. A line is
 *
 *   {"id": "…uuid…", "name": "…", "email": "…", "password_hash": "$argon2id$…",
 *    "is_admin": false, "totp_secret": "BASE32" | "pending:BASE32" | null,
 *    "webauthn_credentials": [{"id": "…", "public_key": "…", "sign_count": 0}]}
 *
 * `id` is optional (keep it and the Python app's live tokens keep working); credential ids and
 * public keys are base64 or base64url, or hex in `id_hex` / `public_key_hex` (SQLite has no
 * base64 function). Names and emails go through the same checks and keys as sign-up.
 * `"password_hash": null` imports an account without a password (passkey-first, issue 24); it
 * needs at least one passkey in `webauthn_credentials`, its only way in.
 */
import { parsePasswordHash } from "../../../core/password.js";
import { usableCoseKeyAlgorithm } from "../../../core/webauthn/cose-key.js";
import {
  MAX_SIGNATURE_COUNTER,
  canonicalId,
  checkIdentifiers,
  type ImportedUserRow,
} from "../../../store/index.js";

/** The prefix the Python app gives a TOTP secret that was never confirmed with a code. */
export const PENDING_TOTP_PREFIX = "pending:";
/** Shortest TOTP secret accepted: 16 base32 characters, 80 bits (RFC 4226 §4 R6 asks 128, but
 * pyotp accepted 16-character secrets, and refusing them would lock those users out). */
export const MIN_TOTP_SECRET_LENGTH = 16;

/** A passkey as imported. */
export interface ImportedCredential {
  /** base64url, no padding. */
  id: string;
  publicKey: Uint8Array;
  signCount: number;
  name: string;
  transports: string[];
}

/** One user as imported, checked and normalised: the store's row, plus where it came from. */
export interface ImportedUser extends Omit<ImportedUserRow, "id"> {
  /** 1-based line of the file. */
  line: number;
  /** The Python app's id (canonical UUID), or null for a new one. */
  id: string | null;
  credentials: ImportedCredential[];
}

/** Everything wrong with a file; `problems` empty means every line is good. */
export interface ParsedImport {
  users: ImportedUser[];
  problems: string[];
}

const FIELDS = new Set([
  "id",
  "name",
  "email",
  "password_hash",
  "is_admin",
  "totp_secret",
  "webauthn_credentials",
]);
const CREDENTIAL_FIELDS = new Set([
  "id",
  "id_hex",
  "public_key",
  "public_key_hex",
  "sign_count",
  "name",
  "transports",
]);
const BASE32 = /^[A-Z2-7]+=*$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** Checks every line of an export; blank lines are skipped. Never throws on bad content. */
export function parseImportFile(text: string): ParsedImport {
  const users: ImportedUser[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === "") return;
    const line = index + 1;
    const lineProblems: string[] = [];
    const user = parseLine(raw, line, lineProblems);
    problems.push(...lineProblems.map((p) => `line ${line}: ${p}`));
    if (user !== null && lineProblems.length === 0) users.push(user);
  });
  if (users.length === 0 && problems.length === 0) problems.push("the file holds no users");
  return { users, problems };
}

function parseLine(raw: string, line: number, problems: string[]): ImportedUser | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push("not valid JSON");
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push("not a JSON object");
    return null;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) problems.push(`unknown field "${key}"`);
  }

  let id: string | null = null;
  if (record.id !== undefined && record.id !== null) {
    // SQLAlchemy keeps UUIDs on SQLite as 32 hex digits; the tokens carry the hyphenated form.
    const raw =
      typeof record.id === "string"
        ? record.id.replace(
            /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i,
            "$1-$2-$3-$4-$5",
          )
        : record.id;
    id = canonicalId(raw) ?? null;
    if (id === null) problems.push("id is not a UUID");
  }

  let ids: ReturnType<typeof checkIdentifiers> | null = null;
  if (typeof record.name !== "string" || typeof record.email !== "string") {
    problems.push("name and email must be strings");
  } else {
    try {
      // The same rules and keys as sign-up (NFKC, case folding, no "@" in names, …).
      ids = checkIdentifiers(record.name, record.email);
    } catch (error) {
      const field = (error as { extra?: { field?: string } }).extra?.field;
      problems.push(`${field ?? "name/email"}: ${(error as Error).message}`);
    }
  }

  const passwordHash = record.password_hash;
  if (passwordHash === null) {
    const passkeys = record.webauthn_credentials;
    if (!Array.isArray(passkeys) || passkeys.length === 0) {
      problems.push("password_hash null (no password) needs at least one webauthn credential");
    }
  } else if (typeof passwordHash !== "string") {
    problems.push("password_hash must be a string, or null for an account without a password");
  } else {
    try {
      parsePasswordHash(passwordHash);
    } catch {
      problems.push("password_hash is not an Argon2 PHC string within Tessera's limits");
    }
  }

  if (record.is_admin !== undefined && typeof record.is_admin !== "boolean") {
    problems.push("is_admin must be true or false");
  }

  let totpSecret: string | null = null;
  let totpPendingSecret: string | null = null;
  if (record.totp_secret !== undefined && record.totp_secret !== null) {
    if (typeof record.totp_secret !== "string") {
      problems.push("totp_secret must be a string or null");
    } else {
      const pending = record.totp_secret.startsWith(PENDING_TOTP_PREFIX);
      const secret = record.totp_secret
        .slice(pending ? PENDING_TOTP_PREFIX.length : 0)
        .replace(/\s+/g, "")
        .toUpperCase();
      if (!BASE32.test(secret) || secret.replace(/=+$/, "").length < MIN_TOTP_SECRET_LENGTH) {
        problems.push(
          `totp_secret is not a base32 secret of at least ${MIN_TOTP_SECRET_LENGTH} characters`,
        );
      } else if (pending) totpPendingSecret = secret;
      else totpSecret = secret;
    }
  }

  const credentials: ImportedCredential[] = [];
  const rawCredentials = record.webauthn_credentials ?? [];
  if (!Array.isArray(rawCredentials)) {
    problems.push("webauthn_credentials must be an array");
  } else {
    rawCredentials.forEach((entry: unknown, i) => {
      const credential = parseCredential(entry, `webauthn_credentials[${i}]`, problems);
      if (credential !== null) credentials.push(credential);
    });
  }

  if (ids === null || (typeof passwordHash !== "string" && passwordHash !== null)) return null;
  return {
    line,
    id,
    ...ids,
    passwordHash,
    isAdmin: record.is_admin === true,
    totpSecret,
    totpPendingSecret,
    credentials,
  };
}

function parseCredential(
  entry: unknown,
  where: string,
  problems: string[],
): ImportedCredential | null {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    problems.push(`${where} is not an object`);
    return null;
  }
  const record = entry as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(record)) {
    if (!CREDENTIAL_FIELDS.has(key)) problems.push(`${where}: unknown field "${key}"`);
  }
  const idBytes = readBytes(record, "id", where, problems);
  const publicKey = readBytes(record, "public_key", where, problems);
  if (publicKey !== null && usableCoseKeyAlgorithm(publicKey) === null) {
    problems.push(`${where}.public_key is not a usable COSE public key (ES256, EdDSA or RS256)`);
  }
  const signCount = record.sign_count ?? 0;
  if (
    typeof signCount !== "number" ||
    !Number.isInteger(signCount) ||
    signCount < 0 ||
    signCount > MAX_SIGNATURE_COUNTER
  ) {
    problems.push(`${where}.sign_count must be an integer from 0 to ${MAX_SIGNATURE_COUNTER}`);
  }
  const name = record.name ?? "Imported passkey";
  if (typeof name !== "string") problems.push(`${where}.name must be a string`);
  const transports = record.transports ?? [];
  if (!Array.isArray(transports) || transports.some((t) => typeof t !== "string")) {
    problems.push(`${where}.transports must be an array of strings`);
  }
  if (problems.length > before || idBytes === null || publicKey === null) return null;
  return {
    id: Buffer.from(idBytes).toString("base64url"),
    publicKey,
    signCount: signCount as number,
    name: name as string,
    transports: transports as string[],
  };
}

/** `field` as base64/base64url, or `field_hex` as hex; exactly one of them. */
function readBytes(
  record: Record<string, unknown>,
  field: string,
  where: string,
  problems: string[],
): Uint8Array | null {
  const text = record[field];
  const hex = record[`${field}_hex`];
  if ((text === undefined) === (hex === undefined)) {
    problems.push(`${where} needs exactly one of ${field} (base64) and ${field}_hex`);
    return null;
  }
  if (hex !== undefined) {
    if (typeof hex !== "string" || !HEX.test(hex)) {
      problems.push(`${where}.${field}_hex is not hex`);
      return null;
    }
    return new Uint8Array(Buffer.from(hex, "hex"));
  }
  const compact = typeof text === "string" ? text.replace(/\s+/g, "") : "";
  if (compact === "" || !BASE64.test(compact)) {
    problems.push(`${where}.${field} is not base64 or base64url`);
    return null;
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}
