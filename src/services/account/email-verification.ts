/**
 * Verified addresses (issue 12, part 3). A link is mailed when an account gets an address
 * (an admin creates it, a sign-up, a change) and on request ("send again"); opening it proves
 * the inbox and sets `email_verified_at`. A link verifies only the address it was sent to.
 * With `TESSERA_REQUIRE_VERIFIED_EMAIL=true` (and always for a sign-up) an account whose
 * address is not verified cannot sign in: refused after the password (or passkey) proved who
 * it is, so the refusal tells nothing to someone without the password.
 *
 *   await sendVerificationMail({ ...ctx, db: trx }, user); // in the caller's transaction
 *   ctx.mail?.wake();                                       // after the commit
 */
import type { EmailStateView } from "../../contract/index.js";
import { HOUR_MS } from "../../core/clock.js";
import { ClientError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import {
  getUserByNameOrMail,
  listLiveEmailTokens,
  markEmailVerified,
  normalizeIdentifier,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { issueEmailToken, useEmailToken, voidEmailTokens } from "../mail/email-tokens.js";
import { verifyEmailMail } from "../mail/account-mails.js";
import { mailLocale, type MailRecipient } from "../mail/templates.js";
import { afterAnswer, enqueueMail } from "../mail/queue.js";
import type { LoginReservation } from "../abuse/rate-limit/index.js";
import { announceSessionChange } from "../sessions/sessions.js";

/** A verification link lives 48 hours (long enough for a weekend's inbox, then it is void). */
export const EMAIL_VERIFICATION_VALIDITY_MS = 48 * HOUR_MS;

const INVALID_LINK =
  "This link is not valid: it was used already, has expired or is for an older address";

/**
 * Queues the verification mail to the user's current address, voiding earlier links. Runs
 * through `ctx.db`: pass the caller's transaction; wake the queue after the commit.
 */
export async function sendVerificationMail(
  ctx: ServiceContext,
  user: Pick<User, "id" | "name" | "email"> & MailRecipient,
  meta?: RequestMeta,
): Promise<void> {
  const { token } = await issueEmailToken(ctx, {
    userId: user.id,
    purpose: "email_verification",
    validityMs: EMAIL_VERIFICATION_VALIDITY_MS,
    data: { email: user.email },
  });
  await enqueueMail(ctx, {
    to: user.email,
    ...verifyEmailMail(ctx.settings, {
      name: user.name,
      email: user.email,
      token,
      validityMs: EMAIL_VERIFICATION_VALIDITY_MS,
      locale: mailLocale(ctx.settings, user, meta),
    }),
  });
  await audit(ctx, "email_verification_sent", { userId: user.id, meta });
}

/**
 * `POST /email/verify`: uses the link's token up and marks the address verified.
 * @throws ClientError `invalid_email_token` (unknown, used, expired, another purpose, or the
 *   account's address changed since the link was sent).
 */
export async function verifyEmail(
  ctx: ServiceContext,
  token: string,
  meta: RequestMeta,
): Promise<User> {
  const user = await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    const record = await useEmailToken(tx, token, "email_verification");
    const email = record?.data.email;
    if (record === null || record.userId === null || typeof email !== "string") {
      throw new ClientError(INVALID_LINK, { code: "invalid_email_token" });
    }
    const updated = await markEmailVerified(trx, record.userId, email, ctx.clock());
    if (updated === undefined) throw new ClientError(INVALID_LINK, { code: "invalid_email_token" });
    await audit(tx, "email_verified", { userId: updated.id, meta, detail: { method: "link" } });
    return updated;
  });
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  return user;
}

/**
 * `POST /email/verify/resend`: mails a fresh link to the account named (name or address) when
 * its address is not verified. The same answer in every case; the work runs after the answer
 * (same time whether or not the account exists). At most `RESEND_VERIFICATION_POLICY` per name.
 * @throws TooManyRequestsError.
 */
export async function resendVerification(
  ctx: ServiceContext,
  nameOrEmail: string,
  meta: RequestMeta,
): Promise<void> {
  await ctx.throttle.reserveMailCap("resend_verification", nameOrEmail);
  const work = async () => {
    const user = await getUserByNameOrMail(ctx.db, nameOrEmail);
    if (user === undefined || user.emailVerifiedAt !== null) return;
    await withTransaction(ctx.db, async (trx) => {
      await sendVerificationMail({ ...ctx, db: trx }, user, meta);
    });
    ctx.mail?.wake();
  };
  await afterAnswer(ctx, work);
}

