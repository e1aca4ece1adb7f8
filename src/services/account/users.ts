/**
 * User administration: create (admin), promote (admin), delete (admin or self), the language a
 * person chose (self or admin). The list is `user-list.ts`.
 */
import { ClientError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import { isLocale } from "../../core/i18n.js";
import { hashPassword } from "../../core/password.js";
import {
  deleteUserRow,
  getUserById,
  insertUser,
  setUserAdmin,
  setUserLocale,
  unsetUserAdmin,
  withTransaction,
  type User,
} from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { Actor, RequestMeta, ServiceContext } from "../context.js";
import { sendVerificationMail } from "./email-verification.js";
import { sendInvitation, unusablePasswordHash } from "./invitations.js";
import { assertPasswordPolicy } from "./passwords.js";
import { announceSessionChange } from "../sessions/sessions.js";

export interface CreateUserInput {
  name: string;
  email: string;
  /** Required unless `invite`. */
  password?: string;
  /** Issue 12: no password; the user chooses one from a mailed link (`services/account/invitations.ts`). */
  invite?: boolean;
  isAdmin?: boolean;
  /** Default true: a password chosen by someone else must be changed at first login. */
  mustChangePassword?: boolean;
}

/**
 * Creates a user. `actor` null means the operator (CLI, first start). An admin's new user gets
 * a mail: the invitation with `invite`, else a link to verify the address (the operator's
 * users get none: the first admin's address is often a placeholder).
 * @throws PermissionDeniedError (not an admin), ConflictError (name or email taken), ClientError (`validation_error`: a password with `invite` or none without; `password_policy`).
 */
export async function createUser(
  ctx: ServiceContext,
  actor: Actor | null,
  input: CreateUserInput,
  meta?: RequestMeta,
): Promise<User> {
  if (actor !== null && !actor.isAdmin)
    throw new PermissionDeniedError("Only an admin may create users");
  const invite = input.invite === true;
  if (invite === (input.password !== undefined)) {
    throw new ClientError(
      invite
        ? "An invited user chooses their own password: send no password with invite"
        : "A password is required (or invite: true to mail an invitation)",
      { code: "validation_error", extra: { field: "password" } },
    );
  }
  if (input.password !== undefined) await assertPasswordPolicy(ctx, input.password, input);
  const passwordHash =
    input.password === undefined
      ? await unusablePasswordHash(ctx)
      : await hashPassword(input.password, ctx.settings.argon2);
  const mail = actor !== null && ctx.settings.publicUrl !== undefined;
  const user = await withTransaction(ctx.db, async (trx) => {
    const tx = { ...ctx, db: trx };
    const created = await insertUser(trx, {
      name: input.name,
      email: input.email,
      passwordHash,
      isAdmin: input.isAdmin ?? false,
      mustChangePassword: invite ? false : (input.mustChangePassword ?? true),
      nowMs: ctx.clock(),
    });
    await audit(tx, "user_created", {
      userId: created.id,
      meta,
      detail: {
        by: actor?.id ?? "operator",
        is_admin: created.isAdmin,
        ...(invite ? { invited: true } : {}),
      },
    });
    if (invite) await sendInvitation(tx, created, { by: actor?.id ?? "operator", meta });
    else if (mail) await sendVerificationMail(tx, created, meta);
    return created;
  });
  if (invite || mail) ctx.mail?.wake();
  return user;
}

/** Makes a user an admin. @throws PermissionDeniedError, NotFoundError. */
export async function promoteUser(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may promote users");
  const user = await setUserAdmin(ctx.db, targetId, ctx.clock());
  if (user === undefined) throw new NotFoundError("No such user");
  // The middleware's view of the user changed (is_admin).
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  await audit(ctx, "user_promoted", { userId: user.id, meta, detail: { by: actor.id } });
  return user;
}

/**
 * Makes an admin a regular user (admin only; any admin, oneself included). Never leaves the
 * server without an admin: the last one is refused with 409 `last_admin`, also when two
 * admins demote each other at the same moment (store/users.ts `demoteUser`). Demoting a user
 * who is not an admin changes nothing. The user's sessions stay; every instance sees the
 * change at once. @throws PermissionDeniedError, NotFoundError, ConflictError `last_admin`.
 */
export async function demoteUser(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<User> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may demote an admin");
  const before = await getUserById(ctx.db, targetId);
  if (before === undefined) throw new NotFoundError("No such user");
  if (!before.isAdmin) return before;
  const user = await unsetUserAdmin(ctx.db, before.id, ctx.clock());
  if (user === undefined) throw new NotFoundError("No such user");
  // The middleware's view of the user changed (is_admin).
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  await audit(ctx, "user_demoted", { userId: user.id, meta, detail: { by: actor.id } });
  return user;
}

/**
 * Deletes a user (admin or self; an admin may not delete another admin; the last admin may
 * not delete themself: 409 `last_admin`). Passkeys, challenges
 * and sessions go with it; every instance stops accepting the user's tokens.
 * @throws PermissionDeniedError, NotFoundError, ConflictError `last_admin`.
 */
export async function deleteUser(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  // The user's session records go with the row (foreign key, on delete cascade).
  if (!(await deleteUserRow(ctx.db, target.id))) throw new NotFoundError("No such user");
  await announceSessionChange(ctx, { kind: "user", userId: target.id });
  await audit(ctx, "user_deleted", {
    userId: target.id,
    meta,
    detail: { by: actor.id, name: target.name },
  });
}

/**
 * Saves the language of a person's pages and mails (issue 24 item 3): a shipped one
 * (`LOCALES`), or null for none (the browser's, else `TESSERA_DEFAULT_LOCALE`). The user
 * themself or an admin. Every instance sees the change at once (`GET /me` says it).
 * @throws PermissionDeniedError, NotFoundError, ClientError `validation_error` (not a shipped language).
 */
export async function setLocale(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  locale: string | null,
  meta: RequestMeta,
): Promise<User> {
  if (actor.id !== targetId && !actor.isAdmin) {
    throw new PermissionDeniedError("Only the user or an admin may change the language");
  }
  if (locale !== null && !isLocale(locale)) {
    throw new ClientError("No such language", {
      code: "validation_error",
      extra: { field: "locale" },
    });
  }
  const user = await setUserLocale(ctx.db, targetId, locale, ctx.clock());
  if (user === undefined) throw new NotFoundError("No such user");
  // The middleware's view of the user (and the cached `GET /me` body) changed.
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  await audit(ctx, "user_locale_changed", {
    userId: user.id,
    meta,
    detail: { by: actor.id, locale },
  });
  return user;
}
