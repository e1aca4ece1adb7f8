/**
 * From the values the rows read (variables or typed options) to the complete, frozen
 * `TesseraConfig`: each missing value takes its row's default, then the rules no single row can
 * hold run here, and only here: the defaults worked out from other settings (the public URL's
 * port, the data folder beside the SQLite file, the relying party from the public URL, the
 * sender from the app name), the checks across fields, and the JWT keys (the generated secret
 * last, so a configuration with any other problem writes no file).
 */
import { dirname, resolve as resolvePath } from "node:path";
import { createJwtKeyRing, type JwtKeyRing } from "../core/jwt/index.js";
import { MIN_SECRET_BYTES } from "../core/secret.js";
import { parseDatabaseUrl } from "../store/index.js";
import type { Problem, ReadSettings } from "./parse.js";
import { isDerived } from "./types.js";
import { SETTINGS, SETTING_ROWS, type SettingField } from "./rows.js";
import { readOrCreateSecret } from "./secret-file.js";
import { INPUT_FIELDS, type SettingValues, type TesseraConfig } from "./settings.js";

/** Thrown when the configuration holds bad values; its message lists every problem. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * The complete configuration from what the rows read.
 * @throws ConfigError listing every problem, in the table's order.
 * @throws the file system's error when the generated secret cannot be read or written.
 */
export function resolveSettings({
  given,
  refused,
  label,
  problems: read,
}: ReadSettings): TesseraConfig {
  const problems: Problem[] = [...read];
  const report = (field: SettingField, message: string) => problems.push({ field, message });
  const value = <F extends SettingField>(field: F): SettingValues[F] => {
    const fallback = SETTINGS[field].default;
    if (given[field] !== undefined) return given[field];
    if (isDerived(fallback)) throw new TypeError(`${field}: its default is derived`);
    return fallback as SettingValues[F];
  };
  const resolved = new Map<SettingField, unknown>();
  for (const { field, default: fallback } of SETTING_ROWS) {
    if (!isDerived(fallback)) resolved.set(field, value(field));
  }

  const nodeEnv = value("nodeEnv");
  const production = nodeEnv === "production";
  // The test runner's NODE_ENV quiets the standalone server's log unless a level is given.
  if (given.logLevel === undefined && nodeEnv === "test") resolved.set("logLevel", "silent");

  // The public URL: given, else the standalone server's address on its port.
  const publicUrlIsDefault = given.publicUrl === undefined;
  const url = new URL(given.publicUrl ?? `http://localhost:${value("port")}`);
  const publicUrl = url.href.replace(/\/$/, "");
  const publicOrigin = url.origin;
  const publicHost = url.hostname;
  resolved.set("publicUrl", publicUrl);
  // Secure cookies everywhere except plain http on localhost, where browsers would drop them.
  const secureCookie = !(publicOrigin.startsWith("http:") && isLoopbackHost(publicHost));
  if (production && publicOrigin.startsWith("http:") && !isLoopbackHost(publicHost)) {
    report(
      "publicUrl",
      `${label("publicUrl")}: must be https in production (cookies and passkeys need it)`,
    );
  }

  let location: ReturnType<typeof parseDatabaseUrl> | undefined;
  try {
    location = parseDatabaseUrl(value("databaseUrl"));
  } catch (error) {
    report("databaseUrl", `${label("databaseUrl")}: ${(error as Error).message}`);
  }
  const dataDir = dataDirOf(given.dataDir, location);
  resolved.set("dataDir", dataDir);

  if (value("argon2.memoryKib") < 8 * value("argon2.parallelism")) {
    report(
      "argon2.memoryKib",
      `${label("argon2.memoryKib")}: must be at least 8 × ${label("argon2.parallelism")} (RFC 9106 §3.1)`,
    );
  }

  const appName = value("appName");
  resolved.set("webauthn.rpId", given["webauthn.rpId"] ?? publicHost);
  resolved.set("webauthn.rpName", given["webauthn.rpName"] ?? appName);
  const origins = given["webauthn.origins"] ?? [];
  resolved.set("webauthn.origins", origins.length > 0 ? origins : [publicOrigin]);

  const headersSeconds = value("headersTimeoutSeconds");
  const requestSeconds = value("requestTimeoutSeconds");
  if (headersSeconds > requestSeconds) {
    report(
      "headersTimeoutSeconds",
      `${label("headersTimeoutSeconds")} (${headersSeconds}) must not exceed ${label("requestTimeoutSeconds")} (${requestSeconds})`,
    );
  }

  const mailFrom =
    given.mailFrom ??
    `"${appName.replace(/["\\<>\r\n]/g, "")}" <no-reply@${publicHost.replace(/^\[|\]$/g, "")}>`;
  const mailFromReading = SETTINGS.mailFrom.type.fromText(mailFrom);
  if ("problems" in mailFromReading) {
    for (const problem of mailFromReading.problems)
      report("mailFrom", `${label("mailFrom")}: ${problem}`);
  }
  resolved.set("mailFrom", mailFrom);

  const breachedUrl = value("breachedPasswords.url");
  const breachedPasswords =
    breachedUrl === null
      ? null
      : Object.freeze({ url: breachedUrl, failMode: value("breachedPasswords.failMode") });

  // Registration with an initial access token needs the token (else nobody could register).
  const registrationTokenGiven =
    given.oidcRegistrationToken !== undefined || refused.has("oidcRegistrationToken");
  if (value("oidcRegistration") === "token" && !registrationTokenGiven) {
    report(
      "oidcRegistrationToken",
      `${label("oidcRegistrationToken")}: required with ${label("oidcRegistration")}=token (the initial access token a client registers with)`,
    );
  }

  // A refused value still counts as given: an unknown algorithm is not HS256, a short secret is
  // one that was set (its own problem says what is wrong with it).
  const asymmetric = value("jwtAlgorithm") !== "HS256" || refused.has("jwtAlgorithm");
  const keyEncryptionSecretGiven =
    given.keyEncryptionSecret !== undefined || refused.has("keyEncryptionSecret");
  if (production && asymmetric && !keyEncryptionSecretGiven) {
    report(
      "keyEncryptionSecret",
      `${label("keyEncryptionSecret")}: required in production with EdDSA or ES256 (it seals the private keys in the database)`,
    );
  }

  // JWT keys: the signing secret, and older ones that still verify (rotation).
  let secret = given.jwtSecret;
  if (secret === undefined) {
    if (production) {
      report(
        "jwtSecret",
        `${label("jwtSecret")}: required in production (at least ${MIN_SECRET_BYTES} bytes, e.g. \`openssl rand -base64 48\`)`,
      );
    } else if (problems.length === 0) {
      secret = readOrCreateSecret(dataDir);
    }
  }
  let jwtKeys: JwtKeyRing | undefined;
  if (secret !== undefined) {
    try {
      jwtKeys = createJwtKeyRing(secret, value("jwtPreviousSecrets"));
    } catch (error) {
      report(
        "jwtSecret",
        `${label("jwtSecret")} / ${label("jwtPreviousSecrets")}: ${(error as Error).message}`,
      );
    }
  }
  // In development the data folder's secret seals the keys too.
  resolved.set("keyEncryptionSecret", given.keyEncryptionSecret ?? secret);

  if (problems.length > 0 || jwtKeys === undefined || secret === undefined) {
    throw new ConfigError(inTableOrder(problems));
  }
  return Object.freeze({
    ...grouped(resolved),
    production,
    publicOrigin,
    allowedOrigins: allowedOriginsFor(publicOrigin, publicUrlIsDefault),
    publicUrlIsDefault,
    secureCookie,
    jwtKeys,
    breachedPasswords,
  }) as TesseraConfig;
}

