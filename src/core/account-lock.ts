/**
 * Account locks (issue 11 item 5), the pure part: whether a lock holds at a moment, and the
 * error a locked account's sign-in gets. The lock itself is three columns of `users`
 * (store/users.ts) and its flows are services/account/account-lock.ts.
 */
import { PermissionDeniedError } from "./errors.js";

/** A user's lock columns as the store reads them. */
export interface AccountLockState {
  /** When the account was locked; null: not locked. */
  readonly lockedAt: Date | null;
  /** When the lock ends by itself; null: only an unlock ends it. */
  readonly lockedUntil: Date | null;
}

/** Whether the account is locked at `nowMs`: a lock without end, or one not yet past its end. */
export function isAccountLocked(state: AccountLockState, nowMs: number): boolean {
  if (state.lockedAt === null) return false;
  return state.lockedUntil === null || state.lockedUntil.getTime() > nowMs;
}

/**
 * The 403 `account_locked` of a sign-in with the right password on a locked account, with
 * `extra.until` (ISO 8601, or null for a lock without end). The admin's reason is not in it:
 * it is a note between admins (it may name an investigation), shown on the admin page only.
 */
export function accountLockedError(lockedUntil: Date | null): PermissionDeniedError {
  const detail =
    lockedUntil === null
      ? "This account is locked. Contact an administrator."
      : `This account is locked until ${lockedUntil.toISOString()}. Contact an administrator.`;
  return new PermissionDeniedError(detail, {
    code: "account_locked",
    extra: { until: lockedUntil === null ? null : lockedUntil.toISOString() },
  });
}
