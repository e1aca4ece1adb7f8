/**
 * The shapes the table gives: `TesseraOptions` in (every field optional, typed), `TesseraConfig`
 * out (complete, frozen). Both are read off the rows, so a new row is a new field of each; the
 * few settings worked out from others (`DerivedSettings`) are declared here.
 */
import type { JwtKeyRing } from "../core/jwt/index.js";
import type { BreachedPasswordsSettings } from "../services/abuse/breached-passwords.js";
import type { SettingRow } from "./types.js";
import type { SETTINGS, SettingField } from "./rows.js";

/** The value a row gives: its type's, or null when its default is none. */
type RowValue<R> =
  R extends SettingRow<infer T, infer D> ? T | (null extends D ? null : never) : never;

/** Each field's value, flat (`"argon2.memoryKib": number`). */
export type SettingValues = { [F in SettingField]: RowValue<(typeof SETTINGS)[F]> };

type Group<K extends string> = K extends `${infer G}.${string}` ? G : K;
type Member<K, G extends string> = K extends `${G}.${infer M}` ? M : never;

/** `{ "argon2.memoryKib": number }` as `{ argon2: { memoryKib: number } }`. */
type Nested<Flat> = {
  readonly [K in keyof Flat & string as Group<K>]: K extends `${infer G}.${string}`
    ? { readonly [J in keyof Flat & string as Member<J, G>]: Flat[J] }
    : Flat[K];
};

/** Every field optional, groups included. */
type Optional<S> = {
  readonly [K in keyof S]?: S[K] extends readonly unknown[]
    ? S[K]
    : S[K] extends object
      ? Optional<S[K]>
      : S[K];
};

/** Rows that are read but become other settings (`jwtSecret` → `jwtKeys`). */
export const INPUT_FIELDS = Object.freeze([
  "jwtSecret",
  "jwtPreviousSecrets",
  "nodeEnv",
  "breachedPasswords",
] as const);
type InputField = (typeof INPUT_FIELDS)[number];

/** The settings the rows give as they are, grouped (`argon2: { memoryKib, … }`). */
export type RowSettings = Nested<SettingValues>;

/** Settings worked out from others by `resolve`. */
export interface DerivedSettings {
  /** `NODE_ENV=production`: the JWT secret is required and the public URL must be https. */
  readonly production: boolean;
  /** `publicUrl`'s origin (the first of `allowedOrigins`). */
  readonly publicOrigin: string;
  /**
   * Origins whose cookie-authenticated writes are accepted, `publicOrigin` first (the address
   * to send people to). With `TESSERA_PUBLIC_URL` unset, also the other loopback spellings of
   * the same port (`127.0.0.1`, `[::1]`): the start line prints one, browsers may open another.
   */
  readonly allowedOrigins: readonly string[];
  /** No public URL was given: `publicUrl` is the standalone server's `http://localhost:PORT`. */
  readonly publicUrlIsDefault: boolean;
  /** `Secure` on the session cookie: everywhere but plain http on a loopback host. */
  readonly secureCookie: boolean;
  /** The HS256 secret (given or generated) and the previous ones that still verify. */
  readonly jwtKeys: JwtKeyRing;
  /** The online breach check (`TESSERA_BREACHED_PASSWORDS_*`), null when off. */
  readonly breachedPasswords: BreachedPasswordsSettings | null;
}

/**
 * The resolved configuration: every setting, complete, frozen. Made by `loadConfig` (the
 * environment) or `resolveConfig` (typed options); what `createTessera` runs on.
 */
export interface TesseraConfig extends Omit<RowSettings, InputField>, DerivedSettings {}

/**
 * Typed settings for `createTessera` and `resolveConfig`: any field of the table, by its settings
 * name (`sessionIdleMinutes: 60`, `argon2: { memoryKib: 65536 }`, `jwtSecret`,
 * `breachedPasswords: { url }`), checked and defaulted by the same rows as the variables.
 */
export type TesseraOptions = Optional<RowSettings>;
