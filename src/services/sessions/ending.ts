/**
 * Ending sessions: all of a user's (a password change, a lock, "sign out everywhere"), the
 * request's own (`POST /logout`), and the sweep that deletes the records of ended ones after
 * the retention. Every end is announced to the session caches of every instance.
 */
import { DAY_MS } from "../../core/clock.js";
import { NotFoundError } from "../../core/errors.js";
import {
  bumpTokenVersion,
  DEFAULT_SESSION_SWEEP_BATCH,
  deleteOldSessions,
  endSessionRecord,
  endUserSessionRecords,
  revokeUserPersonalAccessTokens,
} from "../../store/index.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { announceSessionChange, type SessionEndReason } from "./sessions.js";

/**
 * The ends that also revoke the user's personal access tokens (issue 23): a lock, a reset (by
 * an admin, the operator or a mailed link) and "This wasn't me". A password change by the user
 * keeps them; one by an admin revokes them (`revokePersonalTokens`).
 */
const REVOKES_PERSONAL_TOKENS: ReadonlySet<SessionEndReason> = new Set([
  "user_locked",
  "password_reset",
  "not_me",
]);

/**
 * Ends every session of the user (all of them, or all but `exceptSessionId`) and every seed
 * token (the token version goes up). Pass a transaction as `ctx.db` to make it part of a
 * larger write (a password change); announce again after it commits. Audited when `reason` is
 * `logout_all`; the other reasons are audited by the flow that ends them.
 * @throws NotFoundError when the user does not exist.
 */
export async function endUserSessions(
  ctx: ServiceContext,
  userId: string,
  reason: SessionEndReason,
  meta?: RequestMeta,
  options: { exceptSessionId?: string | null | undefined; revokePersonalTokens?: boolean } = {},
): Promise<number> {
  if ((await bumpTokenVersion(ctx.db, userId)) === undefined) {
    throw new NotFoundError("No such user");
  }
  if (options.revokePersonalTokens ?? REVOKES_PERSONAL_TOKENS.has(reason)) {
    const revoked = await revokeUserPersonalAccessTokens(ctx.db, userId, {
      nowMs: ctx.clock(),
      reason,
    });
    if (revoked > 0) {
      await audit(ctx, "personal_tokens_revoked", { userId, meta, detail: { reason, revoked } });
    }
  }
  const ended = await endUserSessionRecords(ctx.db, userId, {
    nowMs: ctx.clock(),
    reason,
    ...(options.exceptSessionId ? { exceptId: options.exceptSessionId } : {}),
  });
  await announceSessionChange(ctx, { kind: "user", userId });
  if (reason === "logout_all") {
    await audit(ctx, "logout_all", { userId, meta, detail: { by: userId, sessions: ended } });
  }
  return ended;
}

/**
 * `POST /logout`: ends the request's session on the server. A seed token has no session to
 * end (it stays valid until `exp` or "sign out everywhere"). Audited.
 */
export async function logout(
  ctx: ServiceContext,
  session: { userId: string; sessionId: string | null },
  meta: RequestMeta,
): Promise<void> {
  if (session.sessionId === null) return;
  const ended = await endSessionRecord(ctx.db, session.sessionId, {
    nowMs: ctx.clock(),
    reason: "logout",
    userId: session.userId,
  });
  await announceSessionChange(ctx, { kind: "session", sessionId: session.sessionId });
  if (ended !== undefined) {
    await audit(ctx, "session_ended", {
      userId: session.userId,
      meta,
      detail: { by: session.userId, reason: "logout", session: session.sessionId },
    });
  }
}

/**
 * Deletes session records that ended, expired or idled out more than the retention ago, in
 * batches (each a short write). Returns how many went.
 */
export async function sweepSessions(ctx: ServiceContext): Promise<number> {
  const retentionDays = ctx.settings.sessionRetentionDays;
  const beforeMs = ctx.clock() - retentionDays * DAY_MS;
  let total = 0;
  for (;;) {
    const deleted = await deleteOldSessions(ctx.db, beforeMs, DEFAULT_SESSION_SWEEP_BATCH);
    total += deleted;
    if (deleted < DEFAULT_SESSION_SWEEP_BATCH) return total;
  }
}
