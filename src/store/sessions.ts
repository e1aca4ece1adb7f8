/**
 * The `sessions` table: one row per sign-in. Every write is one statement (hence atomic); an
 * ended session is never revived (`ended_at is null` guards every update).
 */
import { sql, type Kysely, type Selectable } from "kysely";
import { NotFoundError } from "../core/errors.js";
import { fromEpochMs, fromNullableEpochMs, storableText, toEpochMs } from "./columns.js";
import { capabilitiesOf, isForeignKeyViolation } from "./dialect.js";
import { canonicalId } from "./ids.js";
import { prepareQuery } from "./prepared.js";
import type { Database, SessionsTable } from "./schema.js";

type Db = Kysely<Database>;

/** `last_seen_at` is written at most this often per session (issue 10: once a minute). */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** A session record. */
export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  idleExpiresAt: Date;
  /** Authentication method references (RFC 8176 §2 names where it has them). */
  amr: string[];
  authTime: Date;
  ip: string | null;
  userAgent: string | null;
  device: string | null;
  endedAt: Date | null;
  endReason: string | null;
}

/** What `createSession` stores. */
export interface NewSession {
  /** 128 random bits or more, base64url (made by the service). */
  id: string;
  userId: string;
  nowMs: number;
  expiresAtMs: number;
  idleExpiresAtMs: number;
  amr: readonly string[];
  ip: string | null;
  userAgent: string | null;
  device: string | null;
}

function toSession(row: Selectable<SessionsTable>): Session {
  let amr: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.amr);
    if (Array.isArray(parsed)) amr = parsed.filter((m): m is string => typeof m === "string");
  } catch {
    // A hand-edited row: no methods rather than a 500.
  }
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: fromEpochMs(row.created_at),
    lastSeenAt: fromEpochMs(row.last_seen_at),
    expiresAt: fromEpochMs(row.expires_at),
    idleExpiresAt: fromEpochMs(row.idle_expires_at),
    amr,
    authTime: fromEpochMs(row.auth_time),
    ip: row.ip,
    userAgent: row.user_agent,
    device: row.device,
    endedAt: fromNullableEpochMs(row.ended_at),
    endReason: row.end_reason,
  };
}

/** Stores a new session. @throws NotFoundError for an unknown user. */
export async function createSession(db: Db, input: NewSession): Promise<Session> {
  const userId = canonicalId(input.userId);
  if (userId === undefined) throw new NotFoundError("No such user");
  const now = toEpochMs(input.nowMs);
  try {
    const [row] = await insertSession.execute(db, [
      input.id,
      userId,
      now,
      toEpochMs(input.expiresAtMs),
      toEpochMs(input.idleExpiresAtMs),
      JSON.stringify(input.amr),
      input.ip === null ? null : storableText(input.ip),
      input.userAgent === null ? null : storableText(input.userAgent),
      input.device === null ? null : storableText(input.device),
    ]);
    if (row === undefined) throw new Error("The session insert returned no row");
    return toSession(row);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new NotFoundError("No such user");
    throw error;
  }
}

// Every sign-in inserts one: compiled once (`prepared.ts`).
const insertSession = prepareQuery(
  (
    db: Db,
    id: string,
    userId: string,
    now: number,
    expiresAt: number,
    idleExpiresAt: number,
    amr: string,
    ip: string | null,
    userAgent: string | null,
    device: string | null,
  ) =>
    db
      .insertInto("sessions")
      .values({
        id,
        user_id: userId,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        idle_expires_at: idleExpiresAt,
        amr,
        auth_time: now,
        ip,
        user_agent: userAgent,
        device,
      })
      .returningAll(),
);

/** A session by id (ended or not), or undefined. */
export async function getSession(db: Db, id: string): Promise<Session | undefined> {
  const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toSession(row);
}

/**
 * Records activity: `last_seen_at = now` and `idle_expires_at = now + idleMs` (never past
 * `expires_at`), only when the last write is at least SESSION_TOUCH_INTERVAL_MS old and the
 * session is live. Returns the new idle expiry, or undefined when nothing was written.
 */
export async function touchSession(
  db: Db,
  id: string,
  nowMs: number,
  idleMs: number,
): Promise<Date | undefined> {
  const now = toEpochMs(nowMs);
  const row = await db
    .updateTable("sessions")
    .set({
      last_seen_at: now,
      // Portable min(): SQLite's scalar min() is PostgreSQL's least().
      idle_expires_at: sql<number>`case when expires_at < ${now + idleMs} then expires_at else ${now + idleMs} end`,
    })
    .where("id", "=", id)
    .where("ended_at", "is", null)
    .where("last_seen_at", "<=", now - SESSION_TOUCH_INTERVAL_MS)
    .where("idle_expires_at", ">", now)
    .returning("idle_expires_at")
    .executeTakeFirst();
  return row === undefined ? undefined : fromEpochMs(row.idle_expires_at);
}

/** Which of a user's live sessions `listLiveSessions` reads (default: all). */
export interface LiveSessionsPage {
  /** Only those after this one in the order (newest first, then by id). */
  after?: { createdAtMs: number; id: string };
  /** Not this session (the one asking, shown first on its own). */
  excludeId?: string;
  /** Only this session. */
  onlyId?: string;
  /** At most this many. */
  limit?: number;
}

