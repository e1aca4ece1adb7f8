/**
 * The `users` table (its TOTP columns: user-totp.ts; its lock: user-locks.ts; promotion,
 * demotion and deletion, which guard the last admin: user-admins.ts). Every function takes a
 * Kysely instance or a transaction first; every write is a single statement, hence one
 * transaction.
 */
import type { Kysely, Selectable } from "kysely";
import { ConflictError } from "../core/errors.js";
import {
  fromDbBool,
  fromEpochMs,
  fromNullableEpochMs,
  hasControlCharacter,
  toDbBool,
  toEpochMs,
} from "./columns.js";
import { isUniqueViolation } from "./dialect.js";
import { checkIdentifiers, normalizeIdentifier } from "./identifiers.js";
import { canonicalId, newId } from "./ids.js";
import { prepareQuery } from "./prepared.js";
import type { Database, UsersTable } from "./schema.js";

/**
 * What `password_hash` holds for an account without a password (a passkey-first account,
 * issue 24): not a PHC string (those begin with `$`), so no password can ever verify against
 * it; the column stays NOT NULL and `User.passwordHash` reads it as null. Written only here.
 */
export const PASSWORDLESS_HASH = "!passwordless";

/** An account. */
export interface User {
  id: string;
  name: string;
  email: string;
  /** The Argon2 PHC string, or null: the account has no password (passkey-first, issue 24). */
  passwordHash: string | null;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpLastStep: number | null;
  isAdmin: boolean;
  mustChangePassword: boolean;
  tokenVersion: number;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  /** Unused recovery codes of the current set; null when there is none. */
  recoveryCodesLeft: number | null;
  /** When an admin locked the account, or null (see core/account-lock.ts for "is it locked now"). */
  lockedAt: Date | null;
  /** When the lock ends by itself; null: only an unlock ends it (or no lock). */
  lockedUntil: Date | null;
  /** The admin's reason for the lock, or null. */
  lockReason: string | null;
  /** When the address was verified by mail (issue 12), or null. */
  emailVerifiedAt: Date | null;
  /** No sign-in before the address is verified (a self-service sign-up). */
  requiresVerifiedEmail: boolean;
  /** The fingerprint of the offline password policy the password last passed (migration 0015). */
  passwordPolicyChecked?: string | undefined;
  /** The language the person chose (a `LOCALES` tag, migration 0016), or null: none. */
  locale: string | null;
}

/** What `insertUser` needs; `isAdmin` and `mustChangePassword` default to false. */
export interface NewUser {
  name: string;
  email: string;
  /** The Argon2 PHC string, or null for an account without a password. */
  passwordHash: string | null;
  isAdmin?: boolean;
  mustChangePassword?: boolean;
  /** The creation time (the service's clock). */
  nowMs: number;
  /** When the address was verified (an accepted invitation); default null. */
  emailVerifiedAtMs?: number | null;
  /** No sign-in before the address is verified (sign-up); default false. */
  requiresVerifiedEmail?: boolean;
}

/** Options of `setPasswordHash`. */
export interface SetPasswordHashOptions {
  mustChangePassword: boolean;
  /** Bump `token_version` in the same statement, ending every session issued before. */
  endSessions: boolean;
  /** The update time (the service's clock). */
  nowMs: number;
}

type Db = Kysely<Database>;

// The two lookups behind every login and every authenticated request, compiled once.
const userById = prepareQuery((db: Db, id: string) =>
  db.selectFrom("users").selectAll().where("id", "=", id),
);
const userByNameKey = prepareQuery((db: Db, key: string) =>
  db.selectFrom("users").selectAll().where("name_key", "=", key),
);
const userByEmailKey = prepareQuery((db: Db, key: string) =>
  db.selectFrom("users").selectAll().where("email_key", "=", key),
);
// Every sign-in's last-login write, with and without the password policy it passed.
const setLastLogin = prepareQuery((db: Db, id: string, at: number) =>
  db.updateTable("users").set({ last_login_at: at }).where("id", "=", id),
);
const setLastLoginAndPolicy = prepareQuery((db: Db, id: string, at: number, policy: string) =>
  db
    .updateTable("users")
    .set({ last_login_at: at, password_policy_checked: policy })
    .where("id", "=", id),
);

