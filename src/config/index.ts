/**
 * Configuration → typed, validated, frozen settings (STYLE principles 7 and 22): the
 * environment is read through the one table (`rows.ts`), every problem collected, and the
 * values resolved (`resolve.ts`); a bad value is reported with its variable's name and what was
 * expected, all at once.
 *
 *   rows.ts         the table: one row per variable (name, type with range and unit, default,
 *                   summary), keyed by the settings field it fills
 *   parse.ts        the types of settings: text → value, typed option → value, default → README
 *   resolve.ts      derived defaults and the rules across fields; the JWT keys
 *   secret-file.ts  the generated secret in the data folder
 *   settings.ts     `TesseraConfig`, read off the table
 */
import { parseDatabaseUrl } from "../store/index.js";
import { DEFAULT_DATABASE_URL } from "./defaults.js";
import { readRows, shownDefault, variableText } from "./parse.js";
import { dataDirOf, resolveSettings } from "./resolve.js";
import { SETTINGS, SETTING_ROWS } from "./rows.js";
import type { TesseraConfig } from "./settings.js";

export { ConfigError } from "./resolve.js";
export { JWT_SECRET_FILE } from "./secret-file.js";
export { SETTINGS, SETTING_ROWS, type SettingField } from "./rows.js";
export type { TesseraConfig, DerivedSettings } from "./settings.js";
export * from "./defaults.js";

/** One environment variable Tessera reads: a row of the README's configuration table. */
export interface EnvironmentVariable {
  readonly name: string;
  /** The default as the README shows it. */
  readonly default: string;
  readonly summary: string;
  /** The settings field it fills (`sessionIdleMinutes`, `argon2.memoryKib`). */
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
