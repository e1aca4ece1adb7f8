/**
 * Tessera's public library API. Every export is listed by name (STYLE principle 16).
 *
 * The seed's call shapes read their configuration from the environment (`create_jwt(user,
 * hours)` signs with the app's secret). The core never reads `process.env`; this file is the one
 * thin façade that does, for the functions below whose options the caller may leave out:
 * `TESSERA_JWT_SECRET` (+ `TESSERA_JWT_PREVIOUS_SECRETS`), `TESSERA_ARGON2_*` and
 * `TESSERA_APP_NAME`, read at call time through the configuration table's rows (their names,
 * and the variables' reading: trimmed, empty as unset, lists split on commas). Explicit options
 * always win.
 */
import { splitList, variableText } from "./config/types.js";
import { SETTINGS } from "./config/rows.js";
import * as jwt from "./core/jwt/index.js";
import * as password from "./core/password.js";
import * as totp from "./core/totp.js";

export {
  ERROR_CODES,
  TesseraError,
  NotAuthorizedError,
  PermissionDeniedError,
  ClientError,
  NotFoundError,
  ConflictError,
  TooManyRequestsError,
  InternalError,
  InvalidPasswordHashError,
  isTesseraError,
} from "./core/errors.js";
export type { ErrorCode, ErrorKind, TesseraErrorOptions } from "./core/errors.js";
export { systemClock, frozenClock } from "./core/clock.js";
export type { Clock, FrozenClock } from "./core/clock.js";
export {
  JwtUser,
  LoginRequest,
  ChangePasswordRequest,
  ResetPasswordRequest,
  TotpCodeRequest,
  TotpSetupResponse,
  TotpConfiguredResponse,
  TwoFaRequiredResponse,
  ErrorResponse,
  MIN_PASSWORD_LENGTH,
  MAX_PASSWORD_LENGTH,
} from "./contract/index.js";
export {
  DEFAULT_ARGON2_OPTIONS,
  MAX_ARGON2_MEMORY_KIB,
  MAX_ARGON2_ITERATIONS,
  MAX_ARGON2_PARALLELISM,
  MIN_ARGON2_TAG_BYTES,
  parsePasswordHash,
  verifyPassword,
} from "./core/password.js";
export type { Argon2Options, PasswordHashInfo } from "./core/password.js";
export {
  JWT_ALGORITHM,
  MIN_JWT_SECRET_BYTES,
  MAX_JWT_LENGTH,
  DEFAULT_JWT_CLOCK_TOLERANCE_SECONDS,
  VERIFIED_JWT_CACHE_SIZE,
  jwtKeyId,
  createJwtKeyRing,
} from "./core/jwt/index.js";
export type { JwtKey, JwtKeyRing, JwtOptions, JwtSubject, VerifiedJwt } from "./core/jwt/index.js";
export { SESSION_ID_PATTERN, createSessionJwt, verifySessionJwt } from "./core/jwt/index.js";
export type { SessionTokenSubject, VerifiedSessionJwt } from "./core/jwt/index.js";
export {
  DEFAULT_TOTP_PERIOD_SECONDS,
  DEFAULT_TOTP_DIGITS,
  DEFAULT_TOTP_WINDOW,
  MAX_TOTP_WINDOW,
  TOTP_SECRET_BYTES,
  DEFAULT_TOTP_ISSUER,
  generateTotpSecret,
  generateTotp,
  verifyTotp,
  matchTotpStep,
} from "./core/totp.js";
export type { TotpCodeOptions, VerifyTotpOptions } from "./core/totp.js";

/** The rows of the Argon2 parameters, by option. */
const ARGON2_ROWS = Object.freeze({
  memoryKib: SETTINGS["argon2.memoryKib"],
  iterations: SETTINGS["argon2.iterations"],
  parallelism: SETTINGS["argon2.parallelism"],
});

/** A row's variable, read now, as the configuration reads it. */
function readEnv(setting: { readonly name: string }): string | undefined {
  return variableText(process.env, setting.name);
}

