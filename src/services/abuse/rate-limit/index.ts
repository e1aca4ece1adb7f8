/**
 * The abuse limits: failed logins per account and per client address, wrong second-factor
 * codes per user, in memory or shared through Redis (`src/store/redis.ts`).
 */
export {
  DEFAULT_ACCOUNT_CEILING_POLICY,
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  DEFAULT_TOTP_POLICY,
  RESEND_VERIFICATION_POLICY,
  SIGNUP_PER_ADDRESS_POLICY,
  TOO_MANY_ATTEMPTS_DETAIL,
  USER_SEARCH_POLICY,
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
  type MailCap,
} from "./login-throttle.js";
export {
  DEFAULT_MEMORY_MAX_KEYS,
  DEFAULT_MEMORY_SWEEP_INTERVAL_MS,
  createMemoryRateLimitStore,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
} from "./memory-store.js";
export { normalizeClientAddress } from "./client-address.js";
export {
  assertValidPolicy,
  progressiveDelayMs,
  type FailurePolicy,
  type FailureRecord,
  type ProgressivePolicy,
  type RateLimitEntry,
  type ReserveResult,
  type RateLimitStore,
  type WindowPolicy,
} from "../../../core/rate-limit.js";
