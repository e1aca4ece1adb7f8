/**
 * The `audit_events` table: an append-only security log that outlives the users it names, kept
 * as a hash chain (core/audit-chain.ts; verification, checkpoints and retention in
 * audit-chain.ts beside this file).
 */
import type { Kysely, Selectable } from "kysely";
import { auditEventHash } from "../core/audit-chain.js";
import { fromEpochMs, storableText, toEpochMs } from "./columns.js";
import { prepareQuery } from "./prepared.js";
import type { AuditEventsTable, Database } from "./schema.js";

/** Events `listAuditEvents` returns when no limit is given. */
export const DEFAULT_AUDIT_EVENT_LIMIT = 100;
/** Most events one `listAuditEvents` call returns. */
export const MAX_AUDIT_EVENT_LIMIT = 1_000;
/** The one row of `audit_chain_head`. */
export const AUDIT_CHAIN_HEAD_ID = 1;

/** One recorded event. */
export interface AuditEvent {
  id: number;
  /** Position in the hash chain. */
  seq: number;
  at: Date;
  userId: string | null;
  /** Who acted (the user, an admin), or null for the operator. */
  actorId: string | null;
  event: string;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

/** What `appendAuditEvent` records; `detail` defaults to `{}`, `actorId` to null. */
export interface NewAuditEvent {
  event: string;
  userId?: string | null;
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
  atMs: number;
}

/** Filters of `listAuditEvents` (all optional, combined with "and"). */
export interface ListAuditEventsOptions {
  userId?: string;
  actorId?: string;
  event?: string;
  /** Events at or after this time. */
  sinceMs?: number;
  /** Events before this time. */
  untilMs?: number;
  /** Only events with a smaller id (the cursor of the previous page). */
  beforeId?: number;
  /** Default `DEFAULT_AUDIT_EVENT_LIMIT`, at most `MAX_AUDIT_EVENT_LIMIT`. */
  limit?: number;
}

type Db = Kysely<Database>;

const nullableText = (value: string | null | undefined): string | null =>
  value === null || value === undefined ? null : storableText(value);

/**
 * Appends an event to the chain. Text that neither database can store (NUL, lone surrogates)
 * is replaced by U+FFFD rather than failing, so a hostile input can never suppress its own
 * audit record. Runs in the caller's transaction when `db` is one, else in its own.
 *
 * Race-free across connections and instances: the first statement advances the one
 * `audit_chain_head` row, which locks it (PostgreSQL: a row lock until commit; SQLite: the
 * database write lock), so concurrent appends queue there, each reads the hash the previous
 * one committed, and the chain never forks or skips a number.
 */
export async function appendAuditEvent(db: Db, input: NewAuditEvent): Promise<void> {
  if (db.isTransaction) return appendInTransaction(db, input);
  return db.transaction().execute((trx) => appendInTransaction(trx, input));
}

async function appendInTransaction(trx: Db, input: NewAuditEvent): Promise<void> {
  const detailText = storableText(
    JSON.stringify(input.detail ?? {}, (_key, value: unknown) =>
      typeof value === "string" ? storableText(value) : value,
    ),
  );
  const fields = {
    atMs: toEpochMs(input.atMs),
    userId: nullableText(input.userId),
    actorId: nullableText(input.actorId),
    event: storableText(input.event),
    ip: nullableText(input.ip),
    userAgent: nullableText(input.userAgent),
    detail: JSON.parse(detailText) as unknown,
  };
  const head = await advanceHead(trx);
  const seq = Number(head.seq);
  const hash = auditEventHash(head.hash, { seq, ...fields });
  await insertEvent.execute(trx, [
    fields.atMs,
    fields.userId,
    fields.actorId,
    fields.event,
    fields.ip,
    fields.userAgent,
    detailText,
    seq,
    head.hash,
    hash,
  ]);
  await setHeadHash.execute(trx, [hash]);
}

// The three statements of every audited event, compiled once (`prepared.ts`).
const advanceSeq = prepareQuery((db: Db) =>
  db
    .updateTable("audit_chain_head")
    .set((eb) => ({ seq: eb("seq", "+", 1) }))
    .where("id", "=", AUDIT_CHAIN_HEAD_ID)
    .returning(["seq", "hash"]),
);
const insertEvent = prepareQuery(
  (
    db: Db,
    at: number,
    userId: string | null,
    actorId: string | null,
    event: string,
    ip: string | null,
    userAgent: string | null,
    detail: string,
    seq: number,
    prevHash: string,
    hash: string,
  ) =>
    db.insertInto("audit_events").values({
      at,
      user_id: userId,
      actor_id: actorId,
      event,
      ip,
      user_agent: userAgent,
      detail,
      seq,
      prev_hash: prevHash,
      hash,
    }),
);
const setHeadHash = prepareQuery((db: Db, hash: string) =>
  db.updateTable("audit_chain_head").set({ hash }).where("id", "=", AUDIT_CHAIN_HEAD_ID),
);

/** Takes the next sequence number (locking the head row) and the previous hash. */
async function advanceHead(trx: Db): Promise<{ seq: number; hash: string }> {
  const advance = async () => (await advanceSeq.execute(trx, []))[0];
  const head = await advance();
  if (head !== undefined) return head;
  // The migration writes the row; this only restores a deleted one (a new chain begins).
  await trx
    .insertInto("audit_chain_head")
    .values({ id: AUDIT_CHAIN_HEAD_ID, seq: 0, hash: "" })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const retried = await advance();
  if (retried === undefined) throw new Error("audit_chain_head is missing");
  return retried;
}

/** Recorded events, newest first, filtered (see `ListAuditEventsOptions`). */
export async function listAuditEvents(
  db: Db,
  options: ListAuditEventsOptions = {},
): Promise<AuditEvent[]> {
  const requested = options.limit ?? DEFAULT_AUDIT_EVENT_LIMIT;
  const limit = Math.min(MAX_AUDIT_EVENT_LIMIT, Math.max(0, Math.trunc(requested) || 0));
  let query = db.selectFrom("audit_events").selectAll();
  if (options.userId !== undefined)
    query = query.where("user_id", "=", storableText(options.userId));
  if (options.actorId !== undefined)
    query = query.where("actor_id", "=", storableText(options.actorId));
  if (options.event !== undefined) query = query.where("event", "=", storableText(options.event));
  if (options.sinceMs !== undefined) query = query.where("at", ">=", toEpochMs(options.sinceMs));
  if (options.untilMs !== undefined) query = query.where("at", "<", toEpochMs(options.untilMs));
  if (options.beforeId !== undefined) query = query.where("id", "<", options.beforeId);
  const rows = await query.orderBy("id", "desc").limit(limit).execute();
  return rows.map(toAuditEvent);
}

/** Maps a row to an `AuditEvent`. */
export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: Number(row.id),
    seq: Number(row.seq),
    at: fromEpochMs(row.at),
    userId: row.user_id,
    actorId: row.actor_id,
    event: row.event,
    ip: row.ip,
    userAgent: row.user_agent,
    detail: parseDetail(row.detail),
  };
}

/** A row's `detail` as an object: PostgreSQL's jsonb comes back parsed, SQLite's text does not. */
export function parseDetail(value: unknown): Record<string, unknown> {
  const detail: unknown = typeof value === "string" ? JSON.parse(value) : value;
  return typeof detail === "object" && detail !== null && !Array.isArray(detail)
    ? (detail as Record<string, unknown>)
    : {};
}
