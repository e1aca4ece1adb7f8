/**
 * Tessera's public library API. Every export is listed by name (STYLE principle 16).
 */
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
  resolveArgon2Options,
  parsePasswordHash,
  hashPassword,
  verifyPassword,
  verifyPasswordDummy,
  prepareDummyPasswordHash,
  needsRehash,
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
  createJwt,
  verifyJwt,
  verifyJwtClaims,
} from "./core/jwt.js";
export type { JwtKey, JwtKeyRing, JwtOptions, JwtSubject, VerifiedJwt } from "./core/jwt.js";
export { SESSION_ID_PATTERN, createSessionJwt, verifySessionJwt } from "./core/session-jwt.js";
export type { SessionTokenSubject, VerifiedSessionJwt } from "./core/session-jwt.js";
export {
  DEFAULT_TOTP_PERIOD_SECONDS,
  DEFAULT_TOTP_DIGITS,
  DEFAULT_TOTP_WINDOW,
  MAX_TOTP_WINDOW,
  TOTP_SECRET_BYTES,
  DEFAULT_TOTP_ISSUER,
  generateTotpSecret,
  totpProvisioningUri,
  generateTotp,
  verifyTotp,
  matchTotpStep,
} from "./core/totp.js";
export type { TotpCodeOptions, VerifyTotpOptions } from "./core/totp.js";
