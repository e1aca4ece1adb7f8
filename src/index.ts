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
} from "./core/types.js";
