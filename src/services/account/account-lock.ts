/**
 * Account locks (issue 11 item 5): an admin locks another, non-admin account with a reason,
 * until a time or until unlocked. A lock ends every session at once (every instance, via
 * `endUserSessions`) and refuses sign-in with 403 `account_locked` once the password (or the
 * passkey) is verified, so a lock tells nothing to someone without the account's password.
 * An expired lock needs no job: sign-in compares its end with now.
 *
 * Races: locking is one transaction (lock columns, sessions ended, audit). Sessions are only
 * ever inserted behind the lock gate of `issueSessionToken` (a write on the user's row in the
 * same transaction as the insert), so a sign-in racing a lock either sees the lock and is
 * refused, or commits its session before the lock's ending of sessions runs, which ends it.
 */
import { isAccountLocked } from "../../core/account-lock.js";
import { ClientError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import {
  getUserByNameOrMail,
  lockUser,
  unlockUser,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { notifySecurityEvent } from "../mail/notices.js";
import { announceSessionChange } from "../sessions/sessions.js";
import { endUserSessions } from "../sessions/ending.js";

/** What an admin gives to lock an account. */
export interface LockAccountInput {
  /** Why (shown to admins on the admin page; never to the user). */
  reason: string;
  /** When the lock ends by itself; null: until an unlock. */
  until: Date | null;
}

/**
 * Locks an account (admin; not oneself, not another admin) and ends every session of it.
 * Locking a locked account replaces the lock (reason and end). Audited (without the reason:
 * users read their own audit events). Returns the locked user.
 * @throws PermissionDeniedError, NotFoundError, ClientError `validation_error` (empty reason, end not in the future).
 */
export async function lockAccount(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  input: LockAccountInput,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may lock an account");
  if (actor.id === targetId) throw new PermissionDeniedError("You cannot lock your own account");
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const reason = input.reason.trim();
  if (reason === "") {
    throw new ClientError("Give a reason for the lock", {
      code: "validation_error",
      extra: { field: "reason" },
    });
  }
  const nowMs = ctx.clock();
  const untilMs = input.until === null ? null : input.until.getTime();
  if (untilMs !== null && !(untilMs > nowMs)) {
    throw new ClientError("The end of the lock must be in the future", {
      code: "validation_error",
      extra: { field: "until" },
    });
  }
  const locked = await withTransaction(ctx.db, async (db) => {
    const tx = { ...ctx, db };
    const user = await lockUser(db, target.id, {
      reason,
      untilMs,
      nowMs,
    });
    if (user === undefined) throw new NotFoundError("No such user");
    // After the lock's write: a sign-in that got past the gate first has committed its session.
    const ended = await endUserSessions(tx, target.id, "user_locked");
    await audit(tx, "user_locked", {
      userId: target.id,
      meta,
      detail: {
        by: actor.id,
        until: input.until === null ? null : input.until.toISOString(),
        sessions: ended,
      },
    });
    // In the lock's transaction: the notice is queued if and only if the lock holds. Told as an
    // administrator's action, without the admin's browser or address (issue 18, item 6).
    await notifySecurityEvent(tx, user, "account_locked", { by: "administrator" });
    return user;
  });
  ctx.mail?.wake();
  // Again after the commit: a read between the first announcement and the commit saw the old rows.
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  return locked;
}

/**
 * Removes an account's lock (admin; an admin may not manage another admin). Unlocking an
 * account that is not locked changes nothing and is not audited. Returns the user.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function unlockAccount(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may unlock an account");
  const target = await loadTarget(ctx, actor, targetId, {
    access: "self-or-admin",
    withSecrets: true,
  });
  return unlock(ctx, target, actor.id, meta);
}

/**
 * `tessera unlock --name NAME_OR_EMAIL`: removes the lock of any user, admins included,
 * audited as the operator. Returns the user and whether there was a lock.
 * @throws NotFoundError.
 */
export async function unlockAccountAsOperator(
  ctx: ServiceContext,
  nameOrEmail: string,
): Promise<{ user: User; wasLocked: boolean }> {
  const target = await getUserByNameOrMail(ctx.db, nameOrEmail);
  if (target === undefined) throw new NotFoundError("No such user");
  const user = await unlock(ctx, target, "operator");
  return { user, wasLocked: target.lockedAt !== null };
}

async function unlock(
  ctx: ServiceContext,
  target: User,
  by: string,
  meta?: RequestMeta,
): Promise<User> {
  if (target.lockedAt === null) return target;
  const wasActive = isAccountLocked(target, ctx.clock());
  const user = await withTransaction(ctx.db, async (db) => {
    const updated = await unlockUser(db, target.id, ctx.clock());
    if (updated === undefined) throw new NotFoundError("No such user");
    await audit({ ...ctx, db }, "user_unlocked", {
      userId: target.id,
      meta,
      detail: { by, expired: !wasActive },
    });
    return updated;
  });
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  return user;
}