/** The problems' messages, in the order of the rows they are about (stable; others first). */
function inTableOrder(problems: readonly Problem[]): string[] {
  const order = new Map(SETTING_ROWS.map(({ field }, index) => [field, index]));
  const rank = (problem: Problem) => (problem.field === null ? -1 : order.get(problem.field)!);
  return [...problems].sort((a, b) => rank(a) - rank(b)).map((problem) => problem.message);
}

/** The resolved values as settings: `argon2.memoryKib` under `argon2`; lists and groups frozen. */
function grouped(resolved: ReadonlyMap<SettingField, unknown>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  const groups = new Map<string, Record<string, unknown>>();
  for (const [field, raw] of resolved) {
    const value = Array.isArray(raw) ? Object.freeze([...raw]) : raw;
    const [group, member] = field.split(".") as [string, string | undefined];
    if ((INPUT_FIELDS as readonly string[]).includes(group)) continue;
    if (member === undefined) {
      settings[field] = value;
      continue;
    }
    let members = groups.get(group);
    if (members === undefined) groups.set(group, (members = {}));
    members[member] = value;
  }
  for (const [group, members] of groups) settings[group] = Object.freeze(members);
  return settings;
}

/**
 * The data folder, absolute: given, else the SQLite file's folder (`file:///abs/x.db` → /abs),
 * else ./data (PostgreSQL, or a database in memory). The generated secret and the mail outbox
 * live there.
 */
export function dataDirOf(
  given: string | undefined,
  location: ReturnType<typeof parseDatabaseUrl> | undefined,
): string {
  return resolvePath(
    given ??
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
