/**
 * Changing an account's address (issue 12, part 3): `PATCH /users/{id}/email`. Beside the
 * verification flows (`email-verification.ts`) and invitations (`invitations.ts`), which an
 * address change uses both.
 */
import { ClientError, NotFoundError } from "../../core/errors.js";
import {
  hasPendingInvitation,
  normalizeIdentifier,
  setUserEmail,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { voidEmailTokens } from "../mail/email-tokens.js";
import { sendVerificationMail } from "./email-verification.js";
import { sendInvitation } from "./invitations.js";
import { emailChangedNoticeMail } from "../mail/account-mails.js";
import { mailLocale, recipientHasPassword } from "../mail/templates.js";
import { enqueueMail } from "../mail/queue.js";
import { announceSessionChange } from "../sessions/sessions.js";

/**
 * `PATCH /users/{id}/email`: the user themself, or an admin for a non-admin. The new address
 * is not verified: a link goes to it, a notice to the old one, and reset and verification
 * links sent to the old address stop working. An invitation not yet accepted moves to the new
 * address instead. Returns the updated user.
 * @throws PermissionDeniedError, NotFoundError, ConflictError (another account's address),
 *   ClientError `validation_error` (not an address, or the same address).
 */
export async function changeEmail(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  email: string,
  meta: RequestMeta,
): Promise<User> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  if (
    typeof email === "string" &&
    normalizeIdentifier(email) === normalizeIdentifier(target.email)
  ) {
    throw new ClientError("This is already the account's address", {
      code: "validation_error",
      extra: { field: "email" },
    });
  }
  const updated = await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    const user = await setUserEmail(trx, target.id, email, ctx.clock());
    if (user === undefined) throw new NotFoundError("No such user");
    // The old inbox no longer speaks for the account.
    await voidEmailTokens(tx, user.id, "password_reset");
    if (await hasPendingInvitation(trx, user.id)) {
      // A corrected address of someone invited: the invitation moves to it (the old link
      // dies), and the old address, which never had the account, hears nothing.
      await sendInvitation(tx, user, { by: actor.id, meta, again: true });
    } else {
      await sendVerificationMail(tx, user, meta);
      await enqueueMail(tx, {
        to: target.email,
        ...emailChangedNoticeMail(ctx.settings, {
          name: user.name,
          oldEmail: target.email,
          newEmail: user.email,
          byAdmin: actor.id !== user.id,
          hasPassword: recipientHasPassword(user),
          locale: mailLocale(ctx.settings, user, meta),
        }),
      });
    }
    await audit(tx, "email_changed", { userId: user.id, meta, detail: { by: actor.id } });
    return user;
  });
  ctx.mail?.wake();
  await announceSessionChange(ctx, { kind: "user", userId: updated.id });
  return updated;
}
