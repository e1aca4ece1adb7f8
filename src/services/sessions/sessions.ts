/**
 * What a session is (issue 10): a record per sign-in (`sessions` table), named by the token's
 * `sid`; issuing and renewing its token; authenticating a token on every request. Ending them is
 * `ending.ts`; the device list, `devices.ts`.
 *
 * A token carries `id` (the user), `sid`, a unique `jti`, `iat` and `exp` (see
 * core/jwt/session.ts). Its `exp` is the nearer of the session's absolute end and the idle
 * window; while a session is used the token is renewed when less than half of the idle window
 * is left (no write: the record's `last_seen_at` is written at most once a minute). Tokens the
 * seed issued (no `sid`) keep working until they expire, checked against the user's token
 * version, unless `legacyTokens` is "refuse".
 *
 * Hot path: with the per-process cache (session-cache.ts) up, a known session and its user are
 * answered without a database read. Every write here updates the cache before returning and
 * tells the other instances (`announceSessionChange`).
 */
import { accountLockedError } from "../../core/account-lock.js";
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "../../core/clock.js";
import { NotAuthorizedError, NotFoundError } from "../../core/errors.js";
import { createSessionJwt, newSessionId, verifySessionJwt } from "../../core/jwt/index.js";
import { describeUserAgent } from "../../core/user-agent.js";
import {
  createSession,
  getSession,
  getUserById,
  holdUnlockedUser,
  SESSION_TOUCH_INTERVAL_MS,
  touchSession,
  withTransaction,
  type Session,
  type User,
} from "../../store/index.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import type { CachedSession, SessionEvent } from "../session-cache.js";
import { needsTwoFaEnrolment } from "./two-factor-policy.js";
import { toPublicUser, type PublicUser } from "../users-view.js";
import {
  UPSTREAM_AUTHENTICATION_METHODS,
  type UpstreamAuthenticationMethod,
} from "../../core/amr.js";

/**
 * How a user authenticated (`amr`): RFC 8176 §2 names where it has them (`pwd`, `otp`), the
 * WebAuthn ceremony as `webauthn`, a passwordless passkey as `passkey`, a recovery code as
 * `recovery`; a sign-in through an upstream provider (issue 22) `fed` plus the upstream's own
 * RFC 8176 values (`UpstreamAuthenticationMethod`).
 */
export type AuthenticationMethod =
  "pwd" | "otp" | "webauthn" | "passkey" | "recovery" | "fed" | UpstreamAuthenticationMethod;

export { UPSTREAM_AUTHENTICATION_METHODS, type UpstreamAuthenticationMethod };

/** A new or renewed session token and the cookie lifetime that goes with it. */
export interface IssuedSession {
  token: string;
  /** Cookie `Max-Age`: until the token's `exp`. */
  maxAgeSeconds: number;
  /** The session record's id (`sid`). */
  sessionId: string;
}

/** A token that passed every check, with its user as the request sees it. */
export interface AuthenticatedSession {
  user: PublicUser;
  /** The user's token version (`ver`; seed tokens are checked against it). */
  tokenVersion: number;
  /** The token's `exp`, in seconds since the epoch. */
  expiresAtSeconds: number;
  /** The session (`sid`), or null for a seed token. */
  sessionId: string | null;
  /** A fresh token for the same session when the idle window runs low, else null. */
  renewed: IssuedSession | null;
}

/** Why sessions end, for the record and the audit trail. */
export type SessionEndReason =
  | "logout"
  | "logout_all"
  | "ended_by_user"
  | "ended_by_admin"
  | "end_others"
  | "password_changed"
  | "password_reset"
  | "user_deleted"
  | "user_demoted"
  | "user_locked"
  | "not_me";

/** One message for every refusal: a client cannot tell a revoked token from a deleted user. */
const INVALID_TOKEN = "Invalid or expired token";

function idleMs(ctx: ServiceContext): number {
  return ctx.settings.sessionIdleMinutes * MINUTE_MS;
}

