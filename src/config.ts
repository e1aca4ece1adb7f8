/**
 * Environment → typed, validated, frozen configuration (STYLE principle 7). Every variable
 * Tessera reads is declared once in `ENVIRONMENT` (a test holds it against the README's
 * table); the rules for each value come from the module that owns them (Argon2 ranges from
 * core/password, the TOTP window from core/totp, the key ring from core/jwt, database URLs
 * from the store). Every bad value is reported at start with the variable's name and what was
 * expected; all problems are reported at once.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  DEFAULT_ARGON2_OPTIONS,
  MAX_ARGON2_ITERATIONS,
  MAX_ARGON2_MEMORY_KIB,
  MAX_ARGON2_PARALLELISM,
  type Argon2Options,
} from "./core/password.js";
import {
  JWT_ALGORITHMS,
  createJwtKeyRing,
  type JwtAlgorithm,
  type JwtKeyRing,
} from "./core/jwt.js";
import { DEFAULT_TOTP_WINDOW, MAX_TOTP_WINDOW } from "./core/totp.js";
import { DEFAULT_PASSWORD_MIN_SCORE } from "./core/password-policy.js";
import type { HttpSettings } from "./http/settings.js";
import {
  DEFAULT_SESSION_IDLE_MINUTES,
  DEFAULT_SESSION_RETENTION_DAYS,
} from "./services/sessions/sessions.js";
import { DEFAULT_ACCESS_TOKEN_MINUTES } from "./services/sessions/access-tokens.js";
import {
  DEFAULT_REAUTHENTICATION_MINUTES,
  MAX_REAUTHENTICATION_MINUTES,
  TWO_FA_POLICIES,
} from "./services/sessions/two-factor-policy.js";
import { parseDatabaseUrl } from "./store/index.js";

/** Default SQLite file, relative to the working directory. */
export const DEFAULT_DATABASE_URL = "./data/tessera.db";
/** Listen on loopback only unless told otherwise: a fresh install is not exposed by accident. */
export const DEFAULT_HOST = "127.0.0.1";
/** The seed app's port. */
export const DEFAULT_PORT = 8000;
/** Token lifetime: the seed's 7 days. */
export const DEFAULT_JWT_VALIDITY_HOURS = 168;
/** TOTP issuer and WebAuthn RP name. */
export const DEFAULT_APP_NAME = "Tessera";
/** Request bodies larger than this get 413 (issue: 64 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** Failed logins per client address before a wait (issue: 100 per 15 minutes). */
export const DEFAULT_ADDRESS_MAX_FAILURES = 100;
export const DEFAULT_ADDRESS_WINDOW_MINUTES = 15;
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
/** Shortest JWT secret accepted (RFC 7518 §3.2: a key of at least the hash output size). */
export const MIN_JWT_SECRET_BYTES = 32;
/** Email of the first admin when `TESSERA_ADMIN_EMAIL` is not set (`.invalid`: RFC 2606 §2). */
export const DEFAULT_ADMIN_EMAIL = "admin@tessera.invalid";
/** Days audit events are kept (the operations issue: a year). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
/** Shortest `TESSERA_METRICS_TOKEN`: 32 characters, about 192 bits as base64. */
export const MIN_METRICS_TOKEN_LENGTH = 32;
/** Shortest `TESSERA_INTROSPECTION_SECRET`, as the metrics token. */
export const MIN_INTROSPECTION_SECRET_LENGTH = 32;
/** File in the data folder that keeps the generated secret when none is configured. */
export const JWT_SECRET_FILE = "jwt-secret";

/** One environment variable Tessera reads: a row of the README's configuration table. */
export interface EnvironmentVariable {
  readonly name: string;
  /** The default as the README shows it. */
  readonly default: string;
  readonly summary: string;
}