/** Maps a `users` row to a `User`. */
export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    passwordHash: row.password_hash === PASSWORDLESS_HASH ? null : row.password_hash,
    totpSecret: row.totp_secret,
    totpPendingSecret: row.totp_pending_secret,
    totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    isAdmin: fromDbBool(row.is_admin),
    mustChangePassword: fromDbBool(row.must_change_password),
    tokenVersion: Number(row.token_version),
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
    lastLoginAt: fromNullableEpochMs(row.last_login_at),
    recoveryCodesLeft: row.recovery_codes_left === null ? null : Number(row.recovery_codes_left),
    lockedAt: fromNullableEpochMs(row.locked_at),
    lockedUntil: fromNullableEpochMs(row.locked_until),
    lockReason: row.lock_reason,
    emailVerifiedAt: fromNullableEpochMs(row.email_verified_at),
    requiresVerifiedEmail: fromDbBool(row.requires_verified_email),
    // Absent (not null) when never checked: a user read back equals the one written.
    passwordPolicyChecked: row.password_policy_checked ?? undefined,
    locale: row.locale ?? null,
  };
}

/**
 * The user whose name, or else whose email, equals `query` case-insensitively
 * (`normalizeIdentifier`), as the seed's `get_user_by_name_or_mail`; undefined when none.
 */
export async function getUserByNameOrMail(db: Db, query: string): Promise<User | undefined> {
  const key = typeof query === "string" ? normalizeIdentifier(query) : "";
  // No stored key is empty or holds a control character (and PostgreSQL refuses NUL).
  if (key === "" || hasControlCharacter(key)) return undefined;
  // The seed looks the query up as a name first, then as an email. Here every email key
  // contains "@" and no name key does (check constraints in the schema), so a query with "@"
  // can only be an email and one without only a name: one indexed equality either way.
  return firstUser(await (key.includes("@") ? userByEmailKey : userByNameKey).execute(db, [key]));
}

/** The user with this id; undefined when none or when `id` is not a UUID. */
export function getUserById(db: Db, id: string): Promise<User | undefined> {
  // Not `async`: this runs on every authenticated request (see bench/store.ts).
  const userId = canonicalId(id);
  if (userId === undefined) return Promise.resolve(undefined);
  return userById.execute(db, [userId]).then(firstUser);
}

function firstUser(rows: Selectable<UsersTable>[]): User | undefined {
  const row = rows[0];
  return row === undefined ? undefined : toUser(row);
}

/**
 * Inserts a user with a new random id. Throws `ClientError` code `validation_error` (see
 * `checkIdentifiers`: empty, too long, an email as name, an invalid email) and `ConflictError`
 * when the name or email is already taken as a name or an email, also when two callers race
 * (the unique indexes decide). `extra.field` says which, when the driver tells.
 */
