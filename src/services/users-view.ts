/**
 * How users leave the services: never with a hash or a secret. `PublicUser` is what the
 * middleware puts on `request.user`; the views are the wire JSON (snake_case as the seed).
 */
import { isAccountLocked } from "../core/account-lock.js";
import type { AdminUserView, UserSummaryView, UserView } from "../contract/index.js";
import type { User } from "../store/index.js";

/** A user without password hash or TOTP secrets. */
export interface PublicUser {
  id: string;
  name: string;
  email: string;
  isAdmin: boolean;
  mustChangePassword: boolean;
  tokenVersion: number;
  totpEnabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** Unused recovery codes of the current set; null when there is none. */
  recoveryCodesLeft: number | null;
  /**
   * Set by the session loader (the middleware's view): `TESSERA_REQUIRE_2FA` covers the user,
   * who has neither TOTP nor a passkey. Absent elsewhere.
   */
  twoFaEnrolmentRequired?: boolean;
  /** Whether the address was verified by mail (issue 12). */
  emailVerified: boolean;
  /** False for an account without a password (passkey-first, issue 24). */
  hasPassword: boolean;
  /** The language the person chose (issue 24 item 3), or null: the browser's, else the default. */
  locale: string | null;
}

/** The views of a user, as the wire contract defines them. */
export type { AdminUserView, UserSummaryView, UserView };

export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    isAdmin: user.isAdmin,
    mustChangePassword: user.mustChangePassword,
    tokenVersion: user.tokenVersion,
    totpEnabled: user.totpSecret !== null,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
    recoveryCodesLeft: user.recoveryCodesLeft,
    emailVerified: user.emailVerifiedAt !== null,
    hasPassword: user.passwordHash !== null,
    locale: user.locale,
  };
}

export function toUserView(user: PublicUser): UserView {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    is_admin: user.isAdmin,
    must_change_password: user.mustChangePassword,
    totp_enabled: user.totpEnabled,
    created_at: user.createdAt.toISOString(),
    last_login_at: user.lastLoginAt === null ? null : user.lastLoginAt.toISOString(),
    email_verified: user.emailVerified,
    locale: user.locale,
  };
}

/** The wire view of a stored user (what a flow that returns a user answers). */
export function userViewOf(user: User): UserView {
  return toUserView(toPublicUser(user));
}

/** An admin's view of a user: the full view and the lock as it stands at `nowMs`. */
export function toAdminUserView(user: User, nowMs: number): AdminUserView {
  const locked = isAccountLocked(user, nowMs);
  return {
    ...userViewOf(user),
    locked,
    locked_until: locked && user.lockedUntil !== null ? user.lockedUntil.toISOString() : null,
    lock_reason: locked ? user.lockReason : null,
  };
}

export function toUserSummaryView(user: { id: string; name: string }): UserSummaryView {
  return { id: user.id, name: user.name };
}
