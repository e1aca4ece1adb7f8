/**
 * The configuration table (STYLE principle 22): one row per variable, keyed by the settings
 * field it fills, in the README's order. Each row gives the variable's name, its type (range and
 * unit included), its default and the README's summary; the same row reads the variable
 * (`loadConfig`), checks the typed option (`createTessera({ … })`), and is held against the
 * README's table by a test. A derived default and a rule across fields live in `resolve.ts`.
 *
 * Adding a variable is a row here (and a README line), plus its use: the field appears in
 * `TesseraConfig` and `TesseraOptions` by itself; a flow that reads it declares it in
 * `ServiceSettings` (or the HTTP layer in `HttpSettings`). Groups of rows with imports of their
 * own sit in `rows-*.ts`. Imports only what the entry point loads anyway (no store, no dictionary).
 */
import {
  DEFAULT_ARGON2_OPTIONS,
  MAX_ARGON2_ITERATIONS,
  MAX_ARGON2_MEMORY_KIB,
  MAX_ARGON2_PARALLELISM,
} from "../core/password.js";
import { JWT_ALGORITHMS } from "../core/jwt/index.js";
import { DEFAULT_TOTP_WINDOW, MAX_TOTP_WINDOW } from "../core/totp.js";
import { DEFAULT_PASSWORD_MIN_SCORE } from "../core/password-score.js";
import * as D from "./defaults.js";
import { ABUSE_SETTINGS } from "./rows-abuse.js";
import { LOCALE_SETTINGS } from "./rows-locale.js";
import { OIDC_SETTINGS } from "./rows-oidc.js";
import { PERSONAL_TOKEN_SETTINGS } from "./rows-personal-tokens.js";
import {
  addressItem,
  choice,
  credential,
  decimal,
  derived,
  flag,
  httpUrl,
  integer,
  list,
  mailbox,
  matching,
  originItem,
  row,
  secret,
  smtpUrl,
  text,
} from "./types.js";