export async function insertUser(db: Db, input: NewUser): Promise<User> {
  const ids = checkIdentifiers(input.name, input.email);
  const passwordHash = storedPasswordHash(input.passwordHash);
  const now = toEpochMs(input.nowMs);
  try {
    const row = await db
      .insertInto("users")
      .values({
        id: newId(),
        name: ids.name,
        name_key: ids.nameKey,
        email: ids.email,
        email_key: ids.emailKey,
        password_hash: passwordHash,
        totp_secret: null,
        totp_pending_secret: null,
        totp_last_step: null,
        is_admin: toDbBool(input.isAdmin ?? false),
        must_change_password: toDbBool(input.mustChangePassword ?? false),
        token_version: 0,
        created_at: now,
        updated_at: now,
        last_login_at: null,
        ...(input.emailVerifiedAtMs === undefined || input.emailVerifiedAtMs === null
          ? {}
          : { email_verified_at: toEpochMs(input.emailVerifiedAtMs) }),
        ...(input.requiresVerifiedEmail === true ? { requires_verified_email: 1 as const } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const field = conflictingField(error);
    throw new ConflictError("A user with this name or email already exists", {
      cause: error,
      ...(field === undefined ? {} : { extra: { field } }),
    });
  }
}

// PostgreSQL names the index in `constraint`; SQLite names the column in the message.
function conflictingField(error: unknown): "name" | "email" | undefined {
  const { constraint, message } = error as { constraint?: unknown; message?: unknown };
  const text = `${String(constraint ?? "")} ${String(message ?? "")}`;
  if (text.includes("name_key")) return "name";
  if (text.includes("email_key")) return "email";
  return undefined;
}

/** Every user, oldest first. */
export async function listUsers(db: Db): Promise<User[]> {
  const rows = await db
    .selectFrom("users")
    .selectAll()
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toUser);
}

/** How many users there are. */
export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The column's value for a hash or null (no password); refuses the empty string and the sentinel. */
function storedPasswordHash(passwordHash: string | null): string {
  if (passwordHash === null) return PASSWORDLESS_HASH;
  if (
    typeof passwordHash !== "string" ||
    passwordHash === "" ||
    passwordHash === PASSWORDLESS_HASH
  ) {
    throw new TypeError("a user needs a password hash or null (no password)");
  }
  return passwordHash;
}

/**
 * Stores a new password hash, or null: no password (issue 24); with `endSessions` also bumps
 * `token_version` in the same statement (`token_version = token_version + 1`). The updated
 * user, or undefined when none.
 */
export async function setPasswordHash(
  db: Db,
  id: string,
  passwordHash: string | null,
  options: SetPasswordHashOptions,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const stored = storedPasswordHash(passwordHash);
  let update = db
    .updateTable("users")
    .set({
      password_hash: stored,
      must_change_password: toDbBool(options.mustChangePassword),
      updated_at: toEpochMs(options.nowMs),
      // A new password (or a new hash of it) is checked again at its next sign-in, once.
      password_policy_checked: null,
    })
    .where("id", "=", userId);
  if (options.endSessions) {
    update = update.set((eb) => ({ token_version: eb("token_version", "+", 1) }));
  }
  const row = await update.returningAll().executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Requires a new password at the next step (`must_change_password`); the updated user. */
export async function requirePasswordChange(
  db: Db,
  id: string,
  nowMs: number,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const row = await db
    .updateTable("users")
    .set({ must_change_password: toDbBool(true), updated_at: toEpochMs(nowMs) })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Ends every session of a user ("log out everywhere"): the new token version, or undefined. */
export async function bumpTokenVersion(db: Db, id: string): Promise<number | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const row = await db
    .updateTable("users")
    .set((eb) => ({ token_version: eb("token_version", "+", 1) }))
    .where("id", "=", userId)
    .returning("token_version")
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.token_version);
}

/**
 * Records a successful login time and, when given, the fingerprint of the password policy the
 * password just passed (one statement).
 */
export async function recordLogin(
  db: Db,
  id: string,
  atMs: number,
  passwordPolicyChecked?: string,
): Promise<void> {
  const userId = canonicalId(id);
  if (userId === undefined) return;
  const at = toEpochMs(atMs);
  await (passwordPolicyChecked === undefined
    ? setLastLogin.execute(db, [userId, at])
    : setLastLoginAndPolicy.execute(db, [userId, at, passwordPolicyChecked]));
}

/**
 * Stores the language a person chose (a tag the caller checked against `LOCALES`), or null: no
 * choice. The updated user, or undefined when none.
 */
export async function setUserLocale(
  db: Db,
  id: string,
  locale: string | null,
  nowMs: number,
): Promise<User | undefined> {
  const userId = canonicalId(id);
  if (userId === undefined) return undefined;
  const row = await db
    .updateTable("users")
    .set({ locale, updated_at: toEpochMs(nowMs) })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}