/** The token for a session: `exp` = the nearer of its absolute end and now + the idle window. */
function signSessionToken(
  ctx: ServiceContext,
  user: { id: string; name: string; email: string },
  sessionId: string,
  sessionExpiresAtMs: number,
): IssuedSession {
  const now = ctx.clock();
  const expiresAtMs = Math.min(sessionExpiresAtMs, now + idleMs(ctx));
  const token = createSessionJwt(
    {
      userId: user.id,
      sessionId,
      expiresAtMs,
      ...(ctx.settings.tokenClaims === "seed"
        ? { seedClaims: { name: user.name, email: user.email } }
        : {}),
    },
    { keys: ctx.settings.jwtKeys, clock: ctx.clock },
  );
  return {
    token,
    maxAgeSeconds: Math.max(1, Math.floor(expiresAtMs / SECOND_MS) - Math.floor(now / SECOND_MS)),
    sessionId,
  };
}

/**
 * Tells this process's cache (before the caller answers) and the other instances that
 * sessions or a user changed. A failed publish is logged by the channel's owner, not thrown:
 * the write has happened, and an instance whose channel is down reads the database anyway.
 */
export async function announceSessionChange(
  ctx: ServiceContext,
  event: SessionEvent,
  /** False for a change that ends no session (a sign-in's last-login time). Default true. */
  sessionsMayHaveEnded = true,
): Promise<void> {
  // Provider sessions end with their sessions; a sign-in ended none (no artefact search).
  if (sessionsMayHaveEnded) ctx.sessionsChanged?.(event);
  const cache = ctx.sessionCache;
  if (cache === undefined) return;
  cache.apply(event);
  try {
    await cache.publisher?.publish(event);
  } catch {
    // The channel is down; its subscribers are down too and bypass their caches.
  }
}

/**
 * Starts a session at sign-in: a record (with how and where the user authenticated) and its
 * token. The record is inserted behind the lock gate (`holdUnlockedUser`, in the same
 * transaction), so no session is ever issued to a locked account, also when a lock races the
 * sign-in. Inside a transaction (`ctx.db`), the caller announces the change after its commit.
 * @throws NotFoundError when the user is gone; PermissionDeniedError `account_locked`.
 */
export async function issueSessionToken(
  ctx: ServiceContext,
  user: User,
  options: { amr: readonly AuthenticationMethod[]; meta?: RequestMeta | undefined },
): Promise<IssuedSession> {
  const nowMs = ctx.clock();
  const expiresAtMs = nowMs + Math.floor(ctx.settings.jwtValidityHours * HOUR_MS);
  const userAgent = options.meta?.userAgent ?? null;
  const start = async (db: ServiceContext["db"]): Promise<Session> => {
    if (!(await holdUnlockedUser(db, user.id, nowMs))) {
      const current = await getUserById(db, user.id);
      if (current === undefined) throw new NotFoundError("No such user");
      throw accountLockedError(current.lockedUntil);
    }
    return createSession(db, {
      id: newSessionId(),
      userId: user.id,
      nowMs,
      expiresAtMs,
      idleExpiresAtMs: Math.min(expiresAtMs, nowMs + idleMs(ctx)),
      amr: options.amr,
      ip: options.meta?.ip ?? null,
      userAgent,
      device: describeUserAgent(userAgent),
    });
  };
  if (ctx.db.isTransaction) {
    // In the caller's transaction: the caller announces after its commit (an announcement now
    // would let a read before the commit cache the old rows again).
    const session = await start(ctx.db);
    return signSessionToken(ctx, user, session.id, session.expiresAt.getTime());
  }
  const session = await withTransaction(ctx.db, start);
  // A sign-in changed the user's last login time: views cached anywhere are stale.
  await announceSessionChange(ctx, { kind: "user", userId: user.id });
  return signSessionToken(ctx, user, session.id, session.expiresAt.getTime());
}

/**
 * A new token for a live session of `user` (a password change keeps the current session).
 * @throws NotAuthorizedError when the session is not live or not the user's.
 */