/**
 * The user's live sessions (not ended, not expired, not idle too long), newest first (ties by
 * id), a page of them with `page`.
 */
export async function listLiveSessions(
  db: Db,
  userId: string,
  nowMs: number,
  page: LiveSessionsPage = {},
): Promise<Session[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const now = toEpochMs(nowMs);
  let query = db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", id)
    .where("ended_at", "is", null)
    .where("expires_at", ">", now)
    .where("idle_expires_at", ">", now);
  const { after, excludeId, onlyId, limit } = page;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", after.createdAtMs),
        eb.and([eb("created_at", "=", after.createdAtMs), eb("id", ">", after.id)]),
      ]),
    );
  }
  if (excludeId !== undefined) query = query.where("id", "!=", excludeId);
  if (onlyId !== undefined) query = query.where("id", "=", onlyId);
  if (limit !== undefined) query = query.limit(limit);
  const rows = await query.orderBy("created_at", "desc").orderBy("id").execute();
  return rows.map(toSession);
}

/** Live sessions per user id (users without one are absent). */
export async function countLiveSessions(db: Db, nowMs: number): Promise<Map<string, number>> {
  const now = toEpochMs(nowMs);
  const rows = await db
    .selectFrom("sessions")
    .select((eb) => ["user_id", eb.fn.countAll<number>().as("count")])
    .where("ended_at", "is", null)
    .where("expires_at", ">", now)
    .where("idle_expires_at", ">", now)
    .groupBy("user_id")
    .execute();
  return new Map(rows.map((r) => [r.user_id, Number(r.count)]));
}

/** What ending sessions records. */
export interface EndSessionsOptions {
  nowMs: number;
  reason: string;
}

/**
 * Ends one live session; with `userId`, only if it is that user's (no probing of other users'
 * ids). Returns the session's user id, or undefined when no live session matched.
 */
export async function endSessionRecord(
  db: Db,
  id: string,
  options: EndSessionsOptions & { userId?: string },
): Promise<string | undefined> {
  let query = db
    .updateTable("sessions")
    .set({ ended_at: toEpochMs(options.nowMs), end_reason: options.reason })
    .where("id", "=", id)
    .where("ended_at", "is", null);
  if (options.userId !== undefined) {
    const userId = canonicalId(options.userId);
    if (userId === undefined) return undefined;
    query = query.where("user_id", "=", userId);
  }
  const row = await query.returning("user_id").executeTakeFirst();
  return row?.user_id;
}

/** Ends every live session of a user, but `exceptId` when given. Returns how many ended. */
export async function endUserSessionRecords(
  db: Db,
  userId: string,
  options: EndSessionsOptions & { exceptId?: string },
): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  let query = db
    .updateTable("sessions")
    .set({ ended_at: toEpochMs(options.nowMs), end_reason: options.reason })
    .where("user_id", "=", id)
    .where("ended_at", "is", null);
  if (options.exceptId !== undefined) query = query.where("id", "!=", options.exceptId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * A re-authentication in a live session of `userId`: `auth_time = now` and `method` joins
 * `amr`. One transaction (the `amr` list is read, locked, then written back with the method).
 * Returns the updated session, or undefined when no live session of that user matched.
 */
export async function recordReauthentication(
  db: Db,
  id: string,
  userId: string,
  nowMs: number,
  method: string,
): Promise<Session | undefined> {
  const owner = canonicalId(userId);
  if (owner === undefined) return undefined;
  const now = toEpochMs(nowMs);
  const { rowLocks } = capabilitiesOf(db);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("sessions")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", owner)
      .where("ended_at", "is", null)
      .where("expires_at", ">", now)
      .where("idle_expires_at", ">", now)
      // PostgreSQL: a concurrent re-authentication waits for this one's commit, then reads its
      // `amr` (else each writes back the list it read and one method is lost). SQLite: the
      // transaction holds the database.
      .$if(rowLocks, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const amr = toSession(row).amr;
    const updated = await trx
      .updateTable("sessions")
      .set({
        auth_time: now,
        amr: JSON.stringify(amr.includes(method) ? amr : [...amr, method]),
      })
      .where("id", "=", id)
      .where("ended_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return updated === undefined ? undefined : toSession(updated);
  });
}

/** Rows one sweep statement deletes at most: a short write lock, then the next batch. */
export const DEFAULT_SESSION_SWEEP_BATCH = 1000;

/**
 * Deletes up to `batch` sessions that ended, expired or idled out before `before` (now minus
 * the retention). Returns how many rows went: fewer than `batch` means none is left.
 */
export async function deleteOldSessions(
  db: Db,
  beforeMs: number,
  batch: number = DEFAULT_SESSION_SWEEP_BATCH,
): Promise<number> {
  const cutoff = toEpochMs(beforeMs);
  const result = await db
    .deleteFrom("sessions")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("sessions")
        .select("id")
        // idle_expires_at never passes expires_at: it covers both expiries.
        .where((w) => w.or([w("ended_at", "<", cutoff), w("idle_expires_at", "<", cutoff)]))
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
