/**
 * The device list (issue 10): a user's live sessions a page at a time, the asking session
 * first ("this device"), and ending one of them or all the others. What a session is, and
 * ending them all, is `sessions.ts`.
 */
import { NotFoundError } from "../../core/errors.js";
import { endSessionRecord, listLiveSessions, type Session } from "../../store/index.js";
import { loadTarget, type ActingUser } from "../access.js";
import { audit } from "../audit/audit.js";
import type { RequestMeta, ServiceContext } from "../context.js";
import { decodeCursor, encodeCursor, parseLimit, toPage, type Page } from "../paging.js";
import { endUserSessions } from "./ending.js";
import { announceSessionChange, type SessionEndReason } from "./sessions.js";

/** A session as the device list shows it. */
export interface SessionListing {
  session: Session;
  current: boolean;
}

/** A page of the device list (`limit` and `cursor` as sent). */
export interface SessionPageQuery {
  limit?: string | undefined;
  cursor?: string | undefined;
}

/**
 * A page of the live sessions of a user (self or admin): on the first page the session asking
 * comes first ("this device"), then the others newest first; later pages hold only others.
 * @throws PermissionDeniedError, NotFoundError, ClientError `validation_error` (limit, cursor).
 */
export async function listSessions(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  currentSessionId: string | null,
  query: SessionPageQuery = {},
): Promise<Page<SessionListing>> {
  const limit = parseLimit(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const nowMs = ctx.clock();
  const exclude = currentSessionId === null ? {} : { excludeId: currentSessionId };
  const current =
    after === undefined && currentSessionId !== null
      ? await listLiveSessions(ctx.db, target.id, nowMs, { onlyId: currentSessionId })
      : [];
  const room = limit - current.length;
  const others = await listLiveSessions(ctx.db, target.id, nowMs, {
    ...exclude,
    ...(after === undefined ? {} : { after }),
    limit: room + 1,
  });
  const page = toPage(others, room, (session) => ({
    createdAtMs: session.createdAt.getTime(),
    id: session.id,
  }));
  // limit 1 and the current session took the place: the next page starts before every other.
  const nextCursor =
    room === 0 && others.length > 0 ? encodeCursor(BEFORE_EVERY_SESSION) : page.nextCursor;
  return {
    items: [
      ...current.map((session) => ({ session, current: true })),
      ...page.items.map((session) => ({ session, current: false })),
    ],
    nextCursor,
  };
}

/** A key above every session in the list's order (newest first): a time later than any. */
const BEFORE_EVERY_SESSION = { createdAtMs: 999_999_999_999_999, id: "-" };

/**
 * Ends one session of a user (self, or an admin for a non-admin). 404 for a session id that
 * is not a live session of that user (no probing of other users' ids). Audited.
 * @throws PermissionDeniedError, NotFoundError.
 */
export async function endOneSession(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self-or-admin" });
  const reason: SessionEndReason = actor.id === target.id ? "ended_by_user" : "ended_by_admin";
  const ended = await endSessionRecord(ctx.db, sessionId, {
    nowMs: ctx.clock(),
    reason,
    userId: target.id,
  });
  if (ended === undefined) throw new NotFoundError("No such session");
  await announceSessionChange(ctx, { kind: "session", sessionId });
  await audit(ctx, "session_ended", {
    userId: target.id,
    meta,
    detail: { by: actor.id, reason, session: sessionId },
  });
}

/**
 * Ends every session of the user but the current one (self only), and the user's seed tokens.
 * Returns how many ended. Audited. @throws PermissionDeniedError, NotFoundError.
 */
export async function endOtherSessions(
  ctx: ServiceContext,
  actor: ActingUser,
  targetId: string,
  currentSessionId: string | null,
  meta: RequestMeta,
): Promise<number> {
  const target = await loadTarget(ctx, actor, targetId, { access: "self" });
  const ended = await endUserSessions(ctx, target.id, "end_others", meta, {
    exceptSessionId: currentSessionId,
  });
  await audit(ctx, "sessions_ended", {
    userId: target.id,
    meta,
    detail: { by: actor.id, reason: "end_others", sessions: ended },
  });
  return ended;
}
