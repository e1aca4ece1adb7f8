/**
 * Who may act on which account: the one access rule of every service that acts on a target
 * user (users, passwords, TOTP, passkeys). The acting user comes already loaded (the middleware
 * put it on `request.user`), so acting on oneself costs no database read; another user's row is
 * read only once the actor is known to be an admin.
 */
import { NotFoundError, PermissionDeniedError } from "../core/errors.js";
import { getUserById, type User } from "../store/index.js";
import type { ServiceContext } from "./context.js";
import { toPublicUser, type PublicUser } from "./users-view.js";

/** What the rule needs of the services context: the database only. */
export type AccessContext = Pick<ServiceContext, "db">;

/** The signed-in user a service acts for, as the middleware loaded it (`request.user`). */
export type ActingUser = PublicUser;

/**
 * Who may act on an account:
 * - `"self"`: only its own user (adding a passkey: the authenticator is in the user's hands);
 * - `"self-or-admin"`: its own user, or an admin, but an admin may not manage another admin.
 */
export type TargetAccess = "self" | "self-or-admin";

/** The 403 for an admin acting on another admin (DESIGN: "An admin may not manage another admin"). */
const ADMIN_ON_ADMIN = "An admin may not manage another admin";

/**
 * Applies `access` before any read: a non-admin naming someone else gets 403 whether or not the
 * id exists (no enumeration of ids). @throws PermissionDeniedError.
 */
function assertMayTarget(
  actor: ActingUser,
  targetId: string,
  access: TargetAccess,
  deniedMessage: string | undefined,
): void {
  if (actor.id === targetId) return;
  if (access === "self" || !actor.isAdmin) throw new PermissionDeniedError(deniedMessage);
}

/** Reads the target's row; refuses another admin's. */
async function readTarget(ctx: AccessContext, actor: ActingUser, targetId: string): Promise<User> {
  const target = await getUserById(ctx.db, targetId);
  if (target === undefined) throw new NotFoundError("No such user");
  if (actor.id !== target.id && target.isAdmin) throw new PermissionDeniedError(ADMIN_ON_ADMIN);
  return target;
}

/** Options of `loadTarget`. */
export interface LoadTargetOptions {
  /** The rule of the action. */
  readonly access: TargetAccess;
  /** The 403 message when the rule refuses; default the generic one. */
  readonly deniedMessage?: string;
  /**
   * The action needs the target's secrets (password hash, TOTP secrets), which are never on
   * `request.user`: the row is read from the database (after the rule), also for oneself.
   * Default false: acting on oneself reads nothing.
   */
  readonly withSecrets?: boolean;
}

/**
 * The target of an action: the actor themself (no database read) or, for an admin where
 * `access` allows it, the other user read from the database; with `withSecrets`, the full row.
 * @throws PermissionDeniedError (rule refused, or an admin acting on another admin), NotFoundError (no such user).
 */
export function loadTarget(
  ctx: AccessContext,
  actor: ActingUser,
  targetId: string,
  options: LoadTargetOptions & { readonly withSecrets: true },
): Promise<User>;
export function loadTarget(
  ctx: AccessContext,
  actor: ActingUser,
  targetId: string,
  options: LoadTargetOptions & { readonly withSecrets?: false },
): Promise<PublicUser>;
export function loadTarget(
  ctx: AccessContext,
  actor: ActingUser,
  targetId: string,
  options: LoadTargetOptions,
): Promise<PublicUser | User>;
export async function loadTarget(
  ctx: AccessContext,
  actor: ActingUser,
  targetId: string,
  options: LoadTargetOptions,
): Promise<PublicUser | User> {
  assertMayTarget(actor, targetId, options.access, options.deniedMessage);
  if (options.withSecrets === true) return readTarget(ctx, actor, targetId);
  if (actor.id === targetId) return actor;
  return toPublicUser(await readTarget(ctx, actor, targetId));
}
