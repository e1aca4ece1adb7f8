/**
 * Forgot password (issue 12, part 2). `requestPasswordReset` answers the same, in about the
 * same time, whether or not the account exists: the lookup and the rate limit run in the
 * request for both, and the rest (a token, the mail) runs after the answer for both (`ctx.mail
 * .defer`), the unknown-account path doing the same token and template work without writing.
 * The link `PUBLIC_URL/reset-password#token=…` carries a 256-bit token, stored only as a hash,
 * single use, valid 30 minutes, void once the password changes by any route (the token holds a
 * fingerprint of the password hash it was issued against, and every change voids pending links).
 *
 * `resetPasswordWithToken` sets the new password (the usual policy), ends every session,
 * clears `must_change_password`, audits and notifies. An account with a second factor needs it
 * in the same request (403 `two_fa_required` otherwise, with login's `extra`): a mailbox alone
 * never takes over a protected account (ASVS 5.0 V6.4.3).
 */
import { createHash, randomBytes } from "node:crypto";
import { MINUTE_MS } from "../../core/clock.js";
import { ClientError } from "../../core/errors.js";
import { hashPassword } from "../../core/password.js";
import type { ForgotPasswordRequest, ResetWithTokenRequest } from "../../contract/index.js";
import { getUserById, getUserByNameOrMail, withTransaction, type User } from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import {
  findEmailToken,
  hashEmailToken,
  issueEmailToken,
  useEmailToken,
} from "../mail/email-tokens.js";
import { accountKeyFor, verifySecondFactor, type SecondFactorProvider } from "./login.js";
import { afterAnswer, enqueueMail } from "../mail/queue.js";
import { passwordResetMail } from "../mail/account-mails.js";
import { mailLocale, recipientHasPassword } from "../mail/templates.js";
import { assertPasswordPolicy, storePassword } from "../account/passwords.js";

/** How long a reset link works (issue 12: 30 minutes). */
export const PASSWORD_RESET_VALIDITY_MS = 30 * MINUTE_MS;

/** The answer to every forgot-password request. */
export const FORGOT_PASSWORD_DETAIL =
  "If an account with this name or email exists, a link to choose a new password has been sent to its email address.";

const INVALID_LINK = "This link is unknown, already used, no longer valid or expired";

/** The mail with the reset link (`mail/account-mails.ts`). */
export { passwordResetMail };

/**
 * A short fingerprint of the password hash a link was issued against; an account without a
 * password (issue 24) has one too, which changes when a password is set.
 */
function passwordFingerprint(user: User): string {
  return createHash("sha256")
    .update(user.passwordHash ?? "no password")
    .digest("base64url")
    .slice(0, 22);
}

/**
 * `POST /password/forgot`: rate limited per account (by name) and address, like login;
 * then, after the answer, mails a reset link when the account exists. Never says which.
 * @throws TooManyRequestsError; InternalError `service_unavailable`.
 */
export async function requestPasswordReset(
  ctx: ServiceContext,
  request: ForgotPasswordRequest,
  meta: RequestMeta,
): Promise<void> {
  const user = await getUserByNameOrMail(ctx.db, request.name);
  await ctx.throttle.reserveEmailRequest({
    accountKey: accountKeyFor(user, request.name),
    address: meta.ip,
  });
  await afterAnswer(ctx, () => sendResetLink(ctx, user, meta));
}

async function sendResetLink(
  ctx: ServiceContext,
  user: User | undefined,
  meta: RequestMeta,
): Promise<void> {
  if (user === undefined || user.email === "") {
    // The same token and template work, and a write in a transaction as a known account's: the
    // request that comes next (an attacker's timing probe) meets similar work either way. The
    // audit event shows admins who asks for accounts that do not exist (as login_failed does).
    const token = randomBytes(32).toString("base64url");
    hashEmailToken(token);
    passwordResetMail(ctx.settings, {
      name: "unknown",
      token,
      validityMs: PASSWORD_RESET_VALIDITY_MS,
      locale: mailLocale(ctx.settings, null, meta),
    });
    await withTransaction(ctx.db, async (db) => {
      // No user id: the event would read "link sent" in the account's activity.
      await audit({ ...ctx, db }, "password_reset_requested", {
        userId: null,
        meta,
        detail: { reason: user === undefined ? "unknown_user" : "no_email" },
      });
    });
    return;
  }
  await withTransaction(ctx.db, async (db) => {
    const tx = { ...ctx, db };
    // Only the newest link works: issuing voids the earlier ones.
    const { token } = await issueEmailToken(tx, {
      userId: user.id,
      purpose: "password_reset",
      validityMs: PASSWORD_RESET_VALIDITY_MS,
      data: { fingerprint: passwordFingerprint(user) },
    });
    await enqueueMail(tx, {
      to: user.email,
      ...passwordResetMail(ctx.settings, {
        name: user.name,
        token,
        validityMs: PASSWORD_RESET_VALIDITY_MS,
        hasPassword: recipientHasPassword(user),
        locale: mailLocale(ctx.settings, user, meta),
      }),
    });
    await audit(tx, "password_reset_requested", { userId: user.id, meta });
  });
  ctx.mail?.wake();
}

/**
 * `POST /password/reset-with-token`: the link's token, a new password, and the second factor
 * when the account has one. Every session ends; the user signs in with the new password.
 * @throws ClientError `invalid_email_token`, `password_policy`, `invalid_two_fa_code`;
 *   PermissionDeniedError `two_fa_required`; TooManyRequestsError.
 */
export async function resetPasswordWithToken(
  ctx: ServiceContext,
  request: ResetWithTokenRequest,
  meta: RequestMeta,
  webauthn?: SecondFactorProvider,
): Promise<User> {
  const record = await findEmailToken(ctx, request.token, "password_reset");
  const user =
    record === null || record.userId === null
      ? undefined
      : await getUserById(ctx.db, record.userId);
  if (
    record === null ||
    user === undefined ||
    record.data.fingerprint !== passwordFingerprint(user)
  ) {
    throw new ClientError(INVALID_LINK, { code: "invalid_email_token" });
  }

  // A second factor, as at sign-in (same checks, same throttle, recovery codes included).
  await verifySecondFactor(ctx, user, request, meta, { webauthn, lane: "default" });

  await assertPasswordPolicy(ctx, request.new_password, user);
  const hash = await hashPassword(request.new_password, ctx.settings.argon2);
  // Used up in one statement of its own, after every check that can refuse: of two requests
  // with one link, one wins, and the loser never waits on the winner's transaction.
  if ((await useEmailToken(ctx, request.token, "password_reset")) === null) {
    throw new ClientError(INVALID_LINK, { code: "invalid_email_token" });
  }
  return storePassword(ctx, user.id, hash, {
    mustChangePassword: false,
    event: "password_reset",
    meta,
    by: user.id,
    detail: { via: "email" },
  });
}
