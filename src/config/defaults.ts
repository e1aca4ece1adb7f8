/**
 * The defaults of the settings Tessera owns, each a named constant citing its source (STYLE
 * principles 7 and 22: a setting's default lives with the configuration, never in the module
 * that uses it). Defaults of the core's own options (Argon2, the TOTP window, the password
 * score) stay with the core, whose functions take them too; the rows name them there.
 */

/** Default SQLite file, relative to the working directory. */
export const DEFAULT_DATABASE_URL = "./data/tessera.db";
/** Listen on loopback only unless told otherwise: a fresh install is not exposed by accident. */
export const DEFAULT_HOST = "127.0.0.1";
/** The seed app's port. */
export const DEFAULT_PORT = 8000;
/** The longest a session lasts after sign-in: the seed's token lifetime, 7 days. */
export const DEFAULT_JWT_VALIDITY_HOURS = 168;
/** TOTP issuer and WebAuthn RP name. */
export const DEFAULT_APP_NAME = "Tessera";
/** Request bodies larger than this get 413 (issue: 64 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** Failed logins per client address before a wait (issue: 100 per 15 minutes). */
export const DEFAULT_ADDRESS_MAX_FAILURES = 100;
export const DEFAULT_ADDRESS_WINDOW_MINUTES = 15;
/** Email of the first admin when `TESSERA_ADMIN_EMAIL` is not set (`.invalid`: RFC 2606 §2). */
export const DEFAULT_ADMIN_EMAIL = "admin@tessera.invalid";
/** Pino level of the standalone server's log (`silent` under `NODE_ENV=test`). */
export const DEFAULT_LOG_LEVEL = "info";
/** Idle timeout: a session unused this long ends (issue 10: one day). */
export const DEFAULT_SESSION_IDLE_MINUTES = 1440;
/** Ended and expired records are kept this long for the activity view, then swept. */
export const DEFAULT_SESSION_RETENTION_DAYS = 30;
/** Days audit events are kept (the operations issue: a year). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
/**
 * Issue 14 (hardening): how long a request may wait for a database connection, and a query for
 * its answer, before a 503 (a stalled PostgreSQL must not hang requests).
 */
export const DEFAULT_DATABASE_ACQUIRE_TIMEOUT_MS = 3_000;
export const DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS = 5_000;
/** How long `tessera serve` keeps retrying an unreachable database at start. */
export const DEFAULT_DATABASE_START_TIMEOUT_SECONDS = 60;
/** Whole-request and headers timeouts (issue 14 item 5: 30 s and 10 s). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
export const DEFAULT_HEADERS_TIMEOUT_SECONDS = 10;
/** Open connections at once; more are refused at accept (Node `server.maxConnections`). */
export const DEFAULT_MAX_CONNECTIONS = 2_000;
/** An idle keep-alive connection is closed after this long (Node's default is 5 s). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS = 5;
/** Requests per keep-alive connection before it is closed (0 = no limit in Node). */
export const DEFAULT_MAX_REQUESTS_PER_SOCKET = 1_000;
/** Lifetime of the access tokens of `POST /token/access` (issue 13). */
export const DEFAULT_ACCESS_TOKEN_MINUTES = 10;
/**
 * How recent an authentication a sensitive action needs (issue 11 item 4: ASVS 5.0 V7.5.1
 * asks for a full re-authentication before changing the MFA configuration or recovery data).
 */
export const DEFAULT_REAUTHENTICATION_MINUTES = 10;
/** A day: longer would make the check meaningless next to the idle timeout. */
export const MAX_REAUTHENTICATION_MINUTES = 1440;
/** The values of `TESSERA_REQUIRE_2FA`: who must have a second factor (issue 11 item 3). */
export const TWO_FA_POLICIES = ["off", "admins", "all"] as const;
/** Shortest `TESSERA_METRICS_TOKEN`: 32 characters, about 192 bits as base64. */
export const MIN_METRICS_TOKEN_LENGTH = 32;
/** Shortest `TESSERA_INTROSPECTION_SECRET`, as the metrics token. */
export const MIN_INTROSPECTION_SECRET_LENGTH = 32;