/** Every environment variable Tessera reads, in the README's order. */
export const ENVIRONMENT: readonly EnvironmentVariable[] = Object.freeze(
  (
    [
      ["TESSERA_DATABASE_URL", DEFAULT_DATABASE_URL, "SQLite file or PostgreSQL URL"],
      ["TESSERA_REDIS_URL", "none", "Redis for several instances"],
      ["TESSERA_HOST", DEFAULT_HOST, "address to listen on"],
      ["TESSERA_PORT", String(DEFAULT_PORT), "port"],
      ["TESSERA_PUBLIC_URL", "http://localhost:PORT", "the URL people use"],
      ["TESSERA_JWT_SECRET", "generated", "HS256 signing secret"],
      ["TESSERA_JWT_PREVIOUS_SECRETS", "none", "older secrets that still verify"],
      ["TESSERA_JWT_VALIDITY_HOURS", String(DEFAULT_JWT_VALIDITY_HOURS), "token lifetime"],
      ["TESSERA_APP_NAME", DEFAULT_APP_NAME, "TOTP issuer, WebAuthn relying-party name"],
      ["TESSERA_ARGON2_MEMORY_KIB", String(DEFAULT_ARGON2_OPTIONS.memoryKib), "Argon2id memory"],
      ["TESSERA_ARGON2_ITERATIONS", String(DEFAULT_ARGON2_OPTIONS.iterations), "Argon2id passes"],
      ["TESSERA_ARGON2_PARALLELISM", String(DEFAULT_ARGON2_OPTIONS.parallelism), "Argon2id lanes"],
      ["TESSERA_TOTP_WINDOW", String(DEFAULT_TOTP_WINDOW), "TOTP steps accepted around now"],
      ["TESSERA_TRUSTED_PROXIES", "none", "proxies whose X-Forwarded-For is believed"],
      [
        "TESSERA_LOGIN_ADDRESS_MAX_FAILURES",
        String(DEFAULT_ADDRESS_MAX_FAILURES),
        "failed logins per address",
      ],
      [
        "TESSERA_LOGIN_ADDRESS_WINDOW_MINUTES",
        String(DEFAULT_ADDRESS_WINDOW_MINUTES),
        "window of the per-address limit",
      ],
      ["TESSERA_MAX_BODY_BYTES", String(DEFAULT_MAX_BODY_BYTES), "largest request body"],
      ["TESSERA_RP_ID", "the public URL's host", "WebAuthn relying-party ID"],
      ["TESSERA_RP_NAME", "the app name", "WebAuthn relying-party name"],
      ["TESSERA_WEBAUTHN_ORIGINS", "the public URL's origin", "origins of passkey ceremonies"],
      ["TESSERA_ADMIN_EMAIL", DEFAULT_ADMIN_EMAIL, "email of the first admin"],
      ["TESSERA_DATA_DIR", "the SQLite file's folder, else ./data", "where the secret is kept"],
      ["TESSERA_LOG_LEVEL", "info", "pino log level"],
      [
        "TESSERA_SESSION_IDLE_MINUTES",
        String(DEFAULT_SESSION_IDLE_MINUTES),
        "a session unused this long ends",
      ],
      [
        "TESSERA_SESSION_RETENTION_DAYS",
        String(DEFAULT_SESSION_RETENTION_DAYS),
        "ended sessions kept for the activity view",
      ],
      ["TESSERA_TOKEN_CLAIMS", "minimal", "seed: name and email back in tokens"],
      ["TESSERA_LEGACY_TOKENS", "accept", "refuse: seed tokens (no sid) get 401"],
      ["TESSERA_SESSION_CACHE", "on", "off: every request reads the database"],
      [
        "TESSERA_AUDIT_RETENTION_DAYS",
        String(DEFAULT_AUDIT_RETENTION_DAYS),
        "days audit events are kept",
      ],
      ["TESSERA_METRICS", "false", "serve GET /metrics"],
      ["TESSERA_METRICS_ALLOW", "loopback", "addresses that may read /metrics"],
      ["TESSERA_METRICS_TOKEN", "none", "bearer token that may read /metrics from anywhere"],
      [
        "TESSERA_DATABASE_ACQUIRE_TIMEOUT_MS",
        String(DEFAULT_DATABASE_ACQUIRE_TIMEOUT_MS),
        "wait for a database connection",
      ],
      [
        "TESSERA_DATABASE_STATEMENT_TIMEOUT_MS",
        String(DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS),
        "longest database query",
      ],
      [
        "TESSERA_DATABASE_START_TIMEOUT_SECONDS",
        String(DEFAULT_DATABASE_START_TIMEOUT_SECONDS),
        "retry an unreachable database at start",
      ],
      [
        "TESSERA_REQUEST_TIMEOUT_SECONDS",
        String(DEFAULT_REQUEST_TIMEOUT_SECONDS),
        "longest request, body included",
      ],
      [
        "TESSERA_HEADERS_TIMEOUT_SECONDS",
        String(DEFAULT_HEADERS_TIMEOUT_SECONDS),
        "longest wait for request headers",
      ],
      ["TESSERA_MAX_CONNECTIONS", String(DEFAULT_MAX_CONNECTIONS), "open connections at once"],
      [
        "TESSERA_KEEP_ALIVE_TIMEOUT_SECONDS",
        String(DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS),
        "idle keep-alive connection lifetime",
      ],
      [
        "TESSERA_MAX_REQUESTS_PER_SOCKET",
        String(DEFAULT_MAX_REQUESTS_PER_SOCKET),
        "requests per keep-alive connection",
      ],
      ["TESSERA_JWT_ALGORITHM", "HS256", "HS256, EdDSA or ES256"],
      ["TESSERA_KEY_ENCRYPTION_SECRET", "the JWT secret", "seals EdDSA/ES256 private keys"],
      [
        "TESSERA_PASSWORD_MIN_SCORE",
        String(DEFAULT_PASSWORD_MIN_SCORE),
        "least password strength, 0-4",
      ],
      [
        "TESSERA_BREACHED_PASSWORDS_URL",
        "none",
        "k-anonymity range endpoint for breached passwords",
      ],
      [
        "TESSERA_BREACHED_PASSWORDS_FAIL",
        "closed",
        "open or closed when the range endpoint is down",
      ],
      [
        "TESSERA_ACCESS_TOKEN_MINUTES",
        String(DEFAULT_ACCESS_TOKEN_MINUTES),
        "lifetime of POST /token/access tokens",
      ],
      ["TESSERA_TOKEN_AUDIENCE", "none", "aud claim of access tokens"],
      ["TESSERA_INTROSPECTION_SECRET", "none", "bearer credential of POST /token/introspect"],
      ["TESSERA_REQUIRE_2FA", "off", "admins or all: a second factor is mandatory"],
      [
        "TESSERA_REAUTHENTICATION_MINUTES",
        String(DEFAULT_REAUTHENTICATION_MINUTES),
        "sensitive actions need an authentication this recent",
      ],
      ["TESSERA_SMTP_URL", "none", "smtp:// or smtps:// server that sends mail"],
      ["TESSERA_MAIL_FROM", '"APP_NAME" <no-reply@public host>', "sender of every mail"],
      [
        "TESSERA_REQUIRE_VERIFIED_EMAIL",
        "false",
        "true: no sign-in before the address is verified",
      ],
      ["TESSERA_SIGNUP", "off", "open: anyone may create an account (POST /signup)"],
      [
        "TESSERA_USER_DIRECTORY",
        "off",
        "search: signed-in users may look people up by name (GET /users?q=)",
      ],
      ["NODE_ENV", "none", "production makes the secret required and https mandatory"],
    ] as const
  ).map(([name, fallback, summary]) => Object.freeze({ name, default: fallback, summary })),
);

