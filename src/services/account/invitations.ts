/**
 * Invitations (issue 12, part 4): an admin makes an account without a password; the person
 * gets a link (72 hours, single use) to `/invitation`, chooses a password there and is signed
 * in (`sign-in/accept-invitation.ts`). Until then the account's hash is that of a random secret nobody knows, so a sign-in
 * attempt fails exactly like a wrong password, at the same Argon2 cost. "Send again" voids the
 * previous link.
 */
import { randomBytes } from "node:crypto";
import { HOUR_MS } from "../../core/clock.js";
import { hashPassword } from "../../core/password.js";
import { ClientError, ConflictError, PermissionDeniedError } from "../../core/errors.js";
import {
  getUserById,
  hasPendingInvitation,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { findEmailToken, issueEmailToken } from "../mail/email-tokens.js";
import { invitationMail } from "../mail/account-mails.js";
import { mailLocale, type MailRecipient } from "../mail/templates.js";
import { enqueueMail } from "../mail/queue.js";

/** An invitation link lives 72 hours (issue 12). */
export const INVITATION_VALIDITY_MS = 72 * HOUR_MS;

export const INVALID_INVITATION =
  "This invitation link is not valid: it was used already, has expired or was replaced by a newer one";

/** The hash of a secret nobody knows: what an invited account holds until it is accepted. */
export async function unusablePasswordHash(ctx: ServiceContext): Promise<string> {
  return hashPassword(randomBytes(32).toString("base64url"), ctx.settings.argon2);
}

/**
 * Queues the invitation mail, voiding earlier invitations of the user. Through `ctx.db`: pass
 * the caller's transaction and wake the queue after the commit.
 */
export async function sendInvitation(
  ctx: ServiceContext,
  user: Pick<User, "id" | "name" | "email"> & MailRecipient,
  options: { by: string; meta?: RequestMeta | undefined; again?: boolean },
): Promise<void> {
  const { token } = await issueEmailToken(ctx, {
    userId: user.id,
    purpose: "invitation",
    validityMs: INVITATION_VALIDITY_MS,
    data: { email: user.email },
  });
  await enqueueMail(ctx, {
    to: user.email,
    ...invitationMail(ctx.settings, {
      name: user.name,
      token,
      validityMs: INVITATION_VALIDITY_MS,
      locale: mailLocale(ctx.settings, user, options.meta),
    }),
  });
  await audit(ctx, "invitation_sent", {
    userId: user.id,
    meta: options.meta,
    detail: { by: options.by, ...(options.again === true ? { again: true } : {}) },
  });
}

/**
 * `POST /users/{id}/invitation`: sends the invitation again (admin only, not to another
 * admin), voiding the earlier link. @throws PermissionDeniedError, NotFoundError,
 * ConflictError `invitation_not_pending` (the invitation was accepted).
 */
export async function resendInvitation(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<void> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may send invitations");
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  if (!(await hasPendingInvitation(ctx.db, target.id))) {
    throw new ConflictError("This user has no invitation waiting: it was accepted", {
      code: "invitation_not_pending",
    });
  }
  await withTransaction(ctx.db, async (trx) => {
    await sendInvitation({ ...ctx, db: trx }, target, { by: actor.id, meta, again: true });
  });
  ctx.mail?.wake();
}

/** `POST /invitations/check`: whom a live invitation is for. @throws ClientError `invalid_email_token`. */
export async function checkInvitation(
  ctx: ServiceContext,
  token: string,
): Promise<{ name: string; email: string }> {
  const user = await invitedUser(ctx, token);
  return { name: user.name, email: user.email };
}

/** The user an invitation link is for. @throws ClientError `invalid_email_token`. */
export async function invitedUser(ctx: ServiceContext, token: string): Promise<User> {
  const record = await findEmailToken(ctx, token, "invitation");
  const userId = record?.userId ?? null;
  const user = userId === null ? undefined : await getUserById(ctx.db, userId);
  if (user === undefined)
    throw new ClientError(INVALID_INVITATION, { code: "invalid_email_token" });
  return user;
}
