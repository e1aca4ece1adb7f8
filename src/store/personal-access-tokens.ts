/**
 * The `personal_access_tokens` table (issue 23): a user's tokens for scripts and tools, the
 * secret kept only as its SHA-256. Every write is one statement; a revoked token is never
 * revived (`revoked_at is null` guards every update).
 */
import type { Kysely, Selectable } from "kysely";
import { ConflictError, NotFoundError } from "../core/errors.js";
import { fromEpochMs, fromNullableEpochMs, storableText, toEpochMs } from "./columns.js";
import { isForeignKeyViolation } from "./dialect.js";
import { canonicalId, newId } from "./ids.js";
import type { Database, PersonalAccessTokensTable } from "./schema.js";
import { withTransaction } from "./transactions.js";

type Db = Kysely<Database>;

/** `last_used_at` and `last_used_address` are written at most this often per token (issue 23). */
export const PERSONAL_TOKEN_TOUCH_INTERVAL_MS = 60_000;

/** A token record (never the secret). */
export interface PersonalAccessToken {
  id: string;
  userId: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedAddress: string | null;
  revokedAt: Date | null;
}

/** What `insertPersonalAccessToken` stores. */
export interface NewPersonalAccessToken {
  userId: string;
  name: string;
  /** The token's SHA-256 (made by the service). */
  tokenHash: string;
  scopes: readonly string[];
  nowMs: number;
  expiresAtMs: number;
  /** The most live tokens the user may hold; one more is refused (409). */
  maxLive: number;
}

function toToken(row: Selectable<PersonalAccessTokensTable>): PersonalAccessToken {
  let scopes: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.scopes);
    if (Array.isArray(parsed)) scopes = parsed.filter((s): s is string => typeof s === "string");
  } catch {
    // A hand-edited row: no scopes (nothing opens) rather than a 500.
  }
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes,
    createdAt: fromEpochMs(row.created_at),
    expiresAt: fromEpochMs(row.expires_at),
    lastUsedAt: fromNullableEpochMs(row.last_used_at),
    lastUsedAddress: row.last_used_address,
    revokedAt: fromNullableEpochMs(row.revoked_at),
  };
}

/**
 * Stores a new token, unless the user already holds `maxLive` live ones. The cap cannot be
 * raced: the user's row is written first (a row lock on PostgreSQL, the write lock on SQLite),
 * so two concurrent inserts count one after the other.
 * @throws NotFoundError for an unknown user, ConflictError at the cap.
 */
export async function insertPersonalAccessToken(
  db: Db,
  input: NewPersonalAccessToken,
): Promise<PersonalAccessToken> {
  const userId = canonicalId(input.userId);
  if (userId === undefined) throw new NotFoundError("No such user");
  return withTransaction(db, async (trx) => {
    const held = await trx
      .updateTable("users")
      .set((eb) => ({ updated_at: eb.ref("updated_at") }))
      .where("id", "=", userId)
      .executeTakeFirst();
    if (held.numUpdatedRows === 0n) throw new NotFoundError("No such user");
    if ((await countLivePersonalAccessTokens(trx, userId, input.nowMs)) >= input.maxLive) {
      throw new ConflictError(`At most ${input.maxLive} access tokens: revoke one first`, {
        extra: { max: input.maxLive },
      });
    }
    return insertRow(trx, userId, input);
  });
}

async function insertRow(
  db: Db,
  userId: string,
  input: NewPersonalAccessToken,
): Promise<PersonalAccessToken> {
  try {
    const row = await db
      .insertInto("personal_access_tokens")
      .values({
        id: newId(),
        user_id: userId,
        name: storableText(input.name),
        token_hash: input.tokenHash,
        scopes: JSON.stringify(input.scopes),
        created_at: toEpochMs(input.nowMs),
        expires_at: toEpochMs(input.expiresAtMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toToken(row);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new NotFoundError("No such user");
    throw error;
  }
}

/** The token whose SHA-256 is `tokenHash` (revoked or expired too), or undefined. */
export async function findPersonalAccessTokenByHash(
  db: Db,
  tokenHash: string,
): Promise<PersonalAccessToken | undefined> {
  const row = await db
    .selectFrom("personal_access_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row === undefined ? undefined : toToken(row);
}

/** The user's live tokens (not revoked, not expired at `nowMs`), newest first, at most `limit`. */
export async function listLivePersonalAccessTokens(
  db: Db,
  userId: string,
  nowMs: number,
  limit: number,
): Promise<PersonalAccessToken[]> {
  const id = canonicalId(userId);
  if (id === undefined) return [];
  const rows = await db
    .selectFrom("personal_access_tokens")
    .selectAll()
    .where("user_id", "=", id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", toEpochMs(nowMs))
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toToken);
}

/** How many live tokens the user holds at `nowMs`. */
export async function countLivePersonalAccessTokens(
  db: Db,
  userId: string,
  nowMs: number,
): Promise<number> {
  const id = canonicalId(userId);
  if (id === undefined) return 0;
  const row = await db
    .selectFrom("personal_access_tokens")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("user_id", "=", id)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", toEpochMs(nowMs))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Revokes one live token of `userId`. Returns whether a token was revoked (false: no such live
 * token of that user).
 */
export async function revokePersonalAccessToken(
  db: Db,
  userId: string,
  tokenId: string,
  options: { nowMs: number; reason: string },
): Promise<boolean> {
  const user = canonicalId(userId);
  const id = canonicalId(tokenId);
  if (user === undefined || id === undefined) return false;
  const result = await db
    .updateTable("personal_access_tokens")
    .set({ revoked_at: toEpochMs(options.nowMs), revoked_reason: options.reason })
    .where("id", "=", id)
    .where("user_id", "=", user)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every token of the user that is not revoked yet; returns how many. */
export async function revokeUserPersonalAccessTokens(
  db: Db,
  userId: string,
  options: { nowMs: number; reason: string },
): Promise<number> {
  const user = canonicalId(userId);
  if (user === undefined) return 0;
  const result = await db
    .updateTable("personal_access_tokens")
    .set({ revoked_at: toEpochMs(options.nowMs), revoked_reason: options.reason })
    .where("user_id", "=", user)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Records a use: `last_used_at = now` and the address, only when the last write is at least
 * PERSONAL_TOKEN_TOUCH_INTERVAL_MS old (or there was none) and the token is not revoked.
 * One statement (concurrent touches of other instances become no-ops). Returns whether it wrote.
 */
export async function touchPersonalAccessToken(
  db: Db,
  id: string,
  options: { nowMs: number; address: string },
): Promise<boolean> {
  const now = toEpochMs(options.nowMs);
  const address = storableText(options.address);
  const result = await db
    .updateTable("personal_access_tokens")
    .set({ last_used_at: now, last_used_address: address })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("last_used_at", "is", null),
        eb("last_used_at", "<=", now - PERSONAL_TOKEN_TOUCH_INTERVAL_MS),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
