/**
 * The two queries behind `tessera import`: which of a file's ids, names, emails and credential
 * ids are already taken, and inserting a user row exactly as exported (its id, hash and TOTP
 * secrets kept). Both take a transaction so the check and the writes see one state.
 */
import type { Kysely } from "kysely";
import { toDbBool, toEpochMs } from "./columns.js";
import type { Database } from "./schema.js";
import { PASSWORDLESS_HASH } from "./users.js";

type Db = Kysely<Database>;

/** Rows per `in (…)` list: well under SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/** Values of a file that may already be taken. */
export interface ImportKeys {
  ids: string[];
  nameKeys: string[];
  emailKeys: string[];
  credentialIds: string[];
}

/** The subset of each list that the database already holds. */
export async function findTakenImportKeys(db: Db, keys: ImportKeys): Promise<ImportKeys> {
  const taken = async (
    table: "users" | "webauthn_credentials",
    column: "id" | "name_key" | "email_key",
    values: string[],
  ): Promise<string[]> => {
    const found: string[] = [];
    for (let i = 0; i < values.length; i += CHUNK) {
      const rows = await db
        .selectFrom(table)
        .select(`${column} as value` as "id as value")
        .where(column as "id", "in", values.slice(i, i + CHUNK))
        .execute();
      found.push(...rows.map((r) => String(r.value)));
    }
    return found;
  };
  return {
    ids: await taken("users", "id", keys.ids),
    nameKeys: await taken("users", "name_key", keys.nameKeys),
    emailKeys: await taken("users", "email_key", keys.emailKeys),
    credentialIds: await taken("webauthn_credentials", "id", keys.credentialIds),
  };
}

/** A user row as imported: identifiers already checked and keyed by `checkIdentifiers`. */
export interface ImportedUserRow {
  id: string;
  name: string;
  nameKey: string;
  email: string;
  emailKey: string;
  /** The Argon2 PHC string, or null: imported without a password (issue 24). */
  passwordHash: string | null;
  isAdmin: boolean;
  totpSecret: string | null;
  totpPendingSecret: string | null;
}

/** Inserts one imported user (no password change required: the password is still theirs). */
export async function insertImportedUser(
  db: Db,
  user: ImportedUserRow,
  nowMs: number,
): Promise<void> {
  const at = toEpochMs(nowMs);
  await db
    .insertInto("users")
    .values({
      id: user.id,
      name: user.name,
      name_key: user.nameKey,
      email: user.email,
      email_key: user.emailKey,
      password_hash: user.passwordHash ?? PASSWORDLESS_HASH,
      totp_secret: user.totpSecret,
      totp_pending_secret: user.totpPendingSecret,
      totp_last_step: null,
      is_admin: toDbBool(user.isAdmin),
      must_change_password: 0,
      token_version: 0,
      created_at: at,
      updated_at: at,
      last_login_at: null,
    })
    .execute();
}
