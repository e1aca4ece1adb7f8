/**
 * The Kysely table interfaces: the database as the query builder sees it. Column names are
 * snake_case as in SQL; the repositories map rows to camelCase domain types.
 *
 * Representation, the same on both dialects:
 * - timestamps are epoch milliseconds in a 64-bit integer (`EpochMs`): exact to the
 *   millisecond on SQLite and PostgreSQL, compared as plain integers, no time zone handling;
 * - booleans are written as 0/1 (which PostgreSQL's `boolean` input accepts) and read back as
 *   0/1 (SQLite) or true/false (PostgreSQL): `SqlBool`, mapped by the repositories;
 * - `*_key` columns hold `normalizeIdentifier()` of the display value, with unique indexes.
 */
import type { ColumnType, Generated, SqlBool } from "kysely";

/** Milliseconds since the Unix epoch, stored in a 64-bit integer column. */
export type EpochMs = number;

/** A boolean column: written as 0 or 1, read as 0/1 (SQLite) or true/false (PostgreSQL). */
export type BooleanColumn = ColumnType<SqlBool, 0 | 1, 0 | 1>;

/** `users`: one row per account. */
export interface UsersTable {
  id: string;
  name: string;
  name_key: string;
  email: string;
  email_key: string;
  password_hash: string;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  /** The last TOTP time step accepted (replay guard), or null. */
  totp_last_step: number | null;
  is_admin: BooleanColumn;
  must_change_password: BooleanColumn;
  /** Incremented to end every session (JWT `ver` claim) of the user. */
  token_version: ColumnType<number, number | undefined, number>;
  created_at: EpochMs;
  updated_at: EpochMs;
  last_login_at: EpochMs | null;
}

/** `webauthn_credentials`: passkeys; deleted with their user. */
export interface WebauthnCredentialsTable {
  /** The credential ID, base64url. */
  id: string;
  user_id: string;
  /** COSE public key bytes. */
  public_key: Uint8Array;
  /** Signature counter (WebAuthn §6.1.1), 0..2^32-1. */
  counter: number;
  /** JSON array of AuthenticatorTransport strings. */
  transports: string;
  name: string;
  /** "singleDevice" or "multiDevice". */
  device_type: string;
  backed_up: BooleanColumn;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
}

/** `auth_challenges`: single-use challenges (WebAuthn, login steps); deleted with their user. */
export interface AuthChallengesTable {
  id: string;
  user_id: string | null;
  purpose: string;
  challenge: string;
  expires_at: EpochMs;
}

/** `audit_events`: append-only security log; outlives the users it names (no foreign key). */
export interface AuditEventsTable {
  id: Generated<number>;
  at: EpochMs;
  user_id: string | null;
  event: string;
  ip: string | null;
  user_agent: string | null;
  /** JSON object: `jsonb` on PostgreSQL (read back parsed), text on SQLite. */
  detail: ColumnType<unknown, string, string>;
}

/** The whole database, as Kysely's type parameter. */
/** Asymmetric token-signing keys (EdDSA, ES256); private halves encrypted at rest. */
export interface SigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  algorithm: string;
  /** The public JWK, as JSON. */
  public_jwk: string;
  /** PKCS#8 private key sealed with AES-256-GCM (see core/key-encryption.ts), base64url. */
  private_key: string;
  created_at: EpochMs;
  /** When it stopped signing (a rotation); null while it signs. */
  retired_at: EpochMs | null;
}

export interface Database {
  users: UsersTable;
  webauthn_credentials: WebauthnCredentialsTable;
  auth_challenges: AuthChallengesTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
}