/**
 * `POST /users/{id}/email/verified`: an admin vouches for a user's address (an account made
 * before verification existed, an address checked another way). Not on another admin.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function markEmailVerifiedByAdmin(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may mark an address verified");
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  return vouch(ctx, target.id, actor.id, meta);
}

/**
 * `tessera verify-email --name NAME`: the operator vouches for an account's address (the way
 * back in for an admin locked out by `TESSERA_REQUIRE_VERIFIED_EMAIL`). @throws NotFoundError.
 */
export async function markEmailVerifiedAsOperator(
  ctx: ServiceContext,
  nameOrEmail: string,
): Promise<User> {
  const target = await getUserByNameOrMail(ctx.db, nameOrEmail);
  if (target === undefined) throw new NotFoundError("No such user");
  return vouch(ctx, target.id, "operator", undefined);
}

async function vouch(
  ctx: ServiceContext,
  userId: string,
  by: string,
  meta: RequestMeta | undefined,
): Promise<User> {
  const user = await withTransaction(ctx.db, async (trx) => {
    const updated = await markEmailVerified(trx, userId, null, ctx.clock());
    if (updated === undefined) throw new NotFoundError("No such user");
    await voidEmailTokens({ ...ctx, db: trx }, userId, "email_verification");
    await audit({ ...ctx, db: trx }, "email_verified", {
      userId,
      meta,
      detail: { by, method: by === "operator" ? "operator" : "admin" },
    });
    return updated;
  });
  await announceSessionChange(ctx, { kind: "user", userId });
  return user;
}

/**
 * Whether `email` can ever receive mail: not under `.invalid`, which RFC 6761 §6.4 reserves so
 * that it never resolves (the first admin's default address, `admin@tessera.invalid`).
 */
export function isDeliverableEmail(email: string): boolean {
  return !/\.invalid\.?$/i.test(email.trim());
}

/**
 * The account's address as `GET /users/{id}/email` tells it (issue 18): whether a link to confirm the current
 * address was mailed and still works (unused, unexpired, for this very address), and whether
 * the address can receive mail at all.
 */
export async function emailVerificationState(
  ctx: ServiceContext,
  user: Pick<User, "id" | "email"> & { emailVerified: boolean },
): Promise<{ sent: boolean; deliverable: boolean }> {
  const deliverable = isDeliverableEmail(user.email);
  if (user.emailVerified) return { sent: false, deliverable };
  const live = await listLiveEmailTokens(ctx.db, user.id, "email_verification", ctx.clock());
  const current = normalizeIdentifier(user.email);
  const sent = live.some(
    (token) =>
      typeof token.data.email === "string" && normalizeIdentifier(token.data.email) === current,
  );
  return { sent, deliverable };
}

/**
 * `GET /users/{id}/email`: the address of `targetId` (the actor, or a non-admin for an admin)
 * and what the pages may say of it. Kept out of `GET /me`, which answers from the session
 * cache: this reads the waiting links from the database.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function emailState(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
): Promise<EmailStateView> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const state = await emailVerificationState(ctx, target);
  return {
    email: target.email,
    email_verified: target.emailVerified,
    email_verification_sent: state.sent,
    email_deliverable: state.deliverable,
  };
}

/** Whether this account must verify its address before signing in. */
export function mustVerifyBeforeSignIn(
  ctx: ServiceContext,
  user: Pick<User, "emailVerifiedAt" | "requiresVerifiedEmail">,
): boolean {
  if (user.emailVerifiedAt !== null) return false;
  return user.requiresVerifiedEmail || ctx.settings.requireVerifiedEmail;
}

/**
 * The sign-in gate, called once the password (or the passkey) is proven right and before any
 * second factor: refuses an account whose address must be verified first. The reserved attempt
 * is given back (the password was right).
 * @throws PermissionDeniedError `email_not_verified`.
 */
export async function assertEmailVerifiedForSignIn(
  ctx: ServiceContext,
  user: User,
  reservation: LoginReservation,
  meta: RequestMeta,
): Promise<void> {
  if (!mustVerifyBeforeSignIn(ctx, user)) return;
  await ctx.throttle.releaseLoginAttempt(reservation);
  await audit(ctx, "login_email_not_verified", { userId: user.id, meta });
  throw new PermissionDeniedError(
    "Confirm your email address first: open a confirmation link mailed to it, or ask for one",
    { code: "email_not_verified" },
  );
}
