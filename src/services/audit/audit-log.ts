/**
 * Reading and keeping the audit trail: pages of events for admins (`GET /audit`) and for each
 * user about themselves (`GET /users/{id}/audit`), and the retention sweep that deletes events
 * older than `TESSERA_AUDIT_RETENTION_DAYS` and writes a chain checkpoint, daily.
 */
import type { AuditEventView, AuditPage } from "../../contract/index.js";
import { DEFAULT_AUDIT_PAGE_SIZE, MAX_AUDIT_PAGE_SIZE } from "../../contract/index.js";
import { DAY_MS } from "../../core/clock.js";
import { ClientError, NotFoundError, PermissionDeniedError } from "../../core/errors.js";
import {
  deleteAuditEventsBefore,
  getUserById,
  listAuditEvents,
  writeAuditCheckpoint,
  type AuditEvent,
} from "../../store/index.js";
import type { Actor, ServiceContext } from "../context.js";

/** How often the retention sweep runs. */
export const AUDIT_SWEEP_INTERVAL_MS = DAY_MS;
/** The first sweep after start waits this long (start-up stays quick; restarts still sweep). */
export const AUDIT_FIRST_SWEEP_DELAY_MS = 60_000;

/** Filters of a page (the wire query, parsed). */
export interface AuditPageQuery {
  userId?: string | undefined;
  actorId?: string | undefined;
  event?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  cursor?: string | undefined;
  /** Events per page as sent (digits), 1 to `MAX_AUDIT_PAGE_SIZE`. */
  limit?: string | undefined;
}

/** Any event, filtered (admins only). @throws PermissionDeniedError. */
export async function readAuditPage(
  ctx: ServiceContext,
  actor: Actor,
  query: AuditPageQuery,
): Promise<AuditPage> {
  if (!actor.isAdmin) throw new PermissionDeniedError("Only an admin may read the audit trail");
  return page(ctx, query);
}

/** The events about one user (the user or an admin). @throws PermissionDeniedError, NotFoundError. */
export async function readUserAuditPage(
  ctx: ServiceContext,
  actor: Actor,
  userId: string,
  query: Omit<AuditPageQuery, "userId" | "actorId">,
): Promise<AuditPage> {
  if (actor.id !== userId && !actor.isAdmin) {
    throw new PermissionDeniedError("Only the user or an admin may read their activity");
  }
  // Like every /users/{id}/… route: 404 for no such user (GET /audit?user_id= still shows the
  // events of a deleted one).
  if ((await getUserById(ctx.db, userId)) === undefined) throw new NotFoundError("No such user");
  return page(ctx, { ...query, userId });
}

async function page(ctx: ServiceContext, query: AuditPageQuery): Promise<AuditPage> {
  const limit = query.limit === undefined ? DEFAULT_AUDIT_PAGE_SIZE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
    throw new ClientError(`limit must be from 1 to ${MAX_AUDIT_PAGE_SIZE}`, {
      code: "validation_error",
      extra: { field: "limit" },
    });
  }
  const events = await listAuditEvents(ctx.db, {
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    ...(query.actorId === undefined ? {} : { actorId: query.actorId }),
    ...(query.event === undefined ? {} : { event: query.event }),
    ...(query.since === undefined ? {} : { sinceMs: Date.parse(query.since) }),
    ...(query.until === undefined ? {} : { untilMs: Date.parse(query.until) }),
    ...(query.cursor === undefined ? {} : { beforeId: Number(query.cursor) }),
    // One more than asked: whether there is a next page, without a count.
    limit: limit + 1,
  });
  const shown = events.slice(0, limit);
  return {
    events: shown.map(toAuditEventView),
    next_cursor: events.length > limit ? String(shown.at(-1)!.id) : null,
  };
}

/** An event as the API shows it. */
export function toAuditEventView(event: AuditEvent): AuditEventView {
  return {
    id: event.id,
    seq: event.seq,
    at: event.at.toISOString(),
    event: event.event,
    user_id: event.userId,
    actor_id: event.actorId,
    ip: event.ip,
    user_agent: event.userAgent,
    detail: event.detail,
  };
}

/** One retention pass: a checkpoint of the chain, then events older than the retention go. */
export async function sweepAuditTrail(
  ctx: ServiceContext,
  retentionDays: number,
): Promise<{ deleted: number }> {
  const nowMs = ctx.clock();
  await writeAuditCheckpoint(ctx.db, nowMs);
  if (retentionDays <= 0) return { deleted: 0 };
  const cutoffMs = nowMs - retentionDays * DAY_MS;
  return { deleted: await deleteAuditEventsBefore(ctx.db, cutoffMs, nowMs) };
}

/** The daily sweep's timer. */
export interface AuditSweeper {
  stop(): void;
}

/**
 * Runs `sweepAuditTrail` a minute after start, then daily. Timers are unref'd (they never keep
 * the process alive); errors go to `onError` and the next run tries again.
 */
export function startAuditSweeper(
  ctx: ServiceContext,
  retentionDays: number,
  onError: (error: unknown) => void,
): AuditSweeper {
  let interval: NodeJS.Timeout | undefined;
  const run = () => {
    sweepAuditTrail(ctx, retentionDays).catch(onError);
  };
  const first = setTimeout(() => {
    run();
    interval = setInterval(run, AUDIT_SWEEP_INTERVAL_MS);
    interval.unref();
  }, AUDIT_FIRST_SWEEP_DELAY_MS);
  first.unref();
  return {
    stop() {
      clearTimeout(first);
      if (interval !== undefined) clearInterval(interval);
    },
  };
}
