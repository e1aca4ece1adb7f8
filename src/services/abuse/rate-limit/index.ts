/**
 * The abuse limits: failed logins per account and per client address, wrong second-factor
 * codes per user. The counters live in a store of `src/store/rate-limit/` (in memory, in the
 * database, or shared through Redis).
 */
export {
  TOO_MANY_ATTEMPTS_DETAIL,
  accountThrottleKey,
  addressThrottleKey,
  ceilingThrottleKey,
  createLoginThrottle,
  deviceThrottleKey,
  totpThrottleKey,
  type LoginAttempt,
  type LoginReservation,
  type LoginThrottle,
  type LoginThrottleOptions,
} from "./login-throttle.js";
export {
  DEFAULT_ACCOUNT_CEILING_POLICY,
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  DEFAULT_TOTP_POLICY,
  OIDC_REFUSAL_AUDIT_POLICY,
  OIDC_REGISTRATION_ADDRESS_POLICY,
  OIDC_USER_CODE_ADDRESS_POLICY,
  OIDC_USER_CODE_SESSION_POLICY,
  RESEND_VERIFICATION_POLICY,
  SIGNUP_PER_ADDRESS_POLICY,
  USER_SEARCH_POLICY,
  type MailCap,
} from "./policies.js";
export { normalizeClientAddress } from "./client-address.js";
export {
  OIDC_TOO_MANY_CODES_DETAIL,
  OIDC_TOO_MANY_REQUESTS_DETAIL,
  createOidcLimits,
  type OidcLimits,
  type OidcLimitsOptions,
  type UserCodeReservation,
} from "./oidc-limits.js";
export {
  assertValidPolicy,
  progressiveDelayMs,
  type FailurePolicy,
  type FailureRecord,
  type ProgressivePolicy,
  type WindowPolicy,
} from "../../../core/rate-limit.js";
