/** The `webauthn_credentials` table: passkeys, deleted with their user. */
import type { Kysely, Selectable } from "kysely";
import {
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_PASSKEY_NAME_LENGTH,
  MAX_PASSKEYS_PER_USER,
} from "../contract/limits.js";
import { ClientError, ConflictError, NotFoundError } from "../core/errors.js";
import { fromDbBool, fromEpochMs, fromNullableEpochMs, toDbBool, toEpochMs } from "./columns.js";
import { isForeignKeyViolation, isUniqueViolation } from "./dialect.js";
import { canonicalId } from "./ids.js";
import { prepareQuery } from "./prepared.js";
import type { Database, WebauthnCredentialsTable } from "./schema.js";
import { withTransaction } from "./transactions.js";
import { PASSWORDLESS_HASH } from "./users.js";

/** Largest signature counter: an unsigned 32-bit integer (WebAuthn §6.1, signCount). */
export const MAX_SIGNATURE_COUNTER = 0xffff_ffff;

/** A registered passkey. */
export interface WebauthnCredential {
  /** The credential id, base64url. */
  id: string;
  userId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  deviceType: string;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What `addWebauthnCredential` stores. */
export type NewWebauthnCredential = Omit<WebauthnCredential, "createdAt" | "lastUsedAt">;

type Db = Kysely<Database>;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const FORBIDDEN_IN_NAME = /[\p{Cc}\u2028\u2029]/u;

function isCredentialId(value: unknown): value is string {
  return (
    typeof value === "string" && value.length <= MAX_CREDENTIAL_ID_LENGTH && BASE64URL.test(value)
  );
}

function toCredential(row: Selectable<WebauthnCredentialsTable>): WebauthnCredential {
  return {
    id: row.id,
    userId: row.user_id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: parseTransports(row.transports),
    name: row.name,
    deviceType: row.device_type,
    backedUp: fromDbBool(row.backed_up),
    createdAt: fromEpochMs(row.created_at),
    lastUsedAt: fromNullableEpochMs(row.last_used_at),
  };
}

function parseTransports(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

function checkName(name: string): string {
  const trimmed = typeof name === "string" ? name.normalize("NFC").trim() : "";
  if (
    trimmed === "" ||
    [...trimmed].length > MAX_PASSKEY_NAME_LENGTH ||
    FORBIDDEN_IN_NAME.test(trimmed)
  ) {
    throw new ClientError(
      `A passkey name is 1 to ${MAX_PASSKEY_NAME_LENGTH} characters without control characters`,
      { code: "validation_error", extra: { field: "name" } },
    );
  }
  return trimmed;
}

function checkCounter(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > MAX_SIGNATURE_COUNTER) {
    throw new TypeError("A signature counter is an integer from 0 to 2^32-1");
  }
}

/**
 * Stores a verified passkey. Throws `ClientError` `validation_error` for a malformed credential
 * id or name, `ConflictError` when the credential id is already registered (WebAuthn §7.1
 * step 26) or the user already has `MAX_PASSKEYS_PER_USER`, and `NotFoundError` when the user
 * does not exist. The cap cannot be raced: the user's row is written first (a row lock on
 * PostgreSQL, the write lock on SQLite), so two registrations count one after the other.
 */
export async function addWebauthnCredential(
  db: Db,
  credential: NewWebauthnCredential,
  nowMs: number,
): Promise<WebauthnCredential> {
  if (!isCredentialId(credential.id)) {
    throw new ClientError("Malformed credential id", {
      code: "validation_error",
      extra: { field: "id" },
    });
  }
  const userId = canonicalId(credential.userId);
  if (userId === undefined) throw new NotFoundError("No such user");
  const name = checkName(credential.name);
  checkCounter(credential.counter);
  try {
    const row = await withTransaction(db, async (trx) => {
      const held = await trx
        .updateTable("users")
        .set((eb) => ({ updated_at: eb.ref("updated_at") }))
        .where("id", "=", userId)
        .executeTakeFirst();
      if (held.numUpdatedRows === 0n) throw new NotFoundError("No such user");
      if ((await countWebauthnCredentials(trx, userId)) >= MAX_PASSKEYS_PER_USER) {
        throw new ConflictError(
          `A user may have at most ${MAX_PASSKEYS_PER_USER} passkeys: remove one first`,
          { extra: { max: MAX_PASSKEYS_PER_USER } },
        );
      }
      return trx
        .insertInto("webauthn_credentials")
        .values({
          id: credential.id,
          user_id: userId,
          public_key: Buffer.from(
            credential.publicKey.buffer,
            credential.publicKey.byteOffset,
            credential.publicKey.byteLength,
          ),
          counter: credential.counter,
          transports: JSON.stringify(credential.transports.filter((t) => typeof t === "string")),
          name,
          device_type: credential.deviceType,
          backed_up: toDbBool(credential.backedUp),
          created_at: toEpochMs(nowMs),
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return toCredential(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError("This passkey is already registered", { cause: error });
    }
    if (isForeignKeyViolation(error)) throw new NotFoundError("No such user", { cause: error });
    throw error;
  }
}

/** A user's passkeys, oldest first (empty for an unknown user). */
export async function listWebauthnCredentials(
  db: Db,
  userId: string,
): Promise<WebauthnCredential[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  // Bounded by MAX_PASSKEYS_PER_USER, which `addWebauthnCredential` holds.
  const rows = await db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("user_id", "=", id)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toCredential);
}

/** The passkey with this credential id (base64url), whoever owns it; undefined when none. */
export async function getWebauthnCredentialById(
  db: Db,
  credentialId: string,
): Promise<WebauthnCredential | undefined> {
  if (!isCredentialId(credentialId)) return undefined;
  const row = await db
    .selectFrom("webauthn_credentials")
    .selectAll()
    .where("id", "=", credentialId)
    .executeTakeFirst();
  return row === undefined ? undefined : toCredential(row);
}

/**
 * Atomically stores a new signature counter and the time of use, only when `newCounter` is
 * greater than the stored one or both are 0 (authenticators without a counter; WebAuthn §7.2
 * step 22). False otherwise: a possibly cloned authenticator, or no such credential.
 */
export async function updateWebauthnCredentialCounter(
  db: Db,
  credentialId: string,
  newCounter: number,
  atMs: number,
): Promise<boolean> {
  if (!isCredentialId(credentialId)) return false;
  checkCounter(newCounter);
  const result = await db
    .updateTable("webauthn_credentials")
    .set({ counter: newCounter, last_used_at: toEpochMs(atMs) })
    .where("id", "=", credentialId)
    .where((eb) => (newCounter === 0 ? eb("counter", "=", 0) : eb("counter", "<", newCounter)))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Renames one of the user's passkeys; false when the user has no such passkey.
 * Throws `ClientError` `validation_error` for an empty, too long or control-character name.
 */
export async function renameWebauthnCredential(
  db: Db,
  userId: string,
  credentialId: string,
  name: string,
): Promise<boolean> {
  const clean = checkName(name);
  const id = canonicalId(userId);
  if (id === undefined || !isCredentialId(credentialId)) return false;
  const result = await db
    .updateTable("webauthn_credentials")
    .set({ name: clean })
    .where("id", "=", credentialId)
    .where("user_id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Deletes one of the user's passkeys; false when the user has no such passkey. */
export async function deleteWebauthnCredential(
  db: Db,
  userId: string,
  credentialId: string,
): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined || !isCredentialId(credentialId)) return false;
  const result = await db
    .deleteFrom("webauthn_credentials")
    .where("id", "=", credentialId)
    .where("user_id", "=", id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Deletes every passkey of a user; how many went. */
export async function deleteUserWebauthnCredentials(db: Db, userId: string): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  const result = await db
    .deleteFrom("webauthn_credentials")
    .where("user_id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many passkeys a user has. */
export async function countWebauthnCredentials(db: Db, userId: string): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  const [row] = await credentialCount.execute(db, [id]);
  return Number(row?.count ?? 0);
}

// Asked at every password sign-in of a user without TOTP (is a passkey owed?): compiled once.
const credentialCount = prepareQuery((db: Db, id: string) =>
  db
    .selectFrom("webauthn_credentials")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("user_id", "=", id),
);

/**
 * Deletes a passkey unless it is the last way in of an account without a password (issue 24):
 * true when deleted, false when there is no such passkey of the user.
 * The user's row is locked first (an update that changes nothing), so that two removals of an
 * account's last two passkeys run one after the other and the second sees the first.
 * @throws ConflictError `last_passkey`.
 */
export async function deleteWebauthnCredentialKeepingWayIn(
  db: Db,
  userId: string,
  credentialId: string,
): Promise<boolean> {
  const id = canonicalId(userId);
  if (id === undefined || !isCredentialId(credentialId)) return false;
  return withTransaction(db, async (trx) => {
    const user = await trx
      .updateTable("users")
      .set((eb) => ({ updated_at: eb.ref("updated_at") }))
      .where("id", "=", id)
      .returning("password_hash")
      .executeTakeFirst();
    if (user === undefined || !(await deleteWebauthnCredential(trx, id, credentialId))) {
      return false;
    }
    if (
      user.password_hash === PASSWORDLESS_HASH &&
      (await countWebauthnCredentials(trx, id)) === 0
    ) {
      // Thrown inside the transaction: the passkey stays.
      throw new ConflictError(
        "This is the only way into an account without a password: add a password or another passkey first",
        { code: "last_passkey" },
      );
    }
    return true;
  });
}
