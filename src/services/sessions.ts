/**
 * What a session is, in one file: issuing a session token at sign-in, authenticating a token
 * on every request, and ending sessions (sign-out everywhere, a password change, an operator's
 * reset).
 *
 * Today a session is a self-contained HS256 token that names its user and the user's token
 * version (`ver`); ending the sessions of a user bumps that version, so every older token fails
 * its next check. The HTTP middleware reads the token from the request and calls
 * `authenticateSessionToken`; no other module knows how a token maps to a user.
 */
import { NotAuthorizedError, NotFoundError } from "../core/errors.js";
import { createJwt, verifyJwtClaims } from "../core/jwt.js";
import { bumpTokenVersion, getUserById, type User } from "../store/index.js";
import { audit } from "./audit.js";
import type { RequestMeta, ServiceContext } from "./context.js";
import { toPublicUser, type PublicUser } from "./users-view.js";

/** A new session token and the cookie lifetime that goes with it. */
export interface IssuedSession {
  token: string;
  /** Cookie `Max-Age`: the token's validity. */
  maxAgeSeconds: number;
}

/** A token that passed every check, with its user as the request sees it. */
export interface AuthenticatedSession {
  user: PublicUser;
  /** The user's token version the token was issued for (`ver`). */
  tokenVersion: number;
  /** The token's `exp`, in seconds since the epoch. */
  expiresAtSeconds: number;
}

/** Why sessions end, for the audit trail. */
export type SessionEndReason = "logout_all" | "password_changed" | "password_reset";

/** One message for every refusal: a client cannot tell a revoked token from a deleted user. */
const INVALID_TOKEN = "Invalid or expired token";

/** Issues a session token for the user's current token version. */
export function issueSessionToken(ctx: ServiceContext, user: User): IssuedSession {
  const token = createJwt(
    { id: user.id, name: user.name, email: user.email, tokenVersion: user.tokenVersion },
    ctx.settings.jwtValidityHours,
    { keys: ctx.settings.jwtKeys, clock: ctx.clock },
  );
  return { token, maxAgeSeconds: Math.floor(ctx.settings.jwtValidityHours * 3600) };
}

/**
 * The seed's `authenticate_request` minus the reading of the request: verifies the token's
 * signature and time claims, loads its user, and checks the token version.
 * @throws NotAuthorizedError for a malformed, expired or revoked token, or a user who is gone.
 */
export async function authenticateSessionToken(
  ctx: ServiceContext,
  token: string,
): Promise<AuthenticatedSession> {
  const claims = verifyJwtClaims(token, { keys: ctx.settings.jwtKeys, clock: ctx.clock });
  if (claims === null) throw new NotAuthorizedError(INVALID_TOKEN);
  const user = await getUserById(ctx.db, claims.user.id);
  if (user === undefined || user.tokenVersion !== claims.tokenVersion) {
    throw new NotAuthorizedError(INVALID_TOKEN);
  }
  return {
    user: toPublicUser(user),
    tokenVersion: claims.tokenVersion,
    expiresAtSeconds: claims.expiresAtSeconds,
  };
}

/**
 * Ends every session of the user issued before now. Pass a transaction as `ctx.db` to make it
 * part of a larger write (a password change). Audited when `reason` is `logout_all`; the other
 * reasons are audited by the flow that ends them.
 * @throws NotFoundError when the user does not exist.
 */
export async function endUserSessions(
  ctx: ServiceContext,
  userId: string,
  reason: SessionEndReason,
  meta?: RequestMeta,
): Promise<void> {
  if ((await bumpTokenVersion(ctx.db, userId)) === undefined) {
    throw new NotFoundError("No such user");
  }
  if (reason === "logout_all") await audit(ctx, "logout_all", { userId, meta });
}
