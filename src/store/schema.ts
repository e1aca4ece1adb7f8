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
  /** Unused codes of the current recovery set; null when there is none (recovery-codes.ts). */
  recovery_codes_left: number | null;
  /** When an admin locked the account (migration 0007); null: not locked. */
  locked_at: EpochMs | null;
  /** When the lock ends by itself; null with `locked_at` set: only an unlock ends it. */
  locked_until: EpochMs | null;
  /** The admin's reason (shown to admins, never to the user). */
  lock_reason: string | null;
  /** When the user proved they read mail at `email` (issue 12); null: not verified. */
  email_verified_at: EpochMs | null;
  /** No sign-in before the address is verified (a self-service sign-up, issue 12 part 5). */
  requires_verified_email: ColumnType<SqlBool, 0 | 1 | undefined, 0 | 1>;
  /** The offline policy the password last passed at a sign-in (migration 0015); null: unchecked. */
  password_policy_checked: ColumnType<string | null, string | null | undefined, string | null>;
  /** The language the person chose (migration 0016, a `LOCALES` tag); null: none chosen. */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
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

/**
 * `recovery_codes`: the user's current set of recovery codes, one row per code, keyed by its
 * public index; deleted with their user or replaced by a new set.
 */
export interface RecoveryCodesTable {
  user_id: string;
  /** The code's public index (4 Crockford base32 symbols). */
  lookup: string;
  /** Argon2id PHC string of the secret part. */
  code_hash: string;
  created_at: EpochMs;
  /** When it was used to sign in; a code is used at most once. */
  used_at: EpochMs | null;
}

/** `auth_challenges`: single-use challenges (WebAuthn, login steps); deleted with their user. */
export interface AuthChallengesTable {
  id: string;
  user_id: string | null;
  purpose: string;
  challenge: string;
  expires_at: EpochMs;
}

/**
 * `rate_limit_counters`: the login and TOTP failure counters when there is no Redis (issue 14
 * item 6: a restart must not clear every lock). One row per key; see core/rate-limit.ts.
 */
export interface RateLimitCountersTable {
  key: string;
  failures: number;
  locked_until_ms: EpochMs;
  expires_at_ms: EpochMs;
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
  /** Position in the hash chain: 1, 2, 3, … without gaps (core/audit-chain.ts). */
  seq: number;
  /** Who acted: the user themselves, an admin, or null for the operator. */
  actor_id: string | null;
  /** The previous event's `hash` ("" for the first). */
  prev_hash: string;
  /** SHA-256 (hex) over this event's fields and `prev_hash`. */
  hash: string;
}

/** `audit_chain_head`: one row (id 1), the newest event's seq and hash; appends lock it. */
export interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** `audit_checkpoints`: (seq, hash) of the chain at a moment, written by the daily sweep. */
export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  at: EpochMs;
}

/** `sessions`: one row per sign-in (the token's `sid`); deleted with their user. */
export interface SessionsTable {
  /** 128 random bits, base64url. */
  id: string;
  user_id: string;
  created_at: EpochMs;
  /** Written at most once a minute per session, not on every request. */
  last_seen_at: EpochMs;
  /** Absolute end (`TESSERA_JWT_VALIDITY_HOURS` after sign-in). */
  expires_at: EpochMs;
  /** `last_seen_at` + the idle timeout. */
  idle_expires_at: EpochMs;
  /** JSON array of authentication method references (RFC 8176 names where it has them). */
  amr: string;
  auth_time: EpochMs;
  ip: string | null;
  user_agent: string | null;
  /** A readable summary of the user agent ("Chrome on Linux"). */
  device: string | null;
  ended_at: EpochMs | null;
  end_reason: string | null;
}

/** Personal access tokens (issue 23): the secret only as its SHA-256. */
export interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** base64url SHA-256 of the token; unique. */
  token_hash: string;
  /** JSON array of scope strings. */
  scopes: string;
  created_at: EpochMs;
  expires_at: EpochMs;
  /** Written at most once a minute, not on every request. */
  last_used_at: EpochMs | null;
  last_used_address: string | null;
  revoked_at: EpochMs | null;
  revoked_reason: string | null;
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

