/**
 * The `mail_queue` table: outgoing mail waiting for, or done with, the worker
 * (services/mail/queue.ts). Several instances share it: a row is taken with a lease (one
 * conditional UPDATE, so of two workers racing for a row only one gets it); a worker that dies
 * mid-send loses its lease when `claimed_until` passes, and another one sends the row.
 */
import type { Kysely, Selectable } from "kysely";
import { fromEpochMs, fromNullableEpochMs, storableText, toEpochMs } from "./columns.js";
import { newId } from "./ids.js";
import type { Database, MailQueueTable } from "./schema.js";

type Db = Kysely<Database>;

/** A queued mail's status. */
export type MailStatus = "pending" | "sent" | "failed";

/** What `insertMail` stores. */
export interface NewMail {
  recipient: string;
  subject: string;
  text: string;
  html: string;
  /** Enqueue time; the first attempt is due at once. */
  nowMs: number;
}

/** A queued mail. */
export interface QueuedMail {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  status: MailStatus;
  /** Attempts started so far (a claim counts one). */
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

function toQueuedMail(row: Selectable<MailQueueTable>): QueuedMail {
  return {
    id: row.id,
    recipient: row.recipient,
    subject: row.subject,
    text: row.text,
    html: row.html,
    status: row.status as MailStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: fromEpochMs(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: fromEpochMs(row.created_at),
    sentAt: fromNullableEpochMs(row.sent_at),
  };
}

/** Queues a mail (pending, due now); returns its id. One INSERT: part of the caller's transaction. */
export async function insertMail(db: Db, mail: NewMail): Promise<string> {
  const id = newId();
  const now = toEpochMs(mail.nowMs);
  await db
    .insertInto("mail_queue")
    .values({
      id,
      recipient: storableText(mail.recipient),
      subject: storableText(mail.subject),
      text: storableText(mail.text),
      html: storableText(mail.html),
      status: "pending",
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      created_at: now,
      sent_at: null,
      claimed_by: null,
      claimed_until: null,
    })
    .execute();
  return id;
}

/**
 * Takes up to `limit` pending mails due at `nowMs` whose lease is free or lapsed, for `owner`
 * until `nowMs + leaseMs`, counting one attempt each. Each row is taken by a conditional UPDATE
 * that repeats the conditions, so a row another worker took in between is skipped.
 */
export async function claimDueMail(
  db: Db,
  options: { owner: string; nowMs: number; leaseMs: number; limit: number },
): Promise<QueuedMail[]> {
  const now = toEpochMs(options.nowMs);
  const until = now + options.leaseMs;
  const candidates = await db
    .selectFrom("mail_queue")
    .select("id")
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now)
    .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
    .orderBy("next_attempt_at")
    .limit(options.limit)
    .execute();
  const claimed: QueuedMail[] = [];
  for (const { id } of candidates) {
    const row = await db
      .updateTable("mail_queue")
      .set((eb) => ({
        claimed_by: options.owner,
        claimed_until: until,
        attempts: eb("attempts", "+", 1),
      }))
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .returningAll()
      .executeTakeFirst();
    if (row !== undefined) claimed.push(toQueuedMail(row));
  }
  return claimed;
}

/** Marks a claimed mail sent (only while `owner` holds it); whether it did. */
export async function markMailSent(
  db: Db,
  id: string,
  owner: string,
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable("mail_queue")
    .set({ status: "sent", sent_at: toEpochMs(nowMs), claimed_by: null, claimed_until: null })
    .where("id", "=", id)
    .where("claimed_by", "=", owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A failed attempt of a claimed mail: due again at `retryAtMs`, or "failed" for good when
 * `retryAtMs` is null. The lease is given back. Whether `owner` still held it.
 */
export async function markMailFailed(
  db: Db,
  id: string,
  owner: string,
  options: { error: string; retryAtMs: number | null },
): Promise<boolean> {
  const result = await db
    .updateTable("mail_queue")
    .set({
      status: options.retryAtMs === null ? "failed" : "pending",
      ...(options.retryAtMs === null ? {} : { next_attempt_at: toEpochMs(options.retryAtMs) }),
      last_error: storableText(options.error.slice(0, 1000)),
      claimed_by: null,
      claimed_until: null,
    })
    .where("id", "=", id)
    .where("claimed_by", "=", owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A queued mail by id (tests, tools). */
export async function getQueuedMail(db: Db, id: string): Promise<QueuedMail | undefined> {
  const row = await db.selectFrom("mail_queue").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : toQueuedMail(row);
}

/** How many mails have each status. */
export async function countQueuedMail(db: Db): Promise<Record<MailStatus, number>> {
  const rows = await db
    .selectFrom("mail_queue")
    .select(["status", (eb) => eb.fn.countAll<number>().as("count")])
    .groupBy("status")
    .execute();
  const counts: Record<MailStatus, number> = { pending: 0, sent: 0, failed: 0 };
  for (const row of rows) counts[row.status as MailStatus] = Number(row.count);
  return counts;
}

/** Deletes sent and failed mails created before `beforeMs` (their bodies hold links); how many. */
export async function deleteOldMail(db: Db, beforeMs: number): Promise<number> {
  const result = await db
    .deleteFrom("mail_queue")
    .where("status", "in", ["sent", "failed"])
    .where("created_at", "<", toEpochMs(beforeMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
