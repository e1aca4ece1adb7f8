/**
 * Password change (self, with the old password; or an admin for a non-admin) and reset
 * (admin only, or the operator from the CLI). A reset ends every session of the user, a change
 * every other one (`services/sessions/sessions.ts`); a user changing their own password keeps this
 * session, with a renewed token.
 */
import {
  ClientError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
} from "../../core/errors.js";
import { hashPassword, verifyPassword } from "../../core/password.js";
import {
  passwordPolicyFingerprint,
  passwordPolicyViolation,
  type PasswordPolicyViolation,
} from "../../core/password-policy.js";
import { contextWords, estimatePasswordStrength } from "../../core/password-strength.js";
import { isBreachedPassword } from "../abuse/breached-passwords.js";
import type { ChangePasswordRequest, ResetPasswordRequest } from "../../contract/index.js";
import {
  getUserByNameOrMail,
  requirePasswordChange,
  setPasswordHash,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { endUserSessions } from "../sessions/ending.js";
import { voidEmailTokens } from "../mail/email-tokens.js";
import { notifySecurityEvent } from "../mail/notices.js";

/**
 * Why a new password is refused for `user`, or null: the offline policy (length, blocklist,
 * context words, minimum strength), then the optional online breach check.
 * @throws InternalError `service_unavailable` when the breach check is configured closed and down.
 */
export async function checkPasswordPolicy(
  ctx: ServiceContext,
  password: string,
  user: { name: string; email: string },
): Promise<PasswordPolicyViolation | null> {
  const context = { name: user.name, email: user.email, appName: ctx.settings.appName };
  const violation = passwordPolicyViolation(password, context, ctx.settings.passwordMinScore);
  if (violation !== null) return violation;
  const breached = ctx.settings.breachedPasswords;
  if (breached !== null && (await isBreachedPassword(password, breached)) === true) {
    return {
      reason: "breached",
      message: "This password has appeared in a data breach: choose another one",
      suggestion: null,
    };
  }
  return null;
}

/**
 * Whether `password` is the user's; a corrupt stored hash counts as a mismatch (a 500 would tell
 * the name exists), and so does an account without a password (issue 24).
 */
export async function passwordMatches(user: User, password: string): Promise<boolean> {
  if (user.passwordHash === null) return false;
  try {
    return await verifyPassword(user.passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * The strength of a candidate password for the pages' meter: the offline policy only (the
 * online breach check runs when the password is set). The account defaults to the caller.
 */
export function passwordStrength(
  ctx: ServiceContext,
  password: string,
  account: { name: string; email: string },
): { score: number; violation: PasswordPolicyViolation | null } {
  const context = { name: account.name, email: account.email, appName: ctx.settings.appName };
  const score = estimatePasswordStrength(password, contextWords(context)).score;
  return {
    score,
    violation: passwordPolicyViolation(password, context, ctx.settings.passwordMinScore),
  };
}

/**
 * At a sign-in with a password the current offline policy refuses (a stricter policy than
 * when it was set): the user must choose a new one before anything else. The online breach
 * check is left to the moments a password is set: a sign-in never waits on another service.
 * The policy runs only when it (or its inputs: name, email, settings) changed since the
 * password last passed it (`passwordPolicyChecked`, issue 20 item 1); `policyChecked` is the
 * fingerprint to store when it passed now (the caller writes it with the sign-in).
 * Returns the user as it is now.
 */
export async function requireChangeOfRefusedPassword(
  ctx: ServiceContext,
  user: User,
  password: string,
  meta: RequestMeta,
): Promise<{ user: User; policyChecked?: string }> {
  if (user.mustChangePassword) return { user };
  // Offline only: a sign-in never waits on the online breach service (checked when a password is set).
  const context = { name: user.name, email: user.email, appName: ctx.settings.appName };
  const fingerprint = passwordPolicyFingerprint(context, ctx.settings.passwordMinScore);
  if (user.passwordPolicyChecked === fingerprint) return { user };
  const violation = passwordPolicyViolation(password, context, ctx.settings.passwordMinScore);
  if (violation === null) return { user, policyChecked: fingerprint };
  const updated = await requirePasswordChange(ctx.db, user.id, ctx.clock());
  await audit(ctx, "password_change_required", {
    userId: user.id,
    meta,
    detail: { reason: violation.reason },
  });
  return { user: updated ?? user };
}

/**
 * Throws `password_policy` (400, `extra: { reason, suggestion }`) when the password is not
 * acceptable for `user`. See checkPasswordPolicy.
 */
export async function assertPasswordPolicy(
  ctx: ServiceContext,
  password: string,
  user: { name: string; email: string },
): Promise<void> {
  const violation = await checkPasswordPolicy(ctx, password, user);
  if (violation !== null) {
    throw new ClientError(violation.message, {
      code: "password_policy",
      extra: { reason: violation.reason, suggestion: violation.suggestion },
    });
  }
}

/**
 * Changes a password. The user themself must give the old one (wrong old passwords count
 * as failed logins); an admin changing a non-admin's password does not, and that user must
 * change it at next login. The user's other sessions end; when users change their own
 * password, `currentSessionId` (the request's session) stays. Returns the updated user.
 * @throws PermissionDeniedError, NotFoundError, ClientError (`invalid_credentials`, `password_policy`), TooManyRequestsError.
 */
export async function changePassword(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  request: ChangePasswordRequest,
  meta: RequestMeta,
  currentSessionId: string | null = null,
): Promise<User> {
  // The old password is checked against the stored hash, which request.user does not carry.
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  const self = actor.id === target.id;
  if (self && target.passwordHash === null) {
    // No old password to give (a passkey-first account, issue 24): said plainly, as it is the
    // account's own session asking.
    throw new ConflictError(
      "This account has no password yet: set one with POST /users/{id}/password/set",
      { code: "password_not_set" },
    );
  }
  if (self) {
    // Counted before Argon2 runs (issue 14 item 1): a stolen session cannot race the limit.
    const reservation = await ctx.throttle.reserveLoginAttempt({
      accountKey: target.id,
      address: meta.ip,
    });
    if (!(await passwordMatches(target, request.old_password))) {
      throw new ClientError("The old password is wrong", { code: "invalid_credentials" });
    }
    await ctx.throttle.releaseLoginAttempt(reservation);
  }
  await assertPasswordPolicy(ctx, request.new_password, target);
  if (self && request.new_password === request.old_password) {
    throw new ClientError("The new password must differ from the old one", {
      code: "password_policy",
    });
  }
  const hash = await hashPassword(request.new_password, ctx.settings.argon2);
  return storePassword(ctx, target.id, hash, {
    mustChangePassword: !self,
    event: "password_changed",
    meta,
    by: actor.id,
    keepSessionId: self ? currentSessionId : null,
  });
}

/**
 * `POST /users/{id}/password/set` (issue 24): the first password of one's own account that has
 * none (a passkey-first account). No old password to give: the route needs a recent
 * authentication (a passkey) instead. The other sessions end, as at a password change.
 * @throws PermissionDeniedError (not one's own account), ConflictError `password_already_set`,
 *   ClientError `password_policy`.
 */
export async function setFirstPassword(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  newPassword: string,
  meta: RequestMeta,
  currentSessionId: string | null,
): Promise<User> {
  if (actor.id !== targetId) {
    throw new PermissionDeniedError("Only the account's owner may set its first password");
  }
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  if (target.passwordHash !== null) {
    throw new ConflictError(
      "This account has a password: change it with the current one (password/change)",
      { code: "password_already_set" },
    );
  }
  await assertPasswordPolicy(ctx, newPassword, target);
  const hash = await hashPassword(newPassword, ctx.settings.argon2);
  return storePassword(ctx, target.id, hash, {
    mustChangePassword: false,
    event: "password_changed",
    meta,
    by: actor.id,
    keepSessionId: currentSessionId,
    detail: { first: true },
  });
}

/**
 * The new hash, the end of the user's sessions, the audit event, the void of pending reset
 * and invitation links and the notice mail (issue 12), as one transaction: a crash half-way leaves the old
 * password and the old sessions.
 */
export async function storePassword(
  ctx: ServiceContext,
  userId: string,
  hash: string,
  options: {
    mustChangePassword: boolean;
    event: "password_changed" | "password_reset";
    meta?: RequestMeta | undefined;
    by: string;
    /** The session that stays (own password change), or null: all end. */
    keepSessionId?: string | null;
    /** More `detail` for the audit event. */
    detail?: Record<string, unknown>;
  },
): Promise<User> {
  const user = await withTransaction(ctx.db, async (db) => {
    const tx = { ...ctx, db };
    // Issue 23: the user's own change keeps their access tokens; anyone else's revokes them.
    await endUserSessions(tx, userId, options.event, undefined, {
      exceptSessionId: options.keepSessionId ?? null,
      revokePersonalTokens: options.event === "password_reset" || options.by !== userId,
    });
    const updated = await setPasswordHash(db, userId, hash, {
      mustChangePassword: options.mustChangePassword,
      endSessions: false,
      nowMs: ctx.clock(),
    });
    if (updated === undefined) throw new NotFoundError("No such user");
    await audit(tx, options.event, {
      userId,
      meta: options.meta,
      detail: { by: options.by, ...options.detail },
    });
    // Issue 12: a reset link mailed before this change is void; the owner hears of it. So is a
    // waiting invitation: its link would replace the password just set (an admin who set one
    // for an invited person, perhaps because the invitation went to a wrong address).
    await voidEmailTokens(tx, userId, "password_reset");
    await voidEmailTokens(tx, userId, "invitation");
    // Set by someone else (an admin, the operator): told as an administrator's action, without
    // their browser or address and without "This wasn't me" (issue 18, item 6).
    await notifySecurityEvent(
      tx,
      updated,
      options.event,
      options.by === userId ? { meta: options.meta } : { by: "administrator" },
    );
    return updated;
  });
  // Again after the commit: a read between the first announcement and the commit saw the old rows.
  await announceSessionChange(ctx, { kind: "user", userId });
  ctx.mail?.wake();
  return user;
}

/**
 * Resets a password (admin only, not on another admin, not on oneself); the user must change
 * it at next login. An admin's own password goes through `changePassword` with the old one:
 * otherwise a stolen admin session alone could set the password and keep the account.
 * @throws PermissionDeniedError, NotFoundError, ClientError (`password_policy`).
 */
export async function resetPassword(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  request: ResetPasswordRequest,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may reset a password");
  if (actor.id === targetId) {
    throw new PermissionDeniedError(
      "Change your own password with your current password (password/change), not a reset",
    );
  }
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  await assertPasswordPolicy(ctx, request.new_password, target);
  const hash = await hashPassword(request.new_password, ctx.settings.argon2);
  return storePassword(ctx, target.id, hash, {
    mustChangePassword: true,
    event: "password_reset",
    meta,
    by: actor.id,
  });
}

/**
 * Resets a password as the operator (`tessera reset-password`): any user, admins included,
 * found by name or email; every session ends and the reset is audited with `by: "operator"`.
 * A password the operator typed (`mustChangePassword: false`) is theirs to hand over; a
 * generated one must be changed at the next sign-in.
 * @throws NotFoundError (no such user), ClientError (`password_policy`).
 */
export async function resetPasswordAsOperator(
  ctx: ServiceContext,
  nameOrEmail: string,
  newPassword: string,
  options: { mustChangePassword: boolean },
): Promise<User> {
  const target = await getUserByNameOrMail(ctx.db, nameOrEmail);
  if (target === undefined) throw new NotFoundError("No such user");
  await assertPasswordPolicy(ctx, newPassword, target);
  const hash = await hashPassword(newPassword, ctx.settings.argon2);
  return storePassword(ctx, target.id, hash, {
    mustChangePassword: options.mustChangePassword,
    event: "password_reset",
    by: "operator",
  });
}