/** `mail_queue`: outgoing mail, sent by the worker (services/mail/queue.ts), kept after sending. */
export interface MailQueueTable {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  /** "pending" (to send, maybe again), "sent", or "failed" (gave up after the last attempt). */
  status: string;
  attempts: number;
  /** Not sent before this time (exponential backoff after a failure). */
  next_attempt_at: EpochMs;
  /** The last sending error (the SMTP reply), never the mail's content. */
  last_error: string | null;
  created_at: EpochMs;
  sent_at: EpochMs | null;
  /** The worker holding the row while it sends, and until when (a lease; then anyone may). */
  claimed_by: string | null;
  claimed_until: EpochMs | null;
}

/** `email_tokens`: single-use tokens sent by mail, stored as SHA-256 hashes only. */
export interface EmailTokensTable {
  id: string;
  /** Null for a token not tied to an account yet (an invitation). */
  user_id: string | null;
  /** "password_reset", "email_verification", "invitation" or "not_me". */
  purpose: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  /** JSON object: what the token is about (the address being verified, a session id, …). */
  data: string;
  expires_at: EpochMs;
  used_at: EpochMs | null;
  created_at: EpochMs;
}

/** `known_devices`: where each user signed in from, for new-device notices. */
export interface KnownDevicesTable {
  user_id: string;
  device_id: string;
  first_seen_at: EpochMs;
  last_seen_at: EpochMs;
}

/** `oidc_artefacts`: the OpenID Connect provider's models (issue 21), payloads as JSON text. */
export interface OidcArtefactsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  client_id: string | null;
  /** A provider session: the Tessera session it belongs to. */
  tessera_session_id: string | null;
  consumed_at: EpochMs | null;
  expires_at: EpochMs | null;
}

/** `oidc_clients`: registered relying parties; secrets as SHA-256 digests. */
export interface OidcClientsTable {
  client_id: string;
  name: string;
  /** The provider's client metadata as JSON text, without the secret. */
  metadata: string;
  secret_hash: string | null;
  first_party: BooleanColumn;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** `oidc_consents`: the scopes a person granted a client. */
export interface OidcConsentsTable {
  user_id: string;
  client_id: string;
  /** Space-separated. */
  scopes: string;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** `oidc_refresh_grace`: concurrent refreshes with one token get one successor. */
export interface OidcRefreshGraceTable {
  token_hash: string;
  client_id: string;
  sealed_response: string | null;
  created_at: EpochMs;
  expires_at: EpochMs;
}

/** `roles` (migration 0013): a named set of permissions; `admin` is built in. */
export interface RolesTable {
  name: string;
  description: string;
  /** JSON array of permission strings (`resource:action`), sorted, each once. */
  permissions: string;
  built_in: BooleanColumn;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/** `user_roles`: who holds which role (never `admin`: that is `users.is_admin`). */
export interface UserRolesTable {
  user_id: string;
  role_name: string;
}

/** `upstream_providers` (migration 0014): where people may sign in from (issue 22). */
export interface UpstreamProvidersTable {
  id: string;
  name: string;
  kind: string;
  issuer: string;
  client_id: string;
  /** Sealed with the key-encryption key (core/key-encryption.ts), the id as associated data. */
  client_secret: string;
  scopes: string;
  link_policy: string;
  create_accounts: BooleanColumn;
  trust_upstream_mfa: BooleanColumn;
  created_at: EpochMs;
}

/** `linked_identities`: an upstream identity (provider, `sub`) and the account it signs in to. */
export interface LinkedIdentitiesTable {
  provider_id: string;
  subject: string;
  user_id: string;
  email_at_link: string | null;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
}

export interface Database {
  users: UsersTable;
  webauthn_credentials: WebauthnCredentialsTable;
  auth_challenges: AuthChallengesTable;
  audit_events: AuditEventsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
  rate_limit_counters: RateLimitCountersTable;
  recovery_codes: RecoveryCodesTable;
  mail_queue: MailQueueTable;
  email_tokens: EmailTokensTable;
  known_devices: KnownDevicesTable;
  oidc_artefacts: OidcArtefactsTable;
  oidc_clients: OidcClientsTable;
  oidc_consents: OidcConsentsTable;
  oidc_refresh_grace: OidcRefreshGraceTable;
  personal_access_tokens: PersonalAccessTokensTable;
  roles: RolesTable;
  user_roles: UserRolesTable;
  upstream_providers: UpstreamProvidersTable;
  linked_identities: LinkedIdentitiesTable;
}