export async function renewSessionToken(
  ctx: ServiceContext,
  user: { id: string; name: string; email: string },
  sessionId: string,
): Promise<IssuedSession> {
  const session = await getSession(ctx.db, sessionId);
  const now = ctx.clock();
  if (session === undefined || session.userId !== user.id || !isLive(session, now)) {
    throw new NotAuthorizedError(INVALID_TOKEN);
  }
  return signSessionToken(ctx, user, session.id, session.expiresAt.getTime());
}

function isLive(session: Session, nowMs: number): boolean {
  return (
    session.endedAt === null &&
    session.expiresAt.getTime() > nowMs &&
    session.idleExpiresAt.getTime() > nowMs
  );
}

function toCached(session: Session): CachedSession {
  return {
    userId: session.userId,
    expiresAtMs: session.expiresAt.getTime(),
    idleExpiresAtMs: session.idleExpiresAt.getTime(),
    lastSeenAtMs: session.lastSeenAt.getTime(),
    ended: session.endedAt !== null,
  };
}

/** The session's state: from the cache when it is trusted, else the database (and fill). */
async function loadSessionState(
  ctx: ServiceContext,
  sessionId: string,
  fresh: boolean,
): Promise<CachedSession | undefined> {
  const cache = ctx.sessionCache;
  if (!fresh) {
    const hit = cache?.getSession(sessionId);
    if (hit !== undefined) return hit;
  }
  const generation = cache?.generation() ?? 0;
  const session = await getSession(ctx.db, sessionId);
  if (session === undefined) return undefined;
  const state = toCached(session);
  cache?.setSession(sessionId, state, generation);
  return state;
}

/** The user the middleware returns: from the cache when trusted, else the database. */
export async function loadUserView(
  ctx: ServiceContext,
  userId: string,
): Promise<PublicUser | undefined> {
  return ctx.sessionCache?.getUser(userId) ?? readUserView(ctx, userId);
}

/** `loadUserView` past the cache: the database's user, then kept in the cache. */
async function readUserView(ctx: ServiceContext, userId: string): Promise<PublicUser | undefined> {
  const cache = ctx.sessionCache;
  const generation = cache?.generation() ?? 0;
  const user = await getUserById(ctx.db, userId);
  if (user === undefined) return undefined;
  const view = toPublicUser(user);
  // Issue 11 item 3: the middleware keeps a user who owes a second factor to enrolment. Factor
  // changes announce a user event, so a cached answer goes with them.
  view.twoFaEnrolmentRequired = await needsTwoFaEnrolment(ctx, view);
  cache?.setUser(userId, view, generation);
  return view;
}

/**
 * The seed's `authenticate_request` minus the reading of the request: verifies the token,
 * then its session (live: not ended, not past its end, not idle too long) and its user. A seed
 * token (no `sid`) is checked against the user's token version instead, unless refused.
 * @throws NotAuthorizedError for a malformed, expired, ended or idle session, or a user who is gone.
 */