/** Every variable Tessera reads, keyed by the field it fills (`argon2.memoryKib`: nested). */
export const SETTINGS = Object.freeze({
  databaseUrl: row({
    name: "TESSERA_DATABASE_URL",
    // Checked by the store's parser in resolve.ts (which the library's entry point must not load).
    type: text(),
    default: D.DEFAULT_DATABASE_URL,
    summary: "SQLite file or PostgreSQL URL",
  }),
  redisUrl: row({
    name: "TESSERA_REDIS_URL",
    type: matching(/^rediss?:\/\//, "redis://… or rediss://…"),
    default: null,
    summary: "Redis for several instances",
  }),
  host: row({
    name: "TESSERA_HOST",
    type: text(),
    default: D.DEFAULT_HOST,
    summary: "address to listen on",
  }),
  port: row({
    name: "TESSERA_PORT",
    type: integer(0, 65535),
    default: D.DEFAULT_PORT,
    summary: "port",
  }),
  publicUrl: row({
    name: "TESSERA_PUBLIC_URL",
    type: httpUrl(),
    default: derived("http://localhost:PORT"),
    summary: "the URL people use",
  }),
  jwtSecret: row({
    name: "TESSERA_JWT_SECRET",
    type: text(),
    default: derived("generated"),
    summary: "HS256 signing secret",
  }),
  jwtPreviousSecrets: row({
    name: "TESSERA_JWT_PREVIOUS_SECRETS",
    type: list(),
    default: [],
    summary: "older secrets that still verify",
  }),
  jwtValidityHours: row({
    name: "TESSERA_JWT_VALIDITY_HOURS",
    type: decimal(0.01, 24 * 366, "hours"),
    default: D.DEFAULT_JWT_VALIDITY_HOURS,
    summary: "token lifetime",
  }),
  appName: row({
    name: "TESSERA_APP_NAME",
    type: text(),
    default: D.DEFAULT_APP_NAME,
    summary: "TOTP issuer, WebAuthn relying-party name",
  }),
  ...LOCALE_SETTINGS,
  "argon2.memoryKib": row({
    name: "TESSERA_ARGON2_MEMORY_KIB",
    type: integer(8, MAX_ARGON2_MEMORY_KIB, "KiB"),
    default: DEFAULT_ARGON2_OPTIONS.memoryKib,
    summary: "Argon2id memory",
  }),
  "argon2.iterations": row({
    name: "TESSERA_ARGON2_ITERATIONS",
    type: integer(1, MAX_ARGON2_ITERATIONS),
    default: DEFAULT_ARGON2_OPTIONS.iterations,
    summary: "Argon2id passes",
  }),
  "argon2.parallelism": row({
    name: "TESSERA_ARGON2_PARALLELISM",
    type: integer(1, MAX_ARGON2_PARALLELISM),
    default: DEFAULT_ARGON2_OPTIONS.parallelism,
    summary: "Argon2id lanes",
  }),
  totpWindow: row({
    name: "TESSERA_TOTP_WINDOW",
    type: integer(0, MAX_TOTP_WINDOW),
    default: DEFAULT_TOTP_WINDOW,
    summary: "TOTP steps accepted around now",
  }),
  trustedProxies: row({
    name: "TESSERA_TRUSTED_PROXIES",
    type: list(addressItem(["loopback", "linklocal", "uniquelocal"])),
    default: [],
    summary: "proxies whose X-Forwarded-For is believed",
  }),
  addressMaxFailures: row({
    name: "TESSERA_LOGIN_ADDRESS_MAX_FAILURES",
    type: integer(1, 1_000_000),
    default: D.DEFAULT_ADDRESS_MAX_FAILURES,
    summary: "failed logins per address",
  }),
  addressWindowMinutes: row({
    name: "TESSERA_LOGIN_ADDRESS_WINDOW_MINUTES",
    type: integer(1, 24 * 60, "minutes"),
    default: D.DEFAULT_ADDRESS_WINDOW_MINUTES,
    summary: "window of the per-address limit",
  }),
  maxBodyBytes: row({
    name: "TESSERA_MAX_BODY_BYTES",
    type: integer(1024, 16 * 1024 * 1024, "bytes"),
    default: D.DEFAULT_MAX_BODY_BYTES,
    summary: "largest request body",
  }),
  "webauthn.rpId": row({
    name: "TESSERA_RP_ID",
    type: text(),
    default: derived("the public URL's host"),
    summary: "WebAuthn relying-party ID",
  }),
  "webauthn.rpName": row({
    name: "TESSERA_RP_NAME",
    type: text(),
    default: derived("the app name"),
    summary: "WebAuthn relying-party name",
  }),
  "webauthn.origins": row({
    name: "TESSERA_WEBAUTHN_ORIGINS",
    type: list(originItem),
    default: derived("the public URL's origin"),
    summary: "origins of passkey ceremonies",
  }),
  adminEmail: row({
    name: "TESSERA_ADMIN_EMAIL",
    type: text(),
    default: D.DEFAULT_ADMIN_EMAIL,
    summary: "email of the first admin",
  }),
  dataDir: row({
    name: "TESSERA_DATA_DIR",
    type: text(),
    default: derived("the SQLite file's folder, else ./data"),
    summary: "where the secret is kept",
  }),
  logLevel: row({
    name: "TESSERA_LOG_LEVEL",
    type: text(),
    default: D.DEFAULT_LOG_LEVEL,
    summary: "pino log level",
  }),
  sessionIdleMinutes: row({
    name: "TESSERA_SESSION_IDLE_MINUTES",
    // At least two touch intervals (last_seen is written once a minute).
    type: integer(2, 366 * 24 * 60, "minutes"),
    default: D.DEFAULT_SESSION_IDLE_MINUTES,
    summary: "a session unused this long ends",
  }),
  sessionRetentionDays: row({
    name: "TESSERA_SESSION_RETENTION_DAYS",
    type: integer(0, 3660, "days"),
    default: D.DEFAULT_SESSION_RETENTION_DAYS,
    summary: "ended sessions kept for the activity view",
  }),
  tokenClaims: row({
    name: "TESSERA_TOKEN_CLAIMS",
    type: choice(["minimal", "seed"]),
    default: "minimal",
    summary: "seed: name and email back in tokens",
  }),
  legacyTokens: row({
    name: "TESSERA_LEGACY_TOKENS",
    type: choice(["accept", "refuse"]),
    default: "accept",
    summary: "refuse: seed tokens (no sid) get 401",
  }),
  sessionCache: row({
    name: "TESSERA_SESSION_CACHE",
    type: flag("on", "off"),
    default: true,
    summary: "off: every request reads the database",
  }),
  auditRetentionDays: row({
    name: "TESSERA_AUDIT_RETENTION_DAYS",
    type: integer(0, 100 * 366, "days"),
    default: D.DEFAULT_AUDIT_RETENTION_DAYS,
    summary: "days audit events are kept",
  }),
  "metrics.enabled": row({
    name: "TESSERA_METRICS",
    type: flag("true", "false"),
    default: false,
    summary: "serve GET /metrics",
  }),
  "metrics.allow": row({
    name: "TESSERA_METRICS_ALLOW",
    type: list(addressItem(["loopback"])),
    default: ["loopback"],
    summary: "addresses that may read /metrics",
  }),
  "metrics.token": row({
    name: "TESSERA_METRICS_TOKEN",
    type: credential(D.MIN_METRICS_TOKEN_LENGTH),
    default: null,
    summary: "bearer token that may read /metrics from anywhere",
  }),
  databaseAcquireTimeoutMs: row({
    name: "TESSERA_DATABASE_ACQUIRE_TIMEOUT_MS",
    type: integer(100, 600_000, "ms"),
    default: D.DEFAULT_DATABASE_ACQUIRE_TIMEOUT_MS,
    summary: "wait for a database connection",
  }),
  databaseStatementTimeoutMs: row({
    name: "TESSERA_DATABASE_STATEMENT_TIMEOUT_MS",
    type: integer(100, 600_000, "ms"),
    default: D.DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS,
    summary: "longest database query",
  }),
  databaseStartTimeoutSeconds: row({
    name: "TESSERA_DATABASE_START_TIMEOUT_SECONDS",
    type: integer(0, 3_600, "seconds"),
    default: D.DEFAULT_DATABASE_START_TIMEOUT_SECONDS,
    summary: "retry an unreachable database at start",
  }),
  requestTimeoutSeconds: row({
    name: "TESSERA_REQUEST_TIMEOUT_SECONDS",
    type: integer(1, 3_600, "seconds"),
    default: D.DEFAULT_REQUEST_TIMEOUT_SECONDS,
    summary: "longest request, body included",
  }),
  headersTimeoutSeconds: row({
    name: "TESSERA_HEADERS_TIMEOUT_SECONDS",
    type: integer(1, 3_600, "seconds"),
    default: D.DEFAULT_HEADERS_TIMEOUT_SECONDS,
    summary: "longest wait for request headers",
  }),
  maxConnections: row({
    name: "TESSERA_MAX_CONNECTIONS",
    type: integer(1, 1_000_000),
    default: D.DEFAULT_MAX_CONNECTIONS,
    summary: "open connections at once",
  }),
  keepAliveTimeoutSeconds: row({
    name: "TESSERA_KEEP_ALIVE_TIMEOUT_SECONDS",
    type: integer(1, 3_600, "seconds"),
    default: D.DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS,
    summary: "idle keep-alive connection lifetime",
  }),
  maxRequestsPerSocket: row({
    name: "TESSERA_MAX_REQUESTS_PER_SOCKET",
    type: integer(0, 1_000_000),
    default: D.DEFAULT_MAX_REQUESTS_PER_SOCKET,
    summary: "requests per keep-alive connection",
  }),
  jwtAlgorithm: row({
    name: "TESSERA_JWT_ALGORITHM",
    type: choice(JWT_ALGORITHMS, "one of"),
    default: "HS256",
    summary: "HS256, EdDSA or ES256",
  }),
  keyEncryptionSecret: row({
    name: "TESSERA_KEY_ENCRYPTION_SECRET",
    type: secret(),
    default: derived("the JWT secret"),
    summary: "seals the private signing keys",
  }),
  passwordMinScore: row({
    name: "TESSERA_PASSWORD_MIN_SCORE",
    type: integer(0, 4),
    default: DEFAULT_PASSWORD_MIN_SCORE,
    summary: "least password strength, 0-4",
  }),
  "breachedPasswords.url": row({
    name: "TESSERA_BREACHED_PASSWORDS_URL",
    type: matching(/^https?:\/\//, "an http(s) URL such as https://api.pwnedpasswords.com/range/"),
    default: null,
    summary: "k-anonymity range endpoint for breached passwords",
  }),
  "breachedPasswords.failMode": row({
    name: "TESSERA_BREACHED_PASSWORDS_FAIL",
    type: choice(["open", "closed"]),
    default: "closed",
    summary: "open or closed when the range endpoint is down",
  }),
  accessTokenMinutes: row({
    name: "TESSERA_ACCESS_TOKEN_MINUTES",
    type: integer(1, 1_440, "minutes"),
    default: D.DEFAULT_ACCESS_TOKEN_MINUTES,
    summary: "lifetime of POST /token/access tokens",
  }),
  tokenAudience: row({
    name: "TESSERA_TOKEN_AUDIENCE",
    type: text(),
    default: null,
    summary: "aud claim of access tokens",
  }),
  introspectionSecret: row({
    name: "TESSERA_INTROSPECTION_SECRET",
    type: credential(D.MIN_INTROSPECTION_SECRET_LENGTH),
    default: null,
    summary: "bearer credential of POST /token/introspect",
  }),
  requireTwoFa: row({
    name: "TESSERA_REQUIRE_2FA",
    type: choice(D.TWO_FA_POLICIES),
    default: "off",
    summary: "admins or all: a second factor is mandatory",
  }),
  reauthenticationMinutes: row({
    name: "TESSERA_REAUTHENTICATION_MINUTES",
    type: integer(1, D.MAX_REAUTHENTICATION_MINUTES, "minutes"),
    default: D.DEFAULT_REAUTHENTICATION_MINUTES,
    summary: "sensitive actions need an authentication this recent",
  }),
  smtpUrl: row({
    name: "TESSERA_SMTP_URL",
    type: smtpUrl(),
    default: null,
    summary: "smtp:// or smtps:// server that sends mail",
  }),
  mailFrom: row({
    name: "TESSERA_MAIL_FROM",
    type: mailbox(),
    default: derived('"APP_NAME" <no-reply@public host>'),
    summary: "sender of every mail",
  }),
  requireVerifiedEmail: row({
    name: "TESSERA_REQUIRE_VERIFIED_EMAIL",
    type: flag("true", "false"),
    default: false,
    summary: "true: no sign-in before the address is verified",
  }),
  signup: row({
    name: "TESSERA_SIGNUP",
    type: choice(["off", "open"]),
    default: "off",
    summary: "open: anyone may create an account (POST /signup)",
  }),
  userDirectory: row({
    name: "TESSERA_USER_DIRECTORY",
    type: choice(["off", "search"]),
    default: "off",
    summary: "search: signed-in users may look people up by name (GET /users?q=)",
  }),
  ...ABUSE_SETTINGS,
  nodeEnv: row({
    name: "NODE_ENV",
    type: text(),
    default: null,
    summary: "production makes the secret required and https mandatory",
  }),
  ...OIDC_SETTINGS,
  ...PERSONAL_TOKEN_SETTINGS,
});

/** A settings field the table fills (`sessionIdleMinutes`, `argon2.memoryKib`). */
export type SettingField = keyof typeof SETTINGS;

/** Every row, in the README's order, with the field it fills. */
export const SETTING_ROWS = Object.freeze(
  (Object.keys(SETTINGS) as SettingField[]).map((field) =>
    Object.freeze({ field, ...SETTINGS[field] }),
  ),
);
