/**
 * The `email_tokens` table: single-use tokens sent by mail. Only the SHA-256 of a token is
 * stored; `consumeEmailToken` uses one up atomically (a conditional UPDATE on `used_at IS NULL`
 * and the expiry), so two requests with one token cannot both succeed.
 */
import type { Kysely, Selectable } from "kysely";
import { fromEpochMs, fromNullableEpochMs, toEpochMs } from "./columns.js";
import { canonicalId, newId } from "./ids.js";
import type { Database, EmailTokensTable } from "./schema.js";

type Db = Kysely<Database>;

/** What a token is for. */
export type EmailTokenPurpose = "password_reset" | "email_verification" | "invitation" | "not_me";

/** What `insertEmailToken` stores. */
export interface NewEmailToken {
  userId: string | null;
  purpose: EmailTokenPurpose;
  tokenHash: string;
  data: Record<string, unknown>;
  expiresAtMs: number;
  nowMs: number;
}

/** A stored token (never the token itself). */
export interface EmailTokenRecord {
  id: string;
  userId: string | null;
  purpose: EmailTokenPurpose;
  data: Record<string, unknown>;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

function toRecord(row: Selectable<EmailTokensTable>): EmailTokenRecord {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.data);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      data = parsed as Record<string, unknown>;
    }
  } catch {
    // Corrupt data reads as empty: the flows then refuse what they cannot check.
  }
  return {
    id: row.id,
    userId: row.user_id,
    purpose: row.purpose as EmailTokenPurpose,
    data,
    expiresAt: fromEpochMs(row.expires_at),
    usedAt: fromNullableEpochMs(row.used_at),
    createdAt: fromEpochMs(row.created_at),
  };
}

/** Stores a token's hash; returns the row's id. */
export async function insertEmailToken(db: Db, token: NewEmailToken): Promise<string> {
  const id = newId();
  await db
    .insertInto("email_tokens")
    .values({
      id,
      user_id: token.userId === null ? null : (canonicalId(token.userId) ?? token.userId),
      purpose: token.purpose,
      token_hash: token.tokenHash,
      data: JSON.stringify(token.data),
      expires_at: toEpochMs(token.expiresAtMs),
      used_at: null,
      created_at: toEpochMs(token.nowMs),
    })
    .execute();
  return id;
}

/** The unused, unexpired token of `purpose` with this hash, without using it (a page's GET). */
export async function findLiveEmailToken(
  db: Db,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<EmailTokenRecord | undefined> {
  const row = await db
    .selectFrom("email_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", toEpochMs(nowMs))
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** The user's unused, unexpired tokens of `purpose`, newest first. */
export async function listLiveEmailTokens(
  db: Db,
  userId: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<EmailTokenRecord[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const rows = await db
    .selectFrom("email_tokens")
    .selectAll()
    .where("user_id", "=", id)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", toEpochMs(nowMs))
    .orderBy("created_at", "desc")
    .execute();
  return rows.map(toRecord);
}

/**
 * Uses the token up: one UPDATE that sets `used_at` only while it is null and the token has
 * not expired. The record when this call used it; undefined when it is unknown, of another
 * purpose, already used (by this or a concurrent call) or expired.
 */
export async function consumeEmailToken(
  db: Db,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<EmailTokenRecord | undefined> {
  const now = toEpochMs(nowMs);
  const row = await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Marks every unused token of `purpose` for the user used (void); how many. */
export async function voidEmailTokenRecords(
  db: Db,
  userId: string,
  purpose: EmailTokenPurpose,
  nowMs: number,
): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  const result = await db
    .updateTable("email_tokens")
    .set({ used_at: toEpochMs(nowMs) })
    .where("user_id", "=", id)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes tokens that expired before `beforeMs`; how many. */
export async function deleteExpiredEmailTokens(db: Db, beforeMs: number): Promise<number> {
  const result = await db
    .deleteFrom("email_tokens")
    .where("expires_at", "<", toEpochMs(beforeMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
