/**
 * The `linked_identities` table (issue 22): an upstream identity, (provider, `sub`), and the
 * local account it signs in to. An identity is never looked up by email.
 */
import type { Kysely } from "kysely";
import { fromEpochMs, fromNullableEpochMs, toEpochMs } from "./columns.js";
import { normalizeIdentifier } from "./identifiers.js";
import type { Database, LinkedIdentitiesTable } from "./schema.js";

type Db = Kysely<Database>;

/** A linked identity. */
export interface LinkedIdentity {
  providerId: string;
  subject: string;
  userId: string;
  emailAtLink: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function toLinked(row: LinkedIdentitiesTable): LinkedIdentity {
  return {
    providerId: row.provider_id,
    subject: row.subject,
    userId: row.user_id,
    emailAtLink: row.email_at_link,
    createdAt: fromEpochMs(row.created_at),
    lastUsedAt: fromNullableEpochMs(row.last_used_at),
  };
}

/** The link of (provider, subject), or undefined. */
export async function findLinkedIdentity(
  db: Db,
  providerId: string,
  subject: string,
): Promise<LinkedIdentity | undefined> {
  const row = await db
    .selectFrom("linked_identities")
    .selectAll()
    .where("provider_id", "=", providerId)
    .where("subject", "=", subject)
    .executeTakeFirst();
  return row === undefined ? undefined : toLinked(row);
}

/** A user's links, oldest first. */
export async function listLinkedIdentities(db: Db, userId: string): Promise<LinkedIdentity[]> {
  const rows = await db
    .selectFrom("linked_identities")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("provider_id")
    .execute();
  return rows.map(toLinked);
}

/**
 * Links (provider, subject) to a user; false when that identity is linked already (to anyone:
 * the primary key makes two concurrent first sign-ins agree on one account).
 */
export async function insertLinkedIdentity(
  db: Db,
  link: { providerId: string; subject: string; userId: string; emailAtLink: string | null },
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .insertInto("linked_identities")
    .values({
      provider_id: link.providerId,
      subject: link.subject,
      user_id: link.userId,
      email_at_link: link.emailAtLink,
      created_at: toEpochMs(nowMs),
      last_used_at: toEpochMs(nowMs),
    })
    .onConflict((oc) => oc.columns(["provider_id", "subject"]).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Records a sign-in through a link. */
export async function touchLinkedIdentity(
  db: Db,
  providerId: string,
  subject: string,
  nowMs: number,
): Promise<void> {
  await db
    .updateTable("linked_identities")
    .set({ last_used_at: toEpochMs(nowMs) })
    .where("provider_id", "=", providerId)
    .where("subject", "=", subject)
    .execute();
}

/** Removes a user's link through `providerId`; the subjects removed. */
export async function deleteLinkedIdentities(
  db: Db,
  userId: string,
  providerId: string,
): Promise<string[]> {
  const rows = await db
    .deleteFrom("linked_identities")
    .where("user_id", "=", userId)
    .where("provider_id", "=", providerId)
    .returning("subject")
    .execute();
  return rows.map((row) => row.subject);
}

/**
 * The ids of the accounts whose address folds to `email`'s key (at most `limit`): the
 * candidates of a link by verified address. The unique index on `email_key` keeps it to one
 * today; the callers still refuse to pick among several.
 */
export async function findAccountIdsByEmail(db: Db, email: string, limit = 2): Promise<string[]> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where("email_key", "=", normalizeIdentifier(email))
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