const DECLARED = new Set(ENVIRONMENT.map((v) => v.name));

export interface TesseraConfig extends HttpSettings {
  readonly databaseUrl: string;
  readonly redisUrl: string | null;
  readonly host: string;
  readonly port: number;
  /** The URL people reach the server at, without a trailing slash. */
  readonly publicUrl: string;
  /** `publicUrl`'s origin (the first of `allowedOrigins`). */
  readonly publicOrigin: string;
  /**
   * Origins whose cookie-authenticated writes are accepted, `publicOrigin` first (the address
   * to send people to). With `TESSERA_PUBLIC_URL` unset, also the other loopback spellings of
   * the same port (`127.0.0.1`, `[::1]`): the start line prints one, browsers may open another.
   */
  readonly allowedOrigins: readonly string[];
  readonly jwtKeys: JwtKeyRing;
  /** What session tokens are signed with (`TESSERA_JWT_ALGORITHM`). */
  readonly jwtAlgorithm: JwtAlgorithm;
  /** The secret EdDSA/ES256 private keys are sealed with in the database. */
  readonly keyEncryptionSecret: string;
  readonly webauthn: {
    readonly rpId: string;
    readonly rpName: string;
    readonly origins: readonly string[];
  };
  readonly dataDir: string;
  readonly production: boolean;
  readonly addressMaxFailures: number;
  readonly addressWindowMinutes: number;
  readonly sessionIdleMinutes: number;
  readonly sessionRetentionDays: number;
  readonly tokenClaims: "minimal" | "seed";
  readonly legacyTokens: "accept" | "refuse";
  /** The per-process session cache (`TESSERA_SESSION_CACHE`, default on). */
  readonly sessionCache: boolean;
  /** Email of the `admin` account made on first start. */
  readonly adminEmail: string;
  /** Days audit events are kept; 0 keeps them forever. */
  readonly auditRetentionDays: number;
  /** `GET /metrics`: off unless enabled; then open to `allow` or to the bearer `token`. */
  readonly metrics: {
    readonly enabled: boolean;
    readonly allow: readonly string[];
    readonly token: string | null;
  };
  readonly databaseAcquireTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  readonly databaseStartTimeoutSeconds: number;
  readonly requestTimeoutSeconds: number;
  readonly headersTimeoutSeconds: number;
  readonly maxConnections: number;
  readonly keepAliveTimeoutSeconds: number;
  readonly maxRequestsPerSocket: number;
  /** `TESSERA_SMTP_URL` (it may hold a password: never log it); null: mail goes to the outbox. */
  readonly smtpUrl: string | null;
  /** The `From` of every mail (`TESSERA_MAIL_FROM`). */
  readonly mailFrom: string;
  readonly requireVerifiedEmail: boolean;
  readonly signup: "off" | "open";
  /** Issue 25: `search` lets every signed-in user look people up by name; `off`: admins only. */
  readonly userDirectory: "off" | "search";
}