export async function authenticateSessionToken(
  ctx: ServiceContext,
  token: string,
): Promise<AuthenticatedSession> {
  const claims = verifySessionJwt(token, { keys: ctx.settings.jwtKeys, clock: ctx.clock });
  if (claims === null) throw new NotAuthorizedError(INVALID_TOKEN);
  const sessionId = claims.sessionId;

  if (sessionId === null) {
    if (ctx.settings.legacyTokens === "refuse") throw new NotAuthorizedError(INVALID_TOKEN);
    const user = await loadUserView(ctx, claims.userId);
    if (user === undefined || user.tokenVersion !== claims.tokenVersion) {
      throw new NotAuthorizedError(INVALID_TOKEN);
    }
    return {
      user,
      tokenVersion: claims.tokenVersion,
      expiresAtSeconds: claims.expiresAtSeconds,
      sessionId: null,
      renewed: null,
    };
  }

  const now = ctx.clock();
  // Issue 20 item 3: a cache hit costs no promise; a miss goes to the database (`fresh`).
  const cache = ctx.sessionCache;
  let state = cache?.getSession(sessionId) ?? (await loadSessionState(ctx, sessionId, true));
  // A cached idle end may be old: another instance may have seen the session since.
  if (state !== undefined && !state.ended && state.idleExpiresAtMs <= now) {
    state = await loadSessionState(ctx, sessionId, true);
  }
  if (
    state === undefined ||
    state.ended ||
    state.userId !== claims.userId ||
    state.expiresAtMs <= now ||
    state.idleExpiresAtMs <= now
  ) {
    throw new NotAuthorizedError(INVALID_TOKEN);
  }
  const user = cache?.getUser(state.userId) ?? (await readUserView(ctx, state.userId));
  if (user === undefined) throw new NotAuthorizedError(INVALID_TOKEN);

  if (now - state.lastSeenAtMs >= SESSION_TOUCH_INTERVAL_MS) {
    // At most one write a minute per session (per instance; the statement's guard makes
    // concurrent touches of other instances no-ops).
    // Best effort: a database that is down must not fail a request the cache can answer.
    state.lastSeenAtMs = now;
    try {
      const idleEnd = await touchSession(ctx.db, sessionId, now, idleMs(ctx));
      if (idleEnd !== undefined) state.idleExpiresAtMs = idleEnd.getTime();
    } catch {
      // The next touch, a minute on, tries again.
    }
  }

  // Sliding renewal: a new token once less than half of the idle window is left on this one.
  const tokenEndMs = claims.expiresAtSeconds * SECOND_MS;
  const renewed =
    tokenEndMs - now < idleMs(ctx) / 2 && state.expiresAtMs > tokenEndMs
      ? signSessionToken(ctx, user, sessionId, state.expiresAtMs)
      : null;
  return {
    user,
    tokenVersion: user.tokenVersion,
    expiresAtSeconds: claims.expiresAtSeconds,
    sessionId,
    renewed,
  };
}

/**
 * Whether `sessionId` is a live session of `userId` (not ended, not past its end, not idle too
 * long): what token introspection asks (issue 13). Same sources as authenticateSessionToken.
 */
export async function isSessionLive(
  ctx: ServiceContext,
  sessionId: string,
  userId: string,
): Promise<boolean> {
  const now = ctx.clock();
  let state = await loadSessionState(ctx, sessionId, false);
  if (state !== undefined && !state.ended && state.idleExpiresAtMs <= now) {
    state = await loadSessionState(ctx, sessionId, true);
  }
  return (
    state !== undefined &&
    !state.ended &&
    state.userId === userId &&
    state.expiresAtMs > now &&
    state.idleExpiresAtMs > now
  );
}

/** What introspection says of a live session token (RFC 7662 §2.2). */
export interface LiveSessionToken {
  userId: string;
  /** null for a token the seed issued (no session: checked by the user's token version). */
  sessionId: string | null;
  issuedAtSeconds: number | null;
  expiresAtSeconds: number;
}

/**
 * The claims of `token` when Tessera would accept it as a session token now, else null: what a
 * service asking `POST /token/introspect` learns (issue 18 item 7). Unlike
 * authenticateSessionToken it changes nothing: a service asking does not keep the session alive.
 */
export async function inspectSessionToken(
  ctx: ServiceContext,
  token: string,
): Promise<LiveSessionToken | null> {
  const claims = verifySessionJwt(token, { keys: ctx.settings.jwtKeys, clock: ctx.clock });
  if (claims === null) return null;
  if (claims.sessionId === null) {
    if (ctx.settings.legacyTokens === "refuse") return null;
    const user = await loadUserView(ctx, claims.userId);
    if (user === undefined || user.tokenVersion !== claims.tokenVersion) return null;
  } else if (!(await isSessionLive(ctx, claims.sessionId, claims.userId))) {
    return null;
  }
  return {
    userId: claims.userId,
    sessionId: claims.sessionId,
    issuedAtSeconds: claims.issuedAtSeconds,
    expiresAtSeconds: claims.expiresAtSeconds,
  };
}
