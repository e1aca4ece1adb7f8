/**
 * Configuration → typed, validated, frozen settings (STYLE principles 7 and 22), from either
 * edge: the environment (`loadConfig`, the server and the CLI) or typed options
 * (`resolveConfig`, which `createTessera` calls for host apps, tests and benches). Both read
 * through the one table (`rows.ts`), collect every problem, and resolve the same way
 * (`resolve.ts`); a bad value is reported with its variable's (or option's) name and what was
 * expected, all at once.
 *
 *   rows.ts         the table: one row per variable (name, type with range and unit, default,
 *                   summary), keyed by the settings field it fills
 *   rows-abuse.ts, rows-oidc.ts  rows of a feature of their own, spread into that table
 *   types.ts        the types of settings: text → value, typed option → value, default → README
 *   parse.ts        reading every row, keeping every problem
 *   resolve.ts      derived defaults and the rules across fields; the JWT keys
 *   secret-file.ts  the generated secret in the data folder
 *   settings.ts     `TesseraOptions` and `TesseraConfig`, read off the table
 *   defaults.ts     the defaults the rows name
 */
import { parseDatabaseUrl } from "../store/index.js";
import { DEFAULT_DATABASE_URL } from "./defaults.js";
import { readRows } from "./parse.js";
import { shownDefault, variableText } from "./types.js";
import { dataDirOf, resolveSettings } from "./resolve.js";
import { SETTINGS, SETTING_ROWS, type SettingField } from "./rows.js";
import type { TesseraConfig, TesseraOptions } from "./settings.js";

export { ConfigError } from "./resolve.js";
export { JWT_SECRET_FILE } from "./secret-file.js";
export { SETTINGS, SETTING_ROWS, type SettingField } from "./rows.js";
export type { TesseraConfig, TesseraOptions, DerivedSettings } from "./settings.js";
export * from "./defaults.js";

/** One environment variable Tessera reads: a row of the README's configuration table. */
export interface EnvironmentVariable {
  readonly name: string;
  /** The default as the README shows it. */
  readonly default: string;
  readonly summary: string;
  /** The settings field it fills (`sessionIdleMinutes`, `argon2.memoryKib`): the typed option. */
  readonly field: string;
}

/** Every environment variable Tessera reads, in the README's order. */
export const ENVIRONMENT: readonly EnvironmentVariable[] = Object.freeze(
  SETTING_ROWS.map((setting) =>
    Object.freeze({
      name: setting.name,
      default: shownDefault(setting),
      summary: setting.summary,
      field: setting.field,
    }),
  ),
);

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
  const read = readRows(
    SETTING_ROWS,
    (setting) => {
      const text = variableText(env, setting.name);
      return text === undefined ? undefined : setting.type.fromText(text);
    },
    (field) => SETTINGS[field].name,
  );
  return resolveSettings(read);
}

/**
 * The configuration from typed options, through the same rows as the variables: a field left
 * out takes its default, a field given is checked as its variable would be (a string trimmed,
 * an empty one as not given; null for a setting whose default is none). Reads no environment.
 * As `loadConfig`, it keeps a generated JWT secret in the data folder when `jwtSecret` is not
 * given outside production.
 *
 *   resolveConfig({ databaseUrl: "postgres://…", publicUrl: "https://auth.example.com",
 *     jwtSecret, sessionIdleMinutes: 60, argon2: { memoryKib: 65536 } })
 *
 * @throws ConfigError listing every bad value or unknown field, by field name.
 */
export function resolveConfig(options: TesseraOptions = {}): TesseraConfig {
  const read = readRows(
    SETTING_ROWS,
    (setting) => {
      const option = optionAt(options, setting.field);
      return option === null && setting.default === null
        ? { value: null }
        : setting.type.fromValue(option);
    },
    (field) => field,
    unknownFields(options).map((message) => ({ field: null, message })),
  );
  return resolveSettings(read);
}

/** Whether `input` is resolved settings (it has the JWT keys), not typed options. */
export function isTesseraConfig(input: TesseraConfig | TesseraOptions): input is TesseraConfig {
  return "jwtKeys" in input;
}

/** The option at `field`: `argon2.memoryKib` is `options.argon2?.memoryKib`. */
function optionAt(options: TesseraOptions, field: SettingField): unknown {
  let value: unknown = options;
  for (const key of field.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A misspelt option would silently take its default: each unknown field is a problem. */
function unknownFields(options: TesseraOptions): string[] {
  const fields = new Set<string>(SETTING_ROWS.map(({ field }) => field));
  const groups = new Set([...fields].filter((f) => f.includes(".")).map((f) => f.split(".")[0]));
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (!groups.has(key)) {
      if (!fields.has(key)) problems.push(`${key}: not a setting`);
    } else if (typeof value !== "object") {
      if (value !== undefined) problems.push(`${key}: expected an object`);
    } else if (value !== null) {
      for (const member of Object.keys(value)) {
        if (!fields.has(`${key}.${member}`)) problems.push(`${key}.${member}: not a setting`);
      }
    }
  }
  return problems;
}

/**
 * The data folder (`TESSERA_DATA_DIR`, else the SQLite file's folder, else ./data), absolute.
 * Read without the rest of the configuration by `tessera backup` and `restore`.
 */
export function resolveDataDir(env: Env = process.env): string {
  let location: ReturnType<typeof parseDatabaseUrl> | undefined;
  try {
    location = parseDatabaseUrl(
      variableText(env, SETTINGS.databaseUrl.name) ?? DEFAULT_DATABASE_URL,
    );
  } catch {
    location = undefined;
  }
  return dataDirOf(variableText(env, SETTINGS.dataDir.name), location);
}