/** Thrown when the environment holds bad values; its message lists every problem. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** What a host app gives `loadConfig` besides the environment. */
export interface LoadConfigOptions {
  /**
   * The URL people open (`TESSERA_PUBLIC_URL`, which it overrides): a host app passes its own
   * address, since the default (`http://localhost:` + `TESSERA_PORT`, 8000) is the standalone
   * server's. Browsers' `Origin` is checked against it (403 `csrf` otherwise) and passkeys are
   * bound to it. Validated like the variable.
   */
  publicUrl?: string;
}

/**
 * Reads and validates the configuration from `env` (default `process.env`) and `options`. With
 * no `TESSERA_JWT_SECRET`, a random secret is made on first start and kept in the data folder
 * (mode 0600), except in production (`NODE_ENV=production`), where it is an error.
 * @throws ConfigError listing every bad value.
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): TesseraConfig {
  if (options.publicUrl !== undefined) env = { ...env, TESSERA_PUBLIC_URL: options.publicUrl };
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    // Reading a variable the schema does not declare is a bug here, not a user's mistake.
    if (!DECLARED.has(name)) throw new TypeError(`${name} is not declared in ENVIRONMENT`);
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(
        `${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
      return fallback;
    }
    return value;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const list = (name: string): string[] =>
    (read(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");

  const production = read("NODE_ENV") === "production";
  const databaseUrl = read("TESSERA_DATABASE_URL") ?? DEFAULT_DATABASE_URL;
  const redisUrl = read("TESSERA_REDIS_URL") ?? null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(
      `TESSERA_REDIS_URL: expected redis://… or rediss://…, got ${JSON.stringify(redisUrl)}`,
    );
  }
  const host = read("TESSERA_HOST") ?? DEFAULT_HOST;
  const port = integer("TESSERA_PORT", DEFAULT_PORT, 0, 65535);

  let publicUrl = read("TESSERA_PUBLIC_URL") ?? `http://localhost:${port}`;
  let publicOrigin = "http://localhost";
  let publicHost = "localhost";
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    publicUrl = url.href.replace(/\/$/, "");
    publicOrigin = url.origin;
    publicHost = url.hostname;
  } catch {
    problems.push(`TESSERA_PUBLIC_URL: expected an http(s) URL, got ${JSON.stringify(publicUrl)}`);
  }
  // Secure cookies everywhere except plain http on localhost, where browsers would drop them.
  const secureCookie = !(publicOrigin.startsWith("http:") && isLoopbackHost(publicHost));
  if (production && publicOrigin.startsWith("http:") && !isLoopbackHost(publicHost)) {
    problems.push("TESSERA_PUBLIC_URL: must be https in production (cookies and passkeys need it)");
  }

  let location: ReturnType<typeof parseDatabaseUrl> | undefined;
  try {
    location = parseDatabaseUrl(databaseUrl);
  } catch (error) {
    problems.push(`TESSERA_DATABASE_URL: ${(error as Error).message}`);
  }
  const dataDir = dataDirOf(read("TESSERA_DATA_DIR"), location);

  const appName = read("TESSERA_APP_NAME") ?? DEFAULT_APP_NAME;
  const argon2: Argon2Options = {
    memoryKib: integer(
      "TESSERA_ARGON2_MEMORY_KIB",
      DEFAULT_ARGON2_OPTIONS.memoryKib,
      8,
      MAX_ARGON2_MEMORY_KIB,
    ),
    iterations: integer(
      "TESSERA_ARGON2_ITERATIONS",
      DEFAULT_ARGON2_OPTIONS.iterations,
      1,
      MAX_ARGON2_ITERATIONS,
    ),
    parallelism: integer(
      "TESSERA_ARGON2_PARALLELISM",
      DEFAULT_ARGON2_OPTIONS.parallelism,
      1,
      MAX_ARGON2_PARALLELISM,
    ),
  };
  if (argon2.memoryKib < 8 * argon2.parallelism) {
    problems.push(
      "TESSERA_ARGON2_MEMORY_KIB: must be at least 8 × TESSERA_ARGON2_PARALLELISM (RFC 9106 §3.1)",
    );
  }
  const totpWindow = integer("TESSERA_TOTP_WINDOW", DEFAULT_TOTP_WINDOW, 0, MAX_TOTP_WINDOW);
  const jwtValidityHours = number(
    "TESSERA_JWT_VALIDITY_HOURS",
    DEFAULT_JWT_VALIDITY_HOURS,
    0.01,
    24 * 366,
  );
  const trustedProxies = list("TESSERA_TRUSTED_PROXIES");
  for (const proxy of trustedProxies) {
    if (
      !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(proxy) &&
      !["loopback", "linklocal", "uniquelocal"].includes(proxy)
    ) {
      problems.push(
        `TESSERA_TRUSTED_PROXIES: ${JSON.stringify(proxy)} is not an IP address, a CIDR range or loopback/linklocal/uniquelocal`,
      );
    }
  }

  const rpId = read("TESSERA_RP_ID") ?? publicHost;
  const rpName = read("TESSERA_RP_NAME") ?? appName;
  const origins = list("TESSERA_WEBAUTHN_ORIGINS");
  for (const origin of origins) {
    try {
      if (new URL(origin).origin !== origin) throw new Error("not an origin");
    } catch {
      problems.push(
        `TESSERA_WEBAUTHN_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://example.com`,
      );
    }
  }

  const addressMaxFailures = integer(
    "TESSERA_LOGIN_ADDRESS_MAX_FAILURES",
    DEFAULT_ADDRESS_MAX_FAILURES,
    1,
    1_000_000,
  );
  const addressWindowMinutes = integer(
    "TESSERA_LOGIN_ADDRESS_WINDOW_MINUTES",
    DEFAULT_ADDRESS_WINDOW_MINUTES,
    1,
    24 * 60,
  );
  const sessionIdleMinutes = integer(
    "TESSERA_SESSION_IDLE_MINUTES",
    DEFAULT_SESSION_IDLE_MINUTES,
    // At least two touch intervals (last_seen is written once a minute).
    2,
    366 * 24 * 60,
  );
  const sessionRetentionDays = integer(
    "TESSERA_SESSION_RETENTION_DAYS",
    DEFAULT_SESSION_RETENTION_DAYS,
    0,
    3660,
  );
  const choice = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const value = read(name) ?? fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}: expected ${values.join(" or ")}, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const tokenClaims = choice("TESSERA_TOKEN_CLAIMS", ["minimal", "seed"], "minimal");
  const legacyTokens = choice("TESSERA_LEGACY_TOKENS", ["accept", "refuse"], "accept");
  const sessionCache = choice("TESSERA_SESSION_CACHE", ["on", "off"], "on") === "on";
  const maxBodyBytes = integer(
    "TESSERA_MAX_BODY_BYTES",
    DEFAULT_MAX_BODY_BYTES,
    1024,
    16 * 1024 * 1024,
  );

  const auditRetentionDays = integer(
    "TESSERA_AUDIT_RETENTION_DAYS",
    DEFAULT_AUDIT_RETENTION_DAYS,
    0,
    100 * 366,
  );
  const metricsFlag = read("TESSERA_METRICS") ?? "false";
  if (!["true", "false"].includes(metricsFlag)) {
    problems.push(`TESSERA_METRICS: expected true or false, got ${JSON.stringify(metricsFlag)}`);
  }
  const metricsAllow =
    read("TESSERA_METRICS_ALLOW") === undefined ? ["loopback"] : list("TESSERA_METRICS_ALLOW");
  for (const entry of metricsAllow) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && entry !== "loopback") {
      problems.push(
        `TESSERA_METRICS_ALLOW: ${JSON.stringify(entry)} is not an IP address, a CIDR range or loopback`,
      );
    }
  }
  const metricsToken = read("TESSERA_METRICS_TOKEN") ?? null;
  if (metricsToken !== null && metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    problems.push(
      `TESSERA_METRICS_TOKEN: at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  // Issue 14: nothing waits for ever (items 4 and 5).
  const databaseAcquireTimeoutMs = integer(
    "TESSERA_DATABASE_ACQUIRE_TIMEOUT_MS",
    DEFAULT_DATABASE_ACQUIRE_TIMEOUT_MS,
    100,
    600_000,
  );
  const databaseStatementTimeoutMs = integer(
    "TESSERA_DATABASE_STATEMENT_TIMEOUT_MS",
    DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS,
    100,
    600_000,
  );
  const databaseStartTimeoutSeconds = integer(
    "TESSERA_DATABASE_START_TIMEOUT_SECONDS",
    DEFAULT_DATABASE_START_TIMEOUT_SECONDS,
    0,
    3_600,
  );
  const requestTimeoutSeconds = integer(
    "TESSERA_REQUEST_TIMEOUT_SECONDS",
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    1,
    3_600,
  );
  const headersTimeoutSeconds = integer(
    "TESSERA_HEADERS_TIMEOUT_SECONDS",
    DEFAULT_HEADERS_TIMEOUT_SECONDS,
    1,
    3_600,
  );
  if (headersTimeoutSeconds > requestTimeoutSeconds) {
    problems.push(
      `TESSERA_HEADERS_TIMEOUT_SECONDS (${headersTimeoutSeconds}) must not exceed TESSERA_REQUEST_TIMEOUT_SECONDS (${requestTimeoutSeconds})`,
    );
  }
  const maxConnections = integer("TESSERA_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
  const keepAliveTimeoutSeconds = integer(
    "TESSERA_KEEP_ALIVE_TIMEOUT_SECONDS",
    DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS,
    1,
    3_600,
  );
  const maxRequestsPerSocket = integer(
    "TESSERA_MAX_REQUESTS_PER_SOCKET",
    DEFAULT_MAX_REQUESTS_PER_SOCKET,
    0,
    1_000_000,
  );

  // JWT keys: the signing secret, and older ones that still verify (rotation).
  let jwtKeys: JwtKeyRing | undefined;
  const previous = list("TESSERA_JWT_PREVIOUS_SECRETS");
  let secret = read("TESSERA_JWT_SECRET");
  if (secret === undefined) {
    if (production) {
      problems.push(
        "TESSERA_JWT_SECRET: required in production (at least 32 bytes, e.g. `openssl rand -base64 48`)",
      );
    } else if (problems.length === 0) {
      secret = readOrCreateSecret(dataDir);
    }
  }
  if (secret !== undefined) {
    try {
      jwtKeys = createJwtKeyRing(secret, previous);
    } catch (error) {
      problems.push(
        `TESSERA_JWT_SECRET / TESSERA_JWT_PREVIOUS_SECRETS: ${(error as Error).message}`,
      );
    }
  }

  const jwtAlgorithm = (read("TESSERA_JWT_ALGORITHM") ?? "HS256") as JwtAlgorithm;
  if (!JWT_ALGORITHMS.includes(jwtAlgorithm)) {
    problems.push(
      `TESSERA_JWT_ALGORITHM: expected one of ${JWT_ALGORITHMS.join(", ")}, got ${JSON.stringify(jwtAlgorithm)}`,
    );
  }
  const keyEncryptionSecret = read("TESSERA_KEY_ENCRYPTION_SECRET");
  if (keyEncryptionSecret !== undefined && Buffer.byteLength(keyEncryptionSecret) < 32) {
    problems.push("TESSERA_KEY_ENCRYPTION_SECRET: must be at least 32 bytes");
  }
  if (production && jwtAlgorithm !== "HS256" && keyEncryptionSecret === undefined) {
    problems.push(
      "TESSERA_KEY_ENCRYPTION_SECRET: required in production with EdDSA or ES256 (it seals the private keys in the database)",
    );
  }

  const passwordMinScore = integer("TESSERA_PASSWORD_MIN_SCORE", DEFAULT_PASSWORD_MIN_SCORE, 0, 4);
  const breachedUrl = read("TESSERA_BREACHED_PASSWORDS_URL");
  if (breachedUrl !== undefined && !/^https?:\/\//.test(breachedUrl)) {
    problems.push(
      `TESSERA_BREACHED_PASSWORDS_URL: expected an http(s) URL such as https://api.pwnedpasswords.com/range/, got ${JSON.stringify(breachedUrl)}`,
    );
  }
  const breachedFail = read("TESSERA_BREACHED_PASSWORDS_FAIL") ?? "closed";
  if (breachedFail !== "open" && breachedFail !== "closed") {
    problems.push(
      `TESSERA_BREACHED_PASSWORDS_FAIL: expected open or closed, got ${JSON.stringify(breachedFail)}`,
    );
  }

  // Issue 13: access tokens for other services, and their introspection.
  const accessTokenMinutes = integer(
    "TESSERA_ACCESS_TOKEN_MINUTES",
    DEFAULT_ACCESS_TOKEN_MINUTES,
    1,
    1_440,
  );
  const tokenAudience = read("TESSERA_TOKEN_AUDIENCE") ?? null;
  const introspectionSecret = read("TESSERA_INTROSPECTION_SECRET") ?? null;
  const requireTwoFa = choice("TESSERA_REQUIRE_2FA", TWO_FA_POLICIES, "off");
  const reauthenticationMinutes = integer(
    "TESSERA_REAUTHENTICATION_MINUTES",
    DEFAULT_REAUTHENTICATION_MINUTES,
    1,
    MAX_REAUTHENTICATION_MINUTES,
  );
  if (
    introspectionSecret !== null &&
    introspectionSecret.length < MIN_INTROSPECTION_SECRET_LENGTH
  ) {
    problems.push(
      `TESSERA_INTROSPECTION_SECRET: at least ${MIN_INTROSPECTION_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
    );
  }

  // Issue 12: mail. Without an SMTP server, mail is written to DATA_DIR/outbox.
  const smtpUrl = read("TESSERA_SMTP_URL") ?? null;
  if (smtpUrl !== null) {
    let valid: boolean;
    try {
      const url = new URL(smtpUrl);
      valid = (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
    } catch {
      valid = false;
    }
    // The value may carry a password: the message does not repeat it.
    if (!valid) problems.push("TESSERA_SMTP_URL: expected smtp://user:pass@host:port or smtps://…");
  }
  const mailFrom =
    read("TESSERA_MAIL_FROM") ??
    `"${appName.replace(/["\\<>\r\n]/g, "")}" <no-reply@${publicHost.replace(/^\[|\]$/g, "")}>`;
  if (!isMailbox(mailFrom)) {
    problems.push(
      `TESSERA_MAIL_FROM: expected an address like no-reply@example.com or "Name <no-reply@example.com>", got ${JSON.stringify(mailFrom)}`,
    );
  }

  // Issue 12, parts 3 and 5: verified addresses and self-service sign-up.
  const requireVerifiedEmail =
    choice("TESSERA_REQUIRE_VERIFIED_EMAIL", ["true", "false"], "false") === "true";
  const signup = choice("TESSERA_SIGNUP", ["off", "open"], "off");
  // Issue 25: the people picker (GET /users for non-admins), off unless asked for.
  const userDirectory = choice("TESSERA_USER_DIRECTORY", ["off", "search"], "off");

  if (problems.length > 0 || jwtKeys === undefined || secret === undefined) {
    throw new ConfigError(problems);
  }
  return Object.freeze({
    databaseUrl,
    redisUrl,
    host,
    port,
    publicUrl,
    publicOrigin,
    allowedOrigins: allowedOriginsFor(publicOrigin, read("TESSERA_PUBLIC_URL") === undefined),
    publicUrlIsDefault: read("TESSERA_PUBLIC_URL") === undefined,
    jwtKeys,
    jwtAlgorithm,
    // In development the data folder's secret seals the keys too.
    keyEncryptionSecret: keyEncryptionSecret ?? secret,
    passwordMinScore,
    breachedPasswords:
      breachedUrl === undefined
        ? null
        : Object.freeze({ url: breachedUrl, failMode: breachedFail as "open" | "closed" }),
    jwtValidityHours,
    appName,
    argon2: Object.freeze(argon2),
    totpWindow,
    trustedProxies: Object.freeze(trustedProxies),
    webauthn: Object.freeze({
      rpId,
      rpName,
      origins: Object.freeze(origins.length > 0 ? origins : [publicOrigin]),
    }),
    dataDir,
    production,
    maxBodyBytes,
    addressMaxFailures,
    addressWindowMinutes,
    sessionIdleMinutes,
    sessionRetentionDays,
    tokenClaims,
    legacyTokens,
    sessionCache,
    secureCookie,
    logLevel: read("TESSERA_LOG_LEVEL") ?? (read("NODE_ENV") === "test" ? "silent" : "info"),
    adminEmail: read("TESSERA_ADMIN_EMAIL") ?? DEFAULT_ADMIN_EMAIL,
    auditRetentionDays,
    metrics: Object.freeze({
      enabled: metricsFlag === "true",
      allow: Object.freeze(metricsAllow),
      token: metricsToken,
    }),
    databaseAcquireTimeoutMs,
    databaseStatementTimeoutMs,
    databaseStartTimeoutSeconds,
    requestTimeoutSeconds,
    headersTimeoutSeconds,
    maxConnections,
    keepAliveTimeoutSeconds,
    maxRequestsPerSocket,
    accessTokenMinutes,
    tokenAudience,
    introspectionSecret,
    requireTwoFa,
    reauthenticationMinutes,
    smtpUrl,
    mailFrom,
    requireVerifiedEmail,
    signup,
    userDirectory,
  });
}

/** `addr@host` or `Display Name <addr@host>`, on one line (no header injection). */
function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  const address = /^[^<>]*<([^<>\s]+)>$/.exec(value)?.[1] ?? value;
  return /^[^\s@<>",]+@[^\s@<>",]+$/.test(address);
}

