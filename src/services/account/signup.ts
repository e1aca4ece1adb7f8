/**
 * Self-service sign-up (issue 12, part 5), when `TESSERA_SIGNUP=open`: `POST /signup` makes a
 * non-admin account whose address must be verified before its first sign-in. The answer is the
 * same (202) whether or not the name or the address is taken, and takes the same time: the
 * hashing, the insert and the mail run after the answer. When the address is taken its owner
 * gets a mail saying so; when the name is taken, the address gets a mail asking for another.
 * With `passkey: true` instead of a password (issue 24) the account has no password: its
 * passkey is made at the verification link (`sign-in/passkey-first.ts`).
 */
import { ClientError, ConflictError, NotFoundError } from "../../core/errors.js";
import { hashPassword } from "../../core/password.js";
import type { SignupRequest } from "../../contract/index.js";
import {
  checkIdentifiers,
  getUserByNameOrMail,
  insertUser,
  withTransaction,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { sendVerificationMail } from "./email-verification.js";
import { signupAddressTakenMail, signupNameTakenMail } from "../mail/account-mails.js";
import { mailLocale, recipientHasPassword } from "../mail/templates.js";
import { afterAnswer, enqueueMail } from "../mail/queue.js";
import { assertPasswordPolicy } from "./passwords.js";

/** Whether sign-up is open. */
export function signupOpen(ctx: ServiceContext): boolean {
  return ctx.settings.signup === "open";
}

/**
 * Checks what can be checked without looking at other accounts (the name and address rules,
 * the per-address cap, the password policy), then makes the account after the answer.
 * @throws NotFoundError when sign-up is off; ClientError `validation_error` (also for both or
 *   neither of `password` and `passkey`), `password_policy`; TooManyRequestsError.
 */
export async function signUp(
  ctx: ServiceContext,
  request: SignupRequest,
  meta: RequestMeta,
): Promise<void> {
  if (!signupOpen(ctx)) throw new NotFoundError("Not found");
  const { password } = request;
  if ((password === undefined) === (request.passkey === undefined)) {
    throw new ClientError("Send either a password or passkey: true", {
      code: "validation_error",
      extra: { field: "password" },
    });
  }
  const ids = checkIdentifiers(request.name, request.email);
  await ctx.throttle.reserveMailCap("signup", ids.email);
  if (password !== undefined) await assertPasswordPolicy(ctx, password, ids);
  await afterAnswer(ctx, () => createAccount(ctx, ids, password ?? null, meta));
}

async function createAccount(
  ctx: ServiceContext,
  ids: { name: string; email: string },
  password: string | null,
  meta: RequestMeta,
): Promise<void> {
  // A passkey-first account hashes nothing; the answer went out before, so no timing tells.
  const passwordHash = password === null ? null : await hashPassword(password, ctx.settings.argon2);
  try {
    await withTransaction(ctx.db, async (trx) => {
      const tx = { ...ctx, db: trx };
      const user = await insertUser(trx, {
        name: ids.name,
        email: ids.email,
        passwordHash,
        isAdmin: false,
        mustChangePassword: false,
        requiresVerifiedEmail: true,
        nowMs: ctx.clock(),
      });
      await audit(tx, "user_created", {
        userId: user.id,
        meta,
        detail: { via: "signup", is_admin: false, ...(password === null ? { passkey: true } : {}) },
      });
      await sendVerificationMail(tx, user, meta);
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await answerTaken(ctx, ids, meta);
  }
  ctx.mail?.wake();
}

/** The name or the address is taken: tell the address's owner, not the requester. */
async function answerTaken(
  ctx: ServiceContext,
  ids: { name: string; email: string },
  meta: RequestMeta,
): Promise<void> {
  const owner = await getUserByNameOrMail(ctx.db, ids.email);
  await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    if (owner !== undefined) {
      await enqueueMail(tx, {
        to: owner.email,
        ...signupAddressTakenMail(ctx.settings, {
          name: owner.name,
          hasPassword: recipientHasPassword(owner),
          locale: mailLocale(ctx.settings, owner, meta),
        }),
      });
    } else {
      await enqueueMail(tx, {
        to: ids.email,
        ...signupNameTakenMail(ctx.settings, {
          name: ids.name,
          locale: mailLocale(ctx.settings, null, meta),
        }),
      });
    }
    await audit(tx, "signup_refused", {
      userId: owner?.id ?? null,
      meta,
      detail: { taken: owner === undefined ? "name" : "email" },
    });
  });
}
