/**
 * Password change (self, with the old password; or an admin for a non-admin) and reset
 * (admin only). Both end every older token of the user (token version bump).
 */
import { ClientError, NotFoundError, PermissionDeniedError } from "../core/errors.js";
import { hashPassword } from "../core/password.js";
import { passwordPolicyViolation } from "../core/password-policy.js";
import type { ChangePasswordRequest, ResetPasswordRequest } from "../core/types.js";
import { setPasswordHash, type User } from "../store/index.js";
import { loadTarget, type ActingUser } from "./access.js";
import { audit } from "./audit.js";
import { passwordMatches } from "./login.js";
import type { RequestMeta, ServiceContext } from "./context.js";

/** Throws `password_policy` when the password is not acceptable for `user`. */
export function assertPasswordPolicy(
  password: string,
  user: { name: string; email: string },
): void {
  const violation = passwordPolicyViolation(password, user);
  if (violation !== null) throw new ClientError(violation, { code: "password_policy" });
}

/**
 * Changes a password. The user themself must give the old one (wrong old passwords count
 * as failed logins); an admin changing a non-admin's password does not, and that user must
 * change it at next login. Returns the updated user (new token version).
 * @throws PermissionDeniedError, NotFoundError, ClientError (`invalid_credentials`, `password_policy`), TooManyRequestsError.
 */
export async function changePassword(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  request: ChangePasswordRequest,
  meta: RequestMeta,
): Promise<User> {
  // The old password is checked against the stored hash, which request.user does not carry.
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  const self = actor.id === target.id;
  if (self) {
    await ctx.throttle.assertLoginAllowed({ accountKey: target.id, address: meta.ip });
    if (!(await passwordMatches(target, request.old_password))) {
      await ctx.throttle.recordLoginFailure({ accountKey: target.id, address: meta.ip });
      throw new ClientError("The old password is wrong", { code: "invalid_credentials" });
    }
  }
  assertPasswordPolicy(request.new_password, target);
  if (self && request.new_password === request.old_password) {
    throw new ClientError("The new password must differ from the old one", {
      code: "password_policy",
    });
  }
  const hash = await hashPassword(request.new_password, ctx.settings.argon2);
  const updated = await setPasswordHash(ctx.db, target.id, hash, {
    mustChangePassword: !self,
    endSessions: true,
    now: new Date(ctx.clock()),
  });
  if (updated === undefined) throw new NotFoundError("No such user");
  await audit(ctx, "password_changed", { userId: target.id, meta, detail: { by: actor.id } });
  return updated;
}

/**
 * Resets a password (admin only, not on another admin); the user must change it at next login.
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
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  assertPasswordPolicy(request.new_password, target);
  const hash = await hashPassword(request.new_password, ctx.settings.argon2);
  const updated = await setPasswordHash(ctx.db, target.id, hash, {
    mustChangePassword: true,
    endSessions: true,
    now: new Date(ctx.clock()),
  });
  if (updated === undefined) throw new NotFoundError("No such user");
  await audit(ctx, "password_reset", { userId: target.id, meta, detail: { by: actor.id } });
  return updated;
}