/**
 * The data folder (`TESSERA_DATA_DIR`, else the SQLite file's folder, else ./data), absolute.
 * Read without the rest of the configuration by `tessera backup` and `restore`.
 */
export function resolveDataDir(env: Env = process.env): string {
  let location: ReturnType<typeof parseDatabaseUrl> | undefined;
  try {
    location = parseDatabaseUrl(env.TESSERA_DATABASE_URL?.trim() || DEFAULT_DATABASE_URL);
  } catch {
    location = undefined;
  }
  return dataDirOf(env.TESSERA_DATA_DIR?.trim() || undefined, location);
}

function dataDirOf(
  explicit: string | undefined,
  location: ReturnType<typeof parseDatabaseUrl> | undefined,
): string {
  // The generated secret lives beside the SQLite file (`file:///abs/x.db` → /abs), or in ./data.
  return resolve(
    explicit ??
      (location?.dialect === "sqlite" && location.path !== ":memory:"
        ? dirname(location.path)
        : "./data"),
  );
}

/** Loopback spellings of the default public URL's host, all one origin for CSRF. */
const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * `publicOrigin`, then (only for the default public URL) the same scheme and port on the other
 * loopback spellings. Not for WebAuthn: a ceremony on an IP-address origin is refused by the
 * browser (W3C WebAuthn §5.1.3/§5.1.4: the caller's effective domain must be a valid domain),
 * so passkeys stay on localhost and the pages say so.
 */
function allowedOriginsFor(publicOrigin: string, defaultUrl: boolean): readonly string[] {
  if (!defaultUrl) return Object.freeze([publicOrigin]);
  const url = new URL(publicOrigin);
  const others = LOOPBACK_HOSTS.filter((host) => host !== url.hostname).map((host) => {
    const alias = new URL(publicOrigin);
    alias.hostname = host;
    return alias.origin;
  });
  return Object.freeze([publicOrigin, ...others]);
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Reads the kept secret, or makes one (48 random bytes, base64url) with mode 0600. */
function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, JWT_SECRET_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  try {
    // "wx": never overwrite a secret another instance just wrote.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      return readFileSync(file, "utf8").trim();
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
}
