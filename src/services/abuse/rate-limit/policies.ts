/**
 * The numbers of the abuse limits: how many failures, in which window, with which waits, for
 * each counter of the login throttle (`login-throttle.ts` says what each counter keys on).
 */
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "../../../core/clock.js";
import type { ProgressivePolicy, WindowPolicy } from "../../../core/rate-limit.js";

/**
 * Per account: 5 failures back to back, then a 30 s wait doubling with each further failure,
 * at most 15 min (issue: "after 5 failures the wait grows, up to 15 minutes"); the count is
 * forgotten 24 h after the last failure. Never permanent (catalog LG-09). For comparison
 * (security catalog part c), Keycloak's brute-force detector is off by default and, when on,
 * uses failureFactor 30, waitIncrementSeconds 60, maxFailureWaitSeconds 900 and
 * maxDeltaTimeSeconds 43200 (12 h); NIST SP 800-63B-4 §3.2.2 mentions waits of 30 s up to 1 h.
 */
export const DEFAULT_ACCOUNT_POLICY: Readonly<ProgressivePolicy> = Object.freeze({
  kind: "progressive",
  freeFailures: 5,
  baseDelayMs: 30 * SECOND_MS,
  maxDelayMs: 15 * MINUTE_MS,
  retentionMs: 24 * HOUR_MS,
});

/**
 * Per client address: 100 failed attempts per 15 min window (issue; failed attempts only, so
 * the successful logins of an office behind one address never count).
 */
export const DEFAULT_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 100,
  windowMs: 15 * MINUTE_MS,
});

/**
 * Per account from every address together: 100 failures per hour. The fast lock stops one
 * network after 5; this ceiling stops guessing spread over many networks (issue 14 item 2: "a
 * slower per-account ceiling against distributed guessing"). An attacker can trip it on purpose,
 * which is why a browser with a device cookie for the account is not subject to it.
 */
export const DEFAULT_ACCOUNT_CEILING_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 100,
  windowMs: 60 * MINUTE_MS,
});

/**
 * Per user, wrong second-factor codes: as the account (issue; catalog LG-11 suggests 5).
 * A 6-digit code has 10^6 values, so rate limiting is required (NIST SP 800-63B-4 §3.1.4.2).
 */
export const DEFAULT_TOTP_POLICY: Readonly<ProgressivePolicy> = Object.freeze({
  kind: "progressive",
  freeFailures: 5,
  baseDelayMs: 30 * SECOND_MS,
  maxDelayMs: 15 * MINUTE_MS,
  retentionMs: 24 * HOUR_MS,
});

/**
 * Mail to one account from one network (issue 12): 3 requests back to back, then a wait from
 * 1 minute doubling up to an hour; forgotten a day after the last.
 */
export const DEFAULT_EMAIL_ACCOUNT_POLICY: Readonly<ProgressivePolicy> = Object.freeze({
  kind: "progressive",
  freeFailures: 3,
  baseDelayMs: MINUTE_MS,
  maxDelayMs: HOUR_MS,
  retentionMs: 24 * HOUR_MS,
});

/** Mail to one account from every network together: 10 per hour (no mail bombing). */
export const DEFAULT_EMAIL_CEILING_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 10,
  windowMs: HOUR_MS,
});

/** Mail requests per client network, any accounts: 50 per 15 minutes. */
export const DEFAULT_EMAIL_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 50,
  windowMs: 15 * MINUTE_MS,
});

/** Sign-ups per address: 3 an hour (a person who mistyped the name tries again). */
export const SIGNUP_PER_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 3,
  windowMs: HOUR_MS,
});

/** "Send the link again" per account name or address: 3 an hour. */
export const RESEND_VERIFICATION_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 3,
  windowMs: HOUR_MS,
});

/**
 * People-picker searches (`GET /users` by a non-admin with `TESSERA_USER_DIRECTORY=search`,
 * issue 25 item 2) per user: 30 a minute. Typing a name as someone looks for a colleague makes
 * a few; a script reading the directory three letters at a time is slowed to 600 names a minute.
 */
export const USER_SEARCH_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 30,
  windowMs: MINUTE_MS,
});

/** Which per-address mail cap (`reserveMailCap`). */
export type MailCap = "signup" | "resend_verification";

export const MAIL_CAP_POLICIES: Readonly<Record<MailCap, WindowPolicy>> = {
  signup: SIGNUP_PER_ADDRESS_POLICY,
  resend_verification: RESEND_VERIFICATION_POLICY,
};

/**
 * Wrong device user codes (RFC 8628 §5.1) entered per Tessera session: 10 per 15 minutes. A
 * user code is 8 characters of a 20-letter alphabet (20^8 ≈ 2^34.6), living 10 minutes.
 */
export const OIDC_USER_CODE_SESSION_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 10,
  windowMs: 15 * MINUTE_MS,
});

/**
 * Wrong device user codes entered per client network, signed in or not: 30 per 15 minutes (a
 * few people of one office mistyping do not lock each other out; a guesser gets 2,880 tries a
 * day per network, about one chance in nine million per live code).
 */
export const OIDC_USER_CODE_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 30,
  windowMs: 15 * MINUTE_MS,
});

/** Clients registered dynamically (RFC 7591) per client network: 10 an hour. */
export const OIDC_REGISTRATION_ADDRESS_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 10,
  windowMs: HOUR_MS,
});

/**
 * Refusals of one client from one network written to the audit trail (the token endpoint and
 * its siblings): 30 per 15 minutes. Beyond that they are refused alike but not written, so a
 * stranger who knows a client's id cannot fill the trail at the rate limit's pace.
 */
export const OIDC_REFUSAL_AUDIT_POLICY: Readonly<WindowPolicy> = Object.freeze({
  kind: "window",
  maxFailures: 30,
  windowMs: 15 * MINUTE_MS,
});
