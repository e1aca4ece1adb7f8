/**
 * What differs between the two supported SQL dialects, as data (STYLE: Kysely's capabilities
 * object), so migrations and repositories never branch on `if (dialect === …)`.
 */
import { PostgresAdapter, SqliteAdapter } from "kysely";
import type { ColumnDefinitionBuilder, Kysely } from "kysely";

/** The SQL dialects Tessera runs on. */
export type DialectName = "sqlite" | "postgres";

/** Column types and driver error codes of one dialect. */
export interface DialectCapabilities {
  readonly name: DialectName;
  /** Type of UUID columns: PostgreSQL has a native 16-byte `uuid`; SQLite stores text. */
  readonly uuidType: "uuid" | "text";
  /** 64-bit integers (epoch milliseconds, TOTP steps, counters). SQLite's INTEGER is 64-bit. */
  readonly bigintType: "bigint" | "integer";
  /** Booleans: SQLite has no boolean type and stores 0/1; the repositories map both to JS. */
  readonly booleanType: "boolean" | "integer";
  /** Raw bytes (WebAuthn public keys). */
  readonly binaryType: "bytea" | "blob";
  /** JSON documents (audit details); pg parses `jsonb` on read, SQLite returns the text. */
  readonly jsonType: "jsonb" | "text";
  /** Makes a 64-bit integer column an ever-increasing primary key (the audit log's order). */
  readonly identity: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** Driver error codes of a unique or primary-key violation (PostgreSQL SQLSTATE 23505). */
  readonly uniqueViolationCodes: readonly string[];
  /** Driver error codes of a foreign-key violation (PostgreSQL SQLSTATE 23503). */
  readonly foreignKeyViolationCodes: readonly string[];
  /**
   * `SELECT … FOR UPDATE` locks rows until the transaction ends (PostgreSQL); without it (SQLite)
   * a write transaction holds the whole database, which serialises just as well.
   */
  readonly rowLocks: boolean;
  /** Driver error codes meaning "another connection holds the lock, try again later". */
  readonly busyCodes: readonly string[];
  /**
   * The collation that orders text by code point (UTF-8 bytes), so a prefix is one index range
   * `key >= prefix AND key < next(prefix)` (issue 25: user search). PostgreSQL's columns sort
   * by the database's locale, so its prefix indexes and queries say `collate "C"`; SQLite's
   * default BINARY already is byte order (null: no collate clause).
   */
  readonly byteOrderCollation: string | null;
}

/** SQLite through better-sqlite3 (extended result codes). */
export const SQLITE_CAPABILITIES: DialectCapabilities = Object.freeze({
  name: "sqlite",
  uuidType: "text",
  bigintType: "integer",
  booleanType: "integer",
  binaryType: "blob",
  jsonType: "text",
  // AUTOINCREMENT: ids never reused, even after the newest rows are deleted (SQLite docs §3).
  identity: (column: ColumnDefinitionBuilder) => column.primaryKey().autoIncrement(),
  uniqueViolationCodes: ["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"],
  foreignKeyViolationCodes: ["SQLITE_CONSTRAINT_FOREIGNKEY"],
  rowLocks: false,
  // WAL: a deferred transaction that read before another writer committed cannot upgrade.
  busyCodes: ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"],
  byteOrderCollation: null,
});

/** PostgreSQL through pg (SQLSTATE codes, PostgreSQL documentation appendix A). */
export const POSTGRES_CAPABILITIES: DialectCapabilities = Object.freeze({
  name: "postgres",
  uuidType: "uuid",
  bigintType: "bigint",
  booleanType: "boolean",
  binaryType: "bytea",
  jsonType: "jsonb",
  identity: (column: ColumnDefinitionBuilder) => column.primaryKey().generatedAlwaysAsIdentity(),
  uniqueViolationCodes: ["23505"],
  foreignKeyViolationCodes: ["23503"],
  rowLocks: true,
  // Migrations serialise on an advisory lock; other writes wait on row locks, never fail busy.
  busyCodes: [],
  byteOrderCollation: "C",
});

const ALL_CAPABILITIES = [SQLITE_CAPABILITIES, POSTGRES_CAPABILITIES] as const;

/**
 * The capabilities of the dialect a Kysely instance (or transaction) talks to, found from its
 * adapter. Throws `TypeError` for a dialect Tessera does not support.
 */
export function capabilitiesOf<DB>(db: Kysely<DB>): DialectCapabilities {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return POSTGRES_CAPABILITIES;
  if (adapter instanceof SqliteAdapter) return SQLITE_CAPABILITIES;
  throw new TypeError("Tessera's store supports only the SQLite and PostgreSQL dialects");
}

/** Whether an error thrown by either driver is a unique or primary-key violation. */
export function isUniqueViolation(error: unknown): boolean {
  return hasCode(error, "uniqueViolationCodes");
}

/** Whether an error thrown by either driver is a foreign-key violation. */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasCode(error, "foreignKeyViolationCodes");
}

/** Whether an error thrown by either driver means the database was busy (worth a retry). */
export function isBusyError(error: unknown): boolean {
  return hasCode(error, "busyCodes");
}

function hasCode(
  error: unknown,
  kind: "uniqueViolationCodes" | "foreignKeyViolationCodes" | "busyCodes",
): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" && ALL_CAPABILITIES.some((c) => c[kind].includes(code));
}
