/** The `audit_events` table: an append-only security log that outlives the users it names. */
import type { Kysely, Selectable } from "kysely";
import { fromEpochMs, storableText, toEpochMs } from "./columns.js";
import type { AuditEventsTable, Database } from "./schema.js";

/** Events `listAuditEvents` returns when no limit is given. */
export const DEFAULT_AUDIT_EVENT_LIMIT = 100;
/** Most events one `listAuditEvents` call returns. */
export const MAX_AUDIT_EVENT_LIMIT = 1_000;

/** One recorded event. */
export interface AuditEvent {
  id: number;
  at: Date;
  userId: string | null;
  event: string;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

/** What `appendAuditEvent` records; `at` defaults to now, `detail` to `{}`. */
export interface NewAuditEvent {
  event: string;
  userId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
  at: Date;
}

/** Filters of `listAuditEvents`. */
export interface ListAuditEventsOptions {
  userId?: string;
  event?: string;
  /** Default `DEFAULT_AUDIT_EVENT_LIMIT`, at most `MAX_AUDIT_EVENT_LIMIT`. */
  limit?: number;
}

type Db = Kysely<Database>;

const nullableText = (value: string | null | undefined): string | null =>
  value === null || value === undefined ? null : storableText(value);

/**
 * Appends an event. Text that neither database can store (NUL, lone surrogates) is replaced
 * by U+FFFD rather than failing, so a hostile input can never suppress its own audit record.
 */
export async function appendAuditEvent(db: Db, input: NewAuditEvent): Promise<void> {
  const detail = JSON.stringify(input.detail ?? {}, (_key, value: unknown) =>
    typeof value === "string" ? storableText(value) : value,
  );
  await db
    .insertInto("audit_events")
    .values({
      at: toEpochMs(input.at),
      user_id: nullableText(input.userId),
      event: storableText(input.event),
      ip: nullableText(input.ip),
      user_agent: nullableText(input.userAgent),
      detail: storableText(detail),
    })
    .execute();
}

/** Recorded events, newest first, optionally of one user and/or one event name. */
export async function listAuditEvents(
  db: Db,
  options: ListAuditEventsOptions = {},
): Promise<AuditEvent[]> {
  const requested = options.limit ?? DEFAULT_AUDIT_EVENT_LIMIT;
  const limit = Math.min(MAX_AUDIT_EVENT_LIMIT, Math.max(0, Math.trunc(requested) || 0));
  let query = db.selectFrom("audit_events").selectAll();
  if (options.userId !== undefined)
    query = query.where("user_id", "=", storableText(options.userId));
  if (options.event !== undefined) query = query.where("event", "=", storableText(options.event));
  const rows = await query.orderBy("id", "desc").limit(limit).execute();
  return rows.map(toAuditEvent);
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  // PostgreSQL's jsonb comes back parsed; SQLite's text does not.
  const detail: unknown = typeof row.detail === "string" ? JSON.parse(row.detail) : row.detail;
  return {
    id: Number(row.id),
    at: fromEpochMs(row.at),
    userId: row.user_id,
    event: row.event,
    ip: row.ip,
    userAgent: row.user_agent,
    detail:
      typeof detail === "object" && detail !== null ? (detail as Record<string, unknown>) : {},
  };
}