/** Argon2 options: the caller's, else `TESSERA_ARGON2_*`, else the core's defaults. */
function argon2FromEnv(
  options: Partial<password.Argon2Options> | undefined,
): Partial<password.Argon2Options> {
  const filled: Partial<password.Argon2Options> = {};
  for (const key of Object.keys(ARGON2_ROWS) as (keyof password.Argon2Options)[]) {
    if (options?.[key] !== undefined) {
      filled[key] = options[key];
      continue;
    }
    const raw = readEnv(ARGON2_ROWS[key]);
    if (raw === undefined) continue;
    // The range is the core's (resolveArgon2Options, the rows' MAX_ARGON2_* too); this message
    // is the façade's since before the table, and stays.
    if (!/^\d+$/.test(raw))
      throw new TypeError(`${ARGON2_ROWS[key].name} must be a positive integer`);
    filled[key] = Number(raw);
  }
  return filled;
}

/** JWT keys: the caller's, else `TESSERA_JWT_SECRET` and `TESSERA_JWT_PREVIOUS_SECRETS`. */
function jwtFromEnv(options: jwt.JwtOptions | undefined): jwt.JwtOptions {
  if (options?.keys !== undefined || options?.secret !== undefined) return options;
  const secret = readEnv(SETTINGS.jwtSecret);
  if (secret === undefined) {
    throw new TypeError(
      `No JWT secret: pass options.secret or options.keys, or set ${SETTINGS.jwtSecret.name}`,
    );
  }
  const previous = splitList(readEnv(SETTINGS.jwtPreviousSecrets) ?? "");
  return { ...options, keys: jwt.createJwtKeyRing(secret, previous) };
}

/**
 * Fills in Argon2 parameters: given values, else `TESSERA_ARGON2_*` (read now), else
 * DEFAULT_ARGON2_OPTIONS. @throws TypeError naming a variable that is not a whole number, or
 * when a value is out of range (see the core's resolveArgon2Options).
 */
export function resolveArgon2Options(
  options?: Partial<password.Argon2Options>,
): password.Argon2Options {
  return password.resolveArgon2Options(argon2FromEnv(options));
}

/** The seed's `hash_password`: an Argon2id PHC string (parameters: see resolveArgon2Options). */
export function hashPassword(
  plain: string,
  options?: Partial<password.Argon2Options>,
): Promise<string> {
  return password.hashPassword(plain, argon2FromEnv(options));
}

/** Whether a stored hash was made with other parameters than the configured ones. */
export function needsRehash(stored: string, options?: Partial<password.Argon2Options>): boolean {
  return password.needsRehash(stored, argon2FromEnv(options));
}

/** Makes the unknown-user dummy hash now (see the core's prepareDummyPasswordHash). */
export function prepareDummyPasswordHash(options?: Partial<password.Argon2Options>): Promise<void> {
  return password.prepareDummyPasswordHash(argon2FromEnv(options));
}

/** Costs what a verification costs, and is always false (for unknown users). */
export function verifyPasswordDummy(
  plain: string,
  options?: Partial<password.Argon2Options>,
): Promise<boolean> {
  return password.verifyPasswordDummy(plain, argon2FromEnv(options));
}

/** The seed's `create_jwt(user, validity_hours)` (keys: see the module comment). */
export function createJwt(
  user: jwt.JwtSubject,
  validityHours: number,
  options?: jwt.JwtOptions,
): string {
  return jwt.createJwt(user, validityHours, jwtFromEnv(options));
}

/** The seed's `verify_jwt(token)`: the token's user, or null (keys: see the module comment). */
export function verifyJwt(token: string, options?: jwt.JwtOptions): jwt.VerifiedJwt["user"] | null {
  return jwt.verifyJwt(token, jwtFromEnv(options));
}

/** A verified token's user and claims, or null (keys: see the module comment). */
export function verifyJwtClaims(token: string, options?: jwt.JwtOptions): jwt.VerifiedJwt | null {
  return jwt.verifyJwtClaims(token, jwtFromEnv(options));
}

/** The seed's `totp_provisioning_uri(secret, email)`; issuer: given, else `TESSERA_APP_NAME`, else "Tessera". */
export function totpProvisioningUri(secret: string, email: string, issuer?: string): string {
  return totp.totpProvisioningUri(secret, email, issuer ?? readEnv(SETTINGS.appName));
}
